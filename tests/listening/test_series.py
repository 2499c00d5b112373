"""A bucket's top terms and posts: the fast selections agree with sorting everything."""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from omnicx.listening._series import TOP_POSTS, Bucket, _top

counts = st.dictionaries(st.text("abcdef", min_size=1, max_size=3), st.integers(1, 6), max_size=60)


@given(counts, st.integers(1, 20))
def test_top_terms_are_the_sorted_head_whatever_the_order(items: dict[str, int], n: int) -> None:
    plain = sorted(items.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
    assert _top(items, n) == plain
    assert _top(dict(reversed(list(items.items()))), n) == plain


@given(st.lists(st.tuples(st.integers(0, 5), st.text("xyz", min_size=1, max_size=2)), max_size=30))
def test_top_posts_keep_the_widest_reach_ties_by_key(posts: list[tuple[int, str]]) -> None:
    bucket = Bucket(0)
    for reach, key in posts:
        bucket.add(reach, 0, frozenset(), key)
    assert (
        bucket.posts == sorted([[r, k] for r, k in posts], key=lambda p: (-p[0], p[1]))[:TOP_POSTS]
    )
    assert bucket.count == len(posts)
    assert bucket.terms == Counter()


@given(st.dictionaries(st.text("abcdef", min_size=1, max_size=3), st.floats(0, 4), max_size=60))
def test_the_profile_order_is_sorting_by_value_then_token(profile: dict[str, float]) -> None:
    """The two stable sorts the profile is trimmed with give the plain sort's order."""
    from omnicx.listening._series import _by_count_then_token

    plain = sorted(profile.items(), key=lambda kv: (-kv[1], kv[0]))
    assert _by_count_then_token(list(profile.items())) == plain
    assert _by_count_then_token(list(reversed(list(profile.items())))) == plain


@given(counts, st.integers(1, 20), st.integers(1, 20))
def test_the_history_head_of_the_top_is_the_top_of_the_trimmed_bucket(
    items: dict[str, int], n: int, m: int
) -> None:
    """What a closed bucket keeps in history: the head of its top terms, as trimming it again."""
    bucket = Bucket(0, terms=Counter(items))
    top = _top(bucket.terms, max(n, m))
    closed = bucket.with_terms(top)
    assert closed == bucket.trimmed(max(n, m))
    assert closed.with_terms(top[: min(n, m)]) == closed.trimmed(min(n, m))
    assert list(closed.with_terms(top[: min(n, m)]).terms.items()) == list(
        closed.trimmed(min(n, m)).terms.items()
    )
