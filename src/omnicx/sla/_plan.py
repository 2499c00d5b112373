"""Threshold planning: when each running clock warns, breaches and escalates.

The engine asks the same questions many times per event (is anything due by
now? when is the next deadline?), about frozen clocks that mostly did not
change. ``ThresholdPlanner`` answers from memos keyed by object identity, and
settles "is anything due" with a lower bound that needs no calendar.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from omnicx.model import Priority
from omnicx.sla._calendar import ALWAYS_OPEN, Calendar
from omnicx.sla._clock import SlaClock
from omnicx.sla._policy import REPLY_METRICS, Metric, Policy, Target

# Entries per memo before its older half goes: bounded memory, recent entries warm.
_CACHE_LIMIT = 20_000
# Calendars whose due instants are remembered before all are forgotten.
_CALENDAR_LIMIT = 64

Threshold = tuple[datetime, int, str, int]
"""(instant, order, key, percent) of a threshold not yet emitted."""


def _remember(memo: dict[Any, Any], key: Any, value: Any) -> None:
    if len(memo) >= _CACHE_LIMIT:
        _evict_older_half(memo)
    memo[key] = value


def _evict_older_half(memo: dict[Any, Any]) -> None:
    """Drop the older half of a full memo: dicts keep insertion order, so recent stay warm."""
    # pop, not del: another thread may be evicting the same keys.
    for key in list(itertools.islice(memo, len(memo) // 2 or 1)):
        memo.pop(key, None)


def _ceil_percent(seconds: int, percent: int) -> int:
    return -(-seconds * percent // 100)


@attrs.frozen
class Template:
    """What a policy sets for one metric at one priority, worked out once.

    ``steps`` are the thresholds in emission order as ``(seconds, order,
    key, percent)``: the open seconds at which each fires, counted from the
    clock's activation.
    """

    policy: Policy | None
    target: Target | None
    calendar: Calendar
    steps: tuple[tuple[int, int, str, int], ...]
    least: int = attrs.field(init=False)
    """The fewest seconds of any step (0 without steps)."""

    @least.default
    def _least(self) -> int:
        return min((s[0] for s in self.steps), default=0)


_NO_POLICY = Template(policy=None, target=None, calendar=ALWAYS_OPEN, steps=())


def make_template(
    policy: Policy | None, priority: Priority, metric: Metric, *, breach_on_reply: bool
) -> Template:
    """The template of ``metric`` at ``priority`` under ``policy``, computed plainly."""
    if policy is None:
        return _NO_POLICY
    target = policy.target(metric, priority)
    if target is None:
        return Template(policy=policy, target=None, calendar=policy.calendar, steps=())
    late_only = breach_on_reply and metric in REPLY_METRICS
    steps = [] if late_only else [("breach", 100)]
    if target.warn_percent:
        steps.insert(0, ("warn", target.warn_percent))
    steps += [
        (f"escalate:{i}", e.percent)
        for i, e in enumerate(policy.escalations)
        if not e.metrics or metric in e.metrics
    ]
    return Template(
        policy=policy,
        target=target,
        calendar=policy.calendar_for(target),
        steps=tuple(
            (_ceil_percent(target.seconds, percent), order, key, percent)
            for order, (key, percent) in enumerate(steps)
        ),
    )


@attrs.define
class Plan:
    """One clock's thresholds not yet emitted, as open seconds left from ``since``.

    ``bound`` is ``since`` plus the fewest seconds left, in elapsed time: no
    threshold falls before it. Instants are filled in when first needed.
    """

    since: datetime
    calendar: Calendar
    steps: Sequence[tuple[int, int, str, int]]
    least: int
    bound: datetime
    pending: list[Threshold] | None = None
    first: datetime | None = None


@attrs.define
class Outlook:
    """A clock tuple under one policy and priority: its plans and earliest threshold.

    ``bound`` is a lower bound on every pending threshold that needs no
    calendar (None: nothing pending); the exact earliest instant is worked
    out once asked for. ``rows`` is room for a report's per-clock parts.
    """

    clocks: tuple[SlaClock, ...]
    policy: Policy | None
    priority: Priority
    plans: list[Plan | None]
    """Aligned with ``clocks``; None where nothing is pending."""
    bound: datetime | None
    exact: datetime | None = None
    exact_known: bool = False
    rows: list[Any] | None = None


@attrs.define
class ThresholdPlanner:
    """Pending thresholds of clocks, remembered while the clocks stay the same.

    Memos hold the objects they are keyed by (``id()`` of a policy, calendar
    or clock tuple), so an id is never reused while its entry lives.
    """

    breach_on_reply: bool = False
    _due_memo: dict[tuple[int, datetime, int, int], datetime] = attrs.field(
        factory=dict, init=False, repr=False
    )
    _calendars: dict[int, Calendar] = attrs.field(factory=dict, init=False, repr=False)
    _templates: dict[tuple[int, int], tuple[Policy | None, dict[int, Template]]] = attrs.field(
        factory=dict, init=False, repr=False
    )
    _outlooks: dict[tuple[int, int, int], Outlook] = attrs.field(
        factory=dict, init=False, repr=False
    )
    _last: Outlook | None = attrs.field(default=None, init=False, repr=False)

    def templates(self, policy: Policy | None, priority: Priority) -> dict[int, Template]:
        """Every metric's template under ``policy`` at ``priority``, by ``id(metric)``."""
        # Enum members are singletons: id() hashes faster than the member.
        key = (id(policy), id(priority))
        found = self._templates.get(key)
        if found is not None and found[0] is policy:
            return found[1]
        late = self.breach_on_reply
        table = {id(m): make_template(policy, priority, m, breach_on_reply=late) for m in Metric}
        _remember(self._templates, key, (policy, table))
        return table

    def template(self, policy: Policy | None, priority: Priority, metric: Metric) -> Template:
        """``make_template``, remembered per policy object, priority and metric."""
        return self.templates(policy, priority)[id(metric)]

    def due(self, calendar: Calendar, since: datetime, seconds: int) -> datetime:
        """``calendar.add(since, seconds)``, remembered."""
        # Entries hold only ints and datetimes, which the garbage collector
        # stops tracking; the calendar, kept by id, must be the one remembered.
        # ``fold`` too: two readings of a fall-back hour compare equal in one zone.
        key = (id(calendar), since, since.fold, seconds)
        if self._calendars.get(key[0]) is not calendar:
            # Registered calendars stay alive, so their ids stay theirs.
            if len(self._calendars) >= _CALENDAR_LIMIT:
                self._calendars.clear()
                self._due_memo.clear()
            self._calendars[key[0]] = calendar
        cached = self._due_memo.get(key)
        if cached is not None:
            return cached
        due = calendar.add(since, seconds)
        _remember(self._due_memo, key, due)
        return due

    def pending(self, plan: Plan) -> list[Threshold]:
        """Every threshold of the plan's clock not yet emitted, with its instant."""
        if plan.pending is None:
            since = plan.since
            plan.pending = [
                (self.due(plan.calendar, since, left), order, key, percent)
                for left, order, key, percent in plan.steps
            ]
        return plan.pending

    def outlook(
        self, clocks: tuple[SlaClock, ...], policy: Policy | None, priority: Priority
    ) -> Outlook:
        """What ``clocks`` have pending under ``policy`` at ``priority``, remembered."""
        # One call asks about the same state several times: the last answer first.
        last = self._last
        if (
            last is not None
            and last.clocks is clocks
            and last.policy is policy
            and last.priority is priority
        ):
            return last
        key = (id(clocks), id(policy), id(priority))
        outlook = self._outlooks.get(key)
        if outlook is not None and outlook.clocks is clocks and outlook.policy is policy:
            self._last = outlook
            return outlook
        table = self.templates(policy, priority) if policy is not None else {}
        plans = [self._plan(table, c) for c in clocks]
        bounds = [p.bound for p in plans if p is not None]
        outlook = Outlook(
            clocks=clocks,
            policy=policy,
            priority=priority,
            plans=plans,
            bound=min(bounds, default=None),
        )
        _remember(self._outlooks, key, outlook)
        self._last = outlook
        return outlook

    def forget(
        self, clocks: tuple[SlaClock, ...], policy: Policy | None, priority: Priority
    ) -> None:
        """Drop the outlook of ``clocks`` (a state superseded by a newer one)."""
        key = (id(clocks), id(policy), id(priority))
        # pop, not lookup-then-del: another thread may drop the key in between.
        outlook = self._outlooks.pop(key, None)
        if outlook is None:
            return
        if outlook.clocks is not clocks:
            # A newer state's outlook under a reused id: put it back untouched.
            self._outlooks.setdefault(key, outlook)
            return
        if self._last is outlook:
            self._last = None

    def earliest(self, outlook: Outlook) -> datetime | None:
        """The earliest pending threshold instant of the outlook's clocks (None: none)."""
        if not outlook.exact_known:
            instants = [self._first(p) for p in outlook.plans if p is not None]
            outlook.exact = min(instants, default=None)
            outlook.exact_known = True
        return outlook.exact

    def _first(self, plan: Plan) -> datetime:
        # ``add`` never decreases as the seconds grow, so a clock's earliest
        # threshold is the one with the fewest open seconds left.
        if plan.first is None:
            plan.first = self.due(plan.calendar, plan.since, plan.least)
        return plan.first

    def _plan(self, table: dict[int, Template], clock: SlaClock) -> Plan | None:
        # None when nothing is pending: no policy (an empty table), not
        # running, or no threshold left.
        since = clock.running_since
        if not table or since is None or clock.fulfilled_at is not None:
            return None
        if clock.cancelled_at is not None:
            return None
        template = table[id(clock.metric)]
        planned: Sequence[tuple[int, int, str, int]] = template.steps
        if not planned:
            return None
        elapsed, fired = clock.elapsed, clock.fired
        least = template.least
        if elapsed or fired:
            planned = [
                (max(0, seconds - elapsed), order, key, percent)
                for seconds, order, key, percent in planned
                if key not in fired
            ]
            if not planned:
                return None
            least = min(p[0] for p in planned)
        # (A clock that has run nothing and emitted nothing plans the template.)
        # Open seconds never outrun elapsed seconds, so no threshold falls
        # before since + its open seconds left: a bound without the calendar.
        # In UTC: aware arithmetic in a DST zone adds wall time, not elapsed.
        bound = since.astimezone(UTC) + timedelta(seconds=least)
        return Plan(
            since=since, calendar=template.calendar, steps=planned, least=least, bound=bound
        )
