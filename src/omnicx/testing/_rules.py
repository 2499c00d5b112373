"""Assert what routing rules decide, with the explain trace as the failure message."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from omnicx.errors import Problem, ValidationError
from omnicx.model import Message
from omnicx.routing import (
    Decision,
    OpenHours,
    RoutingContext,
    RuleEngine,
    RuleSet,
    Signals,
    context_from_input,
    load_rules,
)
from omnicx.routing._case_input import DEFAULT_NOW
from omnicx.routing._cases import compare
from omnicx.routing._loader import _format_of, parse_document
from omnicx.sla import load_calendar

RulesLike = RuleEngine | RuleSet | Mapping[str, Any] | Path
"""Anything ``assert_routes`` accepts as rules: an engine, a rule set, plain data or a file."""

InputLike = RoutingContext | Message | Mapping[str, Any] | str
"""A context, a message, case input data (see ``context_from_input``) or just the text."""

CalendarLike = OpenHours | Mapping[str, Any] | Path
"""A business calendar: any ``OpenHours`` (``omnicx.sla.BusinessCalendar``), calendar
data as ``omnicx.sla.load_calendar`` reads it, or a TOML, YAML or JSON file of it."""

_UNSET: Any = object()


def as_calendars(calendars: Mapping[str, CalendarLike]) -> dict[str, OpenHours]:
    """Load every calendar given as data or a file; keep the ready ones.

    Raises:
        ValidationError: every problem, with paths like ``calendars.eu.hours.monday[0]``.
    """
    loaded: dict[str, OpenHours] = {}
    problems: list[Problem] = []
    for name, calendar in calendars.items():
        if hasattr(calendar, "is_open"):
            loaded[name] = calendar
            continue
        try:
            data = calendar
            if isinstance(calendar, Path):
                data = parse_document(calendar.read_text(encoding="utf-8"), _format_of(calendar))
            if not isinstance(data, Mapping):
                raise ValidationError.single("", "expected calendar data (see docs/sla.md)")
            loaded[name] = load_calendar(data)
        except ValidationError as error:
            problems.extend(error.under(f"calendars.{name}").problems)
    if problems:
        raise ValidationError(problems)
    return loaded


def as_engine(
    rules: RulesLike,
    *,
    calendars: Mapping[str, CalendarLike] | None = None,
    signals: Signals | None = None,
) -> RuleEngine:
    """Compile ``rules`` unless they already are an engine.

    ``calendars`` maps the names ``in_business_hours`` conditions use to
    calendars (see ``CalendarLike``), so business-hours rules are testable;
    a rule naming any other calendar is a ``ValidationError`` at load.

    Raises:
        ValidationError: for a rule or calendar problem, or calendars or
            signals passed with an already compiled engine.
    """
    if isinstance(rules, RuleEngine):
        if calendars is not None or signals is not None:
            raise ValidationError.single(
                "rules",
                "an engine is already compiled with its calendars and signals; pass the "
                "rules (a mapping, RuleSet or file) instead",
            )
        return rules
    ready = as_calendars(calendars or {})
    if isinstance(rules, RuleSet):
        rule_set = rules
    else:
        rule_set = load_rules(rules, calendars=None if calendars is None else ready)
    return RuleEngine.compile(rule_set, calendars=ready, signals=signals)


def as_context(message: InputLike) -> RoutingContext:
    """Turn a message, case input or text into a routing context."""
    if isinstance(message, RoutingContext):
        return message
    if isinstance(message, Message):
        return RoutingContext(now=max(message.sent_at, DEFAULT_NOW), message=message)
    if isinstance(message, str):
        return context_from_input({"text": message})
    return context_from_input(message)


def assert_routes(
    rules: RulesLike,
    message: InputLike,
    *,
    queue: str | None = _UNSET,
    priority: str | None = _UNSET,
    tags: Iterable[str] = _UNSET,
    skills: Iterable[str] = _UNSET,
    language: str | None = _UNSET,
    sla_policy: str | None = _UNSET,
    fired: Iterable[str] = _UNSET,
    calendars: Mapping[str, CalendarLike] | None = None,
) -> Decision:
    """Check that ``rules`` route ``message`` as expected; return the decision.

    Only the fields passed are checked (``queue=None`` checks "no queue").
    ``tags`` and ``skills`` compare as sets; ``fired`` as an ordered list.
    ``calendars`` are as in ``as_engine``: the business calendars the rules use.

    Raises:
        AssertionError: listing the mismatches, then the explain trace of
            every rule.
    """
    __tracebackhide__ = True  # pytest shows the caller's line, not this helper's
    engine = as_engine(rules, calendars=calendars)
    context = as_context(message)
    given: dict[str, Any] = {
        "queue": queue,
        "priority": priority,
        "tags": tags,
        "skills": skills,
        "language": language,
        "sla_policy": sla_policy,
        "fired": fired,
    }
    expect = {
        k: (list(v) if k in ("tags", "skills", "fired") else v)
        for k, v in given.items()
        if v is not _UNSET
    }
    decision = engine.decide(context)
    mismatches = compare(decision, expect)
    if mismatches:
        trace = engine.explain(context)
        raise AssertionError("routing differs:\n" + "\n".join([*mismatches, "trace:", str(trace)]))
    return decision
