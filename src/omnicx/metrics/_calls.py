"""Call metrics: answer, abandonment and callback rates; time to answer, talk time,
after-call work and callback time.

A ``CallAccumulator`` folds each customer's timeline (``CallEvent`` per call
webhook, ``CallWrappedUp``, outbound messages) into counters and
distributions that merge associatively, and travels as the versioned
``omnicx.metrics-call-partial`` JSON form, like the other partials.
docs/metrics.md, "Calls", defines each figure and the edge cases it settles.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from omnicx.errors import ValidationError
from omnicx.metrics._distribution import Distribution, Summary
from omnicx.metrics._partial import _MISSING, _distribution, _Reader, sketch_settings
from omnicx.metrics._values import Rate
from omnicx.model import (
    CallEvent,
    CallStatus,
    CallWrappedUp,
    Direction,
    Event,
    MessageEvent,
)

FORMAT = "omnicx.metrics-call-partial"
"""The ``format`` field of a call-metrics partial."""
VERSION = 1
"""The version of that form this omnicx writes and reads."""
_COUNTS = ("inbound", "outbound", "answered", "missed", "abandoned", "called_back")
_TIMES = ("time_to_answer", "talk_time", "after_call_work", "callback_time")
_RINGING = (CallStatus.QUEUED, CallStatus.RINGING)


@attrs.frozen(kw_only=True)
class CallReport:
    """The call figures of a set of customers' timelines.

    Attributes:
        inbound: calls the customers made to the business.
        outbound: calls the business made to them.
        answered: of the inbound calls, the share someone picked up.
        missed: of the inbound calls, the share that ended unanswered
            (busy, no-answer, failed, canceled, or abandoned).
        abandoned: of the inbound calls, the share the caller hung up on
            before an answer (``completed`` of 0 seconds, or ``canceled``).
        called_back: of the missed calls, the share followed by an outbound
            call or message to the customer.
        time_to_answer: seconds from ringing to ``in-progress``, per answered call.
        talk_time: seconds from the answer to the end, per answered call,
            inbound or outbound (a callback is talk time too).
        after_call_work: seconds from an answered call's end to its first
            ``CallWrappedUp``, per wrapped-up call, inbound or outbound.
        callback_time: seconds from a missed call's end to the first outbound
            call or message to the customer, per called-back missed call.
    """

    inbound: int = 0
    outbound: int = 0
    answered: Rate = attrs.field(factory=Rate)
    missed: Rate = attrs.field(factory=Rate)
    abandoned: Rate = attrs.field(factory=Rate)
    called_back: Rate = attrs.field(factory=Rate)
    time_to_answer: Summary = attrs.field(factory=Summary)
    talk_time: Summary = attrs.field(factory=Summary)
    after_call_work: Summary = attrs.field(factory=Summary)
    callback_time: Summary = attrs.field(factory=Summary)


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo is UTC else at.astimezone(UTC)


def _seconds(start: datetime, end: datetime) -> float:
    return max(0.0, (end - start).total_seconds())


@attrs.frozen(kw_only=True)
class _Call:
    # One call as its webhooks tell it.
    direction: Direction
    started: datetime
    answered: datetime | None
    ended: datetime | None
    status: CallStatus | None
    duration: int

    @property
    def missed(self) -> bool:
        """Ended with nobody picking up (busy, no-answer, failed, canceled, abandoned)."""
        return self.answered is None and self.ended is not None

    @property
    def abandoned(self) -> bool:
        """Missed because the caller hung up first (``completed`` unanswered, or ``canceled``)."""
        return self.missed and self.status in (CallStatus.COMPLETED, CallStatus.CANCELED)


def _calls(events: Iterable[CallEvent]) -> dict[str, _Call]:
    by_call: dict[str, list[CallEvent]] = {}
    for event in events:
        if event.call_id is not None and event.status is not None:
            by_call.setdefault(event.call_id, []).append(event)
    calls = {}
    for call_id, seen in by_call.items():
        seen.sort(key=lambda e: (_utc(e.at), e.id))
        ended = next((e for e in seen if e.status is not None and e.status.ended), None)
        answered = next((e for e in seen if e.status is CallStatus.IN_PROGRESS), None)
        duration = 0 if ended is None else ended.duration_seconds
        answered_at = None if answered is None else _utc(answered.at)
        if answered_at is None and ended is not None and ended.answered and duration > 0:
            # No in-progress callback: the answer was the call's length before its end.
            answered_at = max(_utc(seen[0].at), _utc(ended.at) - timedelta(seconds=duration))
        calls[call_id] = _Call(
            direction=seen[0].direction,
            started=_utc(seen[0].at),
            answered=answered_at,
            ended=None if ended is None else _utc(ended.at),
            status=None if ended is None else ended.status,
            duration=duration,
        )
    return calls


@attrs.define
class CallAccumulator:
    """Mergeable call figures: add each customer's events, merge shards, read a report.

    A customer's events must all reach one accumulator (partition by
    customer: a callback can come on any of their conversations); merging
    is associative and commutative, so shards combine in any grouping.
    """

    inbound: int = 0
    outbound: int = 0
    answered: int = 0
    missed: int = 0
    abandoned: int = 0
    called_back: int = 0
    time_to_answer: Distribution = attrs.field(factory=Distribution)
    talk_time: Distribution = attrs.field(factory=Distribution)
    after_call_work: Distribution = attrs.field(factory=Distribution)
    callback_time: Distribution = attrs.field(factory=Distribution)

    def add_customer(self, events: Iterable[Event]) -> None:
        """Count one customer's calls from their timeline (any order)."""
        items = list(events)
        wrapped: dict[str, datetime] = {}
        for event in items:
            if isinstance(event, CallWrappedUp):
                at = _utc(event.at)
                wrapped[event.call_id] = min(at, wrapped.get(event.call_id, at))
        messages = [
            e.at
            for e in items
            if isinstance(e, MessageEvent) and e.message.direction is Direction.OUTBOUND
        ]
        self._add_calls(_calls(e for e in items if isinstance(e, CallEvent)), wrapped, messages)

    def _add_calls(
        self,
        calls: Mapping[str, _Call],
        wrapped: Mapping[str, datetime],
        messages: Iterable[datetime],
    ) -> None:
        """Count one customer's calls from what they are made of (``add_customer``'s parts).

        ``calls`` are the customer's calls (``_calls`` of their call events);
        ``wrapped`` maps a call id to its first ``CallWrappedUp`` instant;
        ``messages`` are the instants of the outbound messages to the
        customer. For a fold that keeps only these, not the events.
        """
        contacts = sorted(
            [_utc(at) for at in messages]
            + [c.started for c in calls.values() if c.direction is Direction.OUTBOUND]
        )
        for call_id, call in calls.items():
            if call.answered is not None and call.ended is not None:
                # An agent talks and wraps up on every answered call, a callback too.
                self.talk_time.add(float(call.duration) or _seconds(call.answered, call.ended))
                if call_id in wrapped:
                    self.after_call_work.add(_seconds(call.ended, _utc(wrapped[call_id])))
            if call.direction is Direction.OUTBOUND:
                self.outbound += 1
                continue
            self.inbound += 1
            if call.answered is not None:
                self.answered += 1
                self.time_to_answer.add(_seconds(call.started, call.answered))
            elif call.ended is not None:
                self.missed += 1
                self.abandoned += call.abandoned
                back = next((at for at in contacts if at >= call.ended), None)
                if back is not None:
                    self.called_back += 1
                    self.callback_time.add(_seconds(call.ended, back))

    def add_events(self, events: Iterable[Event]) -> None:
        """Count every customer of a stream of events."""
        by_customer: dict[str, list[Event]] = {}
        for event in events:
            by_customer.setdefault(event.customer_id, []).append(event)
        for timeline in by_customer.values():
            self.add_customer(timeline)

    def merge(self, other: CallAccumulator) -> CallAccumulator:
        """A new accumulator holding both; neither input changes."""
        return CallAccumulator(
            **{n: getattr(self, n) + getattr(other, n) for n in _COUNTS},
            **{n: getattr(self, n).merge(getattr(other, n)) for n in _TIMES},
        )

    def report(self) -> CallReport:
        """The figures so far."""
        return CallReport(
            inbound=self.inbound,
            outbound=self.outbound,
            answered=Rate(part=self.answered, whole=self.inbound),
            missed=Rate(part=self.missed, whole=self.inbound),
            abandoned=Rate(part=self.abandoned, whole=self.inbound),
            called_back=Rate(part=self.called_back, whole=self.missed),
            **{n: getattr(self, n).summary() for n in _TIMES},
        )

    def to_dict(self) -> dict[str, Any]:
        """The ``omnicx.metrics-call-partial`` JSON form (docs/metrics.md)."""
        return {
            "format": FORMAT,
            "version": VERSION,
            "sketch": sketch_settings(),
            "counts": {name: getattr(self, name) for name in _COUNTS},
            **{name: _distribution(getattr(self, name)) for name in _TIMES},
        }

    @classmethod
    def from_dict(cls, data: object) -> CallAccumulator:
        """Read a partial back; ``ValidationError`` lists every problem, with its path."""
        reader = _Reader()
        keys = ("format", "version", "sketch", "counts", *_TIMES)
        document = reader.header(data, keys, form=FORMAT, version=VERSION)
        counts = reader.mapping(document.get("counts", _MISSING), "counts", _COUNTS) or {}
        fields: dict[str, Any] = {
            n: reader.count(counts.get(n, _MISSING), f"counts.{n}") for n in _COUNTS
        }
        fields.update({n: reader.distribution(document.get(n, _MISSING), n) for n in _TIMES})
        out = cls(**fields)
        if out.answered + out.missed > out.inbound:
            reader.fail("counts", "answered and missed exceed inbound")
        if out.abandoned > out.missed or out.called_back > out.missed:
            reader.fail("counts", "abandoned and called_back must not exceed missed")
        if out.time_to_answer.count != out.answered:
            reader.fail("time_to_answer", "must hold one value per answered call")
        if out.callback_time.count != out.called_back:
            reader.fail("callback_time", "must hold one value per called-back call")
        if reader.problems:
            raise ValidationError(reader.problems)
        return out


def call_metrics(events: Iterable[Event]) -> CallReport:
    """The call figures of a stream of events (``CallAccumulator.add_events``)."""
    accumulator = CallAccumulator()
    accumulator.add_events(events)
    return accumulator.report()
