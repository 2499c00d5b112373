"""The decoded-row cache: the same values as decoding each time, bounded by rows and bytes."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from omnicx import serde
from omnicx.identity import Link
from omnicx.storage._decoded import DecodedRows


def _text(link: Link) -> str:
    return json.dumps(serde.to_dict(link))


links = st.builds(
    Link,
    key=st.text(min_size=1, max_size=20).map(lambda s: f"email:{s}"),
    profile_ids=st.lists(st.from_regex(r"p[0-9]{1,4}", fullmatch=True), min_size=1, max_size=3).map(
        tuple
    ),
)


@given(st.lists(links, max_size=30), st.integers(min_value=1, max_value=8))
def test_cached_reads_equal_plain_decoding_and_stay_in_bounds(
    values: list[Link], max_entries: int
) -> None:
    """Whatever was read before, a read gives what decoding the text gives."""
    cache = DecodedRows(max_entries=max_entries, max_text=400)
    for value in [*values, *reversed(values)]:
        text = _text(value)
        assert cache.load(Link, text) == serde.from_dict(Link, json.loads(text)) == value
        assert len(cache) <= max_entries
        assert cache.text_size <= 400


def test_a_hit_is_the_same_object_and_a_rewritten_row_is_a_miss() -> None:
    cache = DecodedRows()
    first = Link(key="email:a@x.example", profile_ids=("p1",))
    cache.remember(first, _text(first))
    assert cache.load(Link, _text(first)) is first
    moved = Link(key="email:a@x.example", profile_ids=("p2",))
    assert cache.load(Link, _text(moved)) == moved


def test_text_bigger_than_the_budget_is_decoded_each_time_and_never_kept() -> None:
    cache = DecodedRows(max_text=50)
    big = Link(key="email:" + "a" * 60 + "@x.example", profile_ids=("p1",))
    assert cache.load(Link, _text(big)) == big
    assert (len(cache), cache.text_size) == (0, 0)


def test_the_oldest_rows_go_first_when_the_bytes_run_out() -> None:
    values = [Link(key=f"email:c{i}@x.example", profile_ids=("p1",)) for i in range(10)]
    size = len(_text(values[0]))
    cache = DecodedRows(max_text=3 * size)
    for value in values:
        cache.load(Link, _text(value))
    assert len(cache) == 3
    assert cache.text_size == 3 * size
    kept = cache.load(Link, _text(values[-1]))
    assert kept is cache.load(Link, _text(values[-1]))  # still cached: the newest stayed
    cache.clear()
    assert (len(cache), cache.text_size) == (0, 0)
