"""SLA engine examples: one test per rule of docs/sla.md."""

from __future__ import annotations

from datetime import timedelta

import attrs
import pytest

from omnicx.model import Assigned, AuthorKind, Channel, Priority, Status
from omnicx.sla import (
    NO_PAUSES,
    ClockEvent,
    ClockEventKind,
    ClockState,
    Escalate,
    Escalation,
    Match,
    Metric,
    Policy,
    PolicyApplied,
    SlaEngine,
    SlaFacts,
    Target,
    load_calendar,
)

from ._timeline import T0, agent, at, customer, message, priority, status, tags

HOUR = 3600
N = Priority.NORMAL
K = ClockEventKind


def policy(**targets: int) -> Policy:
    """A calendar-hours policy with the given targets (minutes) at normal priority."""
    return Policy(
        name="basic",
        targets={
            Metric(k): {N: Target(seconds=v * 60, business=False)} for k, v in targets.items()
        },
    )


def clock(report, metric: Metric, occurrence: int = 0):  # type: ignore[no-untyped-def]
    return next(t for t in report.targets if t.metric is metric and t.occurrence == occurrence)


def test_first_reply_achieved_by_public_human_reply() -> None:
    """A public human agent reply fulfils first reply; achieved when at or before the target."""
    engine = SlaEngine(policies=[policy(first_reply=60)])
    report = engine.status([customer(0), agent(60)], at(120))
    frt = clock(report, Metric.FIRST_REPLY)
    assert frt.state is ClockState.ACHIEVED
    assert frt.elapsed == HOUR
    assert frt.remaining == 0


def test_notes_bots_and_automation_do_not_fulfil() -> None:
    """Private agent messages, bot and automation replies leave first reply running."""
    engine = SlaEngine(policies=[policy(first_reply=60)])
    events = [
        customer(0),
        agent(5, public=False),
        message(6, AuthorKind.BOT),
        message(7, AuthorKind.AUTOMATION),
    ]
    frt = clock(engine.status(events, at(30)), Metric.FIRST_REPLY)
    assert frt.state is ClockState.ACTIVE
    assert frt.due == at(60)
    assert frt.remaining == 30 * 60


def test_breach_is_stamped_at_target_once_and_sticky() -> None:
    """The breach is recorded at the target instant, once, and a late reply doesn't undo it."""
    engine = SlaEngine(policies=[policy(first_reply=60)])
    state, effects = engine.replay([customer(0), agent(90)], at(200))
    breaches = [e for e in effects if isinstance(e, ClockEvent) and e.kind is K.BREACH]
    assert breaches == [
        ClockEvent(kind=K.BREACH, metric=Metric.FIRST_REPLY, occurrence=0, at=at(60))
    ]
    frt = clock(engine.report(state, at(200)), Metric.FIRST_REPLY)
    assert frt.state is ClockState.BREACHED
    assert frt.due == at(60)
    assert frt.overdue == 30 * 60


def test_next_reply_runs_from_oldest_unanswered_message() -> None:
    """Next reply starts at the oldest unanswered customer message; later ones don't reset it."""
    engine = SlaEngine(policies=[policy(next_reply=30)])
    events = [customer(0), agent(5), customer(10), customer(25), agent(45)]
    report = engine.status(events, at(60))
    nrt = clock(report, Metric.NEXT_REPLY)
    assert nrt.state is ClockState.BREACHED
    assert nrt.due == at(40)  # 10 + 30, not 25 + 30
    assert nrt.elapsed == 35 * 60


def test_each_customer_turn_is_its_own_occurrence() -> None:
    """Next reply repeats per customer turn; one occurrence's breach doesn't touch the next."""
    engine = SlaEngine(policies=[policy(next_reply=30)])
    events = [customer(0), agent(1), customer(10), agent(50), customer(60), agent(70)]
    report = engine.status(events, at(100))
    assert clock(report, Metric.NEXT_REPLY, 0).state is ClockState.BREACHED
    assert clock(report, Metric.NEXT_REPLY, 1).state is ClockState.ACHIEVED


def test_bot_reply_clears_only_when_configured() -> None:
    """With bot_reply_clears a public bot reply cancels the wait with no sample (Chatwoot)."""
    events = [customer(0), message(5, AuthorKind.BOT)]
    plain = SlaEngine(policies=[policy(first_reply=60)])
    assert clock(plain.status(events, at(10)), Metric.FIRST_REPLY).state is ClockState.ACTIVE
    clearing = SlaEngine(policies=[policy(first_reply=60)], bot_reply_clears=True)
    state, effects = clearing.replay(events, at(10))
    assert ClockEvent(kind=K.CANCEL, metric=Metric.FIRST_REPLY, occurrence=0, at=at(5)) in effects
    report = clearing.report(state, at(10))
    assert [t.metric for t in report.targets if t.metric is Metric.FIRST_REPLY] == []


def test_custom_reply_predicate() -> None:
    """fulfils_reply is configurable: here any outbound public message counts."""
    engine = SlaEngine(
        policies=[policy(first_reply=60)],
        fulfils_reply=lambda m: m.public and m.author.kind is not AuthorKind.CUSTOMER,
    )
    report = engine.status([customer(0), message(5, AuthorKind.BOT)], at(10))
    assert clock(report, Metric.FIRST_REPLY).state is ClockState.ACHIEVED


def test_solving_fulfils_reply_targets_and_reopen_starts_new_first_reply() -> None:
    """Solve fulfils open reply clocks; a reopen starts first reply again from the reopen."""
    engine = SlaEngine(policies=[policy(first_reply=60, resolution=600)])
    events = [customer(0), status(10, Status.SOLVED), status(100, Status.OPEN), agent(130)]
    state, _ = engine.replay(events, at(200))
    report = engine.report(state, at(200))
    assert clock(report, Metric.FIRST_REPLY, 0).state is ClockState.ACHIEVED
    second = clock(report, Metric.FIRST_REPLY, 1)
    assert second.state is ClockState.ACHIEVED
    assert second.elapsed == 30 * 60
    assert state.reopens == 1
    resolution = clock(report, Metric.RESOLUTION)
    assert resolution.state is ClockState.ACTIVE  # resumed by the reopen
    assert resolution.elapsed == (10 + 100) * 60


def test_customer_message_on_solved_conversation_waits_for_reopen() -> None:
    """A customer message while solved starts nothing until the conversation reopens."""
    engine = SlaEngine(policies=[policy(next_reply=30)])
    events = [customer(0), agent(1), status(2, Status.SOLVED), customer(5)]
    report = engine.status(events, at(60))
    assert [t for t in report.targets if t.metric is Metric.NEXT_REPLY] == []


def test_default_pauses_follow_zendesk() -> None:
    """Requester wait pauses in pending; agent work in pending and on-hold; replies never."""
    engine = SlaEngine(
        policies=[policy(requester_wait=600, agent_work=600, first_reply=600, pausable_update=600)]
    )
    events = [
        customer(0),
        status(10, Status.PENDING, Status.NEW),
        status(40, Status.ON_HOLD, Status.PENDING),
        status(100, Status.OPEN, Status.ON_HOLD),
    ]
    report = engine.status(events, at(120))
    assert clock(report, Metric.REQUESTER_WAIT).elapsed == (10 + 60 + 20) * 60
    assert clock(report, Metric.AGENT_WORK).elapsed == (10 + 20) * 60
    assert clock(report, Metric.FIRST_REPLY).elapsed == 120 * 60
    paused = engine.status(events[:2], at(20))
    assert clock(paused, Metric.REQUESTER_WAIT).state is ClockState.PAUSED
    assert clock(paused, Metric.REQUESTER_WAIT).due is None


def test_no_pausing_mode() -> None:
    """With NO_PAUSES (the Chatwoot model) no clock pauses on status."""
    engine = SlaEngine(
        policies=[
            Policy(
                name="flat",
                pauses=NO_PAUSES,
                targets={Metric.AGENT_WORK: {N: Target(seconds=10 * HOUR, business=False)}},
            )
        ]
    )
    report = engine.status([customer(0), status(10, Status.PENDING)], at(60))
    assert clock(report, Metric.AGENT_WORK).elapsed == HOUR


def test_periodic_and_pausable_updates() -> None:
    """Updates run between public agent replies; the pausable one stops while pending."""
    engine = SlaEngine(policies=[policy(periodic_update=60, pausable_update=60)])
    events = [customer(0), agent(5), status(6, Status.PENDING), agent(50)]
    report = engine.status(events, at(100))
    assert clock(report, Metric.PERIODIC_UPDATE, 0).state is ClockState.ACHIEVED
    assert clock(report, Metric.PAUSABLE_UPDATE, 0).elapsed == 60
    assert clock(report, Metric.PERIODIC_UPDATE, 1).elapsed == 50 * 60
    assert clock(report, Metric.PAUSABLE_UPDATE, 1).state is ClockState.PAUSED


def test_first_matching_policy_applies_and_is_recorded() -> None:
    """Policies are tried in order; a change re-selects and records name, version and time."""
    vip = Policy(
        name="vip-email",
        version=3,
        when=Match(channel={Channel.EMAIL}, tags={"vip"}),
        targets={Metric.FIRST_REPLY: {N: Target(seconds=HOUR, business=False)}},
    )
    engine = SlaEngine(policies=[vip, policy(first_reply=600)])
    state, effects = engine.replay([customer(0), tags(10, "vip")], at(20))
    assert state.applied == (
        PolicyApplied(name="basic", version=1, at=at(0)),
        PolicyApplied(name="vip-email", version=3, at=at(10)),
    )
    assert [e for e in effects if isinstance(e, PolicyApplied)] == list(state.applied)
    assert engine.report(state, at(20)).policy == state.applied[-1]


def test_no_match_is_explicit() -> None:
    """With no matching policy and no default, clocks run without targets; a default applies."""
    vip = Policy(name="vip", when=Match(customer={"tier": {"gold"}}))
    engine = SlaEngine(policies=[vip])
    report = engine.status([customer(0)], at(10), customer={"tier": "silver"})
    assert report.policy is None
    assert all(t.target is None and t.due is None for t in report.targets)
    assert engine.status([customer(0)], at(10), customer={"tier": "gold"}).policy is not None
    with_default = SlaEngine(policies=[vip], default=policy(first_reply=60))
    assert with_default.status([customer(0)], at(1)).policy == PolicyApplied(
        name="basic", version=1, at=at(0)
    )


def test_policy_applied_when_already_late_breaches_at_the_update() -> None:
    """A priority change that makes a running clock late breaches at that update, not earlier."""
    engine = SlaEngine(
        policies=[
            Policy(
                name="p",
                targets={
                    Metric.FIRST_REPLY: {
                        N: Target(seconds=8 * HOUR, business=False),
                        Priority.URGENT: Target(seconds=HOUR, business=False),
                    }
                },
            )
        ]
    )
    report = engine.status([customer(0), priority(120, Priority.URGENT)], at(180))
    frt = clock(report, Metric.FIRST_REPLY)
    assert frt.state is ClockState.BREACHED
    assert frt.due == at(120)


def test_warning_and_escalation_ladder() -> None:
    """Warn at a share of the target; ladder steps at 80% and at breach emit actions."""
    engine = SlaEngine(
        policies=[
            Policy(
                name="p",
                targets={
                    Metric.FIRST_REPLY: {
                        N: Target(seconds=100 * 60, business=False, warn_percent=50)
                    }
                },
                escalations=(
                    Escalation(percent=80, action="notify_lead"),
                    Escalation(
                        percent=100,
                        action="raise_priority",
                        metrics=frozenset({Metric.FIRST_REPLY}),
                    ),
                    Escalation(percent=100, action="page", metrics=frozenset({Metric.RESOLUTION})),
                ),
            )
        ]
    )
    _state, effects = engine.replay([customer(0)], at(150))
    fr = [e for e in effects if getattr(e, "metric", None) is Metric.FIRST_REPLY]
    assert fr == [
        ClockEvent(kind=K.ACTIVATE, metric=Metric.FIRST_REPLY, occurrence=0, at=at(0)),
        ClockEvent(kind=K.WARN, metric=Metric.FIRST_REPLY, occurrence=0, at=at(50)),
        Escalate(
            action="notify_lead", metric=Metric.FIRST_REPLY, occurrence=0, percent=80, at=at(80)
        ),
        ClockEvent(kind=K.BREACH, metric=Metric.FIRST_REPLY, occurrence=0, at=at(100)),
        Escalate(
            action="raise_priority",
            metric=Metric.FIRST_REPLY,
            occurrence=0,
            percent=100,
            at=at(100),
        ),
    ]
    warned, _ = engine.replay([customer(0)], at(60))
    assert clock(engine.report(warned, at(60)), Metric.FIRST_REPLY).state is ClockState.WARNED


def test_next_deadline_tells_the_host_when_to_wake() -> None:
    """next_deadline is the next threshold; advancing to it emits exactly that step."""
    engine = SlaEngine(policies=[policy(first_reply=60, resolution=600)])
    state, _ = engine.replay([customer(0)], at(10))
    assert engine.next_deadline(state, at(10)) == at(60)
    state, effects = engine.advance(state, at(60))
    assert effects == (
        ClockEvent(kind=K.BREACH, metric=Metric.FIRST_REPLY, occurrence=0, at=at(60)),
    )
    assert engine.next_deadline(state, at(60)) == at(600)
    assert engine.report(state, at(60)).next_deadline == at(600)


def test_business_hours_targets_use_the_policy_calendar() -> None:
    """'VIP email within 1 business hour': Fri 16:30 message is due Mon 09:30 office time."""
    office = load_calendar(
        {
            "timezone": "UTC",
            "hours": {d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
        }
    )
    engine = SlaEngine(
        policies=[
            Policy(
                name="vip",
                calendar=office,
                targets={Metric.FIRST_REPLY: {N: Target(seconds=HOUR)}},
            )
        ]
    )
    friday = T0 - timedelta(days=3) + timedelta(hours=7, minutes=30)  # Fri 16:30 UTC
    event = customer(0)
    event = type(event)(id="e", at=friday, customer_id="c1", message=event.message)
    report = engine.status([event], friday + timedelta(hours=1))
    assert clock(report, Metric.FIRST_REPLY).due == T0 + timedelta(minutes=30)
    assert clock(report, Metric.FIRST_REPLY).remaining == 30 * 60


def test_fulfil_exactly_at_target_is_achieved() -> None:
    """Achieved means fulfilled at or before the target instant."""
    engine = SlaEngine(policies=[policy(first_reply=60)])
    report = engine.status([customer(0), agent(60)], at(60))
    assert clock(report, Metric.FIRST_REPLY).state is ClockState.ACHIEVED


def test_late_event_is_taken_at_latest_instant() -> None:
    """An event older than one already applied counts at the latest instant seen."""
    engine = SlaEngine(policies=[policy(first_reply=60)])
    state, _ = engine.apply(engine.start(), customer(10), at(10))
    state, _ = engine.apply(state, agent(5), at(10))
    assert clock(engine.report(state, at(10)), Metric.FIRST_REPLY).elapsed == 0


@pytest.mark.parametrize("bad", [-1, 100])
def test_target_validation(bad: int) -> None:
    """Warn percents must lie in 1-99; target seconds must not be negative."""
    with pytest.raises(ValueError):
        Target(seconds=60, warn_percent=bad)
    with pytest.raises(ValueError):
        Target(seconds=bad if bad < 0 else -bad)


def test_match_checks_every_given_field() -> None:
    """Match requires every given field: channel, priority, queue, tags and customer values."""
    rule = Match(
        channel=[Channel.EMAIL],
        priority=[Priority.HIGH, Priority.URGENT],
        queue=["billing"],
        tags=["vip"],
        customer={"tier": {"gold"}},
    )
    facts = SlaFacts(
        channel=Channel.EMAIL,
        priority=Priority.HIGH,
        queue="billing",
        tags=frozenset({"vip", "de"}),
        customer={"tier": "gold"},
    )
    assert rule(facts)
    assert Match()(SlaFacts())
    for change in (
        {"channel": Channel.CHAT},
        {"priority": Priority.LOW},
        {"queue": "sales"},
        {"tags": frozenset({"de"})},
        {"customer": {"tier": "silver"}},
    ):
        assert not rule(attrs.evolve(facts, **change))


def test_assignment_sets_queue_for_policy_selection() -> None:
    """An assignment's queue is a fact policies can match on."""
    billing = Policy(name="billing", when=Match(queue=["billing"]))
    engine = SlaEngine(policies=[billing])
    moved = Assigned(id="a", at=at(5), customer_id="c1", assignee="ag1", queue="billing")
    report = engine.status([customer(0), moved], at(10))
    assert report.policy == PolicyApplied(name="billing", version=1, at=at(5))


def test_intercom_variant_breaches_at_the_late_reply() -> None:
    """With breach_on_reply a late reply clock is marked breached when the reply comes."""
    engine = SlaEngine(policies=[policy(first_reply=60, next_reply=30)], breach_on_reply=True)
    state, effects = engine.replay([customer(0)], at(100))
    frt = clock(engine.report(state, at(100)), Metric.FIRST_REPLY)
    assert frt.state is ClockState.ACTIVE
    assert frt.overdue == 40 * 60
    assert not [e for e in effects if isinstance(e, ClockEvent) and e.kind is K.BREACH]
    state, effects = engine.replay([customer(0), agent(100), customer(110), agent(120)], at(130))
    assert [e for e in effects if isinstance(e, ClockEvent) and e.kind is K.BREACH] == [
        ClockEvent(kind=K.BREACH, metric=Metric.FIRST_REPLY, occurrence=0, at=at(100))
    ]
    report = engine.report(state, at(130))
    assert clock(report, Metric.FIRST_REPLY).state is ClockState.BREACHED
    assert clock(report, Metric.NEXT_REPLY).state is ClockState.ACHIEVED
