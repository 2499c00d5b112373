"""The exception hierarchy and its messages."""

from __future__ import annotations

import pytest

from omnicx.errors import (
    ConflictError,
    InvalidTransition,
    NotFoundError,
    OmnicxError,
    PayloadError,
    PayloadReason,
    Problem,
    SignatureError,
    ValidationError,
    suggest,
)


def test_hierarchy_matches_the_documented_tree() -> None:
    assert issubclass(ValidationError, OmnicxError)
    assert issubclass(ValidationError, ValueError)
    assert issubclass(PayloadError, OmnicxError)
    assert issubclass(PayloadError, ValueError)
    assert issubclass(SignatureError, PayloadError)
    assert issubclass(ConflictError, OmnicxError)
    assert issubclass(NotFoundError, LookupError)
    assert issubclass(InvalidTransition, RuntimeError)


def test_validation_error_lists_every_problem_one_per_line() -> None:
    error = ValidationError([Problem("rules[0].op", "unknown operator"), Problem("", "empty file")])
    assert str(error) == "rules[0].op: unknown operator\nempty file"
    assert error.paths == ("rules[0].op", "")


def test_validation_error_needs_a_problem() -> None:
    with pytest.raises(ValueError, match="at least one problem"):
        ValidationError([])


def test_nesting_prefixes_paths() -> None:
    error = ValidationError([Problem("op", "x"), Problem("[2]", "y"), Problem("", "z")])
    assert error.under("rules[3]").paths == ("rules[3].op", "rules[3][2]", "rules[3]")
    assert Problem("a", "m").under("") == Problem("a", "m")


def test_payload_error_carries_reason_and_field() -> None:
    error = PayloadError(PayloadReason.MISSING_FIELD, "required", field="entry[0].id")
    assert error.reason is PayloadReason.MISSING_FIELD
    assert str(error) == "entry[0].id: required"
    assert str(PayloadError(PayloadReason.MALFORMED, "not JSON")) == "not JSON"


def test_signature_error_names_the_header() -> None:
    error = SignatureError("X-Hub-Signature-256", "signature does not match the body")
    assert error.reason is PayloadReason.BAD_SIGNATURE
    assert error.header == "X-Hub-Signature-256"
    assert str(error) == "X-Hub-Signature-256: signature does not match the body"


def test_not_found_message() -> None:
    assert str(NotFoundError("customer", "p9")) == "no customer with id 'p9'"


def test_invalid_transition_without_hint() -> None:
    assert str(InvalidTransition("assign", "closed", "open")) == "can't assign in state closed"


def test_suggest_finds_close_words_only() -> None:
    assert suggest("contain", ["contains", "eq"]) == " (did you mean 'contains'?)"
    assert suggest("zzz", ["contains", "eq"]) == ""
