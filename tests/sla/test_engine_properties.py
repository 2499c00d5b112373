"""Properties of the SLA engine over random timelines."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from omnicx.model import AuthorKind, Event, Priority, Status
from omnicx.sla import (
    ClockEvent,
    ClockEventKind,
    Escalation,
    Metric,
    Policy,
    SlaEngine,
    Target,
    load_calendar,
)

from ._timeline import agent, at, customer, message, priority, status

OFFICE = load_calendar(
    {
        "timezone": "Europe/Berlin",
        "hours": {
            "mon": ["09:00-12:00", "13:00-17:00"],
            "tue": ["09:00-17:00"],
            "wed": ["22:00-06:00+1"],
            "fri": ["09:00-17:00"],
        },
        "holidays": ["2026-11-26"],
    }
)


def targets(seconds: int, business: bool) -> dict[Priority, Target]:
    return {
        p: Target(seconds=seconds // (p.rank + 1), business=business, warn_percent=75)
        for p in Priority
    }


ENGINE = SlaEngine(
    policies=[
        Policy(
            name="urgent",
            when=lambda facts: facts.priority is Priority.URGENT,
            calendar=OFFICE,
            targets={m: targets(2 * 3600, True) for m in Metric},
            escalations=(Escalation(percent=90, action="notify_lead"),),
        )
    ],
    default=Policy(
        name="standard",
        calendar=OFFICE,
        targets={
            m: targets(8 * 3600, m in (Metric.FIRST_REPLY, Metric.AGENT_WORK)) for m in Metric
        },
    ),
)

STEPS = st.sampled_from(
    [
        lambda m: customer(m),
        lambda m: agent(m),
        lambda m: agent(m, public=False),
        lambda m: message(m, AuthorKind.BOT),
        *[lambda m, s=s: status(m, s) for s in Status],
        *[lambda m, p=p: priority(m, p) for p in Priority],
    ]
)


@st.composite
def timelines(draw: st.DrawFn) -> list[Event]:
    minute = 0
    events: list[Event] = [customer(0)]
    for make in draw(st.lists(STEPS, max_size=12)):
        minute += draw(st.integers(1, 3 * 24 * 60))
        events.append(make(minute))
    return events


@given(timelines(), st.data())
def test_incremental_apply_agrees_with_replay(events: list[Event], data: st.DataObject) -> None:
    """Feeding events one by one (with any 'now' before the next event) equals one replay."""
    end = events[-1].at + timedelta(days=data.draw(st.integers(0, 10)))
    state, effects = ENGINE.start(), []
    for event, following in zip(events, [*events[1:], None], strict=True):
        limit = following.at if following else end
        span = int((limit - event.at).total_seconds())
        now = event.at + timedelta(seconds=data.draw(st.integers(0, max(0, span - 1))))
        state, emitted = ENGINE.apply(state, event, now)
        effects += emitted
    state, emitted = ENGINE.advance(state, end)
    effects += emitted
    replayed, replay_effects = ENGINE.replay(events, end)
    assert state == replayed
    assert tuple(effects) == replay_effects
    assert ENGINE.report(state, end) == ENGINE.status(events, end)


@given(timelines())
def test_breach_once_per_occurrence_and_sticky(events: list[Event]) -> None:
    """Each occurrence breaches at most once, and a breached clock reports breached forever."""
    end = events[-1].at + timedelta(days=30)
    state, effects = ENGINE.replay(events, end)
    breaches = Counter(
        (e.metric, e.occurrence)
        for e in effects
        if isinstance(e, ClockEvent) and e.kind is ClockEventKind.BREACH
    )
    assert all(n == 1 for n in breaches.values())
    report = ENGINE.report(state, end)
    for target in report.targets:
        if (target.metric, target.occurrence) in breaches:
            assert target.state.value == "breached"


@given(timelines())
def test_next_deadline_is_after_now_and_nothing_fires_before_it(events: list[Event]) -> None:
    """Advancing to just before next_deadline emits nothing; advancing to it emits something."""
    now = events[-1].at
    state, _ = ENGINE.replay(events, now)
    deadline = ENGINE.next_deadline(state, now)
    if deadline is None:
        return
    assert deadline > now
    _, quiet = ENGINE.advance(state, deadline - timedelta(seconds=1))
    assert quiet == ()
    _, fired = ENGINE.advance(state, deadline)
    assert fired
    assert all(e.at == deadline for e in fired)  # type: ignore[union-attr]


def test_time_zero_example() -> None:
    """A timeline with one message reports a first reply clock from that message."""
    report = ENGINE.status([customer(0)], at(1))
    assert {t.metric for t in report.targets} == {
        Metric.FIRST_REPLY,
        Metric.RESOLUTION,
        Metric.REQUESTER_WAIT,
        Metric.AGENT_WORK,
    }
