"""Folding a list of events: one conversation, or every conversation in it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from omnicx.errors import ValidationError
from omnicx.metrics._config import MetricsConfig
from omnicx.metrics._facts import ConversationFacts
from omnicx.metrics._fold import FactsBuilder
from omnicx.model import Event
from omnicx.model._checks import require_aware

_DEFAULT = MetricsConfig()


def fold_conversation(
    events: Iterable[Event], *, now: datetime, config: MetricsConfig = _DEFAULT
) -> ConversationFacts:
    """Fold one conversation's events into its facts, as of ``now``.

    Events are read in time order (ties keep their input order); events after
    ``now`` are ignored, so facts are a point-in-time view.

    Raises:
        ValidationError: no event of the conversation happened by ``now``, or
            the events belong to different conversations.
    """
    require_aware(now, "now")
    ordered = sorted((e for e in events if e.at <= now), key=_at)
    if not ordered:
        raise ValidationError.single("events", "no event of the conversation happened by now")
    ids = {e.conversation_id for e in ordered}
    if len(ids) != 1 or None in ids:
        names = ", ".join(sorted(repr(i) for i in ids))
        raise ValidationError.single("events", f"expected one conversation, got {names}")
    first = ordered[0]
    builder = FactsBuilder(
        conversation_id=first.conversation_id or "", created_at=first.at, config=config
    )
    for event in ordered:
        builder.feed(event)
    return builder.facts(now)


def facts_by_conversation(
    events: Iterable[Event], *, now: datetime, config: MetricsConfig = _DEFAULT
) -> list[ConversationFacts]:
    """Group events by ``conversation_id`` and fold each group, as of ``now``.

    Events without a conversation, and conversations with no event by
    ``now``, are skipped. The result is ordered by conversation id.
    """
    groups = events_by_conversation(events, now)
    return [fold_conversation(groups[key], now=now, config=config) for key in sorted(groups)]


def events_by_conversation(events: Iterable[Event], now: datetime) -> dict[str, list[Event]]:
    """Each conversation's events up to ``now``, in time order (ties keep their input order)."""
    groups: dict[str, list[Event]] = {}
    for event in events:
        if event.conversation_id is not None and event.at <= now:
            groups.setdefault(event.conversation_id, []).append(event)
    for group in groups.values():
        group.sort(key=_at)
    return groups


def _at(event: Event) -> datetime:
    return event.at
