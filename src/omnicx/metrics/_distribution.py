"""Mergeable distributions: count, sum, mean, median, p90, p95.

Small groups keep every value, so their quantiles are exact; past
``EXACT_LIMIT`` values a group switches to a log-bucket sketch whose
quantiles are within ``DEFAULT_RELATIVE_ERROR`` (1%) of the true ones. The
switch depends only on the count, and the sketch of a union equals the merge
of the parts' sketches, so merging partitions in any grouping gives the same
figures as computing the whole.

Quantile definition: the order statistic at rank ``floor(q * (n - 1))``
(numpy and pandas ``interpolation="lower"``), so every reported quantile is a
value that was observed (or, from a sketch, within 1% of one).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import attrs

from omnicx.metrics._sketch import add_to_buckets, merge_buckets, value_at_rank

EXACT_LIMIT = 2048
"""Groups with at most this many values report exact quantiles."""


@attrs.frozen(kw_only=True)
class Summary:
    """Figures of one distribution; mean and quantiles are None when it is empty.

    ``exact`` is False when quantiles came from the sketch (within
    ``omnicx.metrics.DEFAULT_RELATIVE_ERROR`` of the true order statistic);
    count, total and mean are always exact.
    """

    count: int = 0
    total: float = 0
    mean: float | None = None
    median: float | None = None
    p90: float | None = None
    p95: float | None = None
    exact: bool = True


@attrs.define
class Distribution:
    """Accumulates non-negative values; ``merge`` combines partitions.

    Stateful by design (a frozen value copied per sample would be quadratic);
    ``summary()`` returns the frozen figures.
    """

    count: int = 0
    total: float = 0
    values: list[float] | None = attrs.field(factory=list)
    buckets: dict[int, int] = attrs.field(factory=dict)

    def add(self, value: float) -> None:
        """Add one value (must be non-negative)."""
        self.count += 1
        self.total += value
        if self.values is None:
            add_to_buckets(self.buckets, (value,))
            return
        self.values.append(value)
        if len(self.values) > EXACT_LIMIT:
            self._to_sketch()

    def extend(self, values: Iterable[float]) -> None:
        """Add many values."""
        for value in values:
            self.add(value)

    def merge(self, other: Distribution) -> Distribution:
        """Return a new distribution holding both inputs' values; neither input changes."""
        merged = Distribution(count=self.count + other.count, total=self.total + other.total)
        if self.values is not None and other.values is not None:
            merged.values = self.values + other.values
            if len(merged.values) > EXACT_LIMIT:
                merged._to_sketch()
        else:
            merged.values = None
            merged.buckets = merge_buckets(self._as_buckets(), other._as_buckets())
        return merged

    def summary(self) -> Summary:
        """The frozen figures: count, total, mean, median, p90, p95."""
        if self.count == 0:
            return Summary()
        if self.values is not None:
            self.values.sort()  # in place: later sorts of a sorted list are cheap
        return Summary(
            count=self.count,
            total=self.total,
            mean=self.total / self.count,
            median=self._quantile(0.5),
            p90=self._quantile(0.9),
            p95=self._quantile(0.95),
            exact=self.values is not None,
        )

    def _quantile(self, q: float) -> float:
        rank = math.floor(q * (self.count - 1))
        if self.values is not None:
            return self.values[rank]
        return value_at_rank(self.buckets, rank)

    def _as_buckets(self) -> dict[int, int]:
        if self.values is None:
            return self.buckets
        buckets: dict[int, int] = {}
        add_to_buckets(buckets, self.values)
        return buckets

    def _to_sketch(self) -> None:
        self.buckets = self._as_buckets()
        self.values = None
