"""Distributions: exact small groups, a sketch with a 1% bound for large ones, exact merges."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicx.metrics import DEFAULT_RELATIVE_ERROR, EXACT_LIMIT, Distribution, Summary


def _of(values: list[float]) -> Distribution:
    distribution = Distribution()
    distribution.extend(values)
    return distribution


def test_empty_distribution_has_no_figures() -> None:
    """Nothing measured: count 0 and null mean and quantiles, never zero."""
    assert Distribution().summary() == Summary()
    assert Summary().mean is None


def test_small_groups_are_exact_with_lower_order_statistics() -> None:
    """Quantiles are the order statistic at floor(q * (n - 1))."""
    summary = _of([5, 1, 4, 2, 3]).summary()
    assert summary == Summary(count=5, total=15, mean=3, median=3, p90=4, p95=4, exact=True)
    assert _of([1, 2]).summary().median == 1


def test_large_groups_switch_to_the_sketch_within_its_error_bound() -> None:
    """Past EXACT_LIMIT values, quantiles are within 1% of the exact order statistic."""
    rng = random.Random(7)
    values = [rng.lognormvariate(6, 2) for _ in range(EXACT_LIMIT * 3)] + [0.0] * 50
    summary = _of(values).summary()
    assert not summary.exact
    assert summary.count == len(values)
    assert summary.total == pytest.approx(sum(values))
    ordered = sorted(values)
    for q, got in ((0.5, summary.median), (0.9, summary.p90), (0.95, summary.p95)):
        truth = ordered[math.floor(q * (len(values) - 1))]
        assert got is not None
        assert abs(got - truth) <= DEFAULT_RELATIVE_ERROR * truth


def test_zeros_stay_exact_in_the_sketch() -> None:
    """A sketch reports zero for zero values, not a bucket estimate."""
    summary = _of([0.0] * (EXACT_LIMIT + 1)).summary()
    assert (summary.median, summary.exact) == (0.0, False)


values_lists = st.lists(
    st.lists(st.integers(0, 10**6), max_size=EXACT_LIMIT // 2 + 200), min_size=1, max_size=5
)


@given(values_lists, st.randoms())
def test_merging_parts_in_any_grouping_equals_the_whole(
    parts: list[list[int]], rng: random.Random
) -> None:
    """Merge is associative and commutative, also across the exact-to-sketch switch."""
    whole = _of([v for part in parts for v in part]).summary()
    partials = [_of(part) for part in parts]
    while len(partials) > 1:
        rng.shuffle(partials)
        partials.append(partials.pop().merge(partials.pop()))
    assert partials[0].summary() == whole


def test_merge_leaves_inputs_unchanged() -> None:
    """merge returns a new distribution."""
    left, right = _of([1, 2]), _of([3])
    assert left.merge(right).summary().count == 3
    assert (left.count, right.count) == (2, 1)


def test_sketch_rank_out_of_range() -> None:
    """Asking a sketch for a rank it doesn't hold is a programming error."""
    from omnicx.metrics._sketch import value_at_rank

    with pytest.raises(IndexError, match="rank 3 is outside a sketch of 1 values"):
        value_at_rank({1: 1}, 3)


def test_merging_sketched_distributions() -> None:
    """Two sketched partials merge into the sketch of all their values."""
    left_values = list(range(1, EXACT_LIMIT + 10))
    right_values = list(range(5, EXACT_LIMIT + 20))
    merged = _of(left_values).merge(_of(right_values))
    assert merged.summary() == _of(left_values + right_values).summary()
    assert not merged.summary().exact
