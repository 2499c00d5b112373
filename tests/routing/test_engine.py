"""The engine: operators, modes, actions, explain traces and index equivalence."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicx.errors import ValidationError
from omnicx.model import Priority
from omnicx.routing import (
    AutoReply,
    Decision,
    RuleEngine,
    Signals,
    context_from_input,
    load_rules,
)


def _engine(*rules: dict[str, Any], mode: str = "first_match", **kw: Any) -> RuleEngine:
    return RuleEngine.compile(load_rules({"mode": mode, "rules": list(rules)}), **kw)


def _when(field: str, op: str, value: Any = None, **extra: Any) -> dict[str, Any]:
    cond = {"field": field, "op": op, **extra}
    if value is not None:
        cond["value"] = value
    return cond


def _fires(when: dict[str, Any], **inputs: Any) -> bool:
    engine = _engine({"id": "r", "when": when, "then": {"queue": "q"}})
    return engine.decide(context_from_input(inputs)).queue == "q"


VIP = {"vip": True, "tier": "gold", "lifetime_value": 1500, "attributes": {"plan": "pro"}}


@pytest.mark.parametrize(
    ("when", "inputs", "expected"),
    [
        (_when("channel", "eq", "whatsapp"), {"channel": "whatsapp"}, True),
        (_when("channel", "eq", "whatsapp"), {"channel": "email"}, False),
        (_when("channel", "ne", "whatsapp"), {"channel": "email"}, True),
        (_when("channel", "in", ["sms", "chat"]), {"channel": "chat"}, True),
        (_when("channel", "not_in", ["sms", "chat"]), {"channel": "chat"}, False),
        (_when("customer.vip", "eq", True), {"customer": VIP}, True),
        (_when("customer.vip", "eq", True), {}, False),
        (
            _when("customer.attributes.plan", "eq", 1),
            {"customer": {"attributes": {"plan": True}}},
            False,
        ),
        (_when("customer.tier", "in", ["gold"]), {"customer": VIP}, True),
        (_when("customer.lifetime_value", "gt", 1000), {"customer": VIP}, True),
        (_when("customer.lifetime_value", "gte", 1500), {"customer": VIP}, True),
        (_when("customer.lifetime_value", "lt", 1500), {"customer": VIP}, False),
        (_when("customer.lifetime_value", "lte", 1500), {"customer": VIP}, True),
        (_when("customer.lifetime_value", "between", [1000, 2000]), {"customer": VIP}, True),
        (_when("customer.lifetime_value", "gt", 0), {"customer": {}}, False),
        (_when("customer.open_conversations", "gte", 2), {"open_conversations": 3}, True),
        (_when("customer.attributes.plan", "eq", "pro"), {"customer": VIP}, True),
        (_when("customer.attributes.plan", "exists"), {"customer": VIP}, True),
        (_when("customer.attributes.plan", "exists", False), {"customer": {}}, True),
        (_when("message.metadata.source", "eq", "ads"), {"metadata": {"source": "ads"}}, True),
        (_when("message.text", "contains", "money back"), {"text": "MONEY-BACK please"}, True),
        (_when("message.text", "contains", "fund"), {"text": "refund please"}, False),
        (
            _when("message.text", "contains_any", ["reembolso"]),
            {"text": "Quiero un REEMBÓLSO"},
            True,
        ),
        (_when("message.text", "contains_any", ["reembólso"]), {"text": "reembolso ya"}, True),
        (
            _when("message.text", "contains_all", ["refund", "order"]),
            {"text": "refund my order"},
            True,
        ),
        (
            _when("message.text", "contains_all", ["refund", "money back"]),
            {"text": "refund"},
            False,
        ),
        (
            _when("message.subject", "contains", "invoice"),
            {"subject": "Invoice #12", "text": ""},
            True,
        ),
        (_when("message.text", "matches", r"#\d{5}\b"), {"text": "order #12345 late"}, True),
        (_when("message.text", "matches", r"^\d+$"), {"text": "abc"}, False),
        (_when("conversation.tags", "contains", "vip"), {"conversation": {"tags": ["vip"]}}, True),
        (
            _when("conversation.tags", "contains_any", ["a", "b"]),
            {"conversation": {"tags": ["b"]}},
            True,
        ),
        (
            _when("conversation.tags", "contains_all", ["a", "b"]),
            {"conversation": {"tags": ["b"]}},
            False,
        ),
        (
            _when("conversation.tags", "in", ["a", "b"]),
            {"conversation": {"tags": ["b", "c"]}},
            True,
        ),
        (
            _when("conversation.priority", "eq", "high"),
            {"conversation": {"priority": "high"}},
            True,
        ),
        (_when("signals.keywords", "contains", "refund"), {"text": "I want my money back"}, True),
        (_when("signals.urgent", "eq", True), {"text": "this is URGENT"}, True),
        (
            _when("signals.sentiment", "eq", "negative"),
            {"text": "terrible, unacceptable service"},
            True,
        ),
        (_when("signals.sentiment_score", "gt", 0.5), {"text": "thanks, great help"}, True),
        (
            _when("signals.language", "eq", "de"),
            {"text": "ich habe das nicht bekommen, bitte"},
            True,
        ),
        (_when("signals.language", "exists", False), {"text": "ok"}, True),
        (_when("message.has_attachments", "eq", False), {"text": "x"}, True),
        (_when("message.direction", "eq", "inbound"), {"text": "x"}, True),
        (_when("conversation.channel", "eq", "sms"), {"conversation": {"channel": "sms"}}, True),
        ({"not": _when("channel", "eq", "sms")}, {"channel": "email"}, True),
        (
            {
                "any": [
                    _when("channel", "eq", "sms"),
                    _when("channel", "eq", "x"),
                    _when("channel", "eq", "chat"),
                ]
            },
            {"channel": "chat"},
            True,
        ),
        (
            {
                "all": [
                    _when("channel", "eq", "sms"),
                    _when("customer.vip", "eq", True),
                    _when("message.text", "contains", "x"),
                ]
            },
            {"channel": "sms", "text": "x"},
            False,
        ),
        (
            {
                "jsonlogic": {
                    "and": [
                        {"==": [{"var": "channel"}, "sms"]},
                        {">": [{"var": "customer.lifetime_value"}, 100]},
                    ]
                }
            },
            {"channel": "sms", "customer": VIP},
            True,
        ),
        ({"jsonlogic": {"==": [{"var": "no.such"}, None]}}, {}, True),
        ({"jsonlogic": {"/": [1, 0]}}, {}, False),
        ({"jsonlogic": {">": [{"var": "customer.lifetime_value"}, 1]}}, {"customer": VIP}, True),
        ({"jsonlogic": {"exists": ["customer.tier"]}}, {"customer": VIP}, True),
        ({"jsonlogic": {"==": [{"val": ["customer.tier"]}, "gold"]}}, {"customer": VIP}, True),
    ],
)
def test_operators(when: dict[str, Any], inputs: dict[str, Any], expected: bool) -> None:
    """Every operator on every kind of field, with the documented edge cases."""
    assert _fires(when, **inputs) is expected


def test_changed_conditions_for_update_events() -> None:
    """``changed`` matches a real change, optionally from and to given values."""
    when = {"field": "conversation.priority", "op": "changed", "from": "normal", "to": "urgent"}
    assert _fires(when, changes={"conversation.priority": ["normal", "urgent"]})
    assert not _fires(when, changes={"conversation.priority": ["low", "urgent"]})
    assert not _fires(when, changes={})
    bare = {"field": "conversation.status", "op": "changed"}
    assert _fires(bare, changes={"conversation.status": ["open", "pending"]})
    assert not _fires(bare, changes={"conversation.status": ["open", "open"]})


class _Calendar:
    def __init__(self, open_hours: range) -> None:
        self.hours = open_hours

    def is_open(self, at: datetime) -> bool:
        return at.hour in self.hours


def test_in_business_hours_uses_the_named_calendar() -> None:
    """The calendar is looked up by name and asked about the context's ``now``."""
    engine = _engine(
        {"id": "r", "when": {"op": "in_business_hours", "calendar": "eu"}, "then": {"queue": "q"}},
        calendars={"eu": _Calendar(range(9, 17))},
    )
    assert engine.decide(context_from_input({"now": "2026-01-05T10:00:00+00:00"})).queue == "q"
    assert engine.decide(context_from_input({"now": "2026-01-05T20:00:00+00:00"})).queue is None
    trace = engine.explain(context_from_input({"now": "2026-01-05T20:00:00+00:00"}))
    assert str(trace.rules[0]) == (
        "- r: no match: rules[0].when: expected inside business hours of 'eu', "
        "saw '2026-01-05T20:00:00+00:00'"
    )


def test_unknown_calendar_at_compile_time() -> None:
    """A rule set naming a calendar the engine was not given does not compile."""
    rules = load_rules(
        {
            "rules": [
                {
                    "id": "r",
                    "when": {"not": {"op": "in_business_hours", "calendar": "eu"}},
                    "then": {"queue": "q"},
                }
            ]
        }
    )
    with pytest.raises(ValidationError) as info:
        RuleEngine.compile(rules, calendars={"us": _Calendar(range(24))})
    assert str(info.value) == "rules[0].when.not.calendar: unknown calendar 'eu'"


def test_first_match_takes_only_the_first_matching_rule() -> None:
    """First-match mode: later matching rules do not apply."""
    engine = _engine(
        {"id": "a", "enabled": False, "then": {"queue": "off"}},
        {"id": "b", "when": _when("channel", "eq", "sms"), "then": {"queue": "sms"}},
        {
            "id": "c",
            "when": _when("message.text", "contains", "refund"),
            "then": {"queue": "billing"},
        },
    )
    decision = engine.decide(context_from_input({"channel": "sms", "text": "refund"}))
    assert (decision.queue, decision.fired) == ("sms", ("b",))
    decision = engine.decide(context_from_input({"channel": "email", "text": "refund"}))
    assert (decision.queue, decision.fired) == ("billing", ("c",))
    assert engine.decide(context_from_input({"channel": "email", "text": "hi"})) == Decision()


def test_accumulate_applies_every_match_in_order() -> None:
    """Accumulate mode: later single values win, tags and lists combine, ``stop`` ends it."""
    engine = _engine(
        {
            "id": "a",
            "then": {
                "queue": "general",
                "priority": "low",
                "add_tags": ["x", "y"],
                "skills": ["en"],
                "notify": "leads",
                "set_fields": {"k": 1},
            },
        },
        {
            "id": "b",
            "when": _when("customer.vip", "eq", True),
            "then": {
                "priority": "high",
                "remove_tags": ["x"],
                "skills": ["vip"],
                "language": "de",
                "sla_policy": "vip",
                "auto_reply": {"template": "vip-ack", "variables": {"n": "1"}},
                "escalate": "managers",
                "set_fields": {"k": 2, "j": True},
            },
            "stop": True,
        },
        {"id": "c", "then": {"queue": "never"}},
        mode="accumulate",
    )
    decision = engine.decide(context_from_input({"text": "hello", "customer": VIP}))
    assert decision == Decision(
        queue="general",
        priority=Priority.HIGH,
        tags=frozenset({"y"}),
        removed_tags=frozenset({"x"}),
        skills=frozenset({"en", "vip"}),
        language="de",
        sla_policy="vip",
        auto_replies=(AutoReply(template="vip-ack", variables={"n": "1"}),),
        escalations=("managers",),
        notifications=("leads",),
        fields={"k": 2, "j": True},
        fired=("a", "b"),
    )
    assert (
        engine.explain(context_from_input({"text": "hello", "customer": VIP})).decision == decision
    )
    plain = engine.decide(context_from_input({"text": "hello"}))
    assert (plain.queue, plain.fired) == ("never", ("a", "c"))


def test_tag_added_after_removal_is_added() -> None:
    """A later add of a removed tag wins: actions apply in rule order."""
    engine = _engine(
        {"id": "a", "then": {"remove_tags": ["t"]}},
        {"id": "b", "then": {"add_tags": ["t"]}},
        mode="accumulate",
    )
    decision = engine.decide(context_from_input({"text": ""}))
    assert (decision.tags, decision.removed_tags) == (frozenset({"t"}), frozenset())


def test_explain_names_the_first_failing_condition_and_what_it_saw() -> None:
    """The trace lists every rule with matched or not and the value seen."""
    engine = _engine(
        {
            "id": "vip",
            "when": {
                "all": [_when("channel", "eq", "whatsapp"), _when("customer.vip", "eq", True)]
            },
            "then": {"queue": "vip"},
        },
        {
            "id": "refund",
            "when": {
                "any": [
                    _when("message.text", "contains", "refund"),
                    _when("customer.tier", "eq", "gold"),
                ]
            },
            "then": {"queue": "billing", "priority": "high"},
        },
        {"id": "rest", "then": {"queue": "general"}},
    )
    trace = engine.explain(context_from_input({"channel": "whatsapp", "text": "Hello there"}))
    assert str(trace) == "\n".join(
        [
            "- vip: no match: rules[0].when.all[1]: expected customer.vip eq True, saw False",
            "- refund: no match: rules[1].when.any: expected any of its conditions, saw "
            "[\"rules[1].when.any[0]: expected message.text contains 'refund', saw ['hello', "
            "'there']\", \"rules[1].when.any[1]: expected customer.tier eq 'gold', saw None\"]",
            "+ rest: matched",
            "=> queue='general' priority=None tags=[]",
        ]
    )
    stopped = engine.explain(
        context_from_input({"channel": "whatsapp", "text": "refund", "customer": VIP})
    )
    assert [str(r) for r in stopped.rules] == [
        "+ vip: matched",
        "- refund: not evaluated (an earlier rule stopped evaluation)",
        "- rest: not evaluated (an earlier rule stopped evaluation)",
    ]
    disabled = _engine({"id": "off", "enabled": False, "then": {"queue": "x"}})
    assert str(disabled.explain(context_from_input({})).rules[0]) == "- off: disabled"


def test_explain_of_not_changed_and_jsonlogic() -> None:
    """Failures of ``not``, ``changed`` and JsonLogic conditions describe themselves."""
    engine = _engine(
        {"id": "n", "when": {"not": _when("channel", "eq", "sms")}, "then": {"queue": "a"}},
        {
            "id": "c",
            "when": {"field": "conversation.priority", "op": "changed", "to": "urgent"},
            "then": {"queue": "b"},
        },
        {"id": "j", "when": {"jsonlogic": {"==": [1, 2]}}, "then": {"queue": "c"}},
        {"id": "m", "when": _when("message.text", "matches", "^x"), "then": {"queue": "d"}},
    )
    trace = engine.explain(context_from_input({"channel": "sms", "text": "y"}))
    assert [str(r.failure) for r in trace.rules] == [
        "rules[0].when.not: expected not its conditions, saw []",
        "rules[1].when: expected conversation.priority changed to 'urgent', saw None",
        "rules[2].when.jsonlogic: expected the JsonLogic condition to be true, saw None",
        "rules[3].when: expected message.text matches '^x', saw ['y']",
    ]


def test_update_event_without_message_uses_the_conversation_channel() -> None:
    """With no message, ``channel`` is the conversation's channel, so indexing still works."""
    engine = _engine({"id": "a", "when": _when("channel", "eq", "sms"), "then": {"queue": "s"}})
    ctx = context_from_input({"conversation": {"channel": "sms"}})
    assert ctx.message is None
    assert engine.decide(ctx).queue == "s"
    assert engine.decide(context_from_input({})).queue is None


class _Always:
    def score(self, text: str) -> float:
        return -1.0

    def detect(self, text: str) -> str | None:
        return "fi"


def test_host_classifiers_replace_the_defaults() -> None:
    """A host's sentiment and language classifiers feed the signals."""
    engine = _engine(
        {
            "id": "a",
            "when": {
                "all": [
                    _when("signals.sentiment", "eq", "negative"),
                    _when("signals.language", "eq", "fi"),
                ]
            },
            "then": {"queue": "fi"},
        },
        signals=Signals(sentiment=_Always(), language=_Always()),
    )
    assert engine.decide(context_from_input({"text": "hei"})).queue == "fi"


CHANNELS = ["email", "sms", "chat", "whatsapp"]
WORDS = ["refund", "cancel", "hello", "urgent", "invoice", "money", "back"]
_RULES = [
    {
        "id": "r0",
        "when": {
            "all": [_when("channel", "eq", "sms"), _when("message.text", "contains", "refund")]
        },
        "then": {"queue": "a"},
    },
    {
        "id": "r1",
        "when": _when("message.text", "contains_any", ["money back", "invoice"]),
        "then": {"queue": "b", "add_tags": ["t1"]},
    },
    {
        "id": "r2",
        "when": _when("channel", "in", ["chat", "whatsapp"]),
        "then": {"priority": "high", "add_tags": ["t2"]},
    },
    {
        "id": "r3",
        "when": {"any": [_when("signals.urgent", "eq", True), _when("customer.vip", "eq", True)]},
        "then": {"priority": "urgent"},
        "stop": True,
    },
    {
        "id": "r4",
        "when": _when("message.text", "contains", "cancel"),
        "then": {"queue": "c", "remove_tags": ["t1"]},
    },
    {"id": "r5", "then": {"queue": "z"}},
]


@given(
    channel=st.sampled_from(CHANNELS),
    words=st.lists(st.sampled_from(WORDS), max_size=6),
    vip=st.booleans(),
    mode=st.sampled_from(["first_match", "accumulate"]),
)
def test_indexed_decide_equals_explain_over_every_rule(
    channel: str, words: list[str], vip: bool, mode: str
) -> None:
    """Indexing by channel and keyword never changes a decision: ``decide`` (indexed)
    equals the decision ``explain`` reaches by evaluating every rule in order."""
    engine = _engine(*_RULES, mode=mode)
    ctx = context_from_input(
        {"channel": channel, "text": " ".join(words), "customer": {"vip": vip}}
    )
    assert engine.decide(ctx) == engine.explain(ctx).decision


@given(order=st.permutations(range(5)))
def test_accumulate_tags_are_order_sensitive_only_through_rule_order(order: list[int]) -> None:
    """Compiling the same rules gives the same decision every time (determinism)."""
    rules = [_RULES[i] for i in order]
    engine = _engine(*rules, mode="accumulate")
    ctx = context_from_input({"channel": "sms", "text": "refund invoice cancel"})
    assert engine.decide(ctx) == _engine(*rules, mode="accumulate").decide(ctx)
    assert set(engine.decide(ctx).fired) <= {r["id"] for r in rules}
