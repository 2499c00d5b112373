"""A running total of open seconds per date, so positions are O(log n) lookups.

``cum[k]`` is the number of open seconds before the window of date
``origin + k``, counted from the first date ever indexed (earlier dates have
negative totals), so a position never changes once computed. The index grows lazily to cover whatever dates are asked
about, one date at a time, so the work stays proportional to the days a
calendar has ever been asked about. A lock keeps a calendar shared between
threads consistent while the index grows.
"""

from __future__ import annotations

import bisect
import threading
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
    _lock: threading.RLock = attrs.field(factory=threading.RLock, init=False)

    def _total(self, ordinal: int) -> int:
        return sum(b - a for a, b in self.spans_of(date.fromordinal(ordinal)))

    def cover(self, day: date) -> int:
        """Make sure ``day`` and the day after are indexed; return ``day``'s index."""
        with self._lock:
            return self._cover(day)

    def _cover(self, day: date) -> int:
        ordinal = day.toordinal()
        if not self.cum:
            self.origin, self.cum = ordinal, [0]
        if ordinal < self.origin:
            # Rare: a date before any seen so far. Earlier dates get negative
            # totals, so positions already handed out stay valid.
            head: list[int] = []
            running = self.cum[0]
            for o in range(self.origin - 1, ordinal - 1, -1):
                running -= self._total(o)
                head.append(running)
            self.cum = head[::-1] + self.cum
            self.origin = ordinal
        while self.origin + len(self.cum) - 1 <= ordinal + 1:
            self.cum.append(self.cum[-1] + self._total(self.origin + len(self.cum) - 1))
        return ordinal - self.origin

    def position(self, day: date, epoch: int) -> int:
        """Open seconds before ``epoch``, counted from the index origin (``epoch`` in ``day``)."""
        with self._lock:
            i = self._cover(day)  # may replace ``cum``: read it after
            before = self.cum[i]
        for a, b in self.spans_of(day):
            if a >= epoch:
                break
            before += (b if b < epoch else epoch) - a
        return before

    def locate(self, goal: int) -> tuple[date, int]:
        """The date holding open second number ``goal`` (1-based) and how far into it."""
        with self._lock:
            while self.cum[-1] < goal:
                self.cum.append(self.cum[-1] + self._total(self.origin + len(self.cum) - 1))
            k = bisect.bisect_left(self.cum, goal) - 1
            return date.fromordinal(self.origin + k), goal - self.cum[k]
