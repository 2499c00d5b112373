"""Helpers for folding one event: the scratch clock list and fact updates."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import attrs

from omnicx.model import Assigned, Event, MessageEvent, PriorityChanged, StatusChanged, TagsChanged
from omnicx.sla._clock import Clock, ClockEvent, ClockEventKind, Effect
from omnicx.sla._policy import ConversationFacts, Metric

K = ClockEventKind


@attrs.define
class Step:
    """Scratch space for one event: the clocks being rewritten and the effects, in order."""

    clocks: list[Clock]
    effects: list[Effect]
    at: datetime
    bank: Callable[[Clock], int]
    """Seconds a clock has run since ``running_since``, up to ``at``."""

    def put(self, i: int, clock: Clock, kind: ClockEventKind) -> None:
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
            Clock(metric=metric, occurrence=occurrence, activated_at=self.at, running_since=self.at)
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


def updated(facts: ConversationFacts, event: Event) -> ConversationFacts:
    """The facts after an event: channel, status, priority, queue, assignee, tags."""
    if isinstance(event, MessageEvent) and facts.channel is None:
        return attrs.evolve(facts, channel=event.message.channel)
    if isinstance(event, StatusChanged):
        return attrs.evolve(facts, status=event.status)
    if isinstance(event, PriorityChanged):
        return attrs.evolve(facts, priority=event.priority)
    if isinstance(event, Assigned):
        return attrs.evolve(facts, assignee=event.assignee, queue=event.queue or facts.queue)
    if isinstance(event, TagsChanged):
        return attrs.evolve(facts, tags=(facts.tags | event.added) - event.removed)
    return facts
