"""Every routing action takes effect: receipt, stored conversation, timeline and SLA engine."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from omnicx import FixedClock
from omnicx.channels import Enrichment, MessageReceived
from omnicx.desk import Desk, FieldSchema, Receipt
from omnicx.errors import ValidationError
from omnicx.identity import phone_identifier
from omnicx.model import (
    Author,
    AuthorKind,
    Channel,
    DetailsChanged,
    Direction,
    Message,
    MessageEvent,
    Priority,
)
from omnicx.routing import RuleEngine, load_rules
from omnicx.sla import Match, Metric, Policy, SlaEngine, Target
from omnicx.storage import MemoryStore

T0 = datetime(2026, 3, 6, 16, 30, tzinfo=UTC)
PHONE = "+4915112345678"
EXAMPLES = Path(__file__).parents[2] / "examples" / "rules"

# The rule docs/rules.md opens with, as the file there writes it.
HEADLINE = {
    "mode": "first_match",
    "rules": [
        {
            "id": "vip-whatsapp-refund",
            "description": "VIP refunds on WhatsApp",
            "enabled": True,
            "when": {
                "all": [
                    {"field": "channel", "op": "eq", "value": "whatsapp"},
                    {"field": "customer.vip", "op": "eq", "value": True},
                    {"field": "message.text", "op": "contains_any",
                     "value": ["refund", "money back"]},
                ]
            },
            "then": {"queue": "billing-priority", "priority": "urgent", "skills": ["refunds"],
                     "sla_policy": "vip-15m", "language": "en",
                     "set_fields": {"refund_request": True}},
        }
    ],
}  # fmt: skip


def _targets(minutes: int) -> dict[Metric, dict[Priority, Target]]:
    return {Metric.FIRST_REPLY: {p: Target(seconds=minutes * 60) for p in Priority}}


# "standard" covers everything and comes first: only the rule's name picks "vip-15m".
SLA = SlaEngine(
    policies=(
        Policy(name="standard", when=Match(), targets=_targets(240)),
        Policy(name="vip-15m", when=Match(tags={"never-set"}), targets=_targets(15)),
    )
)


def _whatsapp(n: int, text: str, at: datetime = T0) -> MessageReceived:
    message = Message(
        id=f"whatsapp:wamid.{n}", channel=Channel.WHATSAPP, direction=Direction.INBOUND,
        author=Author(kind=AuthorKind.CUSTOMER), sent_at=at, text=text, external_id=f"wamid.{n}",
    )  # fmt: skip
    return MessageReceived(message=message, sender=(phone_identifier(PHONE),))


def _first_reply_due(receipt: Receipt) -> datetime | None:
    (line,) = [line for line in receipt.sla if line.metric == "first_reply"]
    return line.due


def _vip_desk(**extra: object) -> Desk:
    desk = Desk(store=MemoryStore(), clock=FixedClock(T0), rules=RuleEngine.compile(
        load_rules(HEADLINE)), sla=SLA, **extra)  # type: ignore[arg-type]  # fmt: skip
    desk.enrich(
        Enrichment(identifiers=(phone_identifier(PHONE),), attributes={"vip": True}), key="vip"
    )
    return desk


def test_the_headline_rule_selects_its_sla_policy_and_skills_through_the_desk() -> None:
    """docs/rules.md's rule: skills, language, fields and vip-15m reach every surface."""
    desk = _vip_desk()
    receipt = desk.receive(_whatsapp(1, "I want my money back"))
    assert receipt.fired == ("vip-whatsapp-refund",)
    assert (receipt.queue, receipt.priority) == ("billing-priority", "urgent")
    assert receipt.skills == {"refunds"}
    assert receipt.language == "en"
    assert receipt.fields == {"refund_request": True}
    assert (receipt.sla_policy, receipt.sla_applied) == ("vip-15m", "vip-15m")
    stored = desk.conversation(receipt.conversation_id).conversation
    assert stored.skills == {"refunds"}
    assert (stored.language, stored.sla_policy) == ("en", "vip-15m")
    assert stored.fields == {"refund_request": True}
    # The SLA clock runs on the VIP target: 15 minutes, not the standard 4 hours.
    report = desk.sla_report(receipt.conversation_id)
    assert report is not None
    assert report.policy is not None
    assert report.policy.name == "vip-15m"
    (first,) = [t for t in report.targets if t.metric is Metric.FIRST_REPLY]
    assert first.due == T0 + timedelta(minutes=15)
    assert _first_reply_due(receipt) == T0 + timedelta(minutes=15)
    # The timeline says so, right after the message that caused it.
    timeline = desk.timeline(receipt.customer_id)
    kinds = [type(e) for e in timeline]
    details = [e for e in timeline if isinstance(e, DetailsChanged)]
    assert len(details) == 1
    (event,) = details
    assert kinds.index(DetailsChanged) > kinds.index(MessageEvent)
    assert event.at == T0 + timedelta(microseconds=1)
    assert event.skills == {"refunds"}
    assert (event.language, event.sla_policy) == ("en", "vip-15m")
    assert event.fields == {"refund_request": True}
    assert event.actor is not None
    assert event.actor.kind is AuthorKind.SYSTEM


def test_without_a_rule_naming_a_policy_the_ordered_policies_pick() -> None:
    """No sla_policy: the first matching policy (standard) applies."""
    desk = _vip_desk()
    receipt = desk.receive(_whatsapp(1, "hello there"))
    assert receipt.fired == ()
    assert (receipt.sla_policy, receipt.sla_applied) == (None, "standard")
    assert _first_reply_due(receipt) == T0 + timedelta(hours=4)


def test_a_replay_rebuilds_the_named_policy_from_the_timeline() -> None:
    """A desk with a new SLA engine object replays the events: the named policy still wins."""
    desk = _vip_desk()
    receipt = desk.receive(_whatsapp(1, "refund please"))
    desk.sla = SlaEngine(policies=SLA.policies)  # a fresh engine: stored state is rebuilt
    desk.clock = FixedClock(T0 + timedelta(minutes=1))
    report = desk.sla_report(receipt.conversation_id)
    assert report is not None
    assert report.policy is not None
    assert report.policy.name == "vip-15m"


def test_a_running_conversation_keeps_its_skills_and_policy_but_gains_new_fields() -> None:
    """Routing never yanks live work: a later message adds only fields not set yet."""
    rules = RuleEngine.compile(
        load_rules({"mode": "accumulate", "rules": [
            {"id": "refund", "when": {"field": "message.text", "op": "contains", "value": "refund"},
             "then": {"skills": ["refunds"], "sla_policy": "vip-15m", "language": "de",
                      "set_fields": {"topic": "refund"}}},
            {"id": "order", "when": {"field": "message.text", "op": "contains", "value": "order"},
             "then": {"set_fields": {"topic": "order", "has_order": True}}},
        ]})
    )  # fmt: skip
    clock = FixedClock(T0)
    desk = Desk(store=MemoryStore(), clock=clock, rules=rules, sla=SLA)
    first = desk.receive(_whatsapp(1, "hello"))
    assert (first.skills, first.sla_applied) == (frozenset(), "standard")
    second = desk.receive(_whatsapp(2, "refund for my order", T0 + timedelta(minutes=1)))
    assert second.conversation_id == first.conversation_id
    assert second.skills == frozenset()
    assert second.sla_policy is None
    assert second.fields == {"topic": "order", "has_order": True}
    third = desk.receive(_whatsapp(3, "refund", T0 + timedelta(minutes=2)))
    assert third.fields == {"topic": "order", "has_order": True}  # never overwritten


def test_rules_naming_an_unknown_sla_policy_are_refused_when_the_desk_is_built() -> None:
    """A typo in sla_policy fails early, with the rule's path and the known policies."""
    rules = RuleEngine.compile(
        load_rules({"rules": [{"id": "vip", "then": {"sla_policy": "vip-15"}}]})
    )
    with pytest.raises(ValidationError) as caught:
        Desk(store=MemoryStore(), clock=FixedClock(T0), rules=rules, sla=SLA)
    (problem,) = caught.value.problems
    assert problem.path == "rules[0].then.sla_policy"
    assert "'vip-15'" in problem.message
    assert "did you mean 'vip-15m'" in problem.message
    assert "standard, vip-15m" in problem.message
    # Without an SLA engine nothing tracks SLAs: the name is kept, not refused.
    Desk(store=MemoryStore(), clock=FixedClock(T0), rules=rules)


def test_replacing_rules_or_the_sla_engine_is_checked_too() -> None:
    """Every way of changing rules or SLA engine runs the same check; nothing changes on error."""
    good = RuleEngine.compile(load_rules(HEADLINE))
    bad = RuleEngine.compile(load_rules({"rules": [{"id": "x", "then": {"sla_policy": "gold"}}]}))
    desk = Desk(store=MemoryStore(), clock=FixedClock(T0), rules=good, sla=SLA)
    with pytest.raises(ValidationError, match=r"rules\[0\].then.sla_policy"):
        desk.replace_rules(bad, actor_id="admin", reason="typo")
    assert desk.rules is good
    assert desk.store.audit() == []  # refused before the change was recorded
    with pytest.raises(ValidationError, match="vip-15m"):
        desk.sla = SlaEngine(policies=(Policy(name="standard"),))
    assert desk.sla is SLA


def test_the_example_rule_file_names_policies_a_desk_must_have() -> None:
    """examples/rules/support.yaml against an engine lacking its policies: every one is named."""
    rules = RuleEngine.compile(load_rules(EXAMPLES / "support.yaml"))
    with pytest.raises(ValidationError) as caught:
        Desk(store=MemoryStore(), clock=FixedClock(T0), rules=rules, sla=SLA)
    named = {re.search("SLA policy '([^']+)'", p.message)[1] for p in caught.value.problems}  # type: ignore[index]
    assert named == {"urgent-1h", "gdpr-30d", "social-1h", "vip-1h"}


def test_rules_setting_fields_are_checked_against_the_schema() -> None:
    """An undeclared field or a wrong type in set_fields fails when the desk is built."""
    schema = FieldSchema.from_data({"plan": {"type": "choice", "choices": ["free", "pro"]},
                                    "refund_request": "bool"})  # fmt: skip
    rules = RuleEngine.compile(
        load_rules({"rules": [
            {"id": "a", "when": {"field": "channel", "op": "eq", "value": "sms"},
             "then": {"set_fields": {"plan": "gold", "refund_request": 1}}},
            {"id": "b", "then": {"set_fields": {"plam": "pro"}}},
        ]})
    )  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        Desk(store=MemoryStore(), clock=FixedClock(T0), rules=rules, fields=schema)
    paths = {p.path: p.message for p in caught.value.problems}
    assert set(paths) == {
        "rules[0].then.set_fields.plan",
        "rules[0].then.set_fields.refund_request",
        "rules[1].then.set_fields.plam",
    }
    assert "'gold' is not one of free, pro" in paths["rules[0].then.set_fields.plan"]
    assert "did you mean 'plan'" in paths["rules[1].then.set_fields.plam"]
    # The headline rule's boolean field fits a schema declaring it.
    _vip_desk(fields=FieldSchema.from_data({"refund_request": "bool"}))
