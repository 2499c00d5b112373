"""The engine's memos and fast paths give exactly what the plain computation gives."""

from __future__ import annotations

from datetime import datetime, timedelta
from unittest import mock

import attrs
from hypothesis import given
from hypothesis import strategies as st

import omnicx.sla._engine as engine_module
import omnicx.sla._plan as plan_module
from omnicx.model import Assigned, AuthorKind, Event, Priority, Status
from omnicx.sla import (
    ALWAYS_OPEN,
    ClockEvent,
    ClockEventKind,
    Escalation,
    Match,
    Metric,
    Policy,
    SlaEngine,
    SlaReport,
    SlaState,
    Target,
    TargetStatus,
    load_calendar,
)
from omnicx.sla._plan import make_template

from ._timeline import agent, at, customer, message, priority, status, tags

OFFICE = load_calendar(
    {
        "timezone": "Europe/London",
        "hours": {d: ["09:00-17:30"] for d in ("mon", "tue", "wed", "thu", "fri")},
        "holidays": ["2026-11-25"],
    }
)
LADDER = (
    Escalation(percent=50, action="nudge", metrics=frozenset({Metric.FIRST_REPLY})),
    Escalation(percent=100, action="lead"),
    Escalation(percent=150, action="manager"),
)


def targets(hours: float, business: bool = True) -> dict[Metric, dict[Priority, Target]]:
    return {
        m: {
            p: Target(seconds=int(hours * 3600) // (p.rank + 1), business=business, warn_percent=75)
            for p in Priority
            if p is not Priority.LOW or m is not Metric.NEXT_REPLY
        }
        for m in Metric
        if m is not Metric.PAUSABLE_UPDATE
    }


POLICIES = (
    Policy(
        name="billing",
        when=Match(queue=["billing"], priority=[Priority.HIGH, Priority.URGENT]),
        targets=targets(2),
        calendar=OFFICE,
        escalations=LADDER,
    ),
    Policy(
        name="refund",
        when=Match(tags=["refund"]),
        targets=targets(6, business=False),
        calendar=OFFICE,
    ),
    Policy(name="vip", when=Match(customer={"vip": {True}}), targets=targets(4), calendar=OFFICE),
)
DEFAULT = Policy(name="standard", targets=targets(8), calendar=OFFICE, escalations=LADDER)


def engine(**options: bool) -> SlaEngine:
    """A fresh engine: empty memos."""
    return SlaEngine(policies=POLICIES, default=DEFAULT, **options)


def assigned(minute: float, queue: str | None) -> Assigned:
    return Assigned(id=f"a{minute}", at=at(minute), customer_id="c1", assignee="ag", queue=queue)


def untagged(minute: float, *removed: str) -> Event:
    return attrs.evolve(tags(minute), id=f"u{minute}", removed=frozenset(removed))


STEPS = st.sampled_from(
    [
        # Messages are drawn more often than each other kind of event.
        *[customer, agent] * 4,
        lambda m: agent(m, public=False),
        lambda m: message(m, AuthorKind.BOT),
        *[lambda m, s=s: status(m, s) for s in Status],
        *[lambda m, p=p: priority(m, p) for p in Priority],
        *[lambda m, q=q: assigned(m, q) for q in ("billing", "sales", None)],
        lambda m: tags(m, "refund"),
        lambda m: untagged(m, "refund"),
    ]
)


@st.composite
def timelines(draw: st.DrawFn) -> list[Event]:
    """A conversation with bursts at one instant, as routing emits them."""
    minute = 0
    events: list[Event] = [customer(0)]
    for make in draw(st.lists(STEPS, max_size=20)):
        minute += draw(st.sampled_from([0, 0, 1, 45, 600, 3000]))
        events.append(make(minute))
    return events


def nows(events: list[Event], data: st.DataObject) -> list[datetime]:
    """A 'now' for each event, before the next event (the host's contract)."""
    result = []
    for event, following in zip(events, [*events[1:], None], strict=True):
        limit = following.at if following else event.at + timedelta(days=5)
        span = int((limit - event.at).total_seconds())
        result.append(event.at + timedelta(seconds=data.draw(st.integers(0, max(0, span - 1)))))
    return result


def plain_report(engine: SlaEngine, state: SlaState, now: datetime) -> SlaReport:
    """The report worked out clock by clock from the policy, with no memo: the oracle."""
    state, _ = engine.advance(state, now)
    policy, level = state.policy, state.facts.priority
    lines, instants = [], []
    for clock in state.clocks:
        target = policy.target(clock.metric, level) if policy else None
        calendar = ALWAYS_OPEN if policy is None else policy.calendar
        if policy is not None and target is not None:
            calendar = policy.calendar_for(target)
        since = clock.running_since
        elapsed = clock.elapsed + (calendar.seconds_between(since, now) if since else 0)
        due = clock.breached_at
        if due is None and since is not None and target is not None:
            due = calendar.add(since, max(0, target.seconds - clock.elapsed))
        if since is not None and clock.is_open and target is not None:
            template = make_template(
                policy, level, clock.metric, breach_on_reply=engine.breach_on_reply
            )
            instants += [
                calendar.add(since, max(0, seconds - clock.elapsed))
                for seconds, _, key, _ in template.steps
                if key not in clock.fired
            ]
        if clock.cancelled_at is None:
            lines.append(
                TargetStatus(
                    metric=clock.metric,
                    occurrence=clock.occurrence,
                    state=clock.state,
                    target=target,
                    elapsed=elapsed,
                    remaining=None if target is None else target.seconds - elapsed,
                    due=due,
                    policy=policy.name if policy else None,
                )
            )
    return SlaReport(
        now=now,
        targets=tuple(lines),
        next_deadline=min(instants, default=None),
        policy=state.applied[-1] if state.applied else None,
    )


def fold(make: object, events: list[Event], times: list[datetime]) -> list[object]:
    """Every output of the desk's calls (apply, advance, report) on a fresh or shared engine."""
    get = make if callable(make) else (lambda: make)
    outputs: list[object] = []
    seen: list[tuple[SlaState, datetime]] = []
    state = get().start({"vip": True})
    for event, now in zip(events, times, strict=True):
        state, effects = get().apply(state, event, event.at)
        outputs += [state, effects]
        state, effects = get().advance(state, now)
        report = get().report(state, now)
        assert report == plain_report(get(), state, now)
        outputs += [state, effects, report, get().next_deadline(state, now)]
        seen.append((state, now))
    # States the engine has since superseded still answer the same.
    outputs += [get().report(old, now) for old, now in seen]
    return outputs


WARM = engine()


@given(timelines(), st.data())
def test_warm_memos_give_what_a_cold_engine_gives(events: list[Event], data: st.DataObject) -> None:
    """An engine whose memos hold earlier conversations answers like a new one per call."""
    times = nows(events, data)
    assert fold(WARM, events, times) == fold(engine, events, times)


@given(timelines(), st.data(), st.integers(1, 4))
def test_memos_evicting_change_nothing(
    events: list[Event], data: st.DataObject, limit: int
) -> None:
    """Memos evicting every few entries (the bound on their size) give the same answers."""
    times = nows(events, data)
    with (
        mock.patch.object(plan_module, "_CACHE_LIMIT", limit),
        mock.patch.object(plan_module, "_CALENDAR_LIMIT", 1),
    ):
        tiny = fold(engine(), events, times)
    assert tiny == fold(engine, events, times)


@given(timelines(), st.data(), st.booleans())
def test_idle_event_shortcut_equals_the_full_fold(
    events: list[Event], data: st.DataObject, bot_reply_clears: bool
) -> None:
    """Folding events that move no clock through the full path gives the same results."""
    times = nows(events, data)
    fast = fold(engine(bot_reply_clears=bot_reply_clears), events, times)
    with mock.patch.object(engine_module, "idle", return_value=False):
        full = fold(engine(bot_reply_clears=bot_reply_clears), events, times)
    assert fast == full


@given(timelines(), st.data())
def test_incremental_equals_replay_with_routing_events(
    events: list[Event], data: st.DataObject
) -> None:
    """Applying events one by one (assignments, tags, priorities too) equals one replay."""
    end = events[-1].at + timedelta(days=data.draw(st.integers(0, 10)))
    state, effects = WARM.start(), []
    for event in events:
        state, emitted = WARM.apply(state, event, event.at)
        effects += emitted
    state, emitted = WARM.advance(state, end)
    effects += emitted
    assert (state, tuple(effects)) == engine().replay(events, end)
    assert WARM.report(state, end) == engine().status(events, end)


def test_breach_on_reply_engine_agrees_with_replay() -> None:
    """The Intercom variant takes the full path for every event and still agrees with replay."""
    late = engine(breach_on_reply=True)
    events = [customer(0), assigned(0, "billing"), priority(0, Priority.URGENT), agent(600)]
    state = late.start()
    for event in events:
        state, _ = late.apply(state, event, event.at)
    assert state == late.replay(events, at(600))[0]


def test_zero_second_target_breaches_as_the_clock_starts() -> None:
    """A clock that starts with no open second left emits at once, even from a sub-second start.

    The shortcut that settles freshly started clocks without planning them
    must not skip a threshold that falls at the start itself.
    """
    instant = Policy(
        name="instant",
        targets={Metric.FIRST_REPLY: {Priority.NORMAL: Target(seconds=0, business=False)}},
    )
    zero = SlaEngine(policies=[instant])
    for first in (customer(0), attrs.evolve(customer(0), at=at(0) + timedelta(microseconds=5))):
        state, effects = zero.apply(zero.start(), first, first.at)
        breach = ClockEvent(
            kind=ClockEventKind.BREACH, metric=Metric.FIRST_REPLY, occurrence=0, at=at(0)
        )
        assert breach in effects
        assert state.clocks[-1].breached_at == at(0)
