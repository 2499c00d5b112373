"""``omnicx rules lint|test|schema`` through ``omnicx.cli.main``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from omnicx.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "rules"


def test_lint_accepts_the_example(capsys: pytest.CaptureFixture[str]) -> None:
    """The shipped example lints clean."""
    assert main(["rules", "lint", str(EXAMPLES / "support.yaml")]) == 0
    assert capsys.readouterr().out.endswith("34 rules, mode first_match: ok\n")


def test_lint_lists_every_problem_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every problem is printed with the file and its path; the exit code is 1."""
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "rules": [
                    {"id": "a", "when": {"field": "channel", "op": "eqq", "value": 1}, "then": {}},
                    {"id": "a", "then": {"queue": "q"}},
                ]
            }
        )
    )
    assert main(["rules", "lint", str(bad)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"{bad}: rules[0].when.op: unknown operator 'eqq' (did you mean 'eq'?)",
        f"{bad}: rules[0].then: expected a non-empty object of actions",
        f"{bad}: rules[1].id: duplicate id 'a' (first used by rules[0]); give each rule its own id",
        f"3 problem(s) in {bad}",
    ]


def test_the_example_cases_pass(capsys: pytest.CaptureFixture[str]) -> None:
    """The example's case file passes against the example's rules (as CI runs it)."""
    code = main(
        ["rules", "test", str(EXAMPLES / "support.yaml"), str(EXAMPLES / "support.cases.yaml")]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.endswith("22 passed, 0 failed\n")


def test_a_failing_case_prints_its_trace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A failing case prints what differed and the explain trace; exit code 1."""
    rules = tmp_path / "r.toml"
    rules.write_text(
        '[[rules]]\nid = "sms"\nwhen = {field = "channel", op = "eq", value = "sms"}\n'
        'then = {queue = "sms"}\n'
    )
    cases = tmp_path / "c.json"
    cases.write_text(
        json.dumps(
            {
                "cases": [
                    {"name": "ok", "input": {"channel": "sms"}, "expect": {"queue": "sms"}},
                    {"name": "bad", "input": {"channel": "chat"}, "expect": {"queue": "sms"}},
                ]
            }
        )
    )
    assert main(["rules", "test", str(rules), str(cases)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "PASS ok",
        "FAIL bad",
        "  queue: expected 'sms', got None",
        "  trace:",
        "    - sms: no match: rules[0].when: expected channel eq 'sms', saw 'chat'",
        "    => queue=None priority=None tags=[]",
        "1 passed, 1 failed",
    ]


def test_test_reports_bad_rule_and_case_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Problems in either file are reported with paths, exit code 1."""
    rules = tmp_path / "r.json"
    rules.write_text('{"rules": [{"id": "a", "then": {"queue": "q"}}]}')
    cases = tmp_path / "c.json"
    cases.write_text(
        json.dumps(
            {
                "cases": [
                    {"input": {"chanel": "sms"}, "expect": {"queeu": "x"}},
                    {"input": {"channel": "sms", "now": "yesterday"}},
                    {"input": {"customer": {"lifetime_value": -1}}},
                    "x",
                    {"input": {}, "expect": []},
                ]
            }
        )
    )
    assert main(["rules", "test", str(rules), str(cases)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"{cases}: cases[0].expect.queeu: unknown key (did you mean 'queue'?)",
        f"{cases}: cases[0].input.chanel: unknown key (did you mean 'channel'?)",
        f"{cases}: cases[1].input.now: expected an ISO 8601 time like '2026-01-05T10:00:00+00:00'",
        f"{cases}: cases[2].input.customer.lifetime_value: expected a number, 0 or more, got -1",
        f"{cases}: cases[3]: expected an object with 'name', 'input' and 'expect'",
        f"{cases}: cases[4].expect: expected an object",
        f"6 problem(s) in {cases}",
    ]
    rules.write_text('{"rules": 1}')
    assert main(["rules", "test", str(rules), str(cases)]) == 1
    assert capsys.readouterr().err.splitlines()[0] == f"{rules}: rules: expected a list of rules"
    cases.write_text('{"cases": {}}')
    rules.write_text('{"rules": []}')
    assert main(["rules", "test", str(rules), str(cases)]) == 1
    assert capsys.readouterr().err.splitlines()[0] == f"{cases}: cases: expected a list of cases"


def test_schema_is_json_and_describes_rules(capsys: pytest.CaptureFixture[str]) -> None:
    """``omnicx rules schema`` prints a JSON Schema editors can use."""
    assert main(["rules", "schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["required"] == ["rules"]
    assert "contains_any" in schema["$defs"]["compare"]["properties"]["op"]["enum"]
    assert schema["properties"]["rules"]["items"]["required"] == ["id", "then"]
