"""Threshold planning: when each running clock warns, breaches and escalates.

The engine asks the same questions many times per event (is anything due by
now? when is the next deadline?), about frozen clocks that mostly did not
change. ``ThresholdPlanner`` answers from memos keyed by object identity, and
settles "is anything due" with a lower bound that needs no calendar.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from omnicx.model import Priority
from omnicx.sla._calendar import ALWAYS_OPEN, Calendar
from omnicx.sla._clock import Clock
from omnicx.sla._policy import REPLY_METRICS, Metric, Policy

# Entries per memo before it starts over: bounded memory, quickly warm again.
_CACHE_LIMIT = 20_000

Threshold = tuple[datetime, int, str, int]
"""(instant, order, key, percent) of a threshold not yet emitted."""


def calendar_of(policy: Policy | None, priority: Priority, metric: Metric) -> Calendar:
    """The calendar a metric's clock counts in under ``policy`` at ``priority``."""
    if policy is None:
        return ALWAYS_OPEN
    target = policy.target(metric, priority)
    return policy.calendar_for(target) if target else policy.calendar


def _remember(memo: dict[Any, Any], key: Any, value: Any) -> None:
    if len(memo) >= _CACHE_LIMIT:
        memo.clear()
    memo[key] = value


def _ceil_percent(seconds: int, percent: int) -> int:
    return -(-seconds * percent // 100)


@attrs.define
class _Plan:
    # One clock's thresholds not yet emitted, as open seconds left from
    # ``running_since``; their instants are filled in when first needed.
    clock: Clock
    policy: Policy
    calendar: Calendar
    steps: list[tuple[int, int, str, int]]
    bound: datetime | None
    pending: list[Threshold] | None = None


@attrs.define
class _Outlook:
    # A clock tuple's earliest threshold: a cheap lower bound, and the exact
    # instant once asked for.
    clocks: tuple[Clock, ...]
    policy: Policy | None
    bound: datetime | None
    exact: datetime | None = None
    exact_known: bool = False


@attrs.define
class ThresholdPlanner:
    """Pending thresholds of clocks, remembered while the clocks stay the same.

    Memos hold the objects they are keyed by (``id()`` of a clock, policy,
    calendar or clock tuple), so an id is never reused while its entry lives.
    """

    breach_on_reply: bool = False
    _due_memo: dict[tuple[int, datetime, int], tuple[Calendar, datetime]] = attrs.field(
        factory=dict, init=False, repr=False
    )
    _plans: dict[tuple[int, int, int], _Plan] = attrs.field(factory=dict, init=False, repr=False)
    _outlooks: dict[tuple[int, int, int], _Outlook] = attrs.field(
        factory=dict, init=False, repr=False
    )

    def due(self, calendar: Calendar, since: datetime, seconds: int) -> datetime:
        """``calendar.add(since, seconds)``, remembered."""
        key = (id(calendar), since, seconds)
        cached = self._due_memo.get(key)
        if cached is not None and cached[0] is calendar:
            return cached[1]
        due = calendar.add(since, seconds)
        _remember(self._due_memo, key, (calendar, due))
        return due

    def pending(self, policy: Policy | None, priority: Priority, clock: Clock) -> list[Threshold]:
        """Every threshold of ``clock`` not yet emitted, with its instant."""
        plan = self._plan(policy, priority, clock)
        if plan is None:
            return []
        if plan.pending is None:
            since = clock.running_since
            assert since is not None
            plan.pending = [
                (self.due(plan.calendar, since, left), order, key, percent)
                for left, order, key, percent in plan.steps
            ]
        return plan.pending

    def bound(
        self, clocks: tuple[Clock, ...], policy: Policy | None, priority: Priority
    ) -> datetime | None:
        """No pending threshold of ``clocks`` falls before this (None: none pending)."""
        return self._outlook(clocks, policy, priority).bound

    def earliest(
        self, clocks: tuple[Clock, ...], policy: Policy | None, priority: Priority
    ) -> datetime | None:
        """The earliest pending threshold instant of ``clocks`` (None: none pending)."""
        outlook = self._outlook(clocks, policy, priority)
        if not outlook.exact_known:
            instants = [p[0] for c in clocks for p in self.pending(policy, priority, c)]
            outlook.exact = min(instants, default=None)
            outlook.exact_known = True
        return outlook.exact

    def _outlook(
        self, clocks: tuple[Clock, ...], policy: Policy | None, priority: Priority
    ) -> _Outlook:
        key = (id(clocks), id(policy), id(priority))
        outlook = self._outlooks.get(key)
        if outlook is not None and outlook.clocks is clocks and outlook.policy is policy:
            return outlook
        plans = (self._plan(policy, priority, c) for c in clocks)
        bounds = [p.bound for p in plans if p is not None and p.bound is not None]
        outlook = _Outlook(clocks=clocks, policy=policy, bound=min(bounds, default=None))
        _remember(self._outlooks, key, outlook)
        return outlook

    def _plan(self, policy: Policy | None, priority: Priority, clock: Clock) -> _Plan | None:
        if policy is None or clock.running_since is None or not clock.is_open:
            return None
        # Enum members are singletons: id() hashes faster than the member.
        key = (id(clock), id(policy), id(priority))
        plan = self._plans.get(key)
        if plan is not None and plan.clock is clock and plan.policy is policy:
            return plan
        plan = self._make_plan(policy, priority, clock)
        _remember(self._plans, key, plan)
        return plan

    def _make_plan(self, policy: Policy, priority: Priority, clock: Clock) -> _Plan:
        since = clock.running_since
        assert since is not None
        target = policy.target(clock.metric, priority)
        if target is None:
            return _Plan(clock=clock, policy=policy, calendar=ALWAYS_OPEN, steps=[], bound=None)
        late_only = self.breach_on_reply and clock.metric in REPLY_METRICS
        steps = [] if late_only else [("breach", 100)]
        if target.warn_percent:
            steps.insert(0, ("warn", target.warn_percent))
        steps += [
            (f"escalate:{i}", e.percent)
            for i, e in enumerate(policy.escalations)
            if not e.metrics or clock.metric in e.metrics
        ]
        planned = [
            (max(0, _ceil_percent(target.seconds, percent) - clock.elapsed), order, key, percent)
            for order, (key, percent) in enumerate(steps)
            if key not in clock.fired
        ]
        # Open seconds never outrun elapsed seconds, so no threshold falls
        # before since + its open seconds left: a bound without the calendar.
        # In UTC: aware arithmetic in a DST zone adds wall time, not elapsed.
        bound = None
        if planned:
            bound = since.astimezone(UTC) + timedelta(seconds=min(p[0] for p in planned))
        calendar = policy.calendar_for(target)
        return _Plan(clock=clock, policy=policy, calendar=calendar, steps=planned, bound=bound)
