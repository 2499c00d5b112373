"""The per-event helpers the engine's fast paths use equal their plain forms."""

from __future__ import annotations

from unittest import mock

import attrs
from hypothesis import given
from hypothesis import strategies as st

import omnicx.sla._calendar as calendar_module
import omnicx.sla._engine as engine_module
from omnicx.model import Assigned, Channel, Event, Priority, Status
from omnicx.sla import (
    ALWAYS_OPEN,
    BusinessCalendar,
    Escalation,
    Match,
    Metric,
    Policy,
    PolicyApplied,
    SlaClock,
    SlaEngine,
    SlaFacts,
    SlaState,
    Target,
    load_calendar,
)
from omnicx.sla._fold import banked, emitted, updated
from omnicx.sla._plan import make_template

from ._timeline import agent, at, customer, message, named, priority, status, tags

LADDER = (
    Escalation(percent=50, action="nudge", metrics=frozenset({Metric.FIRST_REPLY})),
    Escalation(percent=100, action="lead"),
    Escalation(percent=150, action="manager"),
)
DEFAULT = Policy(
    name="standard",
    targets={m: {p: Target(seconds=8 * 3600, warn_percent=75) for p in Priority} for m in Metric},
    escalations=LADDER,
)
WARM = SlaEngine(policies=(), default=DEFAULT)


def assigned(minute: float, queue: str | None) -> Assigned:
    return Assigned(id=f"a{minute}", at=at(minute), customer_id="c1", assignee="ag", queue=queue)


def untagged(minute: float, *removed: str) -> Event:
    return attrs.evolve(tags(minute), id=f"u{minute}", removed=frozenset(removed))


def test_clock_copies_keep_every_other_field() -> None:
    """banked and emitted change only their fields; the SlaClock fields they copy are pinned."""
    assert [f.name for f in attrs.fields(SlaClock)] == [
        "metric",
        "occurrence",
        "activated_at",
        "elapsed",
        "running_since",
        "fulfilled_at",
        "breached_at",
        "warned_at",
        "cancelled_at",
        "fired",
    ]
    full = SlaClock(
        metric=Metric.NEXT_REPLY,
        occurrence=2,
        activated_at=at(0),
        elapsed=7,
        running_since=at(1),
        fulfilled_at=at(2),
        breached_at=at(3),
        warned_at=at(4),
        cancelled_at=at(5),
        fired=frozenset({"warn"}),
    )
    assert banked(full, 99, None) == attrs.evolve(full, elapsed=99, running_since=None)
    fired = frozenset({"warn", "breach"})
    assert emitted(full, "breach", at(9)) == attrs.evolve(full, breached_at=at(9), fired=fired)
    warned = attrs.evolve(full, warned_at=at(9), fired=frozenset({"warn"}))
    assert emitted(full, "warn", at(9)) == warned
    fired = frozenset({"warn", "escalate:0"})
    assert emitted(full, "escalate:0", at(9)) == attrs.evolve(full, fired=fired)


def test_state_copy_keeps_every_other_field() -> None:
    """The engine's one-call state copy with new clocks names every SlaState field."""
    assert [f.name for f in attrs.fields(SlaState)] == [
        "facts",
        "policy",
        "applied",
        "clocks",
        "time",
        "created",
        "first_reply_started",
        "reopens",
        "replied_at",
    ]
    state = attrs.evolve(
        WARM.start({"vip": True}), policy=DEFAULT, time=at(3), created=True, reopens=2
    )
    record = PolicyApplied(name="standard", version=1, at=at(0))
    state = attrs.evolve(state, first_reply_started=True, applied=(record,), replied_at=at(2))
    copied = engine_module._with_clocks(state, ())
    assert copied == attrs.evolve(state, clocks=())


FACT_EVENTS = st.sampled_from(
    [
        customer(1),
        message(1, channel=Channel.SMS),
        status(1, Status.PENDING),
        priority(1, Priority.URGENT),
        assigned(1, "billing"),
        assigned(1, None),
        tags(1, "refund", "vip"),
        untagged(1, "vip"),
        agent(1),
        named(1, "vip"),
        named(1, None),
    ]
)
FACTS = st.builds(
    SlaFacts,
    channel=st.sampled_from([None, Channel.EMAIL]),
    status=st.sampled_from(Status),
    priority=st.sampled_from(Priority),
    queue=st.sampled_from([None, "sales"]),
    assignee=st.sampled_from([None, "ag0"]),
    tags=st.frozensets(st.sampled_from(["vip", "de"])),
    customer=st.fixed_dictionaries({"vip": st.booleans()}),
    sla_policy=st.sampled_from([None, "vip", "gold"]),
)


def plainly_updated(facts: SlaFacts, event: Event) -> SlaFacts:
    """The fact update written with attrs.evolve, as the oracle."""
    kind = type(event).__name__
    if kind == "MessageEvent" and facts.channel is None:
        return attrs.evolve(facts, channel=event.message.channel)  # type: ignore[attr-defined]
    if kind == "StatusChanged":
        return attrs.evolve(facts, status=event.status)  # type: ignore[attr-defined]
    if kind == "PriorityChanged":
        return attrs.evolve(facts, priority=event.priority)  # type: ignore[attr-defined]
    if kind == "Assigned":
        queue = event.queue or facts.queue  # type: ignore[attr-defined]
        return attrs.evolve(facts, assignee=event.assignee, queue=queue)  # type: ignore[attr-defined]
    if kind == "TagsChanged":
        new = (facts.tags | event.added) - event.removed  # type: ignore[attr-defined]
        return attrs.evolve(facts, tags=new)
    if kind == "DetailsChanged" and event.sla_policy is not None:  # type: ignore[attr-defined]
        return attrs.evolve(facts, sla_policy=event.sla_policy)  # type: ignore[attr-defined]
    return facts


@given(FACTS, FACT_EVENTS)
def test_updated_facts_equal_attrs_evolve(facts: SlaFacts, event: Event) -> None:
    """The constructor-built fact update equals the attrs.evolve one, and keeps unchanged facts."""
    result = updated(facts, event)
    assert result == plainly_updated(facts, event)
    if type(event).__name__ == "MessageEvent" and facts.channel is not None:
        assert result is facts


MATCHES = st.builds(
    Match,
    channel=st.sampled_from([None, [Channel.EMAIL], [Channel.SMS, Channel.EMAIL]]),
    priority=st.sampled_from([None, [Priority.HIGH], list(Priority)]),
    queue=st.sampled_from([None, ["sales"], ["billing"]]),
    tags=st.sampled_from([[], ["vip"], ["vip", "de"]]),
    customer=st.sampled_from([{}, {"vip": {True}}, {"vip": {False}, "tier": {None}}]),
)


@given(MATCHES, FACTS)
def test_match_short_circuit_equals_every_check(rule: Match, facts: SlaFacts) -> None:
    """Match stops at the first failing field and answers as if it checked them all."""
    every = (
        rule.channel is None or facts.channel in rule.channel,
        rule.priority is None or facts.priority in rule.priority,
        rule.queue is None or facts.queue in rule.queue,
        rule.tags <= facts.tags,
        all(facts.customer.get(k) in v for k, v in rule.customer.items()),
    )
    assert rule(facts) is all(every)


def test_templates_are_remembered_per_policy_object() -> None:
    """An equal but distinct policy gets its own template; no policy counts in ALWAYS_OPEN."""
    planner = WARM._planner
    twin = attrs.evolve(DEFAULT)
    first = planner.template(DEFAULT, Priority.HIGH, Metric.FIRST_REPLY)
    assert planner.template(DEFAULT, Priority.HIGH, Metric.FIRST_REPLY) is first
    assert planner.template(twin, Priority.HIGH, Metric.FIRST_REPLY).policy is twin
    assert first == make_template(DEFAULT, Priority.HIGH, Metric.FIRST_REPLY, breach_on_reply=False)
    none = planner.template(None, Priority.HIGH, Metric.FIRST_REPLY)
    assert none.calendar is ALWAYS_OPEN
    assert none.steps == ()
    assert [s[2] for s in first.steps] == [
        "warn",
        "breach",
        "escalate:0",
        "escalate:1",
        "escalate:2",
    ]


def office() -> BusinessCalendar:
    """A new London office calendar: its own empty per-date caches."""
    return load_calendar(
        {
            "timezone": "Europe/London",
            "hours": {d: ["09:00-12:00", "13:00-17:30"] for d in ("mon", "tue", "fri")},
        }
    )


@given(st.lists(st.tuples(st.integers(0, 90 * 24 * 60), st.integers(0, 3000)), max_size=30))
def test_calendar_caches_evicting_changes_nothing(spans: list[tuple[int, int]]) -> None:
    """A calendar whose per-date caches keep evicting answers like one that never does."""
    with (
        mock.patch.object(calendar_module, "DAYS_LIMIT", 2),
        mock.patch.object(calendar_module, "OWN_LIMIT", 1),
        mock.patch.object(calendar_module, "BLOCKS_LIMIT", 1),
    ):
        small = office()
    tiny = [small.seconds_between(at(a), at(a + b)) for a, b in spans]
    tiny_due = [small.add(at(a), b * 60) for a, b in spans]
    roomy = office()
    assert tiny == [roomy.seconds_between(at(a), at(a + b)) for a, b in spans]
    assert tiny_due == [roomy.add(at(a), b * 60) for a, b in spans]
    assert len(small._days) <= 2
    assert len(small._own) <= 1
    assert len(small._blocks) <= 1
