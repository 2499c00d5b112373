"""System checks: a wrong ``OMNICX`` setting is reported at startup, not on the first webhook.

``manage.py check`` (and ``runserver``, ``migrate``) run them. Each problem
is one ``omnicx.E001`` error naming its path: a rule file's problems carry
the file's name and their path inside it, a missing secret names its
environment variable.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import attrs
from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from omnicx.clock import FixedClock
from omnicx.contrib.django.conf import SETTING, load_settings
from omnicx.contrib.django.desk import build_desk
from omnicx.errors import ValidationError
from omnicx.storage import MemoryStore

__all__ = ["SETTINGS_ERROR", "check_settings"]

SETTINGS_ERROR = "omnicx.E001"
"""The id of the error a wrong ``OMNICX`` setting raises."""

_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@register("omnicx")
def check_settings(app_configs: Any = None, **_: Any) -> list[CheckMessage]:
    """One error per problem of the ``OMNICX`` setting, each with its path and fix."""
    try:
        loaded = load_settings(getattr(settings, SETTING, None))
        # The desk cross-checks rules against the SLA engine and the field
        # schema; a scratch store and clock keep the check free of I/O.
        scratch = attrs.evolve(loaded, clock=lambda: FixedClock(_EPOCH))
        build_desk(scratch, store=MemoryStore())
    except ValidationError as error:
        return [
            Error(str(problem), hint=_hint(problem.path), id=SETTINGS_ERROR)
            for problem in error.problems
        ]
    return []


def _hint(path: str) -> str:
    if path.endswith("_env"):
        return "set the environment variable, or configure the channel's secret directly"
    return "see docs/django.md, 'Settings reference'"
