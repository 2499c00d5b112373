"""Telling spellings of one person's name from the names of two people."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicx import _caches
from omnicx.identity._names import (
    MAX_NAMES_COMPARED,
    NameKey,
    count_people,
    name_key,
    nickname_forms,
    same_person_name,
)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Mitchell, Justin", "Justin Mitchell"),
        ("Robinson Josh", "Josh Robinson"),
        ("P. Moses", "P Moses"),
        ("P. Moses", "Paul Moses"),
        ("P Moses", "Paul Moses"),
        ("Lori C.", "Lori Carter"),
        ("🌸 Karen", "Karen"),
        ("Dr. José Núñez Jr.", "jose nunez"),
        ("Bob Smith", "Robert Smith"),
        ("Liz Taylor", "Elizabeth Taylor"),
        ("robert smith", "robert smtih"),
        ("kate robinson", "kathy robinson"),
        ("maggiie hoffmann", "margaret hoffmann"),
        ("r smith", "robert smith"),
        ("smith", "robert smith"),
        ("alice taaylor", "alice talyor"),
        ("Jim Russo", "Jamie Ruso"),
        ("Smith-Jones, Ann", "Ann Smith"),
        ("José Núñez García", "Jose Nunez"),
        ("J.R.R. Tolkien", "John Tolkien"),
        ("Mr. Bob", "Bob Smith"),
        ("Владимир Петров", "Vladimir Petrov"),
        ("张伟", "Zhang Wei"),
        ("Karen (work)", "Karen Walker"),
        ("Robert (Bob) Smith", "Bob Smith"),
        ("Ann [billing]", "Ann Lee"),
        ("Michael", "Dr. M. Taylor"),
        ("Emma", "E. SMITH"),
        ("Bob", "R. Smith"),
        ("(Karen)", "Karen"),
    ],
)
def test_one_persons_names(left: str, right: str) -> None:
    """Order, titles, initials, nicknames, typos, scripts and emoji: one person."""
    assert same_person_name(left, right)
    assert same_person_name(right, left)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Maria Becker", "Lucas Becker"),
        ("John Smith", "Jane Smith"),
        ("Anna Kowalski", "Anna Nowak"),
        ("maria becker", "maria lopez"),
        ("ed smith", "al smith"),
        ("bob smith", "maria"),
        ("Paul Moses", "Peter Moses"),
        ("P. Moses", "L. Moses"),
        ("J. S.", "John Smith"),
        ("Smith, John", "Smith, Jane"),
        ("🌸", "Karen"),
        ("Karen (work)", "Justin Walker"),
        ("Emma", "L. Smith"),
    ],
)
def test_two_peoples_names(left: str, right: str) -> None:
    """Different given or family names, two initials, no name at all: not one person."""
    assert not same_person_name(left, right)
    assert not same_person_name(right, left)


def test_name_key_reads_the_parts() -> None:
    """Titles and suffixes go, the comma says the order, case and accents fold."""
    assert name_key("Dr. José Núñez Jr.") == NameKey(given="jose", family=("nunez",))
    assert name_key("Mitchell, Justin") == NameKey(
        given="justin", family=("mitchell",), ordered=True
    )
    assert name_key("Anna Maria Kowalski").middle == ("maria",)
    assert name_key("Smith-Jones, Ann").family == ("smith", "jones")
    assert name_key("🌸 -- !").empty
    assert name_key("  JANE   doe ") == name_key("jane doe")


def test_nickname_forms_go_both_ways() -> None:
    """The nicknames data set, read in both directions."""
    assert "robert" in nickname_forms("bob")
    assert "bob" in nickname_forms("robert")
    assert "elizabeth" in nickname_forms("liz")


def test_count_people_stops_past_the_limit() -> None:
    """Counting stops at limit + 1; one person means every name matches every other."""
    assert count_people(["jim russo", "james russo", "jamie ruso"], 1) == 1
    assert count_people(["ana lima", "ben okafor", "chloe martin", "dan ivanov"], 1) == 2
    assert count_people([f"name{i} x" for i in range(MAX_NAMES_COMPARED + 1)], 5) == 6
    assert count_people([], 1) == 0
    assert count_people(["🌸", "", "Karen"], 1) == 1
    # "P Moses" could be either, but Paul and Peter are two people.
    assert count_people(["P Moses", "Paul Moses", "Peter Moses"], 3) == 2


def test_name_caches_are_emptied_by_erasure() -> None:
    """Parsed names are personal data: the caches are registered and cleared."""
    same_person_name("Ottilie Quenby", "O. Quenby")
    caches = {r.name: r for r in _caches.registered()}
    keys = caches["omnicx.identity._names.name_key"]
    assert keys.personal
    assert name_key.cache_info().currsize > 0  # type: ignore[attr-defined]
    _caches.clear_personal()
    assert name_key.cache_info().currsize == 0  # type: ignore[attr-defined]


_NAMES = st.sampled_from(
    [
        "r smith", "Bob Smith", "Robert Smith", "bobby smith", "Smith, Robert", "ann lee",
        "Lee Ann", "P. Moses", "Paul Moses", "Peter Moses", "🌸 Karen", "Karen", "K Lopez",
        "Karen Lopez", "Maria Becker", "Lucas Becker", "", "Dr. José Núñez Jr.", "jose nunez",
    ]
)  # fmt: skip


@given(st.lists(_NAMES, max_size=8), st.randoms(use_true_random=False))
def test_count_people_is_order_free(names: list[str], rnd: object) -> None:
    """The same names in any order belong to the same number of people."""
    shuffled = list(names)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    for limit in (1, 2, 5):
        assert count_people(names, limit) == count_people(shuffled, limit)


@given(_NAMES | st.text(max_size=20), _NAMES | st.text(max_size=20))
def test_same_person_name_is_symmetric(left: str, right: str) -> None:
    """The answer does not depend on which name comes first."""
    assert same_person_name(left, right) == same_person_name(right, left)
