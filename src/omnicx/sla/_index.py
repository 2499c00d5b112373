"""A running total of open seconds per date, so positions are O(log n) lookups.

``cum[k]`` is the number of open seconds before the window of date
``origin + k``. The index grows lazily to cover whatever dates are asked
about, one date at a time, so the work stays proportional to the days a
calendar has ever been asked about.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from datetime import date

import attrs

from omnicx.sla._zone import Span


@attrs.define
class OpenIndex:
    """Cumulative open seconds per date for one calendar (private, mutable cache)."""

    spans_of: Callable[[date], tuple[Span, ...]]
    origin: int = 0
    cum: list[int] = attrs.Factory(list)

    def _total(self, ordinal: int) -> int:
        return sum(b - a for a, b in self.spans_of(date.fromordinal(ordinal)))

    def cover(self, day: date) -> int:
        """Make sure ``day`` and the day after are indexed; return ``day``'s index."""
        ordinal = day.toordinal()
        if not self.cum:
            self.origin, self.cum = ordinal, [0]
        if ordinal < self.origin:
            # Rare: a date before any seen so far. Re-base the totals.
            totals = [self._total(o) for o in range(ordinal, self.origin)]
            head = [0]
            for t in totals:
                head.append(head[-1] + t)
            shift = head[-1]
            self.cum = head[:-1] + [c + shift for c in self.cum]
            self.origin = ordinal
        while self.origin + len(self.cum) - 1 <= ordinal + 1:
            self.cum.append(self.cum[-1] + self._total(self.origin + len(self.cum) - 1))
        return ordinal - self.origin

    def position(self, day: date, epoch: int) -> int:
        """Open seconds before ``epoch``, counted from the index origin (``epoch`` in ``day``)."""
        i = self.cover(day)
        return self.cum[i] + sum(min(b, epoch) - a for a, b in self.spans_of(day) if a < epoch)

    def locate(self, goal: int) -> tuple[date, int]:
        """The date holding open second number ``goal`` (1-based) and how far into it."""
        while self.cum[-1] < goal:
            self.cum.append(self.cum[-1] + self._total(self.origin + len(self.cum) - 1))
        k = bisect.bisect_left(self.cum, goal) - 1
        return date.fromordinal(self.origin + k), goal - self.cum[k]
