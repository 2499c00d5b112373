"""Alerts, and the evidence each one carries: observed against expected, and what drives it."""

from __future__ import annotations

from datetime import datetime, timedelta

import attrs

from omnicx._frozen import frozen_seq
from omnicx.listening._topics import AlertKind, Sensitivity

__all__ = ["THRESHOLDS", "Alert", "Driver", "Threshold"]


@attrs.frozen(kw_only=True)
class Threshold:
    """How far a window must stand from its baseline for one sensitivity.

    ``z`` is the standardised distance; ``ratio`` the least observed/expected
    volume for a spike; ``rise`` the least rise of the negative share for a dip.
    """

    z: float
    ratio: float
    rise: float


THRESHOLDS: dict[Sensitivity, Threshold] = {
    Sensitivity.SENSITIVE: Threshold(z=3.0, ratio=1.3, rise=0.05),
    Sensitivity.BALANCED: Threshold(z=4.0, ratio=1.5, rise=0.10),
    Sensitivity.STRICT: Threshold(z=5.5, ratio=2.0, rise=0.15),
}
"""The thresholds behind each sensitivity."""


@attrs.frozen(kw_only=True)
class Driver:
    """A term or hashtag over an alert's window: how often it appeared, and how often the baseline expects."""

    token: str
    observed: int
    expected: float


@attrs.frozen(kw_only=True)
class Alert:
    """A volume spike or sentiment dip on one topic, with why it fired.

    For a spike, ``observed`` and ``expected`` are mentions over the window;
    for a dip, the negative share over the window and its baseline.
    ``score`` is the standardised distance, ``threshold`` the one it passed
    (or the floor that was reached, for a dip ``by_floor``). ``terms``,
    ``hashtags`` and ``posts`` (mention keys, ``network:id``, by reach) are
    what drives the window compared with the topic's baseline.
    """

    topic: str
    kind: AlertKind
    rule: int
    sensitivity: Sensitivity
    start: datetime
    end: datetime
    observed: float
    expected: float
    score: float
    threshold: float
    volume: int
    by_floor: bool = False
    terms: tuple[Driver, ...] = attrs.field(default=(), converter=frozen_seq)
    hashtags: tuple[Driver, ...] = attrs.field(default=(), converter=frozen_seq)
    posts: tuple[str, ...] = attrs.field(default=(), converter=frozen_seq)

    @property
    def key(self) -> str:
        """The alert's identity: topic, kind, rule and window start (``acme:volume_spike:0:2026-03-09T10:00``).

        The same alert of the same window always has the same key, so acting
        on it can be idempotent (the desk opens one case per key).
        """
        return f"{self.topic}:{self.kind.value}:{self.rule}:{self.start:%Y-%m-%dT%H:%M}"

    @property
    def severity(self) -> str:
        """``critical``, ``high`` or ``elevated``: how far past its threshold the alert is.

        A score at least twice its threshold is critical, 1.5 times high; a
        dip that reached its floor is high when its share is 25 points past
        the floor.
        """
        if self.by_floor:
            return "high" if self.observed >= self.threshold + 0.25 else "elevated"
        over = self.score / self.threshold if self.threshold > 0 else 1.0
        return "critical" if over >= 2.0 else "high" if over >= 1.5 else "elevated"

    @property
    def reason(self) -> str:
        """One sentence saying why, for a notification."""
        same_day = self.start.date() == (self.end - timedelta(microseconds=1)).date()
        end = f"{self.end:%H:%M}" if same_day else f"{self.end:%Y-%m-%d %H:%M}"
        span = f"{self.start:%Y-%m-%d %H:%M} to {end} UTC"
        if self.kind is AlertKind.VOLUME_SPIKE:
            what = (
                f"{self.observed:.0f} mentions against {self.expected:.1f} expected "
                f"(z {self.score:.1f} ≥ {self.threshold:.1f}, {self.sensitivity.value})"
            )
        elif self.by_floor:
            what = (
                f"negative share {self.observed:.0%} of {self.volume} mentions "
                f"reached the floor {self.threshold:.0%} (baseline {self.expected:.0%})"
            )
        else:
            what = (
                f"negative share {self.observed:.0%} of {self.volume} mentions against "
                f"{self.expected:.0%} expected (z {self.score:.1f} ≥ {self.threshold:.1f}, "
                f"{self.sensitivity.value})"
            )
        driving = ", ".join(d.token for d in (*self.terms[:3], *self.hashtags[:2]))
        return f"{self.topic}: {what}, {span}" + (f"; driven by {driving}" if driving else "")
