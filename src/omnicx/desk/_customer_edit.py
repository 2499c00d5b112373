"""A profile edited by hand: checked fields in, one new profile out."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from omnicx._frozen import EMPTY_MAP, frozen_json
from omnicx.errors import Problem, ValidationError
from omnicx.identity import Profile
from omnicx.routing._names import language_problem

_FIELDS = ("vip", "tier", "language", "timezone")


@attrs.frozen(kw_only=True)
class CustomerEdit:
    """What an agent or the host changes on a customer; None leaves a field as it is.

    Attributes:
        name: the display name (it becomes the first name known).
        vip: the VIP flag, over what tags and thresholds say.
        tier: the tier name.
        language: a BCP 47 language tag (``en``, ``pt-BR``).
        timezone: an IANA time zone (``Europe/Berlin``).
        attributes: host attributes to set; a None value removes the attribute.
    """

    name: str | None = None
    vip: bool | None = None
    tier: str | None = None
    language: str | None = None
    timezone: str | None = None
    attributes: Mapping[str, Any] = attrs.field(default=EMPTY_MAP, converter=frozen_json)

    def problems(self) -> list[Problem]:
        """Every field that is not acceptable, with its path and the fix."""
        found: list[Problem] = []
        if self.name is not None and (not isinstance(self.name, str) or not self.name.strip()):
            found.append(Problem("name", "must be a non-empty display name"))
        if self.vip is not None and not isinstance(self.vip, bool):
            found.append(Problem("vip", "must be True or False"))
        if self.tier is not None and (not isinstance(self.tier, str) or not self.tier.strip()):
            found.append(Problem("tier", "must be a non-empty tier name"))
        if self.language is not None:
            why = (
                language_problem(self.language)
                if isinstance(self.language, str)
                else "must be a BCP 47 tag such as 'en'"
            )
            if why:
                found.append(Problem("language", why))
        if self.timezone is not None and not _known_zone(self.timezone):
            found.append(
                Problem("timezone", "unknown time zone; pass an IANA name such as 'Europe/Berlin'")
            )
        for key, value in self.attributes.items():
            if not isinstance(key, str) or not key:
                found.append(Problem("attributes", f"attribute names are text, got {key!r}"))
            elif not _json_value(value):
                found.append(
                    Problem(f"attributes.{key}", "must be a JSON value (text, number, list...)")
                )
        return found

    def applied_to(self, profile: Profile) -> Profile:
        """``profile`` with this edit; raises ``ValidationError`` listing every problem."""
        problems = self.problems()
        if problems:
            raise ValidationError(problems)
        attributes = dict(profile.attributes)
        for key, value in self.attributes.items():
            if value is None:
                attributes.pop(key, None)
            else:
                attributes[key] = value
        for key in _FIELDS:
            value = getattr(self, key)
            if value is not None:
                attributes[key] = value
        names = profile.names
        if self.name is not None:
            names = (self.name.strip(), *(n for n in names if n != self.name.strip()))
        return attrs.evolve(profile, attributes=attributes, names=names)

    def changed(self) -> list[str]:
        """The names of what this edit sets (for the audit log: names, never values)."""
        fields = ["name", *_FIELDS]
        return [f for f in fields if getattr(self, f) is not None] + sorted(self.attributes)


def _known_zone(name: object) -> bool:
    if not isinstance(name, str) or not name.strip():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _json_value(value: object) -> bool:
    if isinstance(value, float) and not math.isfinite(value):
        return False
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return False
    return True
