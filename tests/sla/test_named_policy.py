"""A conversation that names its SLA policy gets it; otherwise the ordered policies decide."""

from __future__ import annotations

from datetime import timedelta

from omnicx.model import Priority
from omnicx.sla import Match, Metric, Policy, PolicyApplied, SlaEngine, SlaFacts, Target

from ._timeline import T0, agent, at, customer, named, tags


def _first_reply(name: str, minutes: int, when: Match | None = None) -> Policy:
    return Policy(
        name=name,
        when=when or Match(),
        targets={Metric.FIRST_REPLY: {p: Target(seconds=minutes * 60) for p in Priority}},
    )


STANDARD = _first_reply("standard", 240)
VIP = _first_reply("vip-15m", 15, Match(tags={"vip"}))
FALLBACK = _first_reply("fallback", 60)
ENGINE = SlaEngine(policies=(STANDARD, VIP), default=FALLBACK)


def test_a_named_policy_wins_over_the_ordered_ones() -> None:
    """select: the name first, then order, then default; an unknown name falls back to order."""
    assert ENGINE.select(SlaFacts()) is STANDARD
    assert ENGINE.select(SlaFacts(sla_policy="vip-15m")) is VIP
    assert ENGINE.select(SlaFacts(sla_policy="fallback")) is FALLBACK
    assert ENGINE.select(SlaFacts(sla_policy="gone")) is STANDARD
    assert ENGINE.policy_names == ("standard", "vip-15m", "fallback")
    assert ENGINE.policy_named("vip-15m") is VIP
    assert ENGINE.policy_named("gone") is None


def test_the_first_policy_of_a_name_is_the_named_one() -> None:
    """Two policies of one name: the earlier is what a rule names."""
    second = _first_reply("standard", 5)
    engine = SlaEngine(policies=(STANDARD, second))
    assert engine.policy_named("standard") is STANDARD
    assert engine.policy_names == ("standard",)


def test_naming_a_policy_switches_the_running_clock_at_that_instant() -> None:
    """The target of the clock started by the message follows the named policy."""
    events = [customer(0), named(0.001, "vip-15m")]
    report = ENGINE.status(events, at(1))
    assert report.policy is not None
    assert report.policy.name == "vip-15m"
    (first,) = [t for t in report.targets if t.metric is Metric.FIRST_REPLY]
    assert first.due == T0 + timedelta(minutes=15)
    state, effects = ENGINE.replay(events, at(1))
    assert [e.name for e in effects if isinstance(e, PolicyApplied)] == ["standard", "vip-15m"]
    # Applied one event at a time, the same.
    one = ENGINE.start()
    for event in events:
        one, _ = ENGINE.apply(one, event, event.at)
    assert one.policy is VIP
    assert one.facts == state.facts


def test_a_named_policy_outlasts_later_fact_changes() -> None:
    """Tags that would select another policy do not override the name; a details change without one keeps it."""
    engine = SlaEngine(policies=(VIP, STANDARD))
    events = [customer(0), named(0.001, "standard"), tags(1, "vip"), named(2, None), agent(3)]
    state, _ = engine.replay(events, at(4))
    assert state.policy is STANDARD
    assert state.facts.sla_policy == "standard"
