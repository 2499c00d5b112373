"""Malformed JsonLogic is refused at load; evaluation never raises a builtin error."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import given
from tests.routing.test_jsonlogic_compile import _DATA, _logic

from omnicx.errors import OmnicxError, ValidationError
from omnicx.routing import JsonLogicError, jsonlogic_apply
from omnicx.routing._jsonlogic import check


def test_jsonlogic_error_is_in_the_hierarchy() -> None:
    assert issubclass(JsonLogicError, ValidationError)
    assert issubclass(JsonLogicError, OmnicxError)
    assert issubclass(JsonLogicError, ValueError)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            {"-": []},
            "w.-: '-' takes at least 1 argument, got 0: "
            'write {"-": [a]} to negate or {"-": [a, b]} to subtract',
        ),
        (
            {"missing_some": [1]},
            "w.missing_some: 'missing_some' takes at least 2 arguments, got 1: "
            'write {"missing_some": [count, ["a", "b"]]}',
        ),
        ({"%": [1]}, "w.%: '%' takes 2 arguments, got 1: write {\"%\": [a, b]}"),
        ({"==": [1]}, "w.==: '==' takes at least 2 arguments, got 1: write {\"==\": [a, b]}"),
    ],
)
def test_malformed_is_refused_at_load(rule: Any, message: str) -> None:
    assert [str(p) for p in check(rule, "w")] == [message]


def test_evaluation_retypes_builtin_errors() -> None:
    with pytest.raises(JsonLogicError, match=r"invalid arguments to '-' \(IndexError\)"):
        jsonlogic_apply({"-": []})


@given(logic=_logic(), data=_DATA)
def test_refused_or_no_builtin_error(logic: Any, data: dict[str, Any]) -> None:
    if check(logic, "w"):
        return
    with contextlib.suppress(JsonLogicError):
        jsonlogic_apply(logic, data)
