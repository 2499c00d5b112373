"""Person-record matching: field weights, blocking, deduplicate and link."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicx.errors import ValidationError
from omnicx.identity import (
    DEFAULT_PERSON_MATCHER,
    BlockingKey,
    Comparator,
    FieldComparison,
    PersonMatcher,
    PersonRecord,
)


def person(rid: str, **fields: str) -> PersonRecord:
    return PersonRecord(record_id=rid, fields=fields)


ANNA = person(
    "a",
    given_name="Anna",
    surname="Müller",
    date_of_birth="19800412",
    national_id="1234567",
    street_number="12",
    street="Wallaby Place",
    locality="Cleveland",
    postcode="2119",
    region="SA",
)


def test_same_person_with_typos_matches() -> None:
    """A copy with a name typo, a date digit swap and a joined street still matches."""
    copy = person(
        "b",
        given_name="anna",
        surname="muler",
        date_of_birth="19800421",
        national_id="1234567",
        street_number="12",
        street="wallabyplace",
        locality="cleveland",
        postcode="2119",
        region="sa",
    )
    match = DEFAULT_PERSON_MATCHER.score(ANNA, copy)
    assert match.weight >= DEFAULT_PERSON_MATCHER.threshold
    assert [m.right_id for m in DEFAULT_PERSON_MATCHER.deduplicate([ANNA, copy])] == ["b"]


def test_namesake_elsewhere_does_not_match() -> None:
    """The same name with another birth date, id and address stays apart."""
    other = person(
        "b",
        given_name="Anna",
        surname="Müller",
        date_of_birth="19621130",
        national_id="9876543",
        street_number="3",
        street="Hoseason Street",
        locality="Granville",
        postcode="4881",
        region="NSW",
    )
    assert DEFAULT_PERSON_MATCHER.score(ANNA, other).weight < DEFAULT_PERSON_MATCHER.threshold
    assert DEFAULT_PERSON_MATCHER.deduplicate([ANNA, other]) == []


def test_missing_fields_count_for_nothing() -> None:
    """Only the fields both records have appear in the parts; the rest add 0."""
    sparse = person("b", given_name="Anna", surname="Muller")
    match = DEFAULT_PERSON_MATCHER.score(ANNA, sparse)
    assert [p.field for p in match.parts] == ["given_name", "surname"]
    assert match.weight == 4.0 + 5.0  # accents and case fold away: both agree


def test_close_level_and_disagree_level() -> None:
    """A similarity at or above close_at scores close; below it scores disagree."""
    rule = FieldComparison(
        field="code", comparator=Comparator.CODE, agree=4.0, close=1.0, close_at=0.75, disagree=-2.0
    )
    matcher = PersonMatcher(comparisons=(rule,), blocking=(BlockingKey(fields=("code",)),))
    near = matcher.score(person("x", code="1234"), person("y", code="1243"))
    far = matcher.score(person("x", code="1234"), person("y", code="9876"))
    assert (near.weight, near.parts[0].similarity) == (1.0, 0.75)
    assert far.weight == -2.0


def test_exact_and_text_comparators() -> None:
    """EXACT is all or nothing; TEXT ignores word order (similarity 1: agree)."""
    rules = (
        FieldComparison(field="n", comparator=Comparator.EXACT, agree=2.0, disagree=-1.0),
        FieldComparison(field="s", comparator=Comparator.TEXT, agree=3.0, close=1.0, close_at=0.9),
    )
    matcher = PersonMatcher(comparisons=rules, blocking=(BlockingKey(fields=("n",)),))
    match = matcher.score(
        person("x", n="12", s="main street"), person("y", n="12a", s="street main")
    )
    assert [(p.field, p.weight) for p in match.parts] == [("n", -1.0), ("s", 3.0)]


def test_link_never_pairs_within_one_side() -> None:
    """link compares left with right only; the left record comes first."""
    twin = person("a2", **dict(ANNA.fields))
    copy = person("b", **dict(ANNA.fields))
    found = DEFAULT_PERSON_MATCHER.link([ANNA, twin], [copy])
    assert [(m.left_id, m.right_id) for m in found] == [("a", "b"), ("a2", "b")]


def test_unblocked_pairs_are_never_compared() -> None:
    """Two records sharing no blocking key are not compared, however similar."""
    matcher = PersonMatcher(
        comparisons=DEFAULT_PERSON_MATCHER.comparisons,
        blocking=(BlockingKey(fields=("national_id",)),),
    )
    copy = person("b", **{**ANNA.fields, "national_id": "7654321"})
    assert matcher.deduplicate([ANNA, copy]) == []


def test_prefix_blocking_key() -> None:
    """A prefix keeps the leading characters; a missing part means no key."""
    key = BlockingKey(fields=("surname", "given_name"), prefixes=(3, 1))
    assert key.key({"surname": "muller", "given_name": "anna"}) == ("mul", "a")
    assert key.key({"surname": "muller"}) is None


def test_oversized_blocks_are_skipped() -> None:
    """A key shared by more than max_block records makes no pairs."""
    rule = FieldComparison(field="x", comparator=Comparator.EXACT, agree=9.0)
    matcher = PersonMatcher(
        comparisons=(rule,), blocking=(BlockingKey(fields=("x",)),), max_block=2
    )
    rows = [person(str(i), x="same") for i in range(3)]
    assert matcher.deduplicate(rows) == []
    assert len(matcher.deduplicate(rows[:2])) == 1
    assert matcher.link(rows[:2], rows[2:]) == []
    assert len(matcher.link(rows[:1], rows[2:])) == 1


def test_invalid_configuration_is_refused() -> None:
    """Weights out of order, close_at out of 0..1, no blocking or a tiny max_block."""
    with pytest.raises(ValidationError) as bad:
        FieldComparison(field="x", comparator=Comparator.NAME, agree=1.0, close=2.0)
    assert str(bad.value) == "close: weights must satisfy disagree <= close <= agree"
    with pytest.raises(ValidationError) as bad:
        FieldComparison(field="x", comparator=Comparator.NAME, agree=1.0, close_at=1.5)
    assert str(bad.value) == "close_at: must be between 0 and 1, got 1.5"
    with pytest.raises(ValidationError) as bad:
        PersonMatcher(comparisons=(), blocking=())
    assert str(bad.value) == "blocking: needs at least one blocking key"
    with pytest.raises(ValidationError) as bad:
        PersonMatcher(comparisons=(), blocking=(BlockingKey(fields=("x",)),), max_block=1)
    assert str(bad.value) == "max_block: must be at least 2, got 1"


FIELD_VALUES = st.dictionaries(
    st.sampled_from([c.field for c in DEFAULT_PERSON_MATCHER.comparisons]),
    st.text(alphabet="abcdé 0123-", max_size=8),
    max_size=9,
)


@given(FIELD_VALUES, FIELD_VALUES)
def test_score_is_symmetric(a: dict[str, str], b: dict[str, str]) -> None:
    """Swapping the two records never changes the weight."""
    left, right = PersonRecord(record_id="l", fields=a), PersonRecord(record_id="r", fields=b)
    forward = DEFAULT_PERSON_MATCHER.score(left, right)
    backward = DEFAULT_PERSON_MATCHER.score(right, left)
    assert forward.weight == pytest.approx(backward.weight)
    assert [p.field for p in forward.parts] == [p.field for p in backward.parts]


@given(st.lists(FIELD_VALUES, max_size=6))
def test_deduplicate_ignores_input_order(rows: list[dict[str, str]]) -> None:
    """The matched pairs do not depend on the order of the records."""
    records = [PersonRecord(record_id=str(i), fields=f) for i, f in enumerate(rows)]
    forward = DEFAULT_PERSON_MATCHER.deduplicate(records)
    backward = DEFAULT_PERSON_MATCHER.deduplicate(list(reversed(records)))
    assert {frozenset((m.left_id, m.right_id)) for m in forward} == {
        frozenset((m.left_id, m.right_id)) for m in backward
    }
