"""A JsonLogic interpreter (jsonlogic.com) with JavaScript's coercion rules.

JsonLogic is data: evaluating it runs no code of the rule's author. Operators
follow the reference implementation (json-logic-js), whose semantics are
JavaScript's: ``{"==": [1, "1"]}`` is true, ``[]`` is falsy, ``+`` reads
numeric strings as numbers. Like the community compat suites, results JSON
cannot hold (NaN, Infinity) and malformed arguments raise JsonLogicError.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from omnicx.errors import Problem, ValidationError, suggest

__all__ = ["JsonLogicError", "Lookup", "apply", "call", "check", "finish", "truthy"]


class JsonLogicError(ValidationError):
    """A JsonLogic rule failed while evaluating (unknown operator, ``throw``, bad arguments).

    A ``ValidationError`` (so an ``OmnicxError`` and a ``ValueError``) with one problem.
    """

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__([Problem(path, message)])


# Builtin errors an operator can hit on arguments it cannot take; re-typed as JsonLogicError.
_BUILTIN = (TypeError, ValueError, LookupError, ArithmeticError, AttributeError)


def _retyped(op: Any, error: Exception) -> JsonLogicError:
    if isinstance(error, JsonLogicError):
        return error
    if op is None:
        return JsonLogicError(f"JsonLogic evaluation failed ({type(error).__name__})")
    return JsonLogicError(f"invalid arguments to {op!r} ({type(error).__name__})")


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


def _operand(value: Any) -> float:
    """An arithmetic operand: numbers, numeric strings, booleans and null; else NaN."""
    if isinstance(value, list | tuple | Mapping):
        return math.nan
    return _to_num(value)


def _num_out(value: float) -> int | float:
    # JSON has no NaN or Infinity: the community suites make such results errors.
    if math.isnan(value) or math.isinf(value):
        raise JsonLogicError("NaN")
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


def _val(data: Any, segments: Sequence[Any], exists: bool) -> Any:
    """The newer ``val``/``exists``: one path segment per argument, no dot splitting."""
    if isinstance(data, Lookup):
        found = data.lookup(".".join(_to_str(x) for x in segments))
        return found is not None if exists else found
    current = data
    for segment in segments:
        if isinstance(current, Mapping) and _to_str(segment) in current:
            current = current[_to_str(segment)]
        elif isinstance(current, list | tuple) and isinstance(segment, int | str):
            try:
                current = current[int(segment)]
            except (ValueError, IndexError):
                return False if exists else None
        else:
            return False if exists else None
    return True if exists else current


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
        return _num_out(-_operand(args[0]))
    return _num_out(_operand(args[0]) - _operand(args[1]))


def _divide(first: Any, *rest: Any) -> int | float:
    value = _operand(first)
    for divisor in rest:
        y = _operand(divisor)
        value = math.nan if y == 0 else value / y
    return _num_out(value)


def _modulo(a: Any, b: Any) -> int | float:
    x, y = _operand(a), _operand(b)
    return _num_out(math.nan if y == 0 else math.fmod(x, y))


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
    "!": lambda a=None, *_: not truthy(a),
    "!!": lambda a=None, *_: truthy(a),
    "%": _modulo,
    "log": lambda a=None, *_: a,
    "in": _in,
    "cat": lambda *args: "".join(_to_str(a) for a in args),
    "substr": _substr,
    "+": lambda *args: _num_out(math.fsum(_operand(a) for a in args)),
    "*": lambda first, *args: _num_out(math.prod([_operand(first), *(_operand(a) for a in args)])),
    "-": _minus,
    "/": _divide,
    "min": lambda *args: _num_out(min(_to_num(a) for a in args)) if args else None,
    "max": lambda *args: _num_out(max(_to_num(a) for a in args)) if args else None,
    "merge": _merge,
}

_SPECIAL = ("if", "?:", "and", "or", "var", "val", "exists", "??", "missing", "missing_some", "map")
_SPECIAL_MORE = ("filter", "reduce", "all", "none", "some", "throw", "try")
OPERATORS: tuple[str, ...] = tuple(
    sorted((*_SIMPLE, *_SPECIAL, *_SPECIAL_MORE, "==", "!=", "===", "!==", "<", "<=", ">", ">="))
)
"""Every JsonLogic operator this interpreter knows."""


def _is_rule(logic: Any) -> bool:
    return isinstance(logic, Mapping) and len(logic) == 1


def apply(logic: Any, data: Any = None) -> Any:
    """Evaluate JsonLogic ``logic`` against ``data``.

    Raises:
        JsonLogicError: for an unknown operator, ``throw``, or arguments an
            operator cannot take; never a builtin exception.
    """
    try:
        return _apply(logic, data)
    except _BUILTIN as error:  # a last resort: operators re-type their own errors
        raise _retyped(None, error) from error


def _apply(logic: Any, data: Any) -> Any:
    if isinstance(logic, list | tuple):
        return [_apply(item, data) for item in logic]
    if not _is_rule(logic):
        return logic
    op, raw = next(iter(logic.items()))
    args: Sequence[Any] = raw if isinstance(raw, list | tuple) else [raw]
    if op in _LIST_ONLY and not isinstance(raw, list | tuple):
        raise JsonLogicError("Invalid Arguments")
    if op in _CHAINED:
        return _chain(op, args, data)
    if op in ("if", "?:"):
        return _if(args, data)
    if op == "and" or op == "or":
        value: Any = False if not args else None
        for arg in args:
            value = _apply(arg, data)
            if truthy(value) is (op == "or"):
                return value
        return value
    if op in _ITERATE:
        return _iterate(op, args, data)
    if op == "??":
        for arg in args:
            value = _apply(arg, data)
            if value is not None:
                return value
        return None
    if op == "try":
        for arg in args[:-1]:
            try:
                return _apply(arg, data)
            except JsonLogicError:
                continue
        return _apply(args[-1], data) if args else None
    return finish(op, [_apply(a, data) for a in args], data)


def finish(op: Any, values: list[Any], data: Any) -> Any:
    """Apply an operator that takes its arguments evaluated: ``var``, ``in``, ``+``..."""
    if op == "var":
        return _var(data, *(values[:2] or [None]))
    if op == "val" or op == "exists":
        return _val(data, values, op == "exists")
    if op == "throw":
        raise JsonLogicError(_to_str(values[0] if values else None))
    if op == "missing":
        return _missing(data, *values)
    if op == "missing_some":
        if len(values) < 2 or not isinstance(values[1], list | tuple):
            raise JsonLogicError("Invalid Arguments")
        need, keys = _to_num(values[0]), values[1]
        absent = _missing(data, *keys)
        return [] if len(keys) - len(absent) >= need else absent
    simple = _SIMPLE.get(op)
    if simple is None:
        raise JsonLogicError(f"unrecognised operation {op!r}")
    return call(op, simple, values)


def call(op: str, simple: Callable[..., Any], values: Sequence[Any]) -> Any:
    """Run operator ``simple`` on ``values``; a builtin error becomes a JsonLogicError."""
    try:
        return simple(*values)
    except _BUILTIN as error:
        raise _retyped(op, error) from error


_PAIRS: Mapping[str, Callable[[Any, Any], bool]] = {
    "==": _loose_eq,
    "!=": lambda a, b: not _loose_eq(a, b),
    "===": _strict_eq,
    "!==": lambda a, b: not _strict_eq(a, b),
    "<": lambda a, b: _less(a, b, False),
    "<=": lambda a, b: _less(a, b, True),
    ">": lambda a, b: _less(b, a, False),
    ">=": lambda a, b: _less(b, a, True),
}
_CHAINED = frozenset(_PAIRS)
_ITERATE = frozenset(("map", "filter", "reduce", "all", "none", "some"))
# Operators whose arguments must be an array: ``{"map": 5}`` is malformed.
_LIST_ONLY = frozenset(("if", "?:", "and", "or", *_ITERATE, *_PAIRS))


def _chain(op: str, args: Sequence[Any], data: Any) -> bool:
    """Comparisons hold pairwise along the arguments, evaluated lazily (``<`` as between)."""
    if len(args) < 2:
        raise JsonLogicError("Invalid Arguments")
    test = _PAIRS[op]
    left = _apply(args[0], data)
    for arg in args[1:]:
        right = _apply(arg, data)
        if not test(left, right):
            return False
        left = right
    return True


def _if(args: Sequence[Any], data: Any) -> Any:
    for i in range(0, len(args) - 1, 2):
        if truthy(_apply(args[i], data)):
            return _apply(args[i + 1], data)
    return _apply(args[-1], data) if len(args) % 2 == 1 else None


def _iterate(op: str, args: Sequence[Any], data: Any) -> Any:
    items = _apply(args[0], data) if args else None
    if not isinstance(items, list | tuple):
        items = []
    body = args[1] if len(args) > 1 else None
    if op == "map":
        return [_apply(body, item) for item in items]
    if op == "filter":
        return [item for item in items if truthy(_apply(body, item))]
    if op == "reduce":
        acc = _apply(args[2], data) if len(args) > 2 else None
        for item in items:
            acc = _apply(body, {"current": item, "accumulator": acc})
        return acc
    if op == "all":
        return bool(items) and all(truthy(_apply(body, item)) for item in items)
    if op == "none":
        return not any(truthy(_apply(body, item)) for item in items)
    return any(truthy(_apply(body, item)) for item in items)


def _usage(op: str) -> tuple[int, int | None, str]:
    """(fewest, most, example) arguments of an operator with a fixed arity, else (0, None, "")."""
    if op in _CHAINED:
        return 2, None, f'{{"{op}": [a, b]}}'
    return _ARITY.get(op, (0, None, ""))


_ARITY: Mapping[str, tuple[int, int | None, str]] = {
    "-": (1, None, '{"-": [a]} to negate or {"-": [a, b]} to subtract'),
    "*": (1, None, '{"*": [a, b]}'),
    "/": (1, None, '{"/": [a, b]}'),
    "%": (2, 2, '{"%": [a, b]}'),
    "in": (2, 2, '{"in": [needle, haystack]}'),
    "substr": (2, 3, '{"substr": [text, start]} or {"substr": [text, start, length]}'),
    "missing_some": (2, None, '{"missing_some": [count, ["a", "b"]]}'),
}


def _count(n: int) -> str:
    return f"{n} argument" if n == 1 else f"{n} arguments"


def _shape(op: str, raw: Any, path: str) -> list[Problem]:
    """Arity and shape problems of one operator node (``raw`` is its argument)."""
    if op in _LIST_ONLY and not isinstance(raw, list | tuple):
        example = _usage(op)[2] or f'{{"{op}": [...]}}'
        return [Problem(path, f"{op!r} takes a list of arguments: write {example}")]
    args = raw if isinstance(raw, list | tuple) else [raw]
    fewest, most, example = _usage(op)
    n = len(args)
    if n < fewest or (most is not None and n > most):
        if most is None:
            wanted = f"at least {_count(fewest)}"
        elif most == fewest:
            wanted = _count(fewest)
        else:
            wanted = f"{fewest} to {_count(most)}"
        return [Problem(path, f"{op!r} takes {wanted}, got {n}: write {example}")]
    if op == "missing_some" and not _is_rule(args[1]) and not isinstance(args[1], list | tuple):
        return [Problem(f"{path}[1]", f"'missing_some' takes a list of names: write {example}")]
    return []


def check(logic: Any, path: str) -> list[Problem]:
    """Every unknown operator and wrong arity in ``logic``, each with its path and a fix."""
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
            problems.extend(_shape(op, raw, f"{path}.{op}"))
            problems.extend(check(raw, f"{path}.{op}"))
    return problems
