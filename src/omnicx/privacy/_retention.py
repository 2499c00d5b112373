"""Retention: anonymise or delete events older than a policy's age, per channel."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import attrs

from omnicx._frozen import EMPTY_MAP, frozen_map
from omnicx.errors import Problem, ValidationError, suggest
from omnicx.model import Event, MessageEvent
from omnicx.model._checks import require_aware
from omnicx.privacy._erase import scrub_event
from omnicx.storage import DeskStore, Erasure


class RetentionMode(enum.Enum):
    """What happens to an event past its age."""

    ANONYMISE = "anonymise"
    """Keep the event's shape (metrics stay the same), drop its content."""
    DELETE = "delete"
    """Remove the event: reports over that period change."""


@attrs.frozen(kw_only=True)
class RetentionPolicy:
    """How long events keep their content.

    Attributes:
        default_days: the age for events of channels not listed; None keeps them.
        channel_days: channel name -> age in days (messages are per channel;
            other events take ``default_days``).
        mode: anonymise (default) or delete.
    """

    default_days: int | None = None
    channel_days: Mapping[str, int] = attrs.field(default=EMPTY_MAP, converter=frozen_map)
    mode: RetentionMode = RetentionMode.ANONYMISE

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RetentionPolicy:
        """Load a policy from data, reporting every problem with its path."""
        problems = [
            Problem(str(k), f"unknown key{suggest(str(k), _KEYS)}") for k in data if k not in _KEYS
        ]
        default = data.get("default_days")
        if default is not None and not _days(default):
            problems.append(Problem("default_days", "must be a whole number of days >= 1"))
        channels = data.get("channel_days", {})
        if not isinstance(channels, Mapping):
            problems.append(Problem("channel_days", "must map channel names to days"))
            channels = {}
        for name, days in channels.items():
            if not _days(days):
                problems.append(
                    Problem(f"channel_days.{name}", "must be a whole number of days >= 1")
                )
        mode = data.get("mode", "anonymise")
        modes = [m.value for m in RetentionMode]
        if mode not in modes:
            problems.append(Problem("mode", f"unknown mode {mode!r}{suggest(str(mode), modes)}"))
        if problems:
            raise ValidationError(problems)
        return cls(default_days=default, channel_days=dict(channels), mode=RetentionMode(mode))

    def max_age(self, event: Event) -> timedelta | None:
        """How old ``event`` may get before the policy applies; None: forever."""
        days = self.default_days
        if isinstance(event, MessageEvent):
            days = self.channel_days.get(event.message.channel.name, days)
        return None if days is None else timedelta(days=days)


_KEYS = ("default_days", "channel_days", "mode")


def _days(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


@attrs.frozen(kw_only=True)
class RetentionReport:
    """What one retention run did."""

    anonymised: int = 0
    deleted: int = 0
    batches: int = 0


def apply_retention(
    store: DeskStore, policy: RetentionPolicy, *, now: datetime, batch_size: int = 500
) -> RetentionReport:
    """Apply ``policy`` to every event older than its age, ``batch_size`` at a time.

    Each batch is its own ``store.erase`` transaction, so the desk keeps
    working between batches, and a run stopped halfway resumes where it left
    off (anonymising is idempotent; deleted events are gone). Running it
    again on the same data changes nothing.
    """
    require_aware(now, "now")
    if batch_size < 1:
        raise ValidationError.single("batch_size", "must be >= 1")
    due = []
    for event in store.events():
        age = policy.max_age(event)
        if age is None or now - event.at <= age:
            continue
        if policy.mode is RetentionMode.DELETE:
            due.append(event)
        elif scrub_event(event) != event:
            due.append(scrub_event(event))
    report = RetentionReport()
    for start in range(0, len(due), batch_size):
        batch = tuple(due[start : start + batch_size])
        if policy.mode is RetentionMode.DELETE:
            store.erase(Erasure(drop_events=tuple(e.id for e in batch)))
            report = attrs.evolve(report, deleted=report.deleted + len(batch))
        else:
            store.erase(Erasure(events=batch))
            report = attrs.evolve(report, anonymised=report.anonymised + len(batch))
        report = attrs.evolve(report, batches=report.batches + 1)
    return report
