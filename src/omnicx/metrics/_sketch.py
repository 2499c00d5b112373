"""Log-bucket quantile sketch arithmetic (DDSketch style), as pure functions.

Values fall into logarithmic buckets: bucket ``i`` holds the values in
``(gamma**(i-1), gamma**i]`` with ``gamma = (1 + alpha) / (1 - alpha)``, and
reports ``2 * gamma**i / (gamma + 1)`` for them. Every value in the bucket is
then within ``alpha`` relative error of the reported one (Masson, Rim and Lee,
"DDSketch", VLDB 2019, section 2). Bucket counts add, so merging two sketches
is exact, associative and commutative: the sketch of a union is the sum of
the sketches of its parts, whatever the grouping. Zeros are counted apart.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping

DEFAULT_RELATIVE_ERROR = 0.01
"""The sketch's ``alpha``: a quantile read from a sketch is within 1% of the true one."""

_LOG_GAMMA = math.log((1 + DEFAULT_RELATIVE_ERROR) / (1 - DEFAULT_RELATIVE_ERROR))
_GAMMA = math.exp(_LOG_GAMMA)


_SAMPLE = 256


def add_to_buckets(buckets: dict[int, int], values: Iterable[float]) -> None:
    """Count each value into its bucket; zero (and anything below) has a bucket of its own."""
    log, ceil, scale = math.log, math.ceil, 1 / _LOG_GAMMA
    values = list(values)
    # Both ways count the same buckets; a sample picks the cheaper one.
    if len(set(values[:_SAMPLE])) * 2 > min(len(values), _SAMPLE):
        # Mostly distinct: a comprehension plus Counter keeps the work in C.
        indexes = Counter([ceil(log(v) * scale) if v > 0 else _ZERO for v in values])
    else:
        # Many repeats (whole seconds, reply counts): one bucket lookup per distinct value.
        indexes = Counter()
        for value, count in Counter(values).items():
            indexes[ceil(log(value) * scale) if value > 0 else _ZERO] += count
    for index, count in indexes.items():
        buckets[index] = buckets.get(index, 0) + count


def merge_buckets(left: Mapping[int, int], right: Mapping[int, int]) -> dict[int, int]:
    """Return the bucket counts of both inputs (counts add)."""
    merged = dict(left)
    for index, count in right.items():
        merged[index] = merged.get(index, 0) + count
    return merged


def value_at_rank(buckets: Mapping[int, int], rank: int) -> float:
    """The sketch's estimate of the ``rank``-th smallest value (0-based)."""
    seen = 0
    for index in sorted(buckets):
        seen += buckets[index]
        if rank < seen:
            return 0.0 if index == _ZERO else 2 * _GAMMA**index / (_GAMMA + 1)
    raise IndexError(f"rank {rank} is outside a sketch of {seen} values")


# Zeros sort below every real bucket: log-buckets of values >= 1e-300 stay far above.
_ZERO = -(10**9)
