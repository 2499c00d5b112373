"""Rule files: every problem reported at once, with its path and a fix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from omnicx.errors import ValidationError
from omnicx.routing import Mode, load_rules


def _problems(data: Any, **known: Any) -> list[str]:
    with pytest.raises(ValidationError) as info:
        load_rules(data, **known)
    return [str(p) for p in info.value.problems]


def _rule(when: Any = None, then: Any = None, **extra: Any) -> dict[str, Any]:
    rule: dict[str, Any] = {"id": extra.pop("id", "r"), "then": then or {"queue": "q"}, **extra}
    if when is not None:
        rule["when"] = when
    return rule


def test_unknown_operator_suggests_the_fix() -> None:
    """The canonical message from the issue, with the path down into ``any``."""
    rules = [_rule(id=f"r{i}") for i in range(3)]
    rules.append(
        _rule(
            id="r3",
            when={
                "any": [
                    {"field": "message.text", "op": "contains", "value": "x"},
                    {"field": "message.text", "op": "contain", "value": "x"},
                ]
            },
        )
    )
    rules[0]["when"] = {"field": "channel", "op": "eq", "value": "email"}
    rules[1]["when"] = rules[0]["when"]
    rules[2]["when"] = rules[0]["when"]
    assert _problems({"rules": rules}) == [
        "rules[3].when.any[1].op: unknown operator 'contain' (did you mean 'contains'?)"
    ]


def test_every_problem_is_reported_at_once() -> None:
    """Unknown fields, keys, wrong types, bad regexes and duplicate ids all come together."""
    data = {
        "mode": "first-match",
        "rules": [
            _rule(id="a", when={"field": "mesage.text", "op": "eq", "value": "x"}),
            _rule(id="b", when={"field": "customer.vip", "op": "eq", "value": "yes"}),
            _rule(id="c", when={"field": "message.text", "op": "matches", "value": "(unclosed"}),
            _rule(id="d", then={"priorty": "high", "priority": "hihg"}),
            _rule(id="d", when={"field": "customer.lifetime_value", "op": "gt", "value": "5"}),
            _rule(id="e", when={"field": "message.text", "op": "contains", "vaule": "x"}),
            "not a rule",
        ],
    }
    assert _problems(data) == [
        "mode: unknown mode 'first-match' (did you mean 'first_match'?)",
        "rules[0].when.field: unknown field 'mesage.text' (did you mean 'message.text'?)",
        "rules[1].when.value: expected a boolean for 'customer.vip', got string",
        "rules[2].when.value: invalid regular expression: missing ) at '(unclosed'",
        "rules[3].then.priorty: unknown key (did you mean 'priority'?)",
        "rules[3].then.priority: unknown priority 'hihg' (did you mean 'high'?)",
        "rules[4].when.value: expected a number, got string",
        "rules[4].id: duplicate id 'd' (first used by rules[3]); give each rule its own id",
        "rules[5].when.vaule: unknown key (did you mean 'value'?)",
        "rules[5].when.value: operator 'contains' needs a value",
        "rules[6]: expected a rule object",
    ]


def test_duplicate_ids_name_the_first_use() -> None:
    """A repeated id points back at the rule that used it first."""
    assert _problems(
        {
            "rules": [
                _rule(id="x", when={"field": "channel", "op": "eq", "value": "sms"}),
                _rule(id="x"),
            ]
        }
    ) == ["rules[1].id: duplicate id 'x' (first used by rules[0]); give each rule its own id"]


def test_unreachable_rules_after_an_unconditional_rule() -> None:
    """In first-match mode a rule without ``when`` hides every later rule."""
    fix = "give rules[0] a 'when' or move it last"
    assert _problems({"rules": [_rule(id="all"), _rule(id="b"), _rule(id="c")]}) == [
        f"rules[1]: unreachable: rules[0] ('all') always matches and stops evaluation; {fix}",
        f"rules[2]: unreachable: rules[0] ('all') always matches and stops evaluation; {fix}",
    ]


def test_accumulate_mode_only_stop_makes_rules_unreachable() -> None:
    """In accumulate mode an unconditional rule without ``stop`` is fine; with ``stop`` it is not."""
    ok = load_rules({"mode": "accumulate", "rules": [_rule(id="a"), _rule(id="b")]})
    assert ok.mode is Mode.ACCUMULATE
    assert _problems(
        {"mode": "accumulate", "rules": [_rule(id="a", stop=True), _rule(id="b")]}
    ) == [
        "rules[1]: unreachable: rules[0] ('a') always matches and stops evaluation; "
        "give rules[0] a 'when' or move it last"
    ]


def test_known_names_are_checked_when_given() -> None:
    """Queues, SLA policies and calendars are checked against the host's names."""
    data = {
        "rules": [
            _rule(
                when={"op": "in_business_hours", "calendar": "eu-suport"},
                then={"queue": "biling", "sla_policy": "gold"},
            )
        ]
    }
    assert _problems(data, queues=["billing"], sla_policies=["vip"], calendars=["eu-support"]) == [
        "rules[0].when.calendar: unknown calendar 'eu-suport' (did you mean 'eu-support'?)",
        "rules[0].then.queue: unknown queue 'biling' (did you mean 'billing'?)",
        "rules[0].then.sla_policy: unknown SLA policy 'gold'",
    ]
    assert load_rules(data).rules[0].then.queue == "biling"


@pytest.mark.parametrize(
    ("when", "message"),
    [
        (
            {"field": "channel", "op": "gt", "value": 1},
            "rules[0].when.op: operator 'gt' needs a number field; 'channel' is string",
        ),
        (
            {"field": "customer.lifetime_value", "op": "between", "value": [5, 1]},
            "rules[0].when.value: low 5 is above high 1",
        ),
        (
            {"field": "customer.lifetime_value", "op": "between", "value": 3},
            "rules[0].when.value: expected [low, high], two numbers",
        ),
        (
            {"field": "customer.vip", "op": "contains", "value": "x"},
            "rules[0].when.op: operator 'contains' needs a text or list field; 'customer.vip' is bool",
        ),
        (
            {"field": "message.text", "op": "contains_any", "value": []},
            "rules[0].when.value: expected a non-empty list of keywords",
        ),
        (
            {"field": "message.text", "op": "contains_any", "value": ["ok", "!!"]},
            "rules[0].when.value[1]: expected a keyword with at least one letter or digit",
        ),
        (
            {"field": "customer.vip", "op": "matches", "value": "x"},
            "rules[0].when.op: operator 'matches' needs a text field; 'customer.vip' is bool",
        ),
        (
            {"field": "message.text", "op": "matches", "value": 3},
            "rules[0].when.value: expected a regular expression string, got number",
        ),
        (
            {"field": "channel", "op": "in", "value": "sms"},
            "rules[0].when.value: expected a list of values, got string",
        ),
        (
            {"field": "conversation.priority", "op": "in", "value": ["urgnt"]},
            "rules[0].when.value[0]: unknown value 'urgnt' for 'conversation.priority' (did you mean 'urgent'?)",
        ),
        (
            {"field": "customer.attributes.plan", "op": "eq", "value": {"a": 1}},
            "rules[0].when.value: expected a single value, got object",
        ),
        (
            {"field": "channel", "op": "exists", "value": "yes"},
            "rules[0].when.value: expected true or false",
        ),
        (
            {"field": "conversation.priority", "op": "changed", "to": ["x"]},
            "rules[0].when.to: expected a single value",
        ),
        (
            {"op": "in_business_hours"},
            "rules[0].when.calendar: expected the name of a business calendar",
        ),
        ({"op": 3}, "rules[0].when.op: expected a string, got number"),
        (
            {"field": "channel"},
            "rules[0].when: a condition needs one of 'all', 'any', 'not', 'jsonlogic', 'op'",
        ),
        ({"all": []}, "rules[0].when.all: expected a non-empty list of conditions"),
        (
            {"all": [{"field": 3, "op": "eq", "value": 1}]},
            "rules[0].when.all[0].field: expected a field path such as 'message.text'",
        ),
        (
            {"any": [{"field": "channel", "op": "eq", "value": "x"}], "not": {}},
            "rules[0].when.not: unexpected key next to 'any': use one key per condition",
        ),
        ({"not": "x"}, "rules[0].when.not: expected a condition object, got string"),
        (
            {"jsonlogic": {"and": [{"==": [1, 1]}, {"contians": [1, 1]}]}},
            "rules[0].when.jsonlogic.and[1]: unknown JsonLogic operator 'contians'",
        ),
        (
            {"jsonlogic": {"mising": ["a"]}},
            "rules[0].when.jsonlogic: unknown JsonLogic operator 'mising' (did you mean 'missing'?)",
        ),
    ],
)
def test_condition_problems(when: Any, message: str) -> None:
    """Each kind of condition mistake has an exact, path-first message."""
    assert _problems({"rules": [_rule(when=when)]}) == [message]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "expected a rule file object with a 'rules' list"),
        ({"rules": {}}, "rules: expected a list of rules"),
        ({"rules": [], "extra": 1}, "extra: unknown key"),
        (
            {"rules": [{"id": "", "then": {"queue": "q"}}]},
            "rules[0].id: expected a non-empty string id",
        ),
        (
            {"rules": [{"id": "a", "enabled": "no", "then": {"queue": "q"}}]},
            "rules[0].enabled: expected true or false",
        ),
        (
            {"rules": [{"id": "a", "description": 1, "then": {"queue": "q"}}]},
            "rules[0].description: expected a string",
        ),
        ({"rules": [{"id": "a"}]}, "rules[0].then: a rule needs actions"),
        (
            {"rules": [{"id": "a", "then": {"add_tags": [1]}}]},
            "rules[0].then.add_tags: expected a list of non-empty strings",
        ),
        (
            {"rules": [{"id": "a", "then": {"set_fields": {"x": [1]}}}]},
            "rules[0].then.set_fields: expected an object of plain values",
        ),
        (
            {"rules": [{"id": "a", "then": {"auto_reply": 5}}]},
            "rules[0].then.auto_reply: expected a template id, {macro}, {text} or {template, variables}",
        ),
        (
            {"rules": [{"id": "a", "then": {"auto_reply": {"template": ""}}}]},
            "rules[0].then.auto_reply.template: expected a template id",
        ),
        (
            {
                "rules": [
                    {"id": "a", "then": {"auto_reply": {"template": "t", "variables": {"a": 1}}}}
                ]
            },
            "rules[0].then.auto_reply.variables: expected an object of strings",
        ),
    ],
)
def test_file_and_action_problems(data: Any, message: str) -> None:
    """Structural and action mistakes have exact messages too."""
    assert _problems(data) == [message]


def test_formats_load_the_same_rules(tmp_path: Path) -> None:
    """JSON, TOML and YAML files of the same rules load equal rule sets."""
    data = {
        "rules": [
            _rule(
                id="a",
                when={"field": "channel", "op": "eq", "value": "sms"},
                then={"queue": "sms", "add_tags": ["t"]},
            )
        ]
    }
    (tmp_path / "r.json").write_text(json.dumps(data))
    (tmp_path / "r.yml").write_text(
        "rules:\n  - id: a\n    when: {field: channel, op: eq, value: sms}\n"
        "    then: {queue: sms, add_tags: [t]}\n"
    )
    (tmp_path / "r.toml").write_text(
        '[[rules]]\nid = "a"\nwhen = {field = "channel", op = "eq", value = "sms"}\n'
        'then = {queue = "sms", add_tags = ["t"]}\n'
    )
    loaded = [load_rules(tmp_path / f"r.{ext}") for ext in ("json", "yml", "toml")]
    assert loaded[0] == loaded[1] == loaded[2]
    assert load_rules(json.dumps(data)) == load_rules(data)


@pytest.mark.parametrize(
    ("text", "fmt", "message"),
    [
        ("{", "json", "invalid JSON: Expecting property name enclosed in double quotes at line 1"),
        ("a = ", "toml", "invalid TOML: Invalid value (at end of document)"),
        ("a: [", "yaml", "invalid YAML at line 1"),
        ("x", "ini", "unknown format 'ini'; use one of json, toml, yaml"),
    ],
)
def test_unparseable_text(text: str, fmt: str, message: str) -> None:
    """Syntax errors become a ValidationError naming the format, never a raw parser error."""
    assert _problems(text, format=fmt) == [message]


def test_yaml_never_builds_objects() -> None:
    """A YAML tag asking for a Python object is refused: nothing in a rule file executes."""
    assert _problems("!!python/object/apply:os.system ['true']", format="yaml") == [
        "invalid YAML at line 1"
    ]
