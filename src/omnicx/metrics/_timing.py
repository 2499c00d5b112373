"""One measured duration, in calendar and business seconds."""

from __future__ import annotations

from datetime import datetime

import attrs

from omnicx.metrics._config import BusinessTime


@attrs.frozen(kw_only=True)
class Timing:
    """A duration: whole calendar seconds, and business seconds when a calendar was given."""

    seconds: int
    business_seconds: int | None = None

    @classmethod
    def between(cls, start: datetime, end: datetime, calendar: BusinessTime | None) -> Timing:
        """The duration from ``start`` to ``end`` (whole seconds, rounded down)."""
        business = None if calendar is None else calendar.seconds_between(start, end)
        return cls(seconds=int((end - start).total_seconds()), business_seconds=business)
