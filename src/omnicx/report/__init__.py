"""Dashboards people read: one self-contained HTML page from a conversation event log.

``build_dashboard`` reads events once (memory bounded by the conversations,
never the events) into a ``Dashboard`` of frozen figures; ``dashboard_html``
draws it as one HTML file that opens with no network: volume by channel,
first-reply and resolution times by channel, queue and agent, SLA
attainment, backlog, CSAT and NPS, an hour-of-week heatmap, the time spent
in each status, and listening topics. ``DashboardCollector`` is the same
fold fed one event at a time. Drawing needs the ``report`` extra (plotly).
See docs/metrics.md and docs/cli.md (``omnicx report``).
"""

from omnicx.report._collect import ACTIVE, DashboardCollector, build_dashboard
from omnicx.report._html import dashboard_html
from omnicx.report._values import BREAKDOWNS, BacklogPoint, Dashboard, StatusTime

__all__ = [
    "ACTIVE",
    "BREAKDOWNS",
    "BacklogPoint",
    "Dashboard",
    "DashboardCollector",
    "StatusTime",
    "build_dashboard",
    "dashboard_html",
]
