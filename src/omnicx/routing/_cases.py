"""Rule test cases: plain-data inputs, expected outcomes, and checking them."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from omnicx._frozen import frozen_json, frozen_seq, thaw
from omnicx.errors import Problem, ValidationError, suggest
from omnicx.routing._case_input import context_from_input
from omnicx.routing._context import RoutingContext
from omnicx.routing._engine import Decision, RuleEngine, Trace
from omnicx.routing._loader import _format_of, parse_document
from omnicx.routing._rules import PRIORITIES

__all__ = ["Case", "CaseResult", "check_case", "context_from_input", "load_cases"]

_EXPECT_KEYS = ("queue", "priority", "tags", "skills", "language", "sla_policy", "fired")
_CASE_KEYS = ("name", "input", "expect")


@attrs.frozen(kw_only=True)
class Case:
    """One rule test: a name, the routing context, and the expected decision fields."""

    name: str
    context: RoutingContext
    expect: Mapping[str, Any] = attrs.field(converter=frozen_json)


@attrs.frozen(kw_only=True)
class CaseResult:
    """The result of one case: the mismatches (empty when it passed) and the trace."""

    case: Case
    mismatches: tuple[str, ...] = attrs.field(converter=frozen_seq)
    trace: Trace

    @property
    def passed(self) -> bool:
        """True when every expected field matched."""
        return not self.mismatches


def load_cases(source: Mapping[str, Any] | Path) -> tuple[Case, ...]:
    """Load a case file: ``{"cases": [{"name", "input", "expect"}, ...]}``.

    Unknown keys and wrong types, in the case, its ``input`` (at any depth)
    or its ``expect``, are problems.

    Raises:
        ValidationError: with every problem, each with its path.
    """
    if isinstance(source, Path):
        data = parse_document(source.read_text(encoding="utf-8"), _format_of(source))
    else:
        data = source
    items = data.get("cases") if isinstance(data, Mapping) else None
    if not isinstance(items, list):
        raise ValidationError.single("cases", "expected a list of cases")
    problems: list[Problem] = [
        Problem(str(k), f"unknown key{suggest(str(k), ('cases',))}") for k in data if k != "cases"
    ]
    cases: list[Case] = []
    for i, item in enumerate(items):
        case = _case(item, f"cases[{i}]", problems)
        if case is not None:
            cases.append(case)
    if problems:
        raise ValidationError(problems)
    return tuple(cases)


def _case(item: Any, where: str, problems: list[Problem]) -> Case | None:
    if not isinstance(item, Mapping) or not isinstance(item.get("input"), Mapping):
        problems.append(Problem(where, "expected an object with 'name', 'input' and 'expect'"))
        return None
    before = len(problems)
    problems.extend(
        Problem(f"{where}.{k}", f"unknown key{suggest(str(k), _CASE_KEYS)}")
        for k in item
        if k not in _CASE_KEYS
    )
    name = item.get("name", where)
    if not isinstance(name, str) or not name:
        problems.append(Problem(f"{where}.name", "expected a non-empty string"))
    expect = item.get("expect", {})
    if isinstance(expect, Mapping):
        problems.extend(_expect_problems(expect, f"{where}.expect"))
    else:
        problems.append(Problem(f"{where}.expect", "expected an object"))
    try:
        context = context_from_input(item["input"])
    except ValidationError as error:
        problems.extend(error.under(f"{where}.input").problems)
        return None
    if len(problems) > before:
        return None
    return Case(name=str(name), context=context, expect=expect)


def _is_names(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _is_name(value: Any) -> bool:
    return value is None or isinstance(value, str)


# What each expected field must be, and how to say it.
_EXPECT_TYPES = {
    "queue": (_is_name, "a queue name or null"),
    "priority": (lambda v: v is None or v in PRIORITIES, f"one of {', '.join(PRIORITIES)} or null"),
    "tags": (_is_names, "a list of tags"),
    "skills": (_is_names, "a list of skills"),
    "language": (_is_name, "a language tag or null"),
    "sla_policy": (_is_name, "an SLA policy name or null"),
    "fired": (_is_names, "a list of rule ids, in order"),
}


def _expect_problems(expect: Mapping[str, Any], where: str) -> list[Problem]:
    problems = []
    for key, value in expect.items():
        rule = _EXPECT_TYPES.get(key)
        if rule is None:
            problems.append(
                Problem(f"{where}.{key}", f"unknown key{suggest(str(key), _EXPECT_KEYS)}")
            )
        elif not rule[0](value):
            problems.append(Problem(f"{where}.{key}", f"expected {rule[1]}, got {value!r}"))
    return problems


def _actual(decision: Decision, key: str) -> Any:
    if key == "priority":
        return None if decision.priority is None else decision.priority.value
    if key in ("tags", "skills"):
        return sorted(getattr(decision, key))
    if key == "fired":
        return list(decision.fired)
    return getattr(decision, key)


def _wanted(key: str, value: Any) -> Any:
    # Expectations are stored frozen (tuples); compare and show them as the file wrote them.
    return sorted(value) if key in ("tags", "skills") and value is not None else thaw(value)


def compare(decision: Decision, expect: Mapping[str, Any]) -> tuple[str, ...]:
    """One line per expected field the decision does not match."""
    out = []
    for key, want in expect.items():
        got = _actual(decision, key)
        if got != _wanted(key, want):
            out.append(f"{key}: expected {_wanted(key, want)!r}, got {got!r}")
    return tuple(out)


def check_case(engine: RuleEngine, case: Case) -> CaseResult:
    """Run one case; the result carries the explain trace for the report."""
    decision = engine.decide(case.context)
    trace = engine.explain(case.context)
    return CaseResult(case=case, mismatches=compare(decision, case.expect), trace=trace)
