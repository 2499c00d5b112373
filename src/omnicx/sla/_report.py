"""SLA reports: every clock of a state as a host shows it at one instant.

A report is asked for after every event, about clocks that mostly did not
change. The parts of a clock's line that do not depend on ``now`` (target,
calendar, due instant, state) are worked out once per clock tuple and kept
with its outlook; the line of a clock that is not running does not depend on
``now`` at all and is reused whole.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from omnicx.sla._calendar import Calendar
from omnicx.sla._clock import ClockState, PolicyApplied, SlaClock, SlaReport, TargetStatus
from omnicx.sla._plan import Outlook, ThresholdPlanner
from omnicx.sla._policy import Target


@attrs.define
class _Row:
    # One clock's line without the parts that depend on ``now``.
    clock: SlaClock
    target: Target | None
    calendar: Calendar
    due: datetime | None
    state: ClockState
    policy: str | None
    last: TargetStatus | None = None
    """The latest line: the whole line while the clock is not running."""

    def line(self, elapsed: int) -> TargetStatus:
        last = self.last
        if last is not None and last.elapsed == elapsed:
            return last
        target = self.target
        self.last = TargetStatus(
            metric=self.clock.metric,
            occurrence=self.clock.occurrence,
            state=self.state,
            target=target,
            elapsed=elapsed,
            remaining=None if target is None else target.seconds - elapsed,
            due=self.due,
            policy=self.policy,
        )
        return self.last


def _rows(planner: ThresholdPlanner, outlook: Outlook) -> list[_Row]:
    policy, priority = outlook.policy, outlook.priority
    name = policy.name if policy else None
    rows = []
    table = planner.templates(policy, priority)
    for clock in outlook.clocks:
        if clock.cancelled_at is not None:
            continue
        template = table[id(clock.metric)]
        target, calendar = template.target, template.calendar
        since = clock.running_since
        due = clock.breached_at
        if due is None and since is not None and target is not None:
            due = planner.due(calendar, since, max(0, target.seconds - clock.elapsed))
        rows.append(
            _Row(
                clock=clock,
                target=target,
                calendar=calendar,
                due=due,
                state=clock.state,
                policy=name,
            )
        )
    return rows


def report_of(
    planner: ThresholdPlanner, outlook: Outlook, applied: PolicyApplied | None, now: datetime
) -> SlaReport:
    """The report of the outlook's clocks at ``now`` (already run forward to ``now``)."""
    if outlook.rows is None:
        outlook.rows = _rows(planner, outlook)
    lines = []
    # Clocks started or banked together share ``since``: one calendar question.
    seen: tuple[Calendar, datetime, int] | None = None
    for row in outlook.rows:
        clock = row.clock
        since = clock.running_since
        if since is None:
            lines.append(row.line(clock.elapsed))
            continue
        if seen is not None and seen[0] is row.calendar and seen[1] == since:
            spent = seen[2]
        else:
            spent = row.calendar.seconds_between(since, now)
            seen = (row.calendar, since, spent)
        lines.append(row.line(clock.elapsed + spent))
    return SlaReport(
        now=now,
        targets=tuple(lines),
        next_deadline=planner.earliest(outlook),
        policy=applied,
    )
