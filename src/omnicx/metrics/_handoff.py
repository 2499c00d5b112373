"""Bot metrics: handoff rate, time to handoff, conversations a bot resolved alone.

A ``HandoffAccumulator`` folds each conversation's events (``BotOwned``,
``HandedOff``, status changes) into counters and distributions that merge
associatively, and travels as the versioned ``omnicx.metrics-handoff-partial``
JSON form, like ``MetricsAccumulator``'s partials. docs/metrics.md defines
each figure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import attrs

from omnicx._frozen import EMPTY_MAP, frozen_map
from omnicx.errors import ValidationError
from omnicx.metrics._distribution import Distribution, Summary
from omnicx.metrics._partial import _MISSING, _distribution, _Reader, sketch_settings
from omnicx.metrics._values import Rate
from omnicx.model import BotOwned, Event, HandedOff, HandoffReason, Status, StatusChanged

FORMAT = "omnicx.metrics-handoff-partial"
"""The ``format`` field of a bot-metrics partial."""
VERSION = 1
"""The version of that form this omnicx writes and reads."""
_COUNTS = ("bot_conversations", "handed_off", "bot_resolved")
_REASONS = tuple(r.value for r in HandoffReason)
_DONE = (Status.SOLVED, Status.CLOSED)


@attrs.frozen(kw_only=True)
class HandoffReport:
    """The bot figures of a set of conversations.

    Attributes:
        bot_conversations: conversations a bot owned at some point.
        handoff_rate: of those, the share handed to people at least once.
        bot_resolved: of those, the share solved (or closed) with no
            handoff: what bots deflected.
        time_to_handoff: seconds from the bot taking a conversation to its
            first handoff, per handed-off conversation.
        turns_to_handoff: the bot's messages before that first handoff.
        reasons: every handoff (a conversation may have several), by
            ``HandoffReason`` value.
    """

    bot_conversations: int = 0
    handoff_rate: Rate = attrs.field(factory=Rate)
    bot_resolved: Rate = attrs.field(factory=Rate)
    time_to_handoff: Summary = attrs.field(factory=Summary)
    turns_to_handoff: Summary = attrs.field(factory=Summary)
    reasons: Mapping[str, int] = attrs.field(default=EMPTY_MAP, converter=frozen_map)


def _instant(event: Event) -> datetime:
    at = event.at
    return at if at.tzinfo is UTC else at.astimezone(UTC)


@attrs.define
class HandoffAccumulator:
    """Mergeable bot figures: add each conversation's events, merge shards, read a report.

    A conversation's events must all reach one accumulator (partition by
    conversation, as for ``MetricsAccumulator``); merging is associative and
    commutative, so shards combine in any grouping.
    """

    bot_conversations: int = 0
    handed_off: int = 0
    bot_resolved: int = 0
    reasons: dict[str, int] = attrs.field(factory=lambda: dict.fromkeys(_REASONS, 0))
    time_to_handoff: Distribution = attrs.field(factory=Distribution)
    turns_to_handoff: Distribution = attrs.field(factory=Distribution)

    def add_conversation(self, events: Iterable[Event]) -> None:
        """Count one conversation from its events (any order; a timeline's order at ties)."""
        ordered = sorted(events, key=_instant)  # stable: ties keep the timeline's order
        owned_at: datetime | None = None
        first: HandedOff | None = None
        owned = done = False
        for event in ordered:
            if isinstance(event, BotOwned):
                owned = True
                owned_at = owned_at or _instant(event)
            elif isinstance(event, HandedOff):
                self.reasons[event.reason.value] += 1
                first = first or event
                owned = False
            elif isinstance(event, StatusChanged):
                done = event.status in _DONE
        if owned_at is None:
            return
        self.bot_conversations += 1
        if first is not None:
            self.handed_off += 1
            self.time_to_handoff.add(max(0.0, (_instant(first) - owned_at).total_seconds()))
            self.turns_to_handoff.add(first.turns)
        elif done and owned:
            self.bot_resolved += 1

    def add_events(self, events: Iterable[Event]) -> None:
        """Count every conversation of a stream of events (events without one are skipped)."""
        by_conversation: dict[str, list[Event]] = {}
        for event in events:
            if event.conversation_id is not None:
                by_conversation.setdefault(event.conversation_id, []).append(event)
        for conversation in by_conversation.values():
            self.add_conversation(conversation)

    def merge(self, other: HandoffAccumulator) -> HandoffAccumulator:
        """A new accumulator holding both; neither input changes."""
        return HandoffAccumulator(
            bot_conversations=self.bot_conversations + other.bot_conversations,
            handed_off=self.handed_off + other.handed_off,
            bot_resolved=self.bot_resolved + other.bot_resolved,
            reasons={k: self.reasons[k] + other.reasons[k] for k in _REASONS},
            time_to_handoff=self.time_to_handoff.merge(other.time_to_handoff),
            turns_to_handoff=self.turns_to_handoff.merge(other.turns_to_handoff),
        )

    def report(self) -> HandoffReport:
        """The figures so far."""
        whole = self.bot_conversations
        return HandoffReport(
            bot_conversations=whole,
            handoff_rate=Rate(part=self.handed_off, whole=whole),
            bot_resolved=Rate(part=self.bot_resolved, whole=whole),
            time_to_handoff=self.time_to_handoff.summary(),
            turns_to_handoff=self.turns_to_handoff.summary(),
            reasons=dict(self.reasons),
        )

    def to_dict(self) -> dict[str, Any]:
        """The ``omnicx.metrics-handoff-partial`` JSON form (docs/metrics.md)."""
        return {
            "format": FORMAT,
            "version": VERSION,
            "sketch": sketch_settings(),
            "counts": {name: getattr(self, name) for name in _COUNTS},
            "reasons": dict(self.reasons),
            "time_to_handoff": _distribution(self.time_to_handoff),
            "turns_to_handoff": _distribution(self.turns_to_handoff),
        }

    @classmethod
    def from_dict(cls, data: object) -> HandoffAccumulator:
        """Read a partial back; ``ValidationError`` lists every problem, with its path."""
        reader = _Reader()
        fields = ("format", "version", "sketch", "counts", "reasons", "time_to_handoff",
                  "turns_to_handoff")  # fmt: skip
        document = reader.header(data, fields, form=FORMAT, version=VERSION)
        counts = reader.mapping(document.get("counts", _MISSING), "counts", _COUNTS) or {}
        reasons = reader.mapping(document.get("reasons", _MISSING), "reasons", _REASONS) or {}
        out = cls(
            **{n: reader.count(counts.get(n, _MISSING), f"counts.{n}") for n in _COUNTS},
            reasons={r: reader.count(reasons.get(r, _MISSING), f"reasons.{r}") for r in _REASONS},
            time_to_handoff=reader.distribution(
                document.get("time_to_handoff", _MISSING), "time_to_handoff"
            ),
            turns_to_handoff=reader.distribution(
                document.get("turns_to_handoff", _MISSING), "turns_to_handoff"
            ),
        )
        if out.handed_off + out.bot_resolved > out.bot_conversations:
            reader.fail("counts", "handed_off and bot_resolved exceed bot_conversations")
        if out.time_to_handoff.count != out.handed_off:
            reader.fail("time_to_handoff", "must hold one value per handed_off conversation")
        if reader.problems:
            raise ValidationError(reader.problems)
        return out


def handoff_metrics(events: Iterable[Event]) -> HandoffReport:
    """The bot figures of a stream of events (``HandoffAccumulator.add_events``)."""
    accumulator = HandoffAccumulator()
    accumulator.add_events(events)
    return accumulator.report()
