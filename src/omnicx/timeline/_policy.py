"""The threading policy: the knobs ``thread`` reads, loaded from data."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import attrs

from omnicx._frozen import EMPTY_MAP, frozen_map, frozen_set
from omnicx.errors import Problem, ValidationError, suggest
from omnicx.model import Channel

_KNOBS = (
    "continuity_hours",
    "channel_continuity_hours",
    "separate_channels",
    "subject_window_hours",
    "reopen_days",
)


@attrs.frozen(kw_only=True)
class ThreadingPolicy:
    """How ``thread`` decides when references do not settle it.

    Attributes:
        continuity_hours: a customer writing again within this many hours of
            a conversation's last activity continues it, on any channel.
        channel_continuity_hours: per-channel override (channel name -> hours).
        separate_channels: channels the host keeps in their own
            conversations: no continuity into or out of them.
        subject_window_hours: the email subject fallback only matches a
            conversation active within this many hours.
        reopen_days: a customer reply to a solved conversation within this
            many days of solving reopens it; later it starts a follow-up.
    """

    continuity_hours: float = 24.0
    channel_continuity_hours: Mapping[str, float] = attrs.field(
        default=EMPTY_MAP, converter=frozen_map
    )
    separate_channels: frozenset[str] = attrs.field(default=frozenset(), converter=frozen_set)
    subject_window_hours: float = 24.0 * 14
    reopen_days: float = 7.0

    def continuity(self, channel: Channel) -> timedelta | None:
        """Return the continuity window for ``channel``, or None where it is off."""
        if channel.name in self.separate_channels:
            return None
        hours = self.channel_continuity_hours.get(channel.name, self.continuity_hours)
        return timedelta(hours=hours) if hours > 0 else None

    @property
    def subject_window(self) -> timedelta:
        """The subject fallback's window as a timedelta."""
        return timedelta(hours=self.subject_window_hours)

    @property
    def reopen_window(self) -> timedelta:
        """The reopen window as a timedelta."""
        return timedelta(days=self.reopen_days)

    @classmethod
    def from_dict(cls, data: Any) -> ThreadingPolicy:
        """Load a policy from a JSON/TOML/YAML-shaped mapping; missing knobs keep defaults.

        Raises:
            ValidationError: with every problem and its path, e.g.
                ``channel_continuity_hours.sms: must be a number >= 0, got 'x'``.
        """
        if not isinstance(data, Mapping):
            raise ValidationError.single("", f"expected a mapping, got {type(data).__name__}")
        problems: list[Problem] = []
        for key in data:
            if key not in _KNOBS:
                hint = suggest(str(key), _KNOBS)
                problems.append(Problem(str(key), f"unknown setting{hint}"))
        values: dict[str, Any] = {}
        for name in ("continuity_hours", "subject_window_hours", "reopen_days"):
            if name in data:
                values[name] = _number(data[name], name, problems)
        if "channel_continuity_hours" in data:
            values["channel_continuity_hours"] = _per_channel(
                data["channel_continuity_hours"], problems
            )
        if "separate_channels" in data:
            values["separate_channels"] = _channels(data["separate_channels"], problems)
        if problems:
            raise ValidationError(problems)
        return cls(**values)


def _number(value: Any, path: str, problems: list[Problem]) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        problems.append(Problem(path, f"must be a number >= 0, got {value!r}"))
        return 0.0
    return float(value)


def _channel_name(value: Any, path: str, problems: list[Problem]) -> str:
    try:
        return Channel(value).name
    except (ValidationError, TypeError):
        problems.append(Problem(path, f"invalid channel name {value!r}"))
        return ""


def _per_channel(value: Any, problems: list[Problem]) -> dict[str, float]:
    path = "channel_continuity_hours"
    if not isinstance(value, Mapping):
        problems.append(Problem(path, f"expected a mapping, got {type(value).__name__}"))
        return {}
    result: dict[str, float] = {}
    for name, hours in value.items():
        where = f"{path}.{name}"
        result[_channel_name(name, where, problems)] = _number(hours, where, problems)
    return result


def _channels(value: Any, problems: list[Problem]) -> frozenset[str]:
    path = "separate_channels"
    if isinstance(value, str) or not isinstance(value, list | tuple):
        problems.append(Problem(path, f"expected a list, got {type(value).__name__}"))
        return frozenset()
    return frozenset(_channel_name(name, f"{path}[{i}]", problems) for i, name in enumerate(value))
