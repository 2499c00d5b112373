"""Assert what routing rules decide, with the explain trace as the failure message."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from omnicx.model import Message
from omnicx.routing import (
    Decision,
    RoutingContext,
    RuleEngine,
    RuleSet,
    context_from_input,
    load_rules,
)
from omnicx.routing._cases import DEFAULT_NOW, compare

RulesLike = RuleEngine | RuleSet | Mapping[str, Any] | Path
"""Anything ``assert_routes`` accepts as rules: an engine, a rule set, plain data or a file."""

InputLike = RoutingContext | Message | Mapping[str, Any] | str
"""A context, a message, case input data (see ``context_from_input``) or just the text."""

_UNSET: Any = object()


def as_engine(rules: RulesLike) -> RuleEngine:
    """Compile ``rules`` unless they already are an engine."""
    if isinstance(rules, RuleEngine):
        return rules
    rule_set = rules if isinstance(rules, RuleSet) else load_rules(rules)
    return RuleEngine.compile(rule_set)


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
) -> Decision:
    """Check that ``rules`` route ``message`` as expected; return the decision.

    Only the fields passed are checked (``queue=None`` checks "no queue").
    ``tags`` and ``skills`` compare as sets; ``fired`` as an ordered list.

    Raises:
        AssertionError: listing the mismatches, then the explain trace of
            every rule.
    """
    __tracebackhide__ = True  # pytest shows the caller's line, not this helper's
    engine = as_engine(rules)
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
