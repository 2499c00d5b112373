"""What every section shares: the zone's name, hours, periods (day or week) and date axes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta

from omnicx.metrics import GroupMetrics, SlaTally
from omnicx.metrics._partial import tz_name
from omnicx.report._values import Dashboard

_WEEKLY_AFTER = 62  # days: longer periods are drawn by week


def zone(dashboard: Dashboard) -> str:
    """The name of the dashboard's time zone, as axis titles give it."""
    return tz_name(dashboard.tz) or str(dashboard.tz)


def hours(seconds: float | None) -> float | None:
    """Seconds as hours, for a chart axis (None stays None)."""
    return None if seconds is None else round(seconds / 3600, 3)


def weekly(dashboard: Dashboard) -> bool:
    """True when the period is long enough to be drawn by week rather than by day."""
    first = dashboard.first
    return first is not None and (dashboard.now - first) > timedelta(days=_WEEKLY_AFTER)


def period(dashboard: Dashboard) -> tuple[str, Callable[[str], str]]:
    """The period axis' title, and the period (day, or week's Monday) of an ISO day."""
    if weekly(dashboard):

        def monday(day: str) -> str:
            d = date.fromisoformat(day)
            return (d - timedelta(days=d.weekday())).isoformat()

        return f"Week starting ({zone(dashboard)})", monday
    return f"Day ({zone(dashboard)})", lambda day: day


DAY_MS = 86_400_000
"""One day in milliseconds (plotly's date unit)."""


def date_axis(dashboard: Dashboard, points: int) -> dict[str, object]:
    """A date x axis labelled with day, month and year; one tick per period when few."""
    axis: dict[str, object] = {"type": "date", "tickformat": "%-d %b %Y"}
    if points <= 14:
        axis["dtick"] = DAY_MS * (7 if weekly(dashboard) else 1)
    return axis


def per_period(dashboard: Dashboard) -> dict[str, list[GroupMetrics]]:
    """The daily groups, gathered per drawn period (day or week), in time order."""
    _, bucket = period(dashboard)
    found: dict[str, list[GroupMetrics]] = {}
    for (day, _), group in dashboard.daily.groups.items():
        found.setdefault(bucket(day), []).append(group)
    return {key: found[key] for key in sorted(found)}


def sla_total(sla: Mapping[str, SlaTally]) -> SlaTally:
    """Every target's outcomes together."""
    return SlaTally(
        achieved=sum(t.achieved for t in sla.values()),
        breached=sum(t.breached for t in sla.values()),
    )


def percent_of(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` in percent, one decimal; None when ``whole`` is 0."""
    return round(100 * part / whole, 1) if whole else None
