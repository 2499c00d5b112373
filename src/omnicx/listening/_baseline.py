"""The seasonal baseline of one count series: hour of day and hour of week, level and growth.

Counts are modelled on the Anscombe scale ``x = 2 * sqrt(y + 3/8)``, where a
Poisson count has variance close to 1 whatever its mean, so one residual
scale serves quiet and busy hours alike. The forecast for a bucket is

    level + trend + day[slot of day] + week[slot of week]

updated after each bucket in additive Holt-Winters error-correction form.
Residuals are clipped at ``CLIP`` standard deviations before they update
anything, so a burst barely moves the baseline while a lasting level shift
is absorbed within a few dozen buckets. The trend term lets the level follow
steady growth instead of lagging behind it.
"""

from __future__ import annotations

import math
from typing import Any

import attrs

__all__ = ["Knobs", "SeasonalBaseline", "expected_count"]

CLIP = 3.0


@attrs.frozen(kw_only=True)
class Knobs:
    """Smoothing rates of the baseline, per bucket (the defaults suit hourly buckets)."""

    level: float = 0.1
    trend: float = 0.02
    damping: float = 0.995
    day: float = 0.15
    week: float = 0.1
    variance: float = 0.02


def expected_count(x: float) -> float:
    """The count a forecast ``x`` on the Anscombe scale stands for."""
    return max(0.0, (x / 2.0) ** 2 - 0.375)


@attrs.define
class SeasonalBaseline:
    """Mutable baseline state; ``to_data``/``from_data`` make it a JSON value."""

    day_slots: int
    n: int = 0
    level: float = 0.0
    trend: float = 0.0
    var: float = 1.0
    day: list[float] = attrs.Factory(list)
    week: list[float] = attrs.Factory(list)

    def __attrs_post_init__(self) -> None:
        if not self.day:
            self.day = [0.0] * self.day_slots
        if not self.week:
            self.week = [0.0] * (7 * self.day_slots)

    def slots(self, bucket: int) -> tuple[int, int]:
        """The slot of day and slot of week of ``bucket`` (week slot 0 is Monday 00:00 UTC)."""
        # Bucket 0 starts on 1970-01-01, a Thursday: three days after a Monday.
        return bucket % self.day_slots, (bucket + 3 * self.day_slots) % (7 * self.day_slots)

    def forecast(self, bucket: int) -> float:
        """The expected value of ``bucket`` on the Anscombe scale."""
        if self.n == 0:
            return 0.0
        d, w = self.slots(bucket)
        return self.level + self.trend + self.day[d] + self.week[w]

    @property
    def sigma(self) -> float:
        """The residual standard deviation, never below Poisson's 1."""
        return max(1.0, math.sqrt(self.var))

    def update(self, bucket: int, count: int, knobs: Knobs) -> float:
        """Fold ``count`` in; return its residual against the forecast made before it."""
        x = 2.0 * math.sqrt(count + 0.375)
        if self.n == 0:
            self.n = 1
            self.level = x
            return 0.0
        d, w = self.slots(bucket)
        residual = x - (self.level + self.trend + self.day[d] + self.week[w])
        bound = CLIP * self.sigma
        e = min(bound, max(-bound, residual))
        self.level += self.trend + knobs.level * e
        self.trend = knobs.damping * self.trend + knobs.level * knobs.trend * e
        rest = (1.0 - knobs.level) * e
        self.day[d] += knobs.day * rest
        self.week[w] += knobs.week * rest
        self.var += knobs.variance * (e * e - self.var)
        self.n += 1
        return residual

    def to_data(self) -> dict[str, Any]:
        """JSON-ready data."""
        return {
            "n": self.n,
            "level": self.level,
            "trend": self.trend,
            "var": self.var,
            "day": list(self.day),
            "week": list(self.week),
        }

    @classmethod
    def from_data(cls, day_slots: int, data: dict[str, Any]) -> SeasonalBaseline:
        """Rebuild from ``to_data``'s output."""
        return cls(
            day_slots=day_slots,
            n=int(data["n"]),
            level=float(data["level"]),
            trend=float(data["trend"]),
            var=float(data["var"]),
            day=[float(v) for v in data["day"]],
            week=[float(v) for v in data["week"]],
        )
