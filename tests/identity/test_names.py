"""Telling spellings of one person's name from the names of two people."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicx.identity._names import (
    MAX_NAMES_COMPARED,
    NICKNAMES,
    count_people,
    same_person_name,
)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("robert smith", "bob smith"),
        ("robert smith", "robert smtih"),
        ("kate robinson", "kathy robinson"),
        ("maggiie hoffmann", "margaret hoffmann"),
        ("r smith", "robert smith"),
        ("smith", "robert smith"),
        ("alice taaylor", "alice talyor"),
    ],
)
def test_one_persons_names(left: str, right: str) -> None:
    """Nicknames (even mistyped), typos, initials and a lone family name are one person."""
    assert same_person_name(left, right)
    assert same_person_name(right, left)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("maria becker", "lucas becker"),
        ("maria becker", "maria lopez"),
        ("ed smith", "al smith"),
        ("bob smith", "maria"),
    ],
)
def test_two_peoples_names(left: str, right: str) -> None:
    """Different given or family names, and short names, are different people."""
    assert not same_person_name(left, right)


def test_count_people_stops_past_the_limit() -> None:
    """Counting stops at limit + 1; a name joins a person through any of their names."""
    assert count_people(["jim russo", "james russo", "jamie ruso"], 1) == 1
    assert count_people(["ana lima", "ben okafor", "chloe martin", "dan ivanov"], 1) == 2
    assert count_people([f"name{i} x" for i in range(MAX_NAMES_COMPARED + 1)], 5) == 6
    assert count_people([], 1) == 0


@given(st.permutations(["r smith", "bob smith", "robert smith", "bobby smith", "ann lee"]))
def test_count_people_is_order_free(names: list[str]) -> None:
    """The same names in any order belong to the same number of people."""
    assert count_people(names, 5) == 2


def test_nicknames_are_symmetric() -> None:
    """If bob is a form of robert, robert is a form of bob."""
    for name, related in NICKNAMES.items():
        for other in related:
            assert name in NICKNAMES[other]


@given(st.text(alphabet="abcdefg ", max_size=20), st.text(alphabet="abcdefg ", max_size=20))
def test_same_person_name_is_symmetric(left: str, right: str) -> None:
    """The answer does not depend on which name comes first."""
    left, right = " ".join(left.split()), " ".join(right.split())
    assert same_person_name(left, right) == same_person_name(right, left)
