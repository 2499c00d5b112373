"""``omnicx rules``: lint a rule file, run its test cases, print its JSON Schema."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from omnicx.errors import ValidationError
from omnicx.routing import RuleEngine, check_case, load_cases, load_rules, rule_file_schema


def register(subparsers: Any) -> None:
    """Add ``omnicx rules lint|test|schema``."""
    parser = subparsers.add_parser("rules", help="check and test routing rule files")
    commands = parser.add_subparsers(dest="rules_command", metavar="ACTION", required=True)
    lint = commands.add_parser("lint", help="validate a rule file; exit 1 listing every problem")
    lint.add_argument("file", type=Path)
    lint.set_defaults(handler=_lint, reads=("file",))
    test = commands.add_parser("test", help="run a case file against a rule file")
    test.add_argument("file", type=Path)
    test.add_argument("cases", type=Path)
    test.set_defaults(handler=_test, reads=("file", "cases"))
    schema = commands.add_parser("schema", help="print the JSON Schema of a rule file")
    schema.set_defaults(handler=_schema)


def _report(file: Path, error: ValidationError) -> int:
    for problem in error.problems:
        print(f"{file}: {problem}", file=sys.stderr)
    print(f"{len(error.problems)} problem(s) in {file}", file=sys.stderr)
    return 1


def _lint(args: argparse.Namespace) -> int:
    try:
        rule_set = load_rules(args.file)
    except ValidationError as error:
        return _report(args.file, error)
    print(f"{args.file}: {len(rule_set.rules)} rules, mode {rule_set.mode.value}: ok")
    return 0


def _test(args: argparse.Namespace) -> int:
    try:
        engine = RuleEngine.compile(load_rules(args.file))
    except ValidationError as error:
        return _report(args.file, error)
    try:
        cases = load_cases(args.cases)
    except ValidationError as error:
        return _report(args.cases, error)
    failed = 0
    for case in cases:
        result = check_case(engine, case)
        if result.passed:
            print(f"PASS {case.name}")
            continue
        failed += 1
        print(f"FAIL {case.name}")
        for line in result.mismatches:
            print(f"  {line}")
        print("  trace:")
        for line in str(result.trace).splitlines():
            print(f"    {line}")
    print(f"{len(cases) - failed} passed, {failed} failed")
    return 1 if failed else 0


def _schema(args: argparse.Namespace) -> int:
    print(json.dumps(rule_file_schema(), indent=2, sort_keys=True))
    return 0
