"""The figures a dashboard shows, as frozen values: what one pass over the events yields.

Most figures are ``MetricsReport`` breakdowns, so a figure the metrics gain
(a new ``GroupMetrics`` field) reaches the dashboard by adding a chart or a
column, never a second pass. The rest are the few series the accumulators
do not keep: the backlog day by day and the time spent in each status.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, tzinfo

import attrs

from omnicx._frozen import EMPTY_MAP, frozen_map, frozen_seq
from omnicx.listening import TopicReport
from omnicx.metrics import GroupMetrics, MetricsReport, Summary
from omnicx.report._callfold import CallFigures

BREAKDOWNS: tuple[str, ...] = ("channel", "queue", "agent")
"""The dimensions the duration distributions are broken down by, in page order."""


@attrs.frozen(kw_only=True)
class BacklogPoint:
    """How many conversations were open (an active status) at ``at``.

    ``at`` is the end of a local day (midnight of the next one), or ``now``
    for the last point.
    """

    day: date
    at: datetime
    open: int


@attrs.frozen(kw_only=True)
class StatusTime:
    """Where conversations stall: the time spent in one active status.

    Attributes:
        status: the status (``new``, ``open``, ``pending``, ``on_hold``).
        time: per conversation that was ever in the status, its total
            seconds there (up to ``now`` for one still there).
        current: per conversation in the status at ``now``, the seconds
            since it entered it.
    """

    status: str
    time: Summary = attrs.field(factory=Summary)
    current: Summary = attrs.field(factory=Summary)


@attrs.frozen(kw_only=True)
class Dashboard:
    """Every figure of one report, as of ``now``, with time buckets in ``tz``.

    Attributes:
        overall: every conversation in one group (``by=()``).
        breakdowns: by ``channel``, ``queue`` and ``agent`` (``BREAKDOWNS``).
        daily: by creation ``day`` and ``channel``: volume, CSAT and NPS
            over time, and SLA outcomes by the day their conversation began.
        week_hours: by creation ``weekday`` and ``hour``: the heatmap.
        backlog: open conversations at the end of each local day, then at ``now``.
        statuses: time in each active status, in lifecycle order.
        topics: listening topics over the report's period, when given.
        first: the earliest conversation's creation (None without conversations).
        calls: the call figures (``call_metrics`` of the same events) and
            the inbound calls per local day by outcome.
    """

    now: datetime
    tz: tzinfo = UTC
    first: datetime | None = None
    overall: MetricsReport
    breakdowns: Mapping[str, MetricsReport] = attrs.field(default=EMPTY_MAP, converter=frozen_map)
    daily: MetricsReport
    week_hours: MetricsReport
    backlog: tuple[BacklogPoint, ...] = attrs.field(default=(), converter=frozen_seq)
    statuses: tuple[StatusTime, ...] = attrs.field(default=(), converter=frozen_seq)
    topics: tuple[TopicReport, ...] = attrs.field(default=(), converter=frozen_seq)
    calls: CallFigures = attrs.field(factory=CallFigures)

    @property
    def totals(self) -> GroupMetrics:
        """The figures of all conversations together."""
        return self.overall.groups.get((), GroupMetrics())
