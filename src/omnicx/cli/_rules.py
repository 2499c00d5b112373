"""``omnicx rules``: lint a rule file, run its test cases, print its JSON Schema."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from omnicx.errors import ValidationError
from omnicx.routing import (
    OpenHours,
    RuleEngine,
    RuleSet,
    check_case,
    load_cases,
    load_rules,
    rule_file_schema,
)
from omnicx.routing._loader import _format_of, parse_document
from omnicx.sla import load_calendar


def _names(text: str) -> frozenset[str]:
    return frozenset(name.strip() for name in text.split(",") if name.strip())


def _calendar_arg(text: str) -> tuple[str, Path]:
    name, sep, path = text.partition("=")
    if not sep or not name.strip() or not path.strip():
        raise argparse.ArgumentTypeError(
            f"expected NAME=FILE, like eu=calendars/eu.toml; got {text!r}"
        )
    return name.strip(), Path(path.strip())


def _add_names(parser: argparse.ArgumentParser) -> None:
    """The flags declaring the host's names, shared by ``lint`` and ``test``."""
    for flag, what in (
        ("--queues", "queues"),
        ("--calendars", "business calendars"),
        ("--sla-policies", "SLA policies"),
        ("--channels", "host channels (next to the well-known ones)"),
    ):
        parser.add_argument(
            flag, type=_names, metavar="A,B", help=f"comma-separated {what} rules may name"
        )
    parser.add_argument(
        "--calendar",
        type=_calendar_arg,
        action="append",
        default=[],
        metavar="NAME=FILE",
        help="load a business calendar (TOML, YAML or JSON, as in docs/sla.md) under NAME; "
        "repeatable",
    )


def register(subparsers: Any) -> None:
    """Add ``omnicx rules lint|test|schema``."""
    parser = subparsers.add_parser("rules", help="check and test routing rule files")
    commands = parser.add_subparsers(dest="rules_command", metavar="ACTION", required=True)
    lint = commands.add_parser("lint", help="validate a rule file; exit 1 listing every problem")
    lint.add_argument("file", type=Path)
    _add_names(lint)
    lint.set_defaults(handler=_lint, reads=("file",))
    test = commands.add_parser("test", help="run a case file against a rule file")
    test.add_argument("file", type=Path)
    test.add_argument("cases", type=Path)
    _add_names(test)
    test.set_defaults(handler=_test, reads=("file", "cases"))
    schema = commands.add_parser("schema", help="print the JSON Schema of a rule file")
    schema.set_defaults(handler=_schema)


def _report(file: Path, error: ValidationError) -> int:
    for problem in error.problems:
        print(f"{file}: {problem}", file=sys.stderr)
    print(f"{len(error.problems)} problem(s) in {file}", file=sys.stderr)
    return 1


def _read_calendar(path: Path) -> OpenHours:
    """Load one calendar file; raises ValidationError with paths inside the file."""
    data = parse_document(path.read_text(encoding="utf-8"), _format_of(path))
    if not isinstance(data, Mapping):
        raise ValidationError.single("", "expected a calendar object (see docs/sla.md)")
    return load_calendar(data)


def _calendars(args: argparse.Namespace) -> tuple[dict[str, OpenHours], int]:
    """Every ``--calendar NAME=FILE`` loaded, and 0; or what failed reported, and 1."""
    loaded: dict[str, OpenHours] = {}
    for name, path in args.calendar:
        try:
            loaded[name] = _read_calendar(path)
        except ValidationError as error:
            return {}, _report(path, error)
    return loaded, 0


def _load(args: argparse.Namespace, calendars: Mapping[str, OpenHours]) -> RuleSet:
    known_calendars = args.calendars
    if calendars:
        known_calendars = (known_calendars or frozenset()) | frozenset(calendars)
    return load_rules(
        args.file,
        queues=args.queues,
        calendars=known_calendars,
        sla_policies=args.sla_policies,
        channels=args.channels or (),
    )


def _lint(args: argparse.Namespace) -> int:
    calendars, failed = _calendars(args)
    if failed:
        return failed
    try:
        rule_set = _load(args, calendars)
    except ValidationError as error:
        return _report(args.file, error)
    print(f"{args.file}: {len(rule_set.rules)} rules, mode {rule_set.mode.value}: ok")
    return 0


def _test(args: argparse.Namespace) -> int:
    calendars, failed = _calendars(args)
    if failed:
        return failed
    try:
        engine = RuleEngine.compile(_load(args, calendars), calendars=calendars)
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
