"""Case files refuse unknown keys at any depth and wrong types, with a path and a fix."""

from __future__ import annotations

import contextlib
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicx.errors import ValidationError
from omnicx.routing import RuleEngine, context_from_input, load_cases, load_rules
from omnicx.routing._case_input import INPUT_KEYS


def _case_problems(case: Any) -> list[str]:
    with pytest.raises(ValidationError) as info:
        load_cases({"cases": [case]})
    return [str(p) for p in info.value.problems]


def test_the_toml_mistakes_from_the_issue(tmp_path: Path) -> None:
    """``vipp``, ``vip = "yes"`` and ``lifetime_value = "lots"`` are each refused."""
    path = tmp_path / "cases.toml"
    path.write_text(
        '[[cases]]\nname = "vip"\n[cases.input]\ntext = "refund"\n'
        '[cases.input.customer]\nvipp = true\nvip = "yes"\nlifetime_value = "lots"\n'
        '[cases.expect]\nqueue = "billing"\n'
    )
    assert tomllib.loads(path.read_text())["cases"][0]["input"]["customer"]["vip"] == "yes"
    with pytest.raises(ValidationError) as info:
        load_cases(path)
    assert [str(p) for p in info.value.problems] == [
        "cases[0].input.customer.vipp: unknown key (did you mean 'vip'?)",
        "cases[0].input.customer.lifetime_value: expected a number, 0 or more, got string",
        "cases[0].input.customer.vip: expected true or false, got string",
    ]


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"customer": "vip"}, "customer: expected an object, got string"),
        ({"customer": {"id": 7}}, "customer.id: expected a string, got 7"),
        ({"customer": {"tier": 1}}, "customer.tier: expected a string or null, got 1"),
        ({"customer": {"attributes": []}}, "customer.attributes: expected an object, got list"),
        (
            {"conversation": {"statuss": "open"}},
            "conversation.statuss: unknown key (did you mean 'status'?)",
        ),
        (
            {"conversation": {"status": "opn"}},
            "conversation.status: unknown value 'opn' (did you mean 'open'?); use one of new, "
            "open, pending, on_hold, solved, closed",
        ),
        (
            {"conversation": {"priority": 3}},
            "conversation.priority: expected one of low, normal, high, urgent, got number",
        ),
        (
            {"conversation": {"tags": "vip"}},
            "conversation.tags: expected a list of strings, got string",
        ),
        (
            {"conversation": {"channel": "SMS"}},
            "conversation.channel: invalid channel name 'SMS'; use 1-40 lower-case letters, digits, '_', '.' or '-', starting with a letter",
        ),
        ({"text": 5}, "text: expected a string, got 5"),
        ({"direction": "in"}, "direction: unknown value 'in'; use one of inbound, outbound"),
        ({"attachments": True}, "attachments: expected a whole number, 0 or more, got boolean"),
        (
            {"open_conversations": -1},
            "open_conversations: expected a whole number, 0 or more, got -1",
        ),
        ({"metadata": "x"}, "metadata: expected an object, got string"),
        (
            {"changes": {"conversation.priority": "urgent"}},
            "changes.conversation.priority: expected [old, new], a list of two values",
        ),
        ({"now": "yesterday"}, "now: expected an ISO 8601 time like '2026-01-05T10:00:00+00:00'"),
        (
            {"now": "2026-01-05T10:00:00"},
            "now: add a UTC offset, like '2026-01-05T10:00:00+00:00' or '...Z'",
        ),
        ({"now": 5}, "now: expected an ISO 8601 time, got number"),
        ({"custmer": {}}, "custmer: unknown key (did you mean 'customer'?)"),
        (
            {"call": {"status": "no_answer"}},
            "call.status: unknown value 'no_answer' (did you mean 'no-answer'?); use one of "
            "queued, ringing, in-progress, completed, busy, no-answer, failed, canceled",
        ),
        (
            {"call": {"duration_seconds": -1}},
            "call.duration_seconds: expected a whole number of seconds, 0 or more, got -1",
        ),
        ({"call": {"missed": True}}, "call.missed: unknown key"),
    ],
)
def test_each_input_mistake(given: dict[str, Any], message: str) -> None:
    """Every key of an input, at every depth, is checked for its name and type."""
    with pytest.raises(ValidationError) as info:
        context_from_input(given)
    assert [str(p) for p in info.value.problems] == [message]


@pytest.mark.parametrize(
    ("expect", "message"),
    [
        (
            {"priority": "hihg"},
            "cases[0].expect.priority: expected one of low, normal, high, urgent or null, got 'hihg'",
        ),
        ({"tags": "vip"}, "cases[0].expect.tags: expected a list of tags, got 'vip'"),
        ({"queue": 3}, "cases[0].expect.queue: expected a queue name or null, got 3"),
        ({"fired": "a"}, "cases[0].expect.fired: expected a list of rule ids, in order, got 'a'"),
        ({"queeu": "x"}, "cases[0].expect.queeu: unknown key (did you mean 'queue'?)"),
    ],
)
def test_each_expect_mistake(expect: dict[str, Any], message: str) -> None:
    """Expected fields have types too: a string where a list belongs would never compare equal."""
    assert _case_problems({"name": "c", "input": {}, "expect": expect}) == [message]


def test_case_and_file_keys_are_checked() -> None:
    """A misspelt ``expect`` would silently expect nothing; a misspelt top key is refused too."""
    assert _case_problems({"name": "c", "input": {}, "expcet": {"queue": "x"}}) == [
        "cases[0].expcet: unknown key (did you mean 'expect'?)"
    ]
    assert _case_problems({"name": 3, "input": {}}) == [
        "cases[0].name: expected a non-empty string"
    ]
    with pytest.raises(ValidationError) as info:
        load_cases({"cases": [], "case": []})
    assert str(info.value) == "case: unknown key (did you mean 'cases'?)"


def test_a_native_toml_datetime_and_attachments_are_read() -> None:
    """TOML and YAML give ``now`` as a datetime; ``attachments`` is a count the rules can see."""
    now = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
    context = context_from_input(
        {"now": now, "text": "see attached", "attachments": 2, "conversation": {"assignee": "ana"}}
    )
    assert context.now == now
    assert context.message is not None
    assert len(context.message.attachments) == 2
    rules = load_rules(
        {
            "rules": [
                {
                    "id": "files",
                    "when": {"field": "message.has_attachments", "op": "eq", "value": True},
                    "then": {"queue": "files"},
                }
            ]
        }
    )
    assert RuleEngine.compile(rules).decide(context).queue == "files"
    assert context.conversation is not None
    assert context.conversation.assignee == "ana"


_JSON = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-5, 5),
        st.floats(allow_nan=True),
        st.sampled_from(["", "x", "sms", "open", "2026-01-05T10:00:00Z", "2026-01-05"]),
    ),
    lambda c: st.one_of(
        st.lists(c, max_size=3), st.dictionaries(st.text(max_size=5), c, max_size=3)
    ),
    max_leaves=8,
)
_KEYS = st.sampled_from(
    [*INPUT_KEYS, "vip", "customer", "conversation", "status", "lifetime_value", "x"]
)


@given(st.dictionaries(_KEYS, _JSON, max_size=5))
def test_any_input_builds_a_context_or_raises_validation_error(raw: dict[str, Any]) -> None:
    """Arbitrary JSON as a case input never escapes as a builtin exception."""
    with contextlib.suppress(ValidationError):
        context_from_input(raw)


def test_orders_in_a_case_feed_the_order_fields() -> None:
    """A case's ``orders`` become the context's orders, each field checked with its path."""
    from omnicx.routing._context import Facts, Signals, get_field

    context = context_from_input({
        "now": "2026-03-10T12:00:00Z",
        "orders": [{"number": "#1001", "status": "open", "value": 199, "currency": "USD",
                    "placed_at": "2026-03-08T12:00:00Z", "refunds": ["2026-03-09T00:00:00Z"]}],
    })  # fmt: skip
    facts = Facts(context, Signals())
    assert get_field("customer.last_order.value")(facts) == 199.0
    assert get_field("customer.last_order.age_days")(facts) == 2.0
    assert get_field("customer.recent_refunds")(facts) == 1
    with pytest.raises(ValidationError) as caught:
        context_from_input({"orders": [{"status": "shiped", "value": "x", "refunds": ["y"],
                                        "numbr": 1}, 3]})  # fmt: skip
    assert [str(p) for p in caught.value.problems] == [
        "orders[0].numbr: unknown key (did you mean 'number'?)",
        "orders[0].value: expected a number, 0 or more, got string",
        "orders[0].refunds[0]: expected an ISO 8601 time like '2026-01-05T10:00:00+00:00'",
        "orders[0].status: unknown value 'shiped'; use one of open, fulfilled, cancelled, closed",
        "orders[1]: expected an object, got number",
    ]


def test_a_missed_call_case_routes_by_the_call_facts() -> None:
    """``call`` gives the missed call a callback task stands for: ``call.*`` fields read it."""
    rules = RuleEngine.compile(load_rules({"rules": [
        {"id": "callback", "when": {"all": [
            {"field": "call.missed", "op": "eq", "value": True},
            {"field": "call.status", "op": "eq", "value": "no-answer"}]},
         "then": {"queue": "callbacks"}},
    ]}))  # fmt: skip
    missed = context_from_input({"channel": "voice", "call": {"status": "no-answer"}})
    answered = context_from_input({"call": {"status": "completed", "answered": True}})
    assert rules.decide(missed).queue == "callbacks"
    assert rules.decide(answered).queue is None
