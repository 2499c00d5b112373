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
    for declared in ("queues", "calendars", "sla_policies", "channels"):
        assert schema["properties"][declared]["type"] == "array"


def _write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data))
    return path


def test_lint_reports_every_kind_of_problem_in_one_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Flags declare the host's names; typos in channels and languages, duplicates and an
    unreachable rule after a catch-all are all listed together, each with its fix."""
    bad = _write(
        tmp_path / "bad.json",
        {
            "rules": [
                {
                    "id": "wa",
                    "when": {"field": "channel", "op": "eq", "value": "whatsap"},
                    "then": {"queue": "biling", "language": "english"},
                },
                {
                    "id": "wa",
                    "when": {"op": "in_business_hours", "calendar": "eu-suport"},
                    "then": {"queue": "billing"},
                },
                {"id": "all", "then": {"queue": "general"}},
                {
                    "id": "late",
                    "when": {"field": "channel", "op": "eq", "value": "line"},
                    "then": {"queue": "general"},
                },
            ]
        },
    )
    args = ["--queues", "billing,general", "--calendars", "eu-support", "--channels", "line"]
    assert main(["rules", "lint", str(bad), *args]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"{bad}: rules[0].when.value: unknown channel 'whatsap'; did you mean 'whatsapp'?",
        f"{bad}: rules[0].then.language: unknown language 'english': language codes are BCP 47 "
        "tags built on ISO 639 codes, like 'en' or 'pt-BR'; did you mean 'en'?",
        f"{bad}: rules[0].then.queue: unknown queue 'biling' (did you mean 'billing'?)",
        f"{bad}: rules[1].when.calendar: unknown calendar 'eu-suport' (did you mean 'eu-support'?)",
        f"{bad}: rules[1].id: duplicate id 'wa' (first used by rules[0]); give each rule its own id",
        f"{bad}: rules[3]: unreachable: rules[2] ('all') always matches and stops evaluation; "
        "give rules[2] a 'when' or move it last",
        f"6 problem(s) in {bad}",
    ]


def test_lint_reads_declarations_from_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without flags, a ``queues`` list in the file bounds its rules."""
    path = _write(
        tmp_path / "r.json",
        {"queues": ["billing"], "rules": [{"id": "a", "then": {"queue": "bililng"}}]},
    )
    assert main(["rules", "lint", str(path)]) == 1
    assert capsys.readouterr().err.splitlines()[0] == (
        f"{path}: rules[0].then.queue: unknown queue 'bililng' (did you mean 'billing'?)"
    )


def test_lint_refuses_a_backtracking_pattern(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A lookbehind is refused at its path with the alternative."""
    path = _write(
        tmp_path / "r.json",
        {
            "rules": [
                {
                    "id": "a",
                    "when": {"field": "message.text", "op": "matches", "value": "(?<!no )refund"},
                    "then": {"queue": "billing"},
                }
            ]
        },
    )
    assert main(["rules", "lint", str(path)]) == 1
    assert capsys.readouterr().err.splitlines()[0] == (
        f"{path}: rules[0].when.value: negative lookbehind '(?<!...)' is not supported; put the "
        "pattern to exclude in a 'not' condition next to this one in 'all'"
    )


def _hours_files(tmp_path: Path) -> tuple[Path, Path, Path]:
    rules = _write(
        tmp_path / "r.json",
        {
            "rules": [
                {
                    "id": "open",
                    "when": {"op": "in_business_hours", "calendar": "eu"},
                    "then": {"queue": "live"},
                },
                {"id": "closed", "then": {"queue": "after-hours"}},
            ]
        },
    )
    calendar = tmp_path / "eu.toml"
    calendar.write_text('timezone = "Europe/Berlin"\n[hours]\nmonday = ["09:00-17:00"]\n')
    cases = tmp_path / "c.yaml"
    cases.write_text(
        "cases:\n"
        "  - name: Monday morning in Berlin\n"
        "    input: {now: '2026-01-05T09:00:00+00:00', text: hi}\n"
        "    expect: {queue: live}\n"
        "  - name: Monday night in Berlin\n"
        "    input: {now: '2026-01-05T19:00:00+00:00', text: hi}\n"
        "    expect: {queue: after-hours}\n"
    )
    return rules, calendar, cases


def test_test_runs_business_hours_cases_with_a_calendar(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--calendar NAME=FILE`` loads a calendar, so business-hours rules are testable in CI."""
    rules, calendar, cases = _hours_files(tmp_path)
    assert main(["rules", "test", str(rules), str(cases), "--calendar", f"eu={calendar}"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "PASS Monday morning in Berlin",
        "PASS Monday night in Berlin",
        "2 passed, 0 failed",
    ]
    assert main(["rules", "lint", str(rules), "--calendar", f"eu={calendar}"]) == 0


def test_test_without_the_calendar_names_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A rule's calendar missing from the flags is reported at its path, with a suggestion."""
    rules, calendar, cases = _hours_files(tmp_path)
    assert main(["rules", "test", str(rules), str(cases), "--calendar", f"euro={calendar}"]) == 1
    assert capsys.readouterr().err.splitlines()[0] == (
        f"{rules}: rules[0].when.calendar: unknown calendar 'eu' (did you mean 'euro'?)"
    )
    assert main(["rules", "test", str(rules), str(cases)]) == 1
    assert capsys.readouterr().err.splitlines()[0] == (
        f"{rules}: rules[0].when.calendar: unknown calendar 'eu'"
    )


def test_a_bad_calendar_file_is_reported_with_its_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Problems inside a calendar file are printed against that file; a bad flag exits 2."""
    rules, calendar, cases = _hours_files(tmp_path)
    calendar.write_text('timezone = "Europe/Berln"\n[hours]\nmonday = ["09:00-17:00"]\n')
    assert main(["rules", "test", str(rules), str(cases), "--calendar", f"eu={calendar}"]) == 1
    assert (
        capsys.readouterr()
        .err.splitlines()[0]
        .startswith(f"{calendar}: timezone: unknown time zone 'Europe/Berln'")
    )
    with pytest.raises(SystemExit) as exit_info:
        main(["rules", "test", str(rules), str(cases), "--calendar", "eu"])
    assert exit_info.value.code == 2
    assert "expected NAME=FILE" in capsys.readouterr().err
