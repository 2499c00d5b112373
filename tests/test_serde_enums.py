"""Enums read through a table per class: the same answers as comparing every member."""

from __future__ import annotations

import enum
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicx import serde
from omnicx.errors import ValidationError
from omnicx.model import AuthorKind, Direction, Priority, Status, SurveyKind


class Mixed(enum.Enum):
    ONE = 1
    TEXT = "1"
    FLOAT = 2.5


ENUMS = [AuthorKind, Direction, Priority, Status, SurveyKind, Mixed]


def _plain(value: Any, cls: type[enum.Enum]) -> enum.Enum | None:
    # What reading an enum means: the member whose value equals it, of the same type.
    for member in cls:
        if member.value == value and type(member.value) is type(value):
            return member
    return None


values = st.one_of(
    st.sampled_from([m.value for cls in ENUMS for m in cls]),
    st.booleans(), st.integers(-2, 3), st.floats(allow_nan=False), st.text(max_size=8),
    st.lists(st.integers(), max_size=2), st.none(),
)  # fmt: skip


@given(st.sampled_from(ENUMS), values)
def test_an_enum_reads_as_comparing_every_member(cls: type[enum.Enum], value: Any) -> None:
    """Found members agree with the plain scan; anything else is a ValidationError."""
    expected = _plain(value, cls)
    if expected is None:
        with pytest.raises(ValidationError, match="expected one of"):
            serde.from_dict(cls, value)
    else:
        assert serde.from_dict(cls, value) is expected


def test_true_is_not_one_and_a_list_is_refused() -> None:
    """Type matters (True is not 1); unhashable input is refused, not a TypeError."""
    assert serde.from_dict(Mixed, 1) is Mixed.ONE
    with pytest.raises(ValidationError):
        serde.from_dict(Mixed, True)
    with pytest.raises(ValidationError):
        serde.from_dict(Status, ["open"])
