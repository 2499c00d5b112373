"""``build_dashboard``: the one-pass figures equal the metrics' own plain paths."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.metrics.conftest import START, Timeline
from tests.metrics.test_accumulator import conversations

from omnicx.errors import ValidationError
from omnicx.metrics import SlaOutcome, backlog_at, compute_metrics, facts_by_conversation
from omnicx.model import Priority, Status
from omnicx.report import DashboardCollector, build_dashboard
from omnicx.sla import Metric, Policy, SlaEngine, Target

PARIS = ZoneInfo("Europe/Paris")
_MIDNIGHT = 14 * 60  # minutes after START: 23:00 UTC on Monday 4 March 2024, midnight in Paris


def _events(timelines: tuple[Timeline, ...] | list[Timeline]) -> list:  # type: ignore[type-arg]
    # A log in time order, as a store or an export keeps it; ties keep their order.
    return sorted((e for t in timelines for e in t.events), key=lambda e: e.at)


many = st.integers(1, 10).flatmap(lambda n: st.tuples(*(conversations(f"c{i}") for i in range(n))))


@settings(max_examples=60)
@given(many, st.sampled_from([UTC, PARIS]))
def test_every_breakdown_is_the_metrics_report(timelines: tuple[Timeline, ...], tz: object) -> None:
    """Overall, per channel, queue and agent, per day and channel, per weekday and hour: the
    figures ``compute_metrics`` gives for the same events."""
    events = _events(timelines)
    dashboard = build_dashboard(events, tz=tz)  # type: ignore[arg-type]
    assert dashboard is not None
    now = max(e.at for e in events)
    assert dashboard.now == now

    def plain(*by: str):  # type: ignore[no-untyped-def]
        return compute_metrics(events, now=now, by=by, tz=tz)  # type: ignore[arg-type]

    assert dashboard.overall == plain()
    for name, report in dashboard.breakdowns.items():
        assert report == plain(name)
    assert dashboard.daily == plain("day", "channel")
    assert dashboard.week_hours == plain("weekday", "hour")


@settings(max_examples=60)
@given(many, st.sampled_from([UTC, PARIS]))
def test_the_backlog_is_backlog_at_each_days_end(
    timelines: tuple[Timeline, ...], tz: object
) -> None:
    """Each point counts the conversations ``backlog_at`` finds open at that instant."""
    events = _events(timelines)
    dashboard = build_dashboard(events, tz=tz)  # type: ignore[arg-type]
    assert dashboard is not None
    facts = facts_by_conversation(events, now=dashboard.now)
    first_day = min(f.created_at for f in facts).astimezone(tz).date()  # type: ignore[arg-type]
    assert dashboard.backlog[0].day == first_day
    assert dashboard.backlog[-1].at == dashboard.now
    for point in dashboard.backlog:
        found = backlog_at(facts, point.at)
        assert point.open == (found[()].count if () in found else 0)
    days = [p.day for p in dashboard.backlog]
    assert days == [first_day + timedelta(days=i) for i in range(len(days))]


def test_time_in_each_status() -> None:
    """Seconds per status up to each move, and up to ``now`` for the status a conversation is in."""
    a = (Timeline("a").inbound(0).status(10, Status.OPEN).status(30, Status.PENDING)
         .status(60, Status.OPEN).solve(70))  # fmt: skip
    b = Timeline("b").inbound(0).status(5, Status.ON_HOLD)
    dashboard = build_dashboard(_events([a, b]), now=Timeline.at(100))
    assert dashboard is not None
    times = {s.status: s for s in dashboard.statuses}
    assert list(times) == ["new", "open", "pending", "on_hold"]
    assert times["new"].time.count == 2
    assert (times["new"].time.total, times["new"].time.median) == (300 + 600, 300)
    assert times["open"].time.count == 1
    assert times["open"].time.median == 30 * 60  # 20 minutes, then 10 more after pending
    assert times["pending"].time.median == 30 * 60
    assert times["on_hold"].time.median == 95 * 60  # still on hold at now
    assert times["on_hold"].current.count == 1
    assert times["on_hold"].current.median == 95 * 60
    assert times["open"].current.count == 0


def _engine() -> SlaEngine:
    minutes = {p: Target(seconds=10 * 60) for p in Priority}
    return SlaEngine(policies=[Policy(name="standard", targets={Metric.FIRST_REPLY: minutes})])


def test_sla_outcomes_per_target_and_group() -> None:
    """Each conversation's clocks through the engine: achieved, breached (also when fulfilled
    late), and one not yet decided counts in neither."""
    fast = Timeline("fast").inbound(0, "chat").reply(5, "chat")
    late = Timeline("late").inbound(0, "email").reply(30)
    waiting = Timeline("waiting").inbound(95, "email")
    dashboard = build_dashboard(_events([fast, late, waiting]), now=Timeline.at(100), sla=_engine())
    assert dashboard is not None
    tally = dashboard.totals.sla["first_reply"]
    assert (tally.achieved, tally.breached) == (1, 1)
    by_channel = dashboard.breakdowns["channel"].groups
    assert by_channel[("chat",)].sla["first_reply"].achieved == 1
    assert by_channel[("email",)].sla["first_reply"].breached == 1
    day = START.date().isoformat()
    assert dashboard.daily.groups[(day, "email")].sla["first_reply"].breached == 1


def test_a_clock_breached_at_now_counts() -> None:
    """A reply still owed past its target at ``now`` is a breach (the engine runs to ``now``)."""
    owed = Timeline("owed").inbound(0)
    dashboard = build_dashboard(owed.events, now=Timeline.at(60), sla=_engine())
    assert dashboard is not None
    assert dashboard.totals.sla["first_reply"].breached == 1


def test_host_outcomes_group_by_their_dimensions() -> None:
    """Outcomes the host measured count in the groups their dimensions name."""
    outcome = SlaOutcome(conversation_id="a", target="resolution", achieved=False, at=START,
                         dimensions={"channel": "chat", "queue": "billing"})  # fmt: skip
    dashboard = build_dashboard(Timeline("a").inbound(0, "chat").events, sla_outcomes=[outcome])
    assert dashboard is not None
    assert dashboard.totals.sla["resolution"].breached == 1
    assert dashboard.breakdowns["queue"].groups[("billing",)].sla["resolution"].breached == 1


def test_now_skips_later_events_and_no_conversation_gives_none() -> None:
    """Events after ``now`` are not counted; without a conversation there is no dashboard."""
    t = Timeline("a").inbound(0).reply(10).solve(20)
    dashboard = build_dashboard(t.events, now=Timeline.at(15))
    assert dashboard is not None
    assert dashboard.totals.solved == 0
    assert build_dashboard([]) is None
    assert build_dashboard(t.events, now=Timeline.at(-1)) is None
    with pytest.raises(ValidationError, match="naive"):
        build_dashboard(t.events, now=datetime(2024, 1, 1))


def test_a_conversation_going_back_in_time_is_refused() -> None:
    """One pass needs each conversation in time order; the error says how to fix the input."""
    t = Timeline("a").inbound(10).reply(5)
    collector = DashboardCollector()
    collector.feed(t.events[0])
    with pytest.raises(ValidationError) as caught:
        collector.feed(t.events[1])
    assert str(caught.value) == (
        "at: conversation 'a' goes back in time (2024-03-04T09:05:00+00:00 after "
        "2024-03-04T09:10:00+00:00); events are read in one pass, so each conversation's "
        "events must come in time order: sort them by 'at'"
    )


@st.composite
def moving(draw: st.DrawFn) -> Timeline:
    """A conversation moving through any statuses (pending and on hold too) at any pace."""
    t = Timeline("m").inbound(0)
    minute = 0.0
    for status in draw(st.lists(st.sampled_from(list(Status)), max_size=8)):
        minute += draw(st.integers(0, 600))
        t.status(minute, status)
    return t


@settings(max_examples=80)
@given(st.one_of(conversations("c"), moving()))
def test_time_in_status_adds_up_to_the_metrics_durations(timeline: Timeline) -> None:
    """Solved, a conversation's new + open + on-hold time is its requester wait, and new + open
    its agent work (docs/metrics.md): the same seconds, counted another way."""
    events = _events([timeline])
    dashboard = build_dashboard(events)
    assert dashboard is not None
    (facts,) = facts_by_conversation(events, now=dashboard.now)
    total = {s.status: s.time.total for s in dashboard.statuses}
    if facts.solved and facts.requester_wait is not None and facts.agent_work is not None:
        assert total["new"] + total["open"] + total["on_hold"] == facts.requester_wait.seconds
        assert total["new"] + total["open"] == facts.agent_work.seconds
    assert sum(total.values()) <= (dashboard.now - facts.created_at).total_seconds()


@settings(max_examples=60)
@given(many, st.sampled_from([0, 1, 3]))
def test_solved_conversations_wait_on_disk_and_give_the_same_dashboard(
    timelines: tuple[Timeline, ...], keep: int
) -> None:
    """Memory holds the active and the ``keep_solved`` recently solved folds; the rest wait
    in the stream's file and come back for a reopen or the count; with SLA policies too,
    every figure is the one of a collector that keeps everything."""
    events = _events(timelines)
    engine = SlaEngine(
        policies=[
            Policy(
                name="p", targets={Metric.FIRST_REPLY: dict.fromkeys(Priority, Target(seconds=600))}
            )
        ]
    )
    with (
        DashboardCollector(sla=engine) as whole,
        DashboardCollector(sla=engine, keep_solved=keep) as bounded,
    ):
        for event in events:
            whole.feed(event)
            bounded.feed(event)
            active = {
                c.conversation_id
                for c in (whole._stream._open.values())  # the active folds
            }
            assert bounded.in_memory <= len(active) + keep
        now = max(e.at for e in events)
        assert bounded.dashboard(now) == whole.dashboard(now)


@pytest.mark.parametrize(
    ("timelines", "open_at_monday_end"),
    [
        # c1 is solved at midnight: it has left the backlog then.
        ([Timeline("c1").inbound(0).solve(_MIDNIGHT), Timeline("c2").inbound(5)], 1),
        # c3 is created at midnight: it has joined the backlog then.
        ([Timeline("c2").inbound(5), Timeline("c3").inbound(_MIDNIGHT)], 2),
    ],
    ids=["solved", "created"],
)
def test_a_change_at_local_midnight_counts_at_the_day_end_it_falls_on(
    timelines: list[Timeline], open_at_monday_end: int
) -> None:
    """The backlog at a day's end counts what changes at that very instant, as backlog_at does."""
    events = _events(timelines)
    dashboard = build_dashboard(events, tz=PARIS)
    assert dashboard is not None
    end_of_monday = dashboard.backlog[0]
    assert end_of_monday.at == datetime(2024, 3, 5, tzinfo=PARIS)
    assert end_of_monday.open == open_at_monday_end
    facts = facts_by_conversation(events, now=dashboard.now)
    assert backlog_at(facts, end_of_monday.at)[()].count == open_at_monday_end
