"""A JsonLogic interpreter (jsonlogic.com) with JavaScript's coercion rules.

JsonLogic is data: evaluating it runs no code of the rule's author. Operators
follow the reference implementation (json-logic-js), whose semantics are
JavaScript's: ``{"==": [1, "1"]}`` is true, ``[]`` is falsy, ``+`` parses
strings as numbers.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from omnicx.errors import Problem, suggest

__all__ = ["JsonLogicError", "Lookup", "apply", "check", "truthy"]


class JsonLogicError(Exception):
    """A JsonLogic rule failed while evaluating (unknown operator, ``throw``)."""


class Lookup:
    """Data that resolves ``var`` paths itself (the routing facts do)."""

    def lookup(self, path: str) -> Any:  # pragma: no cover - overridden
        """Return the value at dotted ``path`` or None."""
        raise NotImplementedError


def truthy(value: Any) -> bool:
    """JsonLogic truthiness: JavaScript's, except that an empty array is false."""
    if isinstance(value, list | tuple):
        return len(value) > 0
    if isinstance(value, float) and math.isnan(value):
        return False
    return bool(value) if value is not None else False


def _to_str(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return repr(value)
    if isinstance(value, list | tuple):
        return ",".join("" if v is None else _to_str(v) for v in value)
    if isinstance(value, Mapping):
        return "[object Object]"
    return str(value)


def _to_num(value: Any) -> float:
    if value is None or value is False:
        return 0.0
    if value is True:
        return 1.0
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, list | tuple | Mapping):
        return _to_num(_to_str(value))
    text = str(value).strip()
    if not text:
        return 0.0
    try:
        return float(text)
    except ValueError:
        return math.nan


def _parse_float(value: Any) -> float:
    """JavaScript's ``parseFloat``: the longest numeric prefix, else NaN."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text = _to_str(value).strip()
    for end in range(len(text), 0, -1):
        try:
            return float(text[:end])
        except ValueError:
            continue
    return math.nan


def _num_out(value: float) -> int | float:
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _primitive(value: Any) -> Any:
    return _to_str(value) if isinstance(value, list | tuple | Mapping) else value


def _loose_eq(a: Any, b: Any) -> bool:
    """JavaScript's ``==`` over JSON values."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, list | tuple | Mapping) and isinstance(b, list | tuple | Mapping):
        return a is b
    a, b = _primitive(a), _primitive(b)
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    return _to_num(a) == _to_num(b)


def _strict_eq(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, list | tuple | Mapping) or isinstance(b, list | tuple | Mapping):
        return a is b
    return type(a) is type(b) and a == b


def _less(a: Any, b: Any, or_equal: bool) -> bool:
    a, b = _primitive(a), _primitive(b)
    if isinstance(a, str) and isinstance(b, str):
        return a <= b if or_equal else a < b
    x, y = _to_num(a), _to_num(b)
    return x <= y if or_equal else x < y


def _var(data: Any, path: Any, default: Any = None) -> Any:
    if path is None or path == "" or (isinstance(path, list) and not path):
        return data
    if isinstance(data, Lookup):
        found = data.lookup(_to_str(path))
        return default if found is None else found
    current = data
    for part in _to_str(path).split("."):
        if isinstance(current, Mapping):
            if part not in current:
                return default
            current = current[part]
        elif isinstance(current, list | tuple):
            try:
                current = current[int(part)]
            except (ValueError, IndexError):
                return default
        else:
            return default
    return default if current is None else current


def _missing(data: Any, *keys: Any) -> list[Any]:
    wanted = keys[0] if keys and isinstance(keys[0], list) else keys
    return [k for k in wanted if _var(data, k) in (None, "")]


def _substr(text: Any, start: Any, length: Any = None) -> str:
    s = _to_str(text)
    begin = int(_to_num(start))
    if begin < 0:
        begin = max(len(s) + begin, 0)
    if length is None:
        return s[begin:]
    count = int(_to_num(length))
    end = len(s) + count if count < 0 else begin + count
    return s[begin:end]


def _minus(*args: Any) -> int | float:
    if len(args) == 1:
        return _num_out(-_to_num(args[0]))
    return _num_out(_to_num(args[0]) - _to_num(args[1]))


def _divide(a: Any, b: Any) -> int | float:
    x, y = _to_num(a), _to_num(b)
    if y == 0:
        return (
            math.nan
            if x == 0 or math.isnan(x)
            else math.copysign(math.inf, x) * math.copysign(1, y)
        )
    return _num_out(x / y)


def _modulo(a: Any, b: Any) -> int | float:
    x, y = _to_num(a), _to_num(b)
    return math.nan if y == 0 else _num_out(math.fmod(x, y))


def _between(op: str) -> Callable[..., bool]:
    strict = op == "<"

    def compare(*args: Any) -> bool:
        pairs = itertools.pairwise(args)
        return all(_less(a, b, not strict) for a, b in pairs)

    return compare


def _merge(*args: Any) -> list[Any]:
    merged: list[Any] = []
    for arg in args:
        merged.extend(arg if isinstance(arg, list | tuple) else [arg])
    return merged


def _in(needle: Any, haystack: Any) -> bool:
    if isinstance(haystack, str):
        return _to_str(needle) in haystack
    if isinstance(haystack, list | tuple):
        return any(_strict_eq(needle, item) for item in haystack)
    return False


_SIMPLE: Mapping[str, Callable[..., Any]] = {
    "==": lambda a=None, b=None: _loose_eq(a, b),
    "!=": lambda a=None, b=None: not _loose_eq(a, b),
    "===": lambda a=None, b=None: _strict_eq(a, b),
    "!==": lambda a=None, b=None: not _strict_eq(a, b),
    ">": lambda a, b: _less(b, a, False),
    ">=": lambda a, b: _less(b, a, True),
    "<": _between("<"),
    "<=": _between("<="),
    "!": lambda a=None, *_: not truthy(a),
    "!!": lambda a=None, *_: truthy(a),
    "%": _modulo,
    "log": lambda a=None, *_: a,
    "in": _in,
    "cat": lambda *args: "".join(_to_str(a) for a in args),
    "substr": _substr,
    "+": lambda *args: _num_out(math.fsum(_parse_float(a) for a in args)),
    "*": lambda first, *args: _num_out(
        math.prod([_parse_float(first), *(_parse_float(a) for a in args)])
    ),
    "-": _minus,
    "/": _divide,
    "min": lambda *args: _num_out(min(_to_num(a) for a in args)) if args else None,
    "max": lambda *args: _num_out(max(_to_num(a) for a in args)) if args else None,
    "merge": _merge,
}

_SPECIAL = ("if", "?:", "and", "or", "var", "missing", "missing_some", "map", "filter")
_SPECIAL_MORE = ("reduce", "all", "none", "some")
OPERATORS: tuple[str, ...] = tuple(sorted((*_SIMPLE, *_SPECIAL, *_SPECIAL_MORE)))
"""Every JsonLogic operator this interpreter knows."""


def _is_rule(logic: Any) -> bool:
    return isinstance(logic, Mapping) and len(logic) == 1


def apply(logic: Any, data: Any = None) -> Any:
    """Evaluate JsonLogic ``logic`` against ``data``.

    Raises:
        JsonLogicError: for an unknown operator.
    """
    if isinstance(logic, list | tuple):
        return [apply(item, data) for item in logic]
    if not _is_rule(logic):
        return logic
    op, raw = next(iter(logic.items()))
    args: Sequence[Any] = raw if isinstance(raw, list | tuple) else [raw]
    if op in ("if", "?:"):
        return _if(args, data)
    if op == "and" or op == "or":
        value: Any = None
        for arg in args:
            value = apply(arg, data)
            if truthy(value) is (op == "or"):
                return value
        return value
    if op in ("map", "filter", "reduce", "all", "none", "some"):
        return _iterate(op, args, data)
    values = [apply(a, data) for a in args]
    if op == "var":
        return _var(data, *(values[:2] or [None]))
    if op == "missing":
        return _missing(data, *values)
    if op == "missing_some":
        need, keys = values[0], values[1]
        absent = _missing(data, *keys)
        return [] if len(keys) - len(absent) >= need else absent
    simple = _SIMPLE.get(op)
    if simple is None:
        raise JsonLogicError(f"unrecognised operation {op!r}")
    return simple(*values)


def _if(args: Sequence[Any], data: Any) -> Any:
    for i in range(0, len(args) - 1, 2):
        if truthy(apply(args[i], data)):
            return apply(args[i + 1], data)
    return apply(args[-1], data) if len(args) % 2 == 1 else None


def _iterate(op: str, args: Sequence[Any], data: Any) -> Any:
    items = apply(args[0], data) if args else None
    if not isinstance(items, list | tuple):
        items = []
    body = args[1] if len(args) > 1 else None
    if op == "map":
        return [apply(body, item) for item in items]
    if op == "filter":
        return [item for item in items if truthy(apply(body, item))]
    if op == "reduce":
        acc = apply(args[2], data) if len(args) > 2 else None
        for item in items:
            acc = apply(body, {"current": item, "accumulator": acc})
        return acc
    if op == "all":
        return bool(items) and all(truthy(apply(body, item)) for item in items)
    if op == "none":
        return not any(truthy(apply(body, item)) for item in items)
    return any(truthy(apply(body, item)) for item in items)


def check(logic: Any, path: str) -> list[Problem]:
    """Every unknown operator in ``logic``, each with its path and a suggestion."""
    problems: list[Problem] = []
    if isinstance(logic, list | tuple):
        for i, item in enumerate(logic):
            problems.extend(check(item, f"{path}[{i}]"))
    elif _is_rule(logic):
        op, raw = next(iter(logic.items()))
        if op not in OPERATORS:
            problems.append(
                Problem(path, f"unknown JsonLogic operator {op!r}{suggest(op, OPERATORS)}")
            )
        else:
            problems.extend(check(raw, f"{path}.{op}"))
    return problems
