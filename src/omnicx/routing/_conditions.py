"""The condition language: parse and validate ``when`` trees into plain nodes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from omnicx._frozen import (
    EMPTY_MAP,
    freeze,
    frozen_json,
    frozen_seq,
    frozen_set,
    frozen_set_or_none,
)
from omnicx.errors import Problem, suggest
from omnicx.routing import _jsonlogic
from omnicx.routing._context import FIELD_CHOICES, FieldKind, field_kind, known_paths
from omnicx.routing._names import CHANNEL_FIELDS, LANGUAGE_FIELDS, channel_problem, language_problem
from omnicx.routing._regex import compile_pattern
from omnicx.routing._text import valid_term

OPERATORS: tuple[str, ...] = (
    "between",
    "changed",
    "contains",
    "contains_all",
    "contains_any",
    "eq",
    "exists",
    "gt",
    "gte",
    "in",
    "in_business_hours",
    "lt",
    "lte",
    "matches",
    "ne",
    "not_in",
)
"""Every operator a native condition may use."""

_GROUPS = ("all", "any", "not", "jsonlogic")
_KEYS: Mapping[str, tuple[str, ...]] = {
    "changed": ("field", "op", "from", "to"),
    "in_business_hours": ("op", "calendar"),
    "exists": ("field", "op", "value"),
}
_LEAF_KEYS = ("field", "op", "value")
_NUMERIC = (FieldKind.NUMBER, FieldKind.ANY)
_TEXTUAL = (FieldKind.TEXT, FieldKind.LIST, FieldKind.ANY)


@attrs.frozen(kw_only=True)
class Leaf:
    """One comparison: ``field op value`` (``where`` is its path in the rule file)."""

    where: str
    op: str
    field: str = ""
    value: Any = attrs.field(default=None, converter=freeze)
    extra: Mapping[str, Any] = attrs.field(default=EMPTY_MAP, converter=frozen_json)


@attrs.frozen(kw_only=True)
class Group:
    """``all`` / ``any`` over conditions, or ``not`` over one (``items`` has one)."""

    where: str
    kind: str
    items: tuple[Node, ...] = attrs.field(converter=frozen_seq)


@attrs.frozen(kw_only=True)
class Logic:
    """A JsonLogic condition, mixed into the native tree."""

    where: str
    logic: Any = attrs.field(converter=freeze)


Node = Leaf | Group | Logic


@attrs.frozen(kw_only=True)
class Known:
    """Names the host or the rule file declares; None means "not checked".

    ``channels`` are the host's own channels, allowed next to the well-known ones.
    """

    calendars: frozenset[str] | None = attrs.field(default=None, converter=frozen_set_or_none)
    queues: frozenset[str] | None = attrs.field(default=None, converter=frozen_set_or_none)
    sla_policies: frozenset[str] | None = attrs.field(default=None, converter=frozen_set_or_none)
    channels: frozenset[str] = attrs.field(default=frozenset(), converter=frozen_set)


def _type_name(value: Any) -> str:
    return {bool: "boolean", int: "number", float: "number", str: "string"}.get(
        type(value),
        "list"
        if isinstance(value, list | tuple)
        else "object"
        if isinstance(value, Mapping)
        else "null",
    )


def _is_num(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def parse(raw: Any, where: str, known: Known, problems: list[Problem]) -> Node | None:
    """Parse one condition; every problem found is appended to ``problems``."""
    if not isinstance(raw, Mapping):
        problems.append(Problem(where, f"expected a condition object, got {_type_name(raw)}"))
        return None
    groups = [k for k in _GROUPS if k in raw]
    if groups:
        return _parse_group(raw, groups[0], where, known, problems)
    op = raw.get("op")
    if not isinstance(op, str):
        if "op" not in raw:
            keys = ", ".join(repr(k) for k in (*_GROUPS, "op"))
            problems.append(Problem(where, f"a condition needs one of {keys}"))
        else:
            problems.append(Problem(f"{where}.op", f"expected a string, got {_type_name(op)}"))
        return None
    if op not in OPERATORS:
        problems.append(Problem(f"{where}.op", f"unknown operator {op!r}{suggest(op, OPERATORS)}"))
        return None
    before = len(problems)
    allowed = _KEYS.get(op, _LEAF_KEYS)
    for key in raw:
        if key not in allowed:
            problems.append(Problem(f"{where}.{key}", f"unknown key{suggest(str(key), allowed)}"))
    if op == "in_business_hours":
        return _parse_hours(raw, where, known, problems, before)
    field = raw.get("field")
    kind = _parse_field(field, where, problems)
    if op == "changed":
        for key in ("from", "to"):
            if not _is_scalar(raw.get(key)):
                problems.append(Problem(f"{where}.{key}", "expected a single value"))
        if len(problems) > before:
            return None
        extra = {k: raw[k] for k in ("from", "to") if k in raw}
        return Leaf(where=where, op=op, field=str(field), extra=extra)
    if kind is not None:
        _check_value(op, str(field), kind, raw, where, known, problems)
    if len(problems) > before:
        return None
    value = raw.get("value", True if op == "exists" else None)
    if op == "matches":
        value = compile_pattern(value)  # _check_value refused any pattern RE2 can't compile
    return Leaf(where=where, op=op, field=str(field), value=value)


def _parse_group(
    raw: Mapping[str, Any], kind: str, where: str, known: Known, problems: list[Problem]
) -> Node | None:
    for key in raw:
        if key != kind:
            problems.append(
                Problem(
                    f"{where}.{key}", f"unexpected key next to {kind!r}: use one key per condition"
                )
            )
    body = raw[kind]
    path = f"{where}.{kind}"
    if kind == "jsonlogic":
        found = _jsonlogic.check(body, path)
        problems.extend(found)
        return None if found else Logic(where=path, logic=body)
    if kind == "not":
        inner = parse(body, path, known, problems)
        return None if inner is None else Group(where=path, kind="not", items=(inner,))
    if not isinstance(body, list) or not body:
        problems.append(Problem(path, "expected a non-empty list of conditions"))
        return None
    items = [parse(item, f"{path}[{i}]", known, problems) for i, item in enumerate(body)]
    if any(item is None for item in items):
        return None
    return Group(where=path, kind=kind, items=tuple(i for i in items if i is not None))


def _parse_hours(
    raw: Mapping[str, Any], where: str, known: Known, problems: list[Problem], before: int
) -> Node | None:
    calendar = raw.get("calendar")
    if not isinstance(calendar, str) or not calendar:
        problems.append(Problem(f"{where}.calendar", "expected the name of a business calendar"))
    elif known.calendars is not None and calendar not in known.calendars:
        hint = suggest(calendar, sorted(known.calendars))
        problems.append(Problem(f"{where}.calendar", f"unknown calendar {calendar!r}{hint}"))
    if len(problems) > before:
        return None
    return Leaf(where=where, op="in_business_hours", extra={"calendar": calendar})


def _parse_field(field: Any, where: str, problems: list[Problem]) -> FieldKind | None:
    if not isinstance(field, str):
        problems.append(Problem(f"{where}.field", "expected a field path such as 'message.text'"))
        return None
    kind = field_kind(field)
    if kind is None:
        problems.append(
            Problem(f"{where}.field", f"unknown field {field!r}{suggest(field, known_paths())}")
        )
    return kind


def _check_value(
    op: str,
    field: str,
    kind: FieldKind,
    raw: Mapping[str, Any],
    where: str,
    known: Known,
    problems: list[Problem],
) -> None:
    at = f"{where}.value"
    value: Any = raw.get("value")

    def bad(message: str) -> None:
        problems.append(Problem(at, message))

    if op == "exists":
        if "value" in raw and not isinstance(value, bool):
            bad("expected true or false")
        return
    if "value" not in raw:
        problems.append(Problem(at, f"operator {op!r} needs a value"))
        return
    if op in ("gt", "gte", "lt", "lte", "between"):
        if kind not in _NUMERIC:
            problems.append(
                Problem(
                    f"{where}.op",
                    f"operator {op!r} needs a number field; {field!r} is {kind.value}",
                )
            )
        elif op == "between":
            if not (isinstance(value, list) and len(value) == 2 and all(map(_is_num, value))):
                bad("expected [low, high], two numbers")
            elif value[0] > value[1]:
                bad(f"low {value[0]} is above high {value[1]}")
        elif not _is_num(value):
            bad(f"expected a number, got {_type_name(value)}")
        return
    if op in ("contains", "contains_any", "contains_all"):
        if kind not in _TEXTUAL:
            problems.append(
                Problem(
                    f"{where}.op",
                    f"operator {op!r} needs a text or list field; {field!r} is {kind.value}",
                )
            )
            return
        if op != "contains" and (not isinstance(value, list) or not value):
            bad("expected a non-empty list of keywords")
            return
        terms: list[Any] = [value] if op == "contains" else list(value)
        for i, term in enumerate(terms):
            here = at if op == "contains" else f"{at}[{i}]"
            if not isinstance(term, str) or (kind is FieldKind.TEXT and not valid_term(term)):
                problems.append(
                    Problem(here, "expected a keyword with at least one letter or digit")
                )
        return
    if op == "matches":
        if kind in (FieldKind.LIST, FieldKind.NUMBER, FieldKind.BOOL):
            problems.append(
                Problem(
                    f"{where}.op",
                    f"operator 'matches' needs a text field; {field!r} is {kind.value}",
                )
            )
        elif not isinstance(value, str):
            bad(f"expected a regular expression string, got {_type_name(value)}")
        elif isinstance(refused := compile_pattern(value), str):
            bad(refused)
        return
    if op in ("in", "not_in") and not isinstance(value, list):
        bad(f"expected a list of values, got {_type_name(value)}")
        return
    values: list[Any] = list(value) if op in ("in", "not_in") else [value]
    for i, item in enumerate(values):
        here = f"{at}[{i}]" if op in ("in", "not_in") else at
        _check_scalar(item, field, kind, here, known, problems)


def _check_scalar(
    item: Any, field: str, kind: FieldKind, at: str, known: Known, problems: list[Problem]
) -> None:
    if item is None or kind in (FieldKind.ANY, FieldKind.LIST):
        if not _is_scalar(item):
            problems.append(Problem(at, f"expected a single value, got {_type_name(item)}"))
        return
    expected = {FieldKind.BOOL: "boolean", FieldKind.NUMBER: "number"}.get(kind, "string")
    if _type_name(item) != expected:
        problems.append(Problem(at, f"expected a {expected} for {field!r}, got {_type_name(item)}"))
        return
    choices = FIELD_CHOICES.get(field)
    if choices is not None and item not in choices:
        problems.append(
            Problem(at, f"unknown value {item!r} for {field!r}{suggest(item, choices)}")
        )
    elif why := _name_problem(field, item, known):
        problems.append(Problem(at, why))


def _name_problem(field: str, item: str, known: Known) -> str | None:
    if field in CHANNEL_FIELDS:
        return channel_problem(item, known.channels)
    if field in LANGUAGE_FIELDS:
        return language_problem(item)
    return None
