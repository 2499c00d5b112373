"""JsonLogic compiled once into closures that compute exactly what ``apply`` computes.

``apply`` dispatches on every node of the tree at every call. A rule set
evaluates the same few trees for every message, so ``compile_logic`` does
that dispatch once: each node becomes a closure that evaluates the same
arguments in the same order, calls the same helpers and raises the same
errors as ``apply`` on that node. A node ``apply`` rejects before looking at
its arguments is compiled to ``apply`` itself, so it fails the same way.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from omnicx.routing._jsonlogic import (
    _BUILTIN,
    _CHAINED,
    _ITERATE,
    _LIST_ONLY,
    _PAIRS,
    _SIMPLE,
    JsonLogicError,
    _is_rule,
    _retyped,
    _to_num,
    _to_str,
    _var,
    apply,
    call,
    finish,
    truthy,
)

__all__ = ["Fn", "Resolve", "compile_logic"]

Fn = Callable[[Any], Any]
Resolve = Callable[[str], Fn]

_EVALUATED_FIRST = frozenset(("var", "val", "exists", "throw", "missing", "missing_some"))
# ``<``, ``<=``, ``>``, ``>=`` against a non-string scalar compare as numbers:
# _less only compares strings when both sides are strings.
_ORDER: Mapping[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_SCALAR = (type(None), bool, int, float)


def compile_logic(logic: Any, resolve: Resolve | None = None) -> Fn:
    """Compile ``logic`` into a function of the data, equal to ``apply(logic, data)``.

    ``resolve``, if given, promises that the data passed in is a ``Lookup``
    whose ``lookup(path)`` equals ``resolve(path)(data)``; constant ``var``
    paths at the top level (not inside ``map``/``filter``/... bodies, which
    see items) then read through the resolved function directly.
    """
    run = _compile(logic, resolve)

    def logic_fn(data: Any) -> Any:
        try:
            return run(data)
        except _BUILTIN as error:  # a last resort, as ``apply``
            raise _retyped(None, error) from error

    return logic_fn


def _constant(logic: Any) -> tuple[bool, Any]:
    """Whether ``apply`` returns ``logic`` itself, and that value."""
    if isinstance(logic, list | tuple) or _is_rule(logic):
        return False, None
    return True, logic


def _compile(logic: Any, resolve: Resolve | None) -> Fn:
    if isinstance(logic, list | tuple):
        items = tuple(_compile(item, resolve) for item in logic)
        return lambda data: [f(data) for f in items]
    if not _is_rule(logic):
        return lambda data: logic
    op, raw = next(iter(logic.items()))
    if not isinstance(raw, list | tuple):
        if op in _LIST_ONLY:
            return lambda data: apply(logic, data)  # raises "Invalid Arguments"
        raw = [raw]
    args: Sequence[Any] = raw
    if op in _ITERATE:
        return _iterate(op, args, resolve)
    fns = tuple(_compile(a, resolve) for a in args)
    if op in _CHAINED:
        if len(args) < 2:
            return lambda data: apply(logic, data)  # raises "Invalid Arguments"
        return _chain(op, args, fns)
    if op in ("if", "?:"):
        return _if(fns)
    if op == "and" or op == "or":
        return _and_or(fns, op == "or")
    if op == "??":
        return _coalesce(fns)
    if op == "try":
        return _try(fns)
    if op == "var":
        return _compile_var(args, fns, resolve)
    simple = None if op in _EVALUATED_FIRST else _SIMPLE.get(op)
    if simple is None:
        return lambda data: finish(op, [f(data) for f in fns], data)
    return lambda data: call(op, simple, [f(data) for f in fns])


def _compile_var(args: Sequence[Any], fns: tuple[Fn, ...], resolve: Resolve | None) -> Fn:
    consts = [_constant(a) for a in args]
    if not all(is_const for is_const, _ in consts):
        return lambda data: _var(data, *([f(data) for f in fns][:2] or [None]))
    path = consts[0][1] if consts else None
    default = consts[1][1] if len(consts) > 1 else None
    if path is None or path == "":
        return lambda data: data
    if resolve is None:
        return lambda data: _var(data, path, default)
    read = resolve(_to_str(path))
    if default is None:
        return read

    def var(data: Any) -> Any:
        found = read(data)
        return default if found is None else found

    return var


def _chain(op: str, args: Sequence[Any], fns: tuple[Fn, ...]) -> Fn:
    if len(fns) == 2:
        left, right = fns
        order = _ORDER.get(op)
        is_const, value = _constant(args[1])
        if order is not None and is_const and isinstance(value, _SCALAR):
            bound = _to_num(value)
            return lambda data: order(_to_num(left(data)), bound)
        is_const, value = _constant(args[0])
        if order is not None and is_const and isinstance(value, _SCALAR):
            bound = _to_num(value)
            return lambda data: order(bound, _to_num(right(data)))
        pair = _PAIRS[op]
        return lambda data: bool(pair(left(data), right(data)))
    test = _PAIRS[op]
    first, rest = fns[0], fns[1:]

    def chain(data: Any) -> bool:
        # Pairwise and lazy, as _chain: a later argument runs only if the pair before held.
        left = first(data)
        for f in rest:
            right = f(data)
            if not test(left, right):
                return False
            left = right
        return True

    return chain


def _if(fns: tuple[Fn, ...]) -> Fn:
    pairs = tuple((fns[i], fns[i + 1]) for i in range(0, len(fns) - 1, 2))
    last = fns[-1] if len(fns) % 2 == 1 else None

    def if_(data: Any) -> Any:
        for test, then in pairs:
            if truthy(test(data)):
                return then(data)
        return None if last is None else last(data)

    return if_


def _and_or(fns: tuple[Fn, ...], stop_on: bool) -> Fn:
    if not fns:
        return lambda data: False

    def and_or(data: Any) -> Any:
        value = None
        for f in fns:
            value = f(data)
            if truthy(value) is stop_on:
                return value
        return value

    return and_or


def _coalesce(fns: tuple[Fn, ...]) -> Fn:
    def coalesce(data: Any) -> Any:
        for f in fns:
            value = f(data)
            if value is not None:
                return value
        return None

    return coalesce


def _try(fns: tuple[Fn, ...]) -> Fn:
    if not fns:
        return lambda data: None
    attempts, last = fns[:-1], fns[-1]

    def try_(data: Any) -> Any:
        for f in attempts:
            try:
                return f(data)
            except JsonLogicError:
                continue
        return last(data)

    return try_


def _iterate(op: str, args: Sequence[Any], resolve: Resolve | None) -> Fn:
    source = _compile(args[0], resolve) if args else None
    # The body sees each item as its data, never the top-level data: no resolving.
    body = _compile(args[1] if len(args) > 1 else None, None)
    start = _compile(args[2], resolve) if len(args) > 2 else None

    def iterate(data: Any) -> Any:
        items = None if source is None else source(data)
        if not isinstance(items, list | tuple):
            items = []
        if op == "map":
            return [body(item) for item in items]
        if op == "filter":
            return [item for item in items if truthy(body(item))]
        if op == "reduce":
            acc = None if start is None else start(data)
            for item in items:
                acc = body({"current": item, "accumulator": acc})
            return acc
        if op == "all":
            return bool(items) and all(truthy(body(item)) for item in items)
        if op == "none":
            return not any(truthy(body(item)) for item in items)
        return any(truthy(body(item)) for item in items)

    return iterate
