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


def _own(values: Iterable[float]) -> list[float]:
    # A private copy: add_pending empties the list in place.
    return list(values)


@attrs.define
class Distribution:
    """Accumulates non-negative values; ``merge`` combines partitions.

    Stateful by design (a frozen value copied per sample would be quadratic);
    ``summary()`` returns the frozen figures. Once past ``EXACT_LIMIT`` values
    it keeps bucket counts, folding new values in by batches.
    """

    values: list[float] = attrs.field(factory=list, converter=_own)
    """Every value while exact; once sketched, the values not yet counted into buckets."""
    buckets: dict[int, int] | None = None
    """None while exact; the sketch's bucket counts once past ``EXACT_LIMIT``."""
    sketched_count: int = 0
    sketched_total: float = 0

    @property
    def count(self) -> int:
        """How many values were added."""
        return self.sketched_count + len(self.values)

    @property
    def total(self) -> float:
        """The sum of the values added."""
        return self.sketched_total + sum(self.values)

    def add(self, value: float) -> None:
        """Add one value (must be non-negative)."""
        values = self.values
        values.append(value)
        if len(values) > EXACT_LIMIT:
            self.add_pending()

    def extend(self, values: Iterable[float]) -> None:
        """Add many values."""
        for value in values:
            self.add(value)

    def merge(self, other: Distribution) -> Distribution:
        """Return a new distribution holding both inputs' values; neither input changes."""
        merged = Distribution(
            values=self.values + other.values,
            sketched_count=self.sketched_count + other.sketched_count,
            sketched_total=self.sketched_total + other.sketched_total,
        )
        if self.buckets is not None or other.buckets is not None:
            merged.buckets = merge_buckets(self.buckets or {}, other.buckets or {})
        if merged.buckets is not None or len(merged.values) > EXACT_LIMIT:
            merged.add_pending()
        return merged

    def summary(self) -> Summary:
        """The frozen figures: count, total, mean, median, p90, p95."""
        if self.buckets is None and len(self.values) <= EXACT_LIMIT:
            self.values.sort()  # in place: later sorts of a sorted list are cheap
        else:
            # Also a list a caller appended to past EXACT_LIMIT without add().
            self.add_pending()
        count, total = self.count, self.total
        if count == 0:
            return Summary()
        return Summary(
            count=count,
            total=total,
            mean=total / count,
            median=self._quantile(0.5),
            p90=self._quantile(0.9),
            p95=self._quantile(0.95),
            exact=self.buckets is None,
        )

    def _quantile(self, q: float) -> float:
        rank = math.floor(q * (self.count - 1))
        if self.buckets is None:
            return self.values[rank]
        return value_at_rank(self.buckets, rank)

    def add_pending(self) -> None:
        """Count the pending values into the sketch (switching to it if still exact)."""
        # The sketch of a set of values does not depend on when they were
        # counted in, so batching keeps merges exact.
        if self.buckets is None:
            self.buckets = {}
        add_to_buckets(self.buckets, self.values)
        self.sketched_count += len(self.values)
        self.sketched_total += sum(self.values)
        # Emptied in place: a holder of ``values.append`` keeps feeding this list.
        self.values.clear()
