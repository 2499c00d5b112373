"""Compile condition nodes into fast predicates, and explain them on demand.

Compiling happens once per rule set; a predicate is a closure over the
already-parsed value, so deciding never re-reads the rule file. Explaining
walks the same compiled tree, slowly, only when asked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol

import attrs

from omnicx._frozen import freeze, frozen_seq, thaw
from omnicx.routing import _jsonlogic
from omnicx.routing._conditions import Group, Leaf, Logic, Node
from omnicx.routing._context import Facts, FieldKind, field_kind, get_field
from omnicx.routing._jsonlogic_compile import compile_logic
from omnicx.routing._text import Terms

Pred = Callable[[Facts], bool]


class OpenHours(Protocol):
    """A business calendar as routing sees it: only whether it is open at an instant.

    ``omnicx.sla.BusinessCalendar`` satisfies it; so does any host object with
    this method.
    """

    def is_open(self, at: datetime) -> bool:
        """True if the calendar is within business hours at ``at``."""
        ...


@attrs.frozen(kw_only=True)
class Failure:
    """Why a condition did not hold: where it is, what it wanted, what it saw."""

    where: str
    expected: str
    actual: Any = attrs.field(converter=freeze)

    def __str__(self) -> str:
        # Frozen values (tuples) are shown as the rule file writes them (lists).
        return f"{self.where}: expected {self.expected}, saw {thaw(self.actual)!r}"


@attrs.frozen(kw_only=True)
class Compiled:
    """A compiled condition: its predicate, its node, and its compiled children."""

    pred: Pred
    node: Node
    children: tuple[Compiled, ...] = attrs.field(default=(), converter=frozen_seq)
    read: Callable[[Facts], Any] | None = None


class _FactsData(_jsonlogic.Lookup):
    __slots__ = ("facts",)

    def __init__(self, facts: Facts) -> None:
        self.facts = facts

    def lookup(self, path: str) -> Any:
        if field_kind(path) is None:
            return None
        return get_field(path)(self.facts)


def _resolve(path: str) -> Callable[[Any], Any]:
    """``_FactsData.lookup(path)`` with the field looked up once, at compile time."""
    if field_kind(path) is None:
        return lambda data: None
    read = get_field(path)
    return lambda data: read(data.facts)


def _logic_pred(logic: Any) -> Pred:
    run = compile_logic(logic, _resolve)
    truthy = _jsonlogic.truthy

    def pred(facts: Facts) -> bool:
        try:
            return truthy(run(_FactsData(facts)))
        except (_jsonlogic.JsonLogicError, TypeError, ValueError, ArithmeticError):
            # A JsonLogic rule that fails on this input (NaN, bad arguments) does not match.
            return False

    return pred


def compile_node(node: Node, calendars: Mapping[str, OpenHours]) -> Compiled:
    """Compile a parsed condition into a predicate."""
    if isinstance(node, Logic):
        return Compiled(pred=_logic_pred(node.logic), node=node)
    if isinstance(node, Group):
        children = tuple(compile_node(item, calendars) for item in node.items)
        preds = tuple(c.pred for c in children)
        if node.kind == "not":
            inner = preds[0]
            return Compiled(pred=lambda f: not inner(f), node=node, children=children)
        if len(preds) == 2:  # the common pair, without a generator
            a, b = preds
            pair: Pred = (
                (lambda f: a(f) and b(f)) if node.kind == "all" else (lambda f: a(f) or b(f))
            )
            return Compiled(pred=pair, node=node, children=children)
        test = all if node.kind == "all" else any
        return Compiled(pred=lambda f: test(p(f) for p in preds), node=node, children=children)
    return _compile_leaf(node, calendars)


def _compile_leaf(node: Leaf, calendars: Mapping[str, OpenHours]) -> Compiled:
    op = node.op
    if op == "in_business_hours":
        calendar = calendars[node.extra["calendar"]]
        return Compiled(pred=lambda f: calendar.is_open(f.ctx.now), node=node)
    if op == "changed":
        return _compile_changed(node)
    field = node.field
    read = get_field(field)
    kind = field_kind(field)
    value = node.value
    pred: Pred
    if kind is FieldKind.TEXT and op in ("contains", "contains_any", "contains_all"):
        terms = Terms.of([value] if op == "contains" else value)
        if op == "contains_all":
            pred = lambda f: terms.all_in(f.words(field))  # noqa: E731
        elif not terms.phrases:
            words = terms.words
            pred = lambda f: not words.isdisjoint(f.words(field).words)  # noqa: E731
        else:
            pred = lambda f: terms.any_in(f.words(field))  # noqa: E731
    elif op == "eq" and isinstance(value, bool):
        pred = lambda f: read(f) is value  # noqa: E731  # _same: only a bool equals a bool
    elif op == "eq" and isinstance(value, str):
        pred = lambda f: read(f) == value  # noqa: E731  # _same: no bool equals a string
    else:
        test = _TESTS[op](value)
        pred = lambda f: test(read(f))  # noqa: E731
    return Compiled(pred=pred, node=node, read=read)


def _compile_changed(node: Leaf) -> Compiled:
    field, extra = node.field, node.extra
    has_from, has_to = "from" in extra, "to" in extra
    old_want, new_want = extra.get("from"), extra.get("to")

    def pred(f: Facts) -> bool:
        change = f.ctx.changes.get(field)
        if change is None or change[0] == change[1]:
            return False
        old, new = change
        return (not has_from or old == old_want) and (not has_to or new == new_want)

    return Compiled(pred=pred, node=node, read=lambda f: f.ctx.changes.get(field))


def _same(a: Any, b: Any) -> bool:
    # True == 1 in Python; a rule comparing a flag to a number must not match.
    return a == b and (type(a) is bool) == (type(b) is bool)


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple | set | frozenset) else [value]


def _num(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _search(pattern: Any) -> Callable[[Any], bool]:
    # An RE2 pattern: linear in the text, so the whole text is searched, however long.
    return lambda v: isinstance(v, str) and pattern.search(v) is not None


def _contains(value: Any) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, list | tuple | str) and value in v


def _in(value: Any) -> Callable[[Any], bool]:
    allowed = frozenset(value)

    def test(v: Any) -> bool:
        if isinstance(v, list | tuple):
            return not allowed.isdisjoint(v)
        return v in allowed

    return test


_TESTS: Mapping[str, Callable[[Any], Callable[[Any], bool]]] = {
    "eq": lambda value: lambda v: _same(v, value),
    "ne": lambda value: lambda v: not _same(v, value),
    "in": _in,
    "not_in": lambda value: (lambda test: lambda v: not test(v))(_in(value)),
    "contains": _contains,
    "contains_any": lambda value: lambda v: any(x in _as_list(v) for x in value),
    "contains_all": lambda value: lambda v: all(x in _as_list(v) for x in value),
    "matches": _search,
    "gt": lambda value: lambda v: _num(v) and v > value,
    "gte": lambda value: lambda v: _num(v) and v >= value,
    "lt": lambda value: lambda v: _num(v) and v < value,
    "lte": lambda value: lambda v: _num(v) and v <= value,
    "between": lambda value: lambda v: _num(v) and value[0] <= v <= value[1],
    "exists": lambda value: lambda v: (v is not None and v != "" and v != []) is value,
}


def _describe(node: Node) -> str:
    if isinstance(node, Logic):
        return "the JsonLogic condition to be true"
    if isinstance(node, Group):
        return {"all": "all of", "any": "any of", "not": "not"}[node.kind] + " its conditions"
    if node.op == "in_business_hours":
        return f"inside business hours of {node.extra['calendar']!r}"
    if node.op == "changed":
        parts = [f"{k} {thaw(v)!r}" for k, v in node.extra.items()]
        return f"{node.field} changed" + (" " + " ".join(parts) if parts else "")
    value = node.value.pattern if node.op == "matches" else thaw(node.value)
    return f"{node.field} {node.op} {value!r}"


def explain(compiled: Compiled, facts: Facts) -> Failure | None:
    """The first failing condition under ``compiled``, or None if it holds."""
    if compiled.pred(facts):
        return None
    node = compiled.node
    if isinstance(node, Group) and node.kind == "all":
        for child in compiled.children:
            failure = explain(child, facts)
            if failure is not None:
                return failure
    if isinstance(node, Leaf):
        if node.op == "in_business_hours":
            actual: Any = facts.ctx.now.isoformat()
        elif node.field and field_kind(node.field) is FieldKind.TEXT and node.op != "changed":
            actual = sorted(facts.words(node.field).words)[:20]
        else:
            actual = compiled.read(facts) if compiled.read else None
        return Failure(where=node.where, expected=_describe(node), actual=actual)
    actuals = [explain(c, facts) for c in compiled.children]
    return Failure(
        where=node.where,
        expected=_describe(node),
        actual=[str(a) for a in actuals if a is not None] if actuals else None,
    )
