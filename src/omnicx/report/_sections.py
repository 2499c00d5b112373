"""The dashboard's sections in page order, and the headline figures above them.

Each section is built from a ``Dashboard`` by its own function
(``_trends``: over time; ``_groups``: by group); durations are drawn in
hours and written as people read them (``2h 05m``), shares as percentages.
"""

from __future__ import annotations

from omnicx.cli._human import duration, percent
from omnicx.report._axes import sla_total, weekly, zone
from omnicx.report._groups import durations, stalls, topics, week_hours
from omnicx.report._page import Card, Section
from omnicx.report._phone import calls
from omnicx.report._trends import backlog, satisfaction, sla, volume
from omnicx.report._values import Dashboard

__all__ = ["cards", "sections", "weekly", "zone"]


def cards(dashboard: Dashboard) -> list[Card]:
    """The headline figures."""
    totals = dashboard.totals
    first, resolution = totals.durations["first_reply"], totals.durations["full_resolution"]
    sla = sla_total(totals.sla)
    open_now = dashboard.backlog[-1].open if dashboard.backlog else 0
    nps = totals.nps.score
    return [
        Card(label="Conversations", value=str(totals.conversations),
             detail=f"{totals.solved} solved or closed"),
        Card(label="Open now", value=str(open_now), detail="in an active status"),
        Card(label="First reply, median", value=duration(first.median),
             detail=f"p90 {duration(first.p90)}, {first.count} measured"),
        Card(label="Resolution, median", value=duration(resolution.median),
             detail=f"p90 {duration(resolution.p90)}, {resolution.count} measured"),
        Card(label="CSAT", value=percent(totals.csat.value),
             detail=f"satisfied, of {totals.csat.whole} answers"),
        Card(label="NPS", value="-" if nps is None else f"{nps:.0f}",
             detail=f"{totals.nps.responses} answers"),
        Card(label="SLA attainment", value=percent(sla.attainment),
             detail=f"{sla.breached} breached of {sla.achieved + sla.breached}"),
    ]  # fmt: skip


def sections(dashboard: Dashboard) -> list[Section]:
    """Every section, in page order."""
    found = [
        volume(dashboard),
        durations(dashboard),
        sla(dashboard),
        backlog(dashboard),
        satisfaction(dashboard),
        week_hours(dashboard),
        stalls(dashboard),
    ]
    optional = (calls(dashboard), topics(dashboard))
    return [*found, *(section for section in optional if section is not None)]
