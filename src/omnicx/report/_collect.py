"""One pass over the events: every figure of a dashboard, memory bounded by the conversations.

Each event goes into its conversation's ``FactsBuilder`` as it comes (the
same fold ``omnicx metrics`` streams), extended with what only a dashboard
asks: the seconds spent in each status, and, with an ``SlaEngine``, each
SLA clock's outcome. The backlog needs no per-conversation history at all:
each move into or out of an active status adds one to or takes one from its
local day, and the running sum of the days is the backlog at each day's end.
At the end every conversation is counted once into all the breakdowns
(``FactsBuilder.add_to``). Calls are folded per customer apart
(``_callfold``): their call events and outbound messages' instants only.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, cast

from omnicx.errors import ValidationError
from omnicx.listening import TopicReport
from omnicx.metrics import (
    Distribution,
    FactsBuilder,
    MetricsAccumulator,
    MetricsConfig,
    SlaOutcome,
)
from omnicx.metrics._derive import builder_dims
from omnicx.metrics._sla import add_outcomes, clock_outcomes
from omnicx.metrics._stream import KEEP_SOLVED, MetricsStream
from omnicx.model import Event, Status
from omnicx.model._checks import require_aware
from omnicx.report._callfold import CallFold
from omnicx.report._values import BREAKDOWNS, BacklogPoint, Dashboard, StatusTime
from omnicx.sla import SlaEngine

ACTIVE: tuple[Status, ...] = tuple(s for s in Status if s.is_active)
"""The statuses a conversation can stall in, in lifecycle order."""


class _Builder(FactsBuilder):
    """A conversation's fold plus the dashboard's own figures."""

    __slots__ = ("in_status",)

    def __init__(self, *, conversation_id: str, created_at: datetime, config: MetricsConfig):
        super().__init__(conversation_id=conversation_id, created_at=created_at, config=config)
        # Seconds per status left so far; None until the first move (most
        # conversations move a few times: a small dict, made lazily).
        self.in_status: dict[Status, int] | None = None

    def status(self, at: Any, status: Status) -> None:
        """Count the time in the status being left, then move (``FactsBuilder.status``)."""
        current = self.current
        if current.is_active:
            spent = self.in_status if self.in_status is not None else {}
            spent[current] = spent.get(current, 0) + int((at - self.status_since).total_seconds())
            self.in_status = spent
        super().status(at, status)


def _backwards(conversation_id: str, at: datetime, last: datetime) -> ValidationError:
    return ValidationError.single(
        "at",
        f"conversation {conversation_id!r} goes back in time ({at.isoformat()} after "
        f"{last.isoformat()}); events are read in one pass, so each conversation's "
        "events must come in time order: sort them by 'at'",
    )


class DashboardCollector:
    """Folds events, one at a time, into a ``Dashboard``: the streaming form of ``build_dashboard``.

    ``feed`` each event (each conversation's in time order; conversations
    interleave freely), then read ``dashboard(now)``. Memory holds one small
    fold per conversation and one counter per local day, never the events;
    for the call figures, each customer's call events and the instants of
    their outbound messages (docs/metrics.md, "Dashboard").

    Args:
        tz: the zone of every time bucket (days, weekdays, hours).
        config: the metric definitions' settings (FCR window, calendar).
        sla: an engine whose policies decide each conversation's SLA
            outcomes; without it only ``add_sla`` outcomes are counted.
        keep_solved: recently solved conversations held in memory; older
            ones wait in a temporary file (``MetricsStream``), so memory
            follows the open conversations. ``close`` (or a ``with`` block)
            removes the file.
    """

    def __init__(
        self,
        *,
        tz: tzinfo = UTC,
        config: MetricsConfig | None = None,
        sla: SlaEngine | None = None,
        keep_solved: int = KEEP_SOLVED,
    ) -> None:
        self.tz = tz
        self.config = config or MetricsConfig()
        self.sla = sla
        self._stream = MetricsStream(
            config=self.config, keep_solved=keep_solved, sla=sla, builder=_Builder
        )
        self._moves: dict[date, int] = {}  # backlog change per local day
        # The part of a day's change made at its very first instant (local
        # midnight): the previous day's end-point counts it too, as
        # ``backlog_at`` counts a change at the instant it asks about.
        self._at_midnight: dict[date, int] = {}
        self._outcomes: list[SlaOutcome] = []
        self._calls = CallFold()
        self.latest: datetime | None = None
        """The latest instant fed (the default ``now``)."""
        self.earliest: datetime | None = None
        """The earliest conversation's creation (its first event)."""

    def _day(self, at: datetime) -> date:
        return at.astimezone(self.tz).date()

    def _move(self, at: datetime, change: int) -> None:
        local = at.astimezone(self.tz)
        day = local.date()
        self._moves[day] = self._moves.get(day, 0) + change
        if local.time() == time():
            self._at_midnight[day] = self._at_midnight.get(day, 0) + change

    def feed(self, event: Event) -> None:
        """Fold one event into its conversation, and a call's into its customer's calls.

        Events without a conversation count only for the call figures.

        Raises:
            ValidationError: the event is older than its conversation's
                previous one (path ``at``); nothing of it is counted.
        """
        conversation_id = event.conversation_id
        if conversation_id is None:
            self._calls.feed(event)
            return
        at = event.at
        stream = self._stream
        builder, last, new = stream.open(conversation_id, at)
        if new:
            self._move(at, +1)
            if self.earliest is None or at < self.earliest:
                self.earliest = at
        elif at < last:
            stream.settle(conversation_id, builder)
            raise _backwards(conversation_id, at, last)
        was_active = builder.current.is_active
        builder.feed(event)
        stream.folded(conversation_id, event)
        if builder.current.is_active is not was_active:
            self._move(at, 1 if not was_active else -1)
        stream.settle(conversation_id, builder)
        self._calls.feed(event)
        if self.latest is None or at > self.latest:
            self.latest = at

    @property
    def in_memory(self) -> int:
        """Conversations whose folds are in memory: the active and the recently solved."""
        return self._stream.in_memory

    def close(self) -> None:
        """Remove the temporary file of solved conversations' folds (``MetricsStream.close``)."""
        self._stream.close()

    def __enter__(self) -> DashboardCollector:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def add_sla(self, outcome: SlaOutcome) -> None:
        """Count an SLA outcome the host measured itself (grouped by its ``dimensions``)."""
        self._outcomes.append(outcome)

    def dashboard(self, now: datetime, *, topics: Iterable[TopicReport] = ()) -> Dashboard:
        """Every figure as of ``now`` (at or after the latest event fed)."""
        require_aware(now, "now")
        tz = self.tz
        overall = MetricsAccumulator(tz=tz)
        breakdowns = {name: MetricsAccumulator(by=(name,), tz=tz) for name in BREAKDOWNS}
        daily = MetricsAccumulator(by=("day", "channel"), tz=tz)
        week_hours = MetricsAccumulator(by=("weekday", "hour"), tz=tz)
        everything = (overall, *breakdowns.values(), daily, week_hours)
        spent = {status: Distribution() for status in ACTIVE}
        current = {status: Distribution() for status in ACTIVE}
        for folded, sla_state in self._stream.conversations():
            builder = cast(_Builder, folded)  # the stream folds with _Builder
            builder.add_to(*everything, now=now)
            times = dict(builder.in_status or {})
            if builder.current.is_active:
                since = int((now - builder.status_since).total_seconds())
                times[builder.current] = times.get(builder.current, 0) + since
                current[builder.current].add(since)
            for status, seconds in times.items():
                spent[status].add(seconds)
            if sla_state is not None and self.sla is not None:
                add_outcomes(
                    (overall, *breakdowns.values(), daily),
                    builder_dims(builder),
                    clock_outcomes(self.sla, sla_state, now),
                )
        for outcome in self._outcomes:
            for accumulator in (overall, *breakdowns.values(), daily):
                accumulator.add_sla(outcome)
        return Dashboard(
            now=now,
            tz=tz,
            first=self.earliest,
            overall=overall.report(),
            breakdowns={name: a.report() for name, a in breakdowns.items()},
            daily=daily.report(),
            week_hours=week_hours.report(),
            backlog=self._backlog(now),
            statuses=[
                StatusTime(status=s.value, time=spent[s].summary(), current=current[s].summary())
                for s in ACTIVE
            ],
            topics=topics,
            calls=self._calls.figures(tz),
        )

    def _backlog(self, now: datetime) -> list[BacklogPoint]:
        if not self._moves:
            return []
        tz, today = self.tz, self._day(now)
        day, points, open_ = min(self._moves), [], 0
        while day <= today:
            open_ += self._moves.get(day, 0)
            if day == today:
                points.append(BacklogPoint(day=day, at=now, open=open_))
            else:
                end = datetime.combine(day + timedelta(days=1), time(), tzinfo=tz)
                early = self._at_midnight.get(day + timedelta(days=1), 0)
                points.append(BacklogPoint(day=day, at=end, open=open_ + early))
            day += timedelta(days=1)
        return points


def build_dashboard(
    events: Iterable[Event],
    *,
    now: datetime | None = None,
    tz: tzinfo = UTC,
    config: MetricsConfig | None = None,
    sla: SlaEngine | None = None,
    sla_outcomes: Iterable[SlaOutcome] = (),
    topics: Iterable[TopicReport] = (),
) -> Dashboard | None:
    """Every dashboard figure from events, in one pass; None when there is no conversation.

    Events must come in time order within each conversation (the order a
    store or an export keeps); conversations may interleave. Without
    ``now`` the dashboard is as of the latest event; with it, later events
    are skipped. ``sla`` replays each conversation through an SLA engine;
    ``sla_outcomes`` adds outcomes the host measured itself. ``topics``
    (``omnicx.listening.report`` results) get a section of their own.

    Raises:
        ValidationError: a conversation's events go back in time.
    """
    if now is not None:
        require_aware(now, "build_dashboard(now=)")
    with DashboardCollector(tz=tz, config=config, sla=sla) as collector:
        for event in events:
            if now is None or event.at <= now:
                collector.feed(event)
        for outcome in sla_outcomes:
            collector.add_sla(outcome)
        when = now or collector.latest
        if when is None or collector.earliest is None:
            return None
        return collector.dashboard(when, topics=topics)
