"""Rule test cases: plain-data inputs, expected outcomes, and checking them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from omnicx._frozen import frozen_json, frozen_seq, thaw
from omnicx.errors import Problem, ValidationError, suggest
from omnicx.model import (
    Author,
    AuthorKind,
    Channel,
    Conversation,
    Customer,
    Direction,
    Message,
    Priority,
    Status,
    ThreadRefs,
)
from omnicx.routing._context import RoutingContext
from omnicx.routing._engine import Decision, RuleEngine, Trace
from omnicx.routing._loader import _format_of, parse_document

__all__ = ["Case", "CaseResult", "check_case", "context_from_input", "load_cases"]

DEFAULT_NOW = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
"""When a case gives no ``now``: a Monday, 10:00 UTC."""

_INPUT_KEYS = (
    "channel", "text", "subject", "direction", "author", "metadata", "attachments",
    "customer", "conversation", "open_conversations", "changes", "now",
)  # fmt: skip
_EXPECT_KEYS = ("queue", "priority", "tags", "skills", "language", "sla_policy", "fired")


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


def context_from_input(raw: Mapping[str, Any]) -> RoutingContext:
    """Build a routing context from plain data (the ``input`` of a case).

    Keys: channel, text, subject, direction, author, metadata, attachments
    (a count), customer (vip, tier, language, lifetime_value, attributes),
    conversation (status, priority, queue, tags, channel), open_conversations,
    changes (path -> [old, new]) and now (ISO 8601). Unknown keys are errors.
    """
    problems = [
        Problem(str(k), f"unknown key{suggest(str(k), _INPUT_KEYS)}")
        for k in raw
        if k not in _INPUT_KEYS
    ]
    if problems:
        raise ValidationError(problems)
    try:
        return _build(raw)
    except ValidationError:
        raise
    except (TypeError, ValueError, KeyError) as error:
        raise ValidationError.single("", f"invalid case input: {error}") from None


def _build(raw: Mapping[str, Any]) -> RoutingContext:
    now = datetime.fromisoformat(raw["now"]) if "now" in raw else DEFAULT_NOW
    channel = Channel(raw.get("channel", "email"))
    message = None
    if any(k in raw for k in ("text", "channel", "subject", "metadata", "direction", "author")):
        message = Message(
            id="case",
            channel=channel,
            direction=Direction(raw.get("direction", "inbound")),
            author=Author(kind=AuthorKind(raw.get("author", "customer"))),
            sent_at=now,
            text=raw.get("text", ""),
            thread=ThreadRefs(subject=raw.get("subject")),
            metadata=dict(raw.get("metadata", {})),
        )
    customer = None
    if "customer" in raw:
        c = raw["customer"]
        ltv = c.get("lifetime_value")
        customer = Customer(
            id=str(c.get("id", "customer")),
            vip=bool(c.get("vip", False)),
            tier=c.get("tier"),
            language=c.get("language"),
            lifetime_value=None if ltv is None else Decimal(str(ltv)),
            attributes=dict(c.get("attributes", {})),
        )
    conversation = None
    if "conversation" in raw:
        v = raw["conversation"]
        conversation = Conversation(
            id="conversation",
            customer_id="customer",
            channel=Channel(v.get("channel", channel.name)),
            created_at=now,
            status=Status(v.get("status", "open")),
            priority=Priority(v.get("priority", "normal")),
            queue=v.get("queue"),
            tags=frozenset(v.get("tags", ())),
            subject=v.get("subject"),
        )
    changes = {k: (v[0], v[1]) for k, v in dict(raw.get("changes", {})).items()}
    return RoutingContext(
        now=now,
        message=message,
        customer=customer,
        conversation=conversation,
        open_conversations=int(raw.get("open_conversations", 0)),
        changes=changes,
    )


def load_cases(source: Mapping[str, Any] | Path) -> tuple[Case, ...]:
    """Load a case file: ``{"cases": [{"name", "input", "expect"}, ...]}``.

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
    problems: list[Problem] = []
    cases: list[Case] = []
    for i, item in enumerate(items):
        where = f"cases[{i}]"
        if not isinstance(item, Mapping) or not isinstance(item.get("input"), Mapping):
            problems.append(Problem(where, "expected an object with 'name', 'input' and 'expect'"))
            continue
        expect = item.get("expect", {})
        if not isinstance(expect, Mapping):
            problems.append(Problem(f"{where}.expect", "expected an object"))
            continue
        problems.extend(
            Problem(f"{where}.expect.{k}", f"unknown key{suggest(str(k), _EXPECT_KEYS)}")
            for k in expect
            if k not in _EXPECT_KEYS
        )
        try:
            context = context_from_input(item["input"])
        except ValidationError as error:
            problems.extend(error.under(f"{where}.input").problems)
            continue
        cases.append(Case(name=str(item.get("name", where)), context=context, expect=expect))
    if problems:
        raise ValidationError(problems)
    return tuple(cases)


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
