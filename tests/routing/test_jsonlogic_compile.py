"""Compiled JsonLogic computes exactly what the interpreter computes, errors included."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicx.routing._jsonlogic import OPERATORS, Lookup, apply
from omnicx.routing._jsonlogic_compile import compile_logic

SHARED = Path("/work/shared/jsonlogic")
if not SHARED.exists():  # pragma: no cover - the suite ships next to the repository
    SHARED = Path(__file__).resolve().parents[3] / "shared" / "jsonlogic"


def _outcome(run: Callable[[], Any]) -> tuple[str, str]:
    """A result or an error, as text that tells 1, 1.0 and True apart."""
    try:
        return "value", repr(run())
    except Exception as error:  # every error must match too, not only JsonLogicError
        return type(error).__name__, str(error)


def _both(logic: Any, data: Any) -> tuple[tuple[str, str], tuple[str, str]]:
    return _outcome(lambda: apply(logic, data)), _outcome(lambda: compile_logic(logic)(data))


def _cases() -> list[tuple[Any, Any]]:
    official = json.loads((SHARED / "tests.json").read_text())
    cases = [(c[0], c[1]) for c in official if isinstance(c, list)]
    root = SHARED / "compat-suites" / "suites"
    for name in json.loads((root / "index.json").read_text()):
        cases.extend(
            (case["rule"], case.get("data"))
            for case in json.loads((root / name).read_text())
            if isinstance(case, dict)
        )
    return cases


def test_every_suite_case_gives_the_interpreters_outcome() -> None:
    """Official and community cases: same value (same type) or same error and message."""
    cases = _cases()
    assert len(cases) == 277 + 1138
    for logic, data in cases:
        interpreted, compiled = _both(logic, data)
        assert compiled == interpreted, logic


@pytest.mark.parametrize(
    "logic",
    [
        {"==": [1]},
        {"map": 5},
        {"<": 1},
        {"nope": [{"throw": "first"}]},
        {"try": []},
        {"try": [{"throw": "a"}, {"throw": "b"}]},
        {"??": [None, {"var": "a"}, 3]},
        {"and": []},
        {"or": [0, "", {"var": "b"}]},
        {"if": []},
        {"if": [False, 1]},
        {"?:": [{"var": "a"}, "yes", "no"]},
        {"<": [1, {"var": "a"}, 3]},
        {"==": [3, 2, {"throw": "not evaluated"}]},
        {">=": [{"var": "a"}, 1]},
        {"<": [None, {"var": "a"}]},
        {"<": [{"var": "s"}, "b"]},
        {"var": []},
        {"var": ""},
        {"var": ["a", "fallback"]},
        {"var": ["missing", "fallback"]},
        {"var": [{"cat": ["a"]}, 7, {"throw": "still evaluated"}]},
        {"var": {"a": 1, "b": 2}},
        {"reduce": [{"var": "l"}, {"+": [{"var": "current"}, {"var": "accumulator"}]}, 10]},
        {"reduce": [{"var": "l"}]},
        {"map": [{"var": "l"}]},
        {"filter": [{"var": "l"}, {"%": [{"var": ""}, 2]}]},
        {"all": [[], True]},
        {"none": [{"var": "l"}, {">": [{"var": ""}, 5]}]},
        {"some": [{"var": "nothing"}, True]},
        {"missing_some": [1, ["a", "zz"]]},
        {"!": {"var": "a"}},
        {"cat": [math.nan, [1, [2]], {"x": 1, "y": 2}]},
    ],
)
def test_edge_nodes_match(logic: Any) -> None:
    """Malformed nodes fail the same way; lazy operators evaluate the same arguments."""
    data = {"a": 2, "s": "a", "l": [1, 2, 3]}
    interpreted, compiled = _both(logic, data)
    assert compiled == interpreted


class _Data(Lookup):
    """Lookup data like the routing facts: dotted paths resolve in one step."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def lookup(self, path: str) -> Any:
        return self.values.get(path)


def _resolve(path: str) -> Callable[[Any], Any]:
    return lambda data: data.lookup(path)


_SCALARS = st.none() | st.booleans() | st.integers(-5, 5) | st.sampled_from(["", "a", "1", "x.y"])
_SCALARS |= st.floats(-10, 10, allow_nan=False)
_PATHS = st.sampled_from(["", "a", "b", "x.y", "current", "accumulator", "nope"])
_DATA = st.dictionaries(
    st.sampled_from(["a", "b", "x.y", "x"]),
    st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=3), max_leaves=6),
)


def _logic() -> st.SearchStrategy[Any]:
    ops = st.sampled_from([*OPERATORS, "nope"])

    def extend(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        args = st.lists(inner, min_size=1, max_size=4)
        with_list = st.builds(lambda op, a: {op: a}, ops, args)
        return st.one_of(
            with_list,
            with_list,
            with_list,
            st.builds(lambda op, a: {op: a}, ops, inner),
            st.builds(lambda p, d: {"var": [p, d]}, _PATHS, _SCALARS),
            st.builds(lambda p: {"var": p}, _PATHS),
            args,
        )

    return st.recursive(_SCALARS, extend, max_leaves=12)


@given(logic=_logic(), data=_DATA)
def test_compiled_logic_equals_the_interpreter(logic: Any, data: dict[str, Any]) -> None:
    """On random trees over every operator, compiled and interpreted outcomes agree."""
    interpreted, compiled = _both(logic, data)
    assert compiled == interpreted


@given(logic=_logic(), data=_DATA)
def test_resolved_paths_equal_the_lookup(logic: Any, data: dict[str, Any]) -> None:
    """With Lookup data, resolving constant paths at compile time changes no outcome."""
    facts = _Data(data)
    interpreted = _outcome(lambda: apply(logic, facts))
    assert _outcome(lambda: compile_logic(logic, _resolve)(facts)) == interpreted
