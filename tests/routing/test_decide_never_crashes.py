"""Whatever a rule author writes, routing either refuses it at load or decides.

Random JsonLogic-ish trees (known operators, typos, wrong arities, odd
arguments, real and unknown field paths) and random native conditions: loading
raises ``ValidationError`` or yields rules whose ``decide`` and ``explain``
never raise at all on random contexts.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omnicx.errors import ValidationError
from omnicx.routing import RuleEngine, context_from_input, load_rules
from omnicx.routing._jsonlogic import OPERATORS
from omnicx.routing._rules import MAX_DEPTH

_PATHS = [
    "message.text",
    "channel",
    "customer.vip",
    "customer.lifetime_value",
    "customer.attributes.plan",
    "conversation.tags",
    "signals.sentiment_score",
    "no.such.field",
    "",
]
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from(["", "a", "refund", "1", "2.5", "NaN", "sms"]),
)
_OPS = st.sampled_from([*OPERATORS, "contians", "missing ", "=="])
_VARS = st.one_of(
    st.sampled_from(_PATHS).map(lambda p: {"var": p}),
    st.tuples(st.sampled_from(_PATHS), _SCALARS).map(lambda t: {"var": list(t)}),
)


def _node(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    args = st.one_of(st.lists(children, max_size=4), children)
    return st.one_of(
        st.builds(lambda op, a: {op: a}, _OPS, args),
        st.lists(children, max_size=3),
    )


LOGIC = st.recursive(st.one_of(_SCALARS, _VARS), _node, max_leaves=12)

_LEAVES = st.one_of(
    st.fixed_dictionaries(
        {
            "field": st.sampled_from(_PATHS),
            "op": st.sampled_from(["eq", "in", "contains", "matches", "gt", "between", "exists"]),
            "value": st.one_of(_SCALARS, st.lists(_SCALARS, max_size=3)),
        }
    ),
    LOGIC.map(lambda logic: {"jsonlogic": logic}),
)
WHEN = st.recursive(
    _LEAVES,
    lambda c: st.one_of(
        st.lists(c, min_size=1, max_size=3).map(lambda xs: {"all": xs}),
        st.lists(c, min_size=1, max_size=3).map(lambda xs: {"any": xs}),
        c.map(lambda x: {"not": x}),
    ),
    max_leaves=6,
)

CONTEXTS = st.fixed_dictionaries(
    {
        "channel": st.sampled_from(["sms", "email", "whatsapp"]),
        "text": st.text(max_size=40),
    },
    optional={
        "customer": st.fixed_dictionaries(
            {},
            optional={
                "vip": st.booleans(),
                "lifetime_value": st.one_of(st.none(), st.integers(0, 10_000)),
                "attributes": st.dictionaries(st.sampled_from(["plan", "x"]), _SCALARS, max_size=2),
            },
        ),
        "conversation": st.fixed_dictionaries(
            {}, optional={"tags": st.lists(st.sampled_from(["a", "vip"]), max_size=2)}
        ),
    },
)


@settings(max_examples=300)
@given(when=WHEN, contexts=st.lists(CONTEXTS, min_size=1, max_size=3))
def test_load_refuses_or_decide_never_raises(when: Any, contexts: list[Any]) -> None:
    """Load raises only ``ValidationError``; a loaded rule's ``decide``/``explain`` never raise."""
    data = {"rules": [{"id": "r", "when": when, "then": {"queue": "q"}}]}
    try:
        rule_set = load_rules(data)
    except ValidationError:
        return
    engine = RuleEngine.compile(rule_set)
    for raw in contexts:
        context = context_from_input(raw)
        decision = engine.decide(context)
        trace = engine.explain(context)
        assert trace.decision == decision
        str(trace)


def _negations(levels: int) -> Any:
    logic: Any = True
    for _ in range(levels):
        logic = {"!": [logic]}
    return logic


def test_deep_nesting_is_refused_at_load_not_at_decide() -> None:
    """Evaluation recurses, so a ``when`` nested past ``MAX_DEPTH`` is a load-time problem
    (never a RecursionError while routing); nesting up to it still decides."""
    rule = {"id": "r", "when": {"jsonlogic": _negations(20_000)}, "then": {"queue": "q"}}
    with pytest.raises(ValidationError) as info:
        load_rules({"rules": [rule]})
    assert [str(p) for p in info.value.problems] == [
        f"rules[0].when: conditions nest more than {MAX_DEPTH} levels deep; flatten them "
        "('all' and 'any' take any number of conditions)"
    ]
    rule["when"] = {"jsonlogic": _negations(48)}  # 97 levels with the "jsonlogic" object
    engine = RuleEngine.compile(load_rules({"rules": [rule]}))
    assert engine.decide(context_from_input({"text": "x"})).queue == "q"


@pytest.mark.parametrize(
    ("text", "fmt"),
    [("[" * 5000 + "]" * 5000, "json"), ("".join("  " * i + "-\n" for i in range(3000)), "yaml")],
)
def test_a_document_too_deep_to_parse_is_a_validation_error(text: str, fmt: str) -> None:
    """The parser's own recursion limit surfaces as a ValidationError, not a RecursionError."""
    with pytest.raises(ValidationError) as info:
        load_rules(text, format=fmt)
    assert str(info.value) == (
        f"invalid {fmt.upper()}: nested too deeply to read; flatten the document"
    )
