"""The path-tracking wire view: every wire problem is a PayloadError with its field."""

from __future__ import annotations

import pytest

from omnicx.channels._wire import MAX_BODY, Wire, check_size, entry_point, load_json
from omnicx.errors import PayloadError, PayloadReason, ValidationError


def test_model_invariants_become_payload_errors() -> None:
    """A ValidationError raised while building values from the wire is re-typed at the entry point."""
    with pytest.raises(PayloadError) as info, entry_point():
        raise ValidationError.single("order_id", "must not be empty")
    assert str(info.value) == "order_id: must not be empty"
    assert info.value.reason is PayloadReason.INVALID_VALUE


@pytest.mark.parametrize(
    ("body", "message", "reason"),
    [
        (b"x" * (MAX_BODY + 1), f"body is over {MAX_BODY} bytes", PayloadReason.TOO_LARGE),
        ("text", "body must be bytes", PayloadReason.MALFORMED),
    ],
)
def test_size_and_type(body: object, message: str, reason: PayloadReason) -> None:
    """Bodies over the limit, or not bytes at all, are refused."""
    with pytest.raises(PayloadError) as info:
        check_size(body)  # type: ignore[arg-type]
    assert (str(info.value), info.value.reason) == (message, reason)


@pytest.mark.parametrize(
    ("value", "call", "message"),
    [
        ({"a": True}, lambda w: w.opt_text("a"), "a: expected a string, got bool"),
        ({"a": "NaN"}, lambda w: w.number("a"), "a: not a finite number"),
        ({"a": [1]}, lambda w: w.number("a"), "a: expected a number, got list"),
        ({"a": True}, lambda w: w.number("a"), "a: expected a number, got bool"),
        ({"a": 1e300}, lambda w: w.instant("a"), "a: timestamp out of range"),
        ({}, lambda w: w.instant("a"), "a: required field is missing"),
        (
            {"a": {"b": 1}},
            lambda w: list(w.child("a").items("b")),
            "a.b: expected an array, got int",
        ),
        ([], lambda w: w.obj(), "expected an object, got list"),
    ],
)
def test_wire_errors_name_the_path(value: object, call: object, message: str) -> None:
    """Each accessor refuses the wrong type with the field's path."""
    with pytest.raises(PayloadError) as info:
        call(Wire(value=value, path=""))  # type: ignore[operator]
    assert str(info.value) == message


def test_load_json_and_nesting() -> None:
    """Paths accumulate through objects and arrays; deeply nested JSON is MALFORMED, not a crash."""
    root = load_json(b'{"a": [{"b": "x"}]}')
    (first,) = root.items("a")
    assert first.get("b").path == "a[0].b"
    with pytest.raises(PayloadError, match="body is not UTF-8 JSON"):
        load_json(b"[" * 100000)
