"""Helpers for folding one event: the scratch clock list, fact updates, clock copies."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import attrs

from omnicx.model import (
    Assigned,
    AuthorKind,
    BotOwned,
    CallEvent,
    CallStatus,
    ConversationCreated,
    DetailsChanged,
    Direction,
    Event,
    HandedOff,
    MessageEvent,
    Priority,
    PriorityChanged,
    QueueChanged,
    Status,
    StatusChanged,
    TagsChanged,
)
from omnicx.sla._clock import ClockEvent, ClockEventKind, Effect, SlaClock
from omnicx.sla._policy import REPLY_METRICS, Metric, Policy, SlaFacts

K = ClockEventKind
_FIRST, _NEXT = Metric.FIRST_REPLY, Metric.NEXT_REPLY


@attrs.define
class Step:
    """Scratch space for one event: the clocks being rewritten and the effects, in order."""

    clocks: list[SlaClock]
    effects: list[Effect]
    at: datetime
    bank: Callable[[SlaClock], int]
    """Seconds a clock has run since ``running_since``, up to ``at``."""

    def put(self, i: int, clock: SlaClock, kind: ClockEventKind) -> None:
        """Replace clock ``i`` and record what happened to it."""
        self.clocks[i] = clock
        self.effects.append(
            ClockEvent(kind=kind, metric=clock.metric, occurrence=clock.occurrence, at=self.at)
        )

    def stop(self, i: int, kind: ClockEventKind, **changes: Any) -> None:
        """Stop clock ``i`` at ``at``, banking its running time, and record ``kind``."""
        clock = self.clocks[i]
        elapsed = clock.elapsed + self.bank(clock)
        self.put(i, attrs.evolve(clock, elapsed=elapsed, running_since=None, **changes), kind)

    def activate(self, metric: Metric) -> None:
        """Start the next occurrence of ``metric``."""
        occurrence = sum(1 for c in self.clocks if c.metric is metric)
        self.clocks.append(
            SlaClock(
                metric=metric, occurrence=occurrence, activated_at=self.at, running_since=self.at
            )
        )
        self.effects.append(
            ClockEvent(kind=K.ACTIVATE, metric=metric, occurrence=occurrence, at=self.at)
        )

    def open_of(self, metrics: Iterable[Metric]) -> list[int]:
        """Indexes of the open clocks of these metrics."""
        wanted = set(metrics)
        return [i for i, c in enumerate(self.clocks) if c.metric in wanted and c.is_open]

    def fulfil(self, metrics: Iterable[Metric]) -> None:
        """Fulfil every open clock of these metrics."""
        for i in self.open_of(metrics):
            self.stop(i, K.FULFIL, fulfilled_at=self.at)

    def breach_late_replies(self, policy: Policy | None, priority: Priority) -> None:
        """Mark reply clocks fulfilled at ``at`` past their target breached, at ``at``."""
        # Intercom: "missed" is applied when the teammate finally replies.
        for i, clock in enumerate(self.clocks):
            target = policy.target(clock.metric, priority) if policy else None
            if (
                target is not None
                and clock.metric in REPLY_METRICS
                and clock.fulfilled_at == self.at
                and clock.breached_at is None
                and clock.elapsed > target.seconds
            ):
                self.put(i, attrs.evolve(clock, breached_at=self.at), K.BREACH)


def same_or_new(old: tuple[SlaClock, ...], new: list[SlaClock]) -> tuple[SlaClock, ...]:
    """``old`` itself when ``new`` holds the same clock objects, else ``new`` as a tuple."""
    # Keeping the old tuple when no clock changed keeps the memos keyed on it warm.
    if len(old) == len(new) and all(a is b for a, b in zip(old, new, strict=True)):
        return old
    return tuple(new)


def banked(clock: SlaClock, elapsed: int, running_since: datetime | None) -> SlaClock:
    """``clock`` with new ``elapsed`` and ``running_since``, every other field kept."""
    # A constructor call: on the per-event path it costs half of attrs.evolve.
    return SlaClock(
        metric=clock.metric,
        occurrence=clock.occurrence,
        activated_at=clock.activated_at,
        elapsed=elapsed,
        running_since=running_since,
        fulfilled_at=clock.fulfilled_at,
        breached_at=clock.breached_at,
        warned_at=clock.warned_at,
        cancelled_at=clock.cancelled_at,
        fired=clock.fired,
    )


def emitted(clock: SlaClock, key: str, at: datetime) -> SlaClock:
    """``clock`` with threshold ``key`` emitted at ``at``; a warning or breach is stamped."""
    return SlaClock(
        metric=clock.metric,
        occurrence=clock.occurrence,
        activated_at=clock.activated_at,
        elapsed=clock.elapsed,
        running_since=clock.running_since,
        fulfilled_at=clock.fulfilled_at,
        breached_at=at if key == "breach" else clock.breached_at,
        warned_at=at if key == "warn" else clock.warned_at,
        cancelled_at=clock.cancelled_at,
        fired=clock.fired | {key},
    )


def updated(facts: SlaFacts, event: Event) -> SlaFacts:
    """The facts after an event: channel, status, priority, queue, assignee, tags, policy, bot."""
    # Constructor calls rather than attrs.evolve: this runs for every event.
    channel, status, priority = facts.channel, facts.status, facts.priority
    queue, assignee, tags, bot = facts.queue, facts.assignee, facts.tags, facts.bot
    if isinstance(event, MessageEvent):
        if channel is not None:
            return facts
        channel = event.message.channel
    elif isinstance(event, StatusChanged):
        status = event.status
    elif isinstance(event, PriorityChanged):
        priority = event.priority
    elif isinstance(event, Assigned):
        assignee, queue = event.assignee, event.queue or queue
    elif isinstance(event, QueueChanged):
        queue = event.queue  # a queue move keeps the assignee
    elif isinstance(event, ConversationCreated):
        # Only as the first step: after a late, earlier message moved the
        # start back, the conversation's first message says where it began.
        if channel is not None:
            return facts
        channel, queue, priority = event.channel, event.queue or queue, event.priority
    elif isinstance(event, TagsChanged):
        tags = (tags | event.added) - event.removed
    elif isinstance(event, DetailsChanged) and event.sla_policy is not None:
        named = event.sla_policy
        return SlaFacts(channel=channel, status=status, priority=priority, queue=queue,
                        assignee=assignee, tags=tags, customer=facts.customer,
                        sla_policy=named, bot=bot)  # fmt: skip
    elif isinstance(event, BotOwned):
        bot = event.bot
    elif isinstance(event, HandedOff):
        bot, queue = None, event.queue or queue
    else:
        return facts
    return SlaFacts(
        channel=channel,
        status=status,
        priority=priority,
        queue=queue,
        assignee=assignee,
        tags=tags,
        customer=facts.customer,
        sla_policy=facts.sla_policy,
        bot=bot,
    )


def answered_call(event: Event) -> bool:
    """Whether ``event`` is a call being answered (``in-progress``): the customer was talked to."""
    return isinstance(event, CallEvent) and event.status is CallStatus.IN_PROGRESS


def idle(
    event: Event, status: Status, first_reply_started: bool, clocks: Iterable[SlaClock]
) -> bool:
    """True when folding ``event`` leaves every clock as it is (the facts may still move).

    That is anything but a message or a status change, and a customer
    message that starts nothing: on a solved conversation, or while a reply
    clock already runs.
    """
    if isinstance(event, StatusChanged | BotOwned | HandedOff) or answered_call(event):
        return False
    if not isinstance(event, MessageEvent):
        return True
    message = event.message
    if message.direction is not Direction.INBOUND or message.author.kind is not AuthorKind.CUSTOMER:
        return False
    if status is Status.SOLVED or status is Status.CLOSED:
        return True
    if not first_reply_started:
        return False
    for c in clocks:
        metric = c.metric
        # Open: neither fulfilled nor cancelled (SlaClock.is_open, without the call).
        open_ = c.fulfilled_at is None and c.cancelled_at is None
        if (metric is _FIRST or metric is _NEXT) and open_:
            return True
    return False
