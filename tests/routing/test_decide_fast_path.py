"""``decide``'s compiled, indexed fast path decides exactly like a plain interpreter.

The reference below walks each rule's parsed condition tree on every call,
with the JsonLogic interpreter, fresh keyword lists and host-style
classifiers (so none of the engine's shortcuts apply); ``decide`` must agree
with it, and with ``explain``, on random rule sets and contexts.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from hypothesis import given, reject
from hypothesis import strategies as st

from omnicx.errors import ValidationError
from omnicx.routing import (
    Decision,
    LexiconLanguage,
    LexiconSentiment,
    RoutingContext,
    RuleEngine,
    Signals,
    SocialSentiment,
    context_from_input,
    load_rules,
)
from omnicx.routing._compile import _TESTS, _FactsData
from omnicx.routing._conditions import Group, Leaf, Logic, Node
from omnicx.routing._context import Facts, FieldKind, field_kind, get_field
from omnicx.routing._engine import _merge
from omnicx.routing._jsonlogic import JsonLogicError, apply, truthy
from omnicx.routing._rules import Mode, Rule, RuleSet
from omnicx.routing._text import Terms, Words


class _HostLanguage:
    """A host detector: same answers as the default, but not the default's type."""

    def detect(self, text: str) -> str | None:
        return LexiconLanguage().detect(text)


class _HostSentiment:
    """A host classifier: same scores as the default, but not the default's type."""

    def score(self, text: str) -> float:
        return SocialSentiment().score(text)


class _HostWordList:
    """The word-list classifier, but not its type: the plain path of its fast path."""

    def score(self, text: str) -> float:
        return LexiconSentiment().score(text)


_PLAIN = Signals(language=_HostLanguage(), sentiment=_HostSentiment())
_PLAIN_WORD_LIST = Signals(language=_HostLanguage(), sentiment=_HostWordList())


def _holds(node: Node, facts: Facts) -> bool:
    """The meaning of a condition, read straight off the parsed tree."""
    if isinstance(node, Logic):
        try:
            return truthy(apply(node.logic, _FactsData(facts)))
        except (JsonLogicError, TypeError, ValueError, ArithmeticError):
            return False
    if isinstance(node, Group):
        results = [_holds(item, facts) for item in node.items]
        return (
            not results[0] if node.kind == "not" else (all if node.kind == "all" else any)(results)
        )
    assert isinstance(node, Leaf)
    value = get_field(node.field)(facts)
    if field_kind(node.field) is FieldKind.TEXT and node.op.startswith("contains"):
        terms = Terms.of([node.value] if node.op == "contains" else node.value)
        words = Words.of(value if isinstance(value, str) else "")
        return terms.all_in(words) if node.op == "contains_all" else terms.any_in(words)
    return bool(_TESTS[node.op](node.value)(value))


def _plain_decide(
    rule_set: RuleSet, context: RoutingContext, signals: Signals = _PLAIN
) -> Decision:
    facts = Facts(context, signals)
    fired: list[Rule] = []
    for rule in rule_set.rules:
        if rule.enabled and (rule.when is None or _holds(rule.when, facts)):
            fired.append(rule)
            if rule_set.mode is Mode.FIRST_MATCH or rule.stop:
                break
    return _merge(fired) if fired else Decision()


_CHANNELS = ["email", "sms", "whatsapp", "chat", "instagram", "voice"]
_WORDS = ["refund", "money", "back", "cancel", "order", "urgent", "right", "now", "hacked"]
_WORDS += ["el", "que", "la", "por", "und", "ich", "das", "thanks", "terrible", "bad"]
_TERMS = st.sampled_from([*_WORDS, "money back", "right now", "cancel order", "REFUND", "Rück"])


def _leaf(field: str, op: str, value: Any) -> dict[str, Any]:
    return {"field": field, "op": op, "value": value}


_BOOL_FIELDS = st.sampled_from(["customer.vip", "signals.urgent", "message.has_attachments"])
_BOOL_OPS = st.sampled_from(["eq", "eq", "ne", "exists"])
_LEAVES = st.one_of(
    st.sampled_from(_CHANNELS).map(lambda c: _leaf("channel", "eq", c)),
    st.lists(st.sampled_from(_CHANNELS), min_size=1, max_size=3).map(
        lambda cs: _leaf("channel", "in", cs)
    ),
    _TERMS.map(lambda t: _leaf("message.text", "contains", t)),
    st.lists(_TERMS, min_size=1, max_size=4).map(
        lambda ts: _leaf("message.text", "contains_any", ts)
    ),
    st.lists(_TERMS, min_size=1, max_size=2).map(
        lambda ts: _leaf("message.text", "contains_all", ts)
    ),
    st.tuples(_BOOL_FIELDS, _BOOL_OPS, st.booleans()).map(lambda t: _leaf(*t)),
    st.sampled_from(["gold", "silver"]).map(lambda t: _leaf("customer.tier", "eq", t)),
    st.sampled_from(["es", "de", "en"]).map(lambda lang: _leaf("signals.language", "eq", lang)),
    st.sampled_from(["es", "de"]).map(lambda lang: _leaf("customer.language", "eq", lang)),
    st.sampled_from(["negative", "positive"]).map(lambda s: _leaf("signals.sentiment", "eq", s)),
    st.integers(0, 6000).map(lambda n: _leaf("customer.lifetime_value", "gte", n)),
    st.integers(0, 4).map(lambda n: _leaf("customer.open_conversations", "gte", n)),
    st.just(_leaf("customer.attributes.plan", "in", ["pro", "business"])),
    st.just(_leaf("message.metadata.handoff_from", "eq", "bot")),
    st.sampled_from(
        [
            {">=": [{"var": "customer.lifetime_value"}, 5000]},
            {"<": [1, {"var": "customer.open_conversations"}, 4]},
            {"in": ["refund", {"var": "message.text"}]},
            {"==": [{"var": "signals.language"}, "es"]},
            {"and": [{"var": "customer.vip"}, {"var": ["customer.tier", "none"]}]},
            {"!": {"var": "customer.attributes.plan"}},
            {"some": [{"var": "conversation.tags"}, {"==": [{"var": ""}, "vip"]}]},
            {"+": [{"var": "customer.attributes.plan"}, 1]},
        ]
    ).map(lambda logic: {"jsonlogic": logic}),
)
_CONDITIONS = st.recursive(
    _LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(lambda items: {"all": items}),
        st.lists(inner, min_size=1, max_size=3).map(lambda items: {"any": items}),
        inner.map(lambda item: {"not": item}),
    ),
    max_leaves=5,
)


@st.composite
def _rule_sets(draw: st.DrawFn) -> dict[str, Any]:
    rules = []
    for i in range(draw(st.integers(1, 8))):
        rule: dict[str, Any] = {"id": f"r{i}", "then": {"queue": f"q{i}", "add_tags": [f"t{i}"]}}
        rule["when"] = draw(_CONDITIONS)
        rule["stop"] = draw(st.booleans())
        rule["enabled"] = draw(st.sampled_from([True, True, True, False]))
        rules.append(rule)
    if draw(st.booleans()):
        rules.append({"id": "last", "then": {"queue": "fallback"}})
    return {"mode": draw(st.sampled_from(["first_match", "accumulate"])), "rules": rules}


_TEXTS = st.lists(st.sampled_from([*_WORDS, "Money-Back!", "RIGHT now", "¿qué?", "rück"]))


@st.composite
def _contexts(draw: st.DrawFn) -> RoutingContext:
    raw: dict[str, Any] = {"open_conversations": draw(st.integers(0, 5))}
    if draw(st.booleans()):
        raw["channel"] = draw(st.sampled_from(_CHANNELS))
        raw["text"] = " ".join(draw(_TEXTS.filter(lambda ws: len(ws) < 9)))
        if draw(st.booleans()):
            raw["metadata"] = {"handoff_from": draw(st.sampled_from(["bot", "web"]))}
    if draw(st.booleans()):
        raw["customer"] = {
            "vip": draw(st.booleans()),
            "tier": draw(st.sampled_from([None, "gold", "silver"])),
            "language": draw(st.sampled_from([None, "es", "de"])),
            "lifetime_value": draw(st.sampled_from([None, 0, 4999.5, 5000, 9000])),
            "attributes": draw(st.sampled_from([{}, {"plan": "pro"}, {"plan": 3}])),
        }
    if draw(st.booleans()):
        raw["conversation"] = {
            "channel": draw(st.sampled_from(_CHANNELS)),
            "tags": draw(st.sampled_from([[], ["vip"], ["x", "vip"]])),
        }
    return context_from_input(raw)


@given(raw=_rule_sets(), contexts=st.lists(_contexts(), min_size=1, max_size=4))
def test_decide_equals_the_plain_interpreter(
    raw: dict[str, Any], contexts: list[RoutingContext]
) -> None:
    """On random rules and contexts, decide == the plain tree walk == explain's decision."""
    try:
        rule_set = load_rules(raw)
    except ValidationError:
        reject()
    engine = RuleEngine.compile(rule_set)
    for context in contexts:
        expected = _plain_decide(rule_set, context)
        assert engine.decide(context) == expected
        assert engine.explain(context).decision == expected


def test_the_benchmark_stream_decides_as_the_plain_interpreter() -> None:
    """Over a benchmark-like stream (the example rule set, every channel and text), the
    fast path changes no decision and explain still agrees with it."""
    bench = Path(__file__).resolve().parents[2] / "benchmarks" / "pipeline"
    sys.path.insert(0, str(bench))
    try:
        import synth
    finally:
        sys.path.remove(str(bench))
    rule_set = load_rules(synth.RULES_FILE)
    engine = RuleEngine.compile(rule_set)
    word_list = RuleEngine.compile(rule_set, signals=Signals(sentiment=LexiconSentiment()))
    customers = [
        None,
        *(
            context_from_input({"customer": c}).customer
            for c in (
                {"vip": True},
                {"language": "es", "attributes": {"plan": "pro"}},
                {"lifetime_value": 7000},
            )
        ),
    ]
    seen: set[tuple[str, ...]] = set()
    for i, event in enumerate(synth.inbound(600)):
        context = RoutingContext(
            now=event.message.sent_at,
            message=event.message,
            customer=customers[i % len(customers)],
            open_conversations=i % 5,
        )
        decision = engine.decide(context)
        assert decision == _plain_decide(rule_set, context)
        assert decision == engine.explain(context).decision
        assert word_list.decide(context) == _plain_decide(rule_set, context, _PLAIN_WORD_LIST)
        seen.add(decision.fired)
    assert len(seen) >= 15  # the stream reaches most of the rule set


def _check(rules: list[dict[str, Any]], inputs: list[dict[str, Any]]) -> set[tuple[str, ...]]:
    rule_set = load_rules({"mode": "accumulate", "rules": rules})
    engine = RuleEngine.compile(rule_set)
    fired = set()
    for raw in inputs:
        context = context_from_input(raw)
        decision = engine.decide(context)
        assert decision == _plain_decide(rule_set, context) == engine.explain(context).decision
        fired.add(decision.fired)
    return fired


def test_shortcut_edge_cases_decide_like_the_interpreter() -> None:
    """Long conjunctions past the bucket, a phrase list after a word list, computed
    JsonLogic paths (known and unknown), a signal read twice, and the urgency and
    ``contains_all`` gates (which only ``eq true`` and every term may use) all agree."""
    rules = [
        {
            "id": "long",
            "when": {
                "all": [
                    _leaf("channel", "eq", "sms"),
                    _leaf("customer.vip", "eq", True),
                    _leaf("customer.tier", "eq", "gold"),
                    _leaf("customer.open_conversations", "gte", 1),
                ]
            },
            "then": {"queue": "a"},
        },
        {
            "id": "words-then-phrase",
            "when": {
                "all": [
                    _leaf("message.text", "contains", "money"),
                    _leaf("message.text", "contains_any", ["money back", "refund"]),
                ]
            },
            "then": {"queue": "b"},
        },
        {
            "id": "computed-path",
            "when": {"jsonlogic": {"==": [{"var": {"cat": ["customer.", "tier"]}}, "gold"]}},
            "then": {"queue": "c"},
        },
        {
            "id": "unknown-path",
            "when": {"jsonlogic": {"!": {"var": {"cat": ["customer.", "nope"]}}}},
            "then": {"queue": "d"},
        },
        {
            "id": "keywords-twice",
            "when": {
                "any": [
                    _leaf("signals.keywords", "contains", "billing"),
                    _leaf("signals.keywords", "contains", "refund"),
                ]
            },
            "then": {"queue": "e"},
        },
    ]
    rules += [
        {"id": "calm", "when": _leaf("signals.urgent", "ne", True), "then": {"queue": "f"}},
        {"id": "known", "when": _leaf("signals.urgent", "exists", True), "then": {"queue": "g"}},
        {"id": "pressed", "when": _leaf("signals.urgent", "eq", True), "then": {"queue": "h"}},
        {
            "id": "both",
            "when": _leaf("message.text", "contains_all", ["refund", "money back"]),
            "then": {"queue": "i"},
        },
    ]
    gold = {"vip": True, "tier": "gold"}
    inputs = [
        {"channel": "sms", "text": "money", "customer": gold, "open_conversations": 2},
        {"channel": "sms", "text": "money back please", "customer": gold},
        {"channel": "chat", "text": "I want a refund for this money", "customer": gold},
        {"channel": "email", "text": "refund", "open_conversations": 3},
    ]
    inputs.append({"channel": "chat", "text": "REFUND, money-back: right now!"})
    calm = ("calm", "known")
    assert _check(rules, inputs) == {
        ("long", "computed-path", "unknown-path", *calm),
        ("words-then-phrase", "computed-path", "unknown-path", "keywords-twice", *calm),
        ("unknown-path", "keywords-twice", *calm),
        ("words-then-phrase", "unknown-path", "keywords-twice", "known", "pressed", "both"),
    }
