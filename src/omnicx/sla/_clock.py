"""SLA clock values: one clock per metric and occurrence, and what they emit.

A clock is event-sourced: ``ClockEvent`` values (activate, pause, resume,
fulfil, warn, breach, cancel) are the record; ``SlaClock`` is the fold of them
that the engine keeps to answer quickly.
"""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from omnicx._frozen import frozen_seq, frozen_set
from omnicx.sla._policy import Metric, Target


class ClockState(enum.Enum):
    """Where a clock stands. A breach is sticky: a breached clock stays breached."""

    ACTIVE = "active"
    PAUSED = "paused"
    WARNED = "warned"
    ACHIEVED = "achieved"
    """Fulfilled at or before its target instant."""
    BREACHED = "breached"


class ClockEventKind(enum.Enum):
    """What happened to a clock."""

    ACTIVATE = "activate"
    PAUSE = "pause"
    RESUME = "resume"
    FULFIL = "fulfil"
    WARN = "warn"
    BREACH = "breach"
    CANCEL = "cancel"
    """A bot reply cleared a reply wait (only with ``bot_reply_clears``): no sample."""


@attrs.frozen(kw_only=True)
class ClockEvent:
    """One entry of a clock's history, emitted as an effect."""

    kind: ClockEventKind
    metric: Metric
    occurrence: int
    at: datetime


@attrs.frozen(kw_only=True)
class Escalate:
    """An escalation ladder step was reached: the host performs ``action``."""

    action: str
    metric: Metric
    occurrence: int
    percent: int
    at: datetime


@attrs.frozen(kw_only=True)
class PolicyApplied:
    """A policy (or none: ``name`` None) started to apply at ``at``."""

    name: str | None
    version: int | None
    at: datetime


Effect = ClockEvent | Escalate | PolicyApplied
"""Anything the SLA engine emits."""


@attrs.frozen(kw_only=True)
class SlaClock:
    """The folded state of one metric occurrence.

    ``elapsed`` counts the seconds (in the target's calendar) up to
    ``running_since``; while running, the clock also owns everything after it.
    """

    metric: Metric
    occurrence: int
    activated_at: datetime
    elapsed: int = 0
    running_since: datetime | None = None
    fulfilled_at: datetime | None = None
    breached_at: datetime | None = None
    warned_at: datetime | None = None
    cancelled_at: datetime | None = None
    fired: frozenset[str] = attrs.field(default=frozenset(), converter=frozen_set)
    """Threshold keys already emitted: ``warn``, ``breach``, ``escalate:<i>``."""

    @property
    def is_open(self) -> bool:
        """True until fulfilled or cancelled."""
        return self.fulfilled_at is None and self.cancelled_at is None

    @property
    def state(self) -> ClockState:
        """The clock's state; a breach outranks everything."""
        if self.breached_at is not None:
            return ClockState.BREACHED
        if self.fulfilled_at is not None:
            return ClockState.ACHIEVED
        if self.running_since is None:
            return ClockState.PAUSED
        if self.warned_at is not None:
            return ClockState.WARNED
        return ClockState.ACTIVE


@attrs.frozen(kw_only=True)
class TargetStatus:
    """One clock as a host shows it.

    ``remaining`` is target minus elapsed seconds now (negative: overdue);
    ``due`` is the breach instant, known only while the clock runs or once
    breached. Both are None when the policy sets no target for the metric.
    """

    metric: Metric
    occurrence: int
    state: ClockState
    target: Target | None
    elapsed: int
    remaining: int | None
    due: datetime | None
    policy: str | None

    @property
    def overdue(self) -> int:
        """Seconds past the target (0 when not overdue)."""
        return max(0, -self.remaining) if self.remaining is not None else 0


@attrs.frozen(kw_only=True)
class SlaReport:
    """Every clock's status at ``now`` and when the host should wake up next."""

    now: datetime
    targets: tuple[TargetStatus, ...] = attrs.field(converter=frozen_seq)
    next_deadline: datetime | None
    policy: PolicyApplied | None
