"""Loading a RedactionPolicy from data: every problem reported with its path."""

from __future__ import annotations

import re
from typing import Any

import pytest

from omnicx.errors import ValidationError
from omnicx.privacy import DEFAULT_REDACTION, CustomPattern, RedactionPolicy


def test_empty_data_is_the_default_policy() -> None:
    """Every key is optional; nothing given means the default policy."""
    assert RedactionPolicy.from_dict({}) == DEFAULT_REDACTION


def test_full_policy_loads_and_compiles_patterns() -> None:
    """Switches and patterns load; regexes are compiled once, at load."""
    policy = RedactionPolicy.from_dict(
        {
            "cards": True,
            "ibans": False,
            "emails": True,
            "phones": False,
            "patterns": {"pin": r"\d{4}"},
        }
    )
    assert policy == RedactionPolicy(
        ibans=False, phones=False, patterns=(CustomPattern(name="pin", regex=re.compile(r"\d{4}")),)
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "must be a mapping"),
        ({"card": True}, "card: unknown key (did you mean 'cards'?)"),
        ({"phones": "yes"}, "phones: must be true or false"),
        ({"patterns": ["x"]}, "patterns: must map pattern names to regexes"),
        ({"patterns": {"Bad Name": "x"}}, "patterns.Bad Name: name must be lowercase letters, digits and '_'"),
        ({"patterns": {"email": "x"}}, "patterns.email: name 'email' is a built-in kind"),
        ({"patterns": {"pin": ""}}, "patterns.pin: must be a non-empty regex string"),
        ({"patterns": {"pin": 4}}, "patterns.pin: must be a non-empty regex string"),
        ({"patterns": {"pin": "(ab"}}, "patterns.pin: bad regex: missing ), unterminated subpattern at position 0"),
    ],
)  # fmt: skip
def test_bad_data_is_reported_with_its_path(data: Any, message: str) -> None:
    """Each kind of mistake names the path and what is wrong."""
    with pytest.raises(ValidationError) as info:
        RedactionPolicy.from_dict(data)
    assert str(info.value) == message


def test_every_problem_is_reported_at_once() -> None:
    """Two bad regexes and a bad switch come back together, in order."""
    with pytest.raises(ValidationError) as info:
        RedactionPolicy.from_dict({"emails": 1, "patterns": {"a": "[", "b": "*"}})
    assert info.value.paths == ("emails", "patterns.a", "patterns.b")
