"""The sections by group: reply and resolution times, the hour of the week, statuses, topics."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from omnicx.cli._human import duration, percent
from omnicx.metrics import GroupMetrics, Summary
from omnicx.report import _charts as charts
from omnicx.report._axes import (
    hours,
    zone,
)
from omnicx.report._page import Chart, Section, Table, rows_of
from omnicx.report._values import Dashboard

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_TOP = 15  # groups drawn per chart; the table lists them all


_TIMES = (("first_reply", "First reply"), ("full_resolution", "Resolution"))


def _ranked(groups: Mapping[tuple[str, ...], GroupMetrics]) -> list[tuple[str, GroupMetrics]]:
    return sorted(
        ((k[0], g) for k, g in groups.items()), key=lambda kg: (-kg[1].conversations, kg[0])
    )


def _times_chart(
    name: str, metric: str, title: str, ranked: Sequence[tuple[str, GroupMetrics]]
) -> Chart:
    def point(key: str, summary: Summary, value: float | None) -> tuple[str, float | None, str]:
        return key, hours(value), duration(value)

    top = ranked[:_TOP]
    series = {
        "median": [point(k, g.durations[metric], g.durations[metric].median) for k, g in top],
        "p90": [point(k, g.durations[metric], g.durations[metric].p90) for k, g in top],
    }
    shown = f" (the {_TOP} busiest)" if len(ranked) > _TOP else ""
    figure = charts.figure(
        charts.bars(series),
        charts.layout(f"{title} time by {name}{shown}: median and p90", "Hours", name.capitalize(),
                      height=max(300, 60 + 46 * len(top)),
                      yaxis={"autorange": "reversed", "type": "category"}),
    )  # fmt: skip
    table = Table(
        caption=f"{title} time by {name}",
        header=(name, "conversations", "measured", "median", "p90", "mean"),
        rows=rows_of(
            [k, g.conversations, g.durations[metric].count, duration(g.durations[metric].median),
             duration(g.durations[metric].p90), duration(g.durations[metric].mean)]
            for k, g in ranked
        ),
    )  # fmt: skip
    return Chart(id=f"{metric}-by-{name}", figure=figure, table=table,
                 description=f"Bar chart of the median and p90 {title.lower()} time per {name}, "
                 "in hours; solid bars are medians, hatched bars p90.")  # fmt: skip


def durations(dashboard: Dashboard) -> Section:
    """First-reply and resolution times by channel, queue and agent."""
    chart_list = [
        _times_chart(name, metric, title, _ranked(report.groups))
        for name, report in dashboard.breakdowns.items()
        for metric, title in _TIMES
    ]
    return Section(
        id="durations", title="First reply and resolution times", charts=chart_list,
        intro="Calendar time. First reply: from the customer's first message to the first "
        "public reply by a person. Resolution: from creation to the latest solve. "
        "The median is the middle conversation; p90 is the time 90% stay within.",
    )  # fmt: skip


def week_hours(dashboard: Dashboard) -> Section:
    """Hour-of-week heatmaps of volume and of the first-reply wait."""
    groups = dashboard.week_hours.groups
    clock = [f"{h:02d}" for h in range(24)]
    counts = [
        [groups[(d, h)].conversations if (d, h) in groups else 0 for h in clock] for d in _DAYS
    ]
    waits = [[groups[(d, h)].durations["first_reply"].median if (d, h) in groups else None
              for h in clock] for d in _DAYS]  # fmt: skip
    x_title, y_title = f"Hour of day ({zone(dashboard)})", f"Weekday ({zone(dashboard)})"
    axes: dict[str, Any] = {
        "height": 380,
        "yaxis": {"autorange": "reversed"},
        "xaxis": {"dtick": 1},
    }
    volume_figure = charts.figure(
        [charts.heatmap(_DAY_NAMES, clock, counts, [[str(c) if c else "" for c in r] for r in counts],
                        "Conversations (count)")],
        charts.layout("Conversations created, by hour of the week", x_title, y_title, **axes),
    )  # fmt: skip
    wait_figure = charts.figure(
        [charts.heatmap(_DAY_NAMES, clock, [[hours(w) for w in r] for r in waits],
                        [[_short(w) for w in r] for r in waits], "Hours")],
        charts.layout("First reply time (median), by hour of the week the conversation began",
                      x_title, y_title, **axes),
    )  # fmt: skip
    rows = [
        [_DAY_NAMES[i], hour, counts[i][j], duration(waits[i][j])]
        for i in range(7) for j, hour in enumerate(clock) if counts[i][j]
    ]  # fmt: skip
    table = Table(caption="Volume and median first reply per hour of the week",
                  header=(y_title, x_title, "conversations", "first reply, median"),
                  rows=rows_of(rows), keys=2)  # fmt: skip
    return Section(
        id="week-hours", title="Hour of the week: volume and wait",
        intro="By the hour a conversation began. Each cell shows its figure; colour repeats it.",
        charts=[
            Chart(id="heat-volume", figure=volume_figure, table=table,
                  description="Heatmap of conversations created per weekday and hour."),
            Chart(id="heat-wait", figure=wait_figure, table=table,
                  description="Heatmap of the median first reply time per weekday and hour."),
        ],
    )  # fmt: skip


def _short(seconds: float | None) -> str:
    # Heatmap cells are narrow: the larger unit only (45s, 29m, 2h, 3d).
    return "" if seconds is None else duration(seconds).split(" ")[0]


def stalls(dashboard: Dashboard) -> Section:
    """Where conversations stall: time in each active status."""
    statuses = dashboard.statuses
    names = [s.status.replace("_", " ") for s in statuses]
    series = {
        "median": [(n, hours(s.time.median), duration(s.time.median)) for n, s in zip(names, statuses, strict=True)],
        "p90": [(n, hours(s.time.p90), duration(s.time.p90)) for n, s in zip(names, statuses, strict=True)],
    }  # fmt: skip
    time_figure = charts.figure(
        charts.bars(series),
        charts.layout("Time spent in each status, per conversation: median and p90", "Hours",
                      "Status", yaxis={"autorange": "reversed", "type": "category"}, height=320),
    )  # fmt: skip
    now_series = {"now": [(n, float(s.current.count), f"{s.current.count} (median {duration(s.current.median)})")
                          for n, s in zip(names, statuses, strict=True)]}  # fmt: skip
    now_figure = charts.figure(
        charts.bars(now_series),
        charts.layout("Conversations in each status now", "Conversations (count)", "Status",
                      yaxis={"autorange": "reversed", "type": "category"}, height=300,
                      showlegend=False),
    )  # fmt: skip
    table = Table(
        caption="Time in each active status",
        header=("status", "conversations ever in it", "median", "p90", "in it now",
                "median time there so far"),
        rows=rows_of([n, s.time.count, duration(s.time.median), duration(s.time.p90),
                      s.current.count, duration(s.current.median)]
                     for n, s in zip(names, statuses, strict=True)),
    )  # fmt: skip
    return Section(
        id="stalls", title="Where conversations stall",
        intro="Calendar time spent in each active status, per conversation (up to now for "
        "those still there): new waits for a first look, open for the team, pending for the "
        "customer, on hold for a third party.",
        charts=[
            Chart(id="stall-time", figure=time_figure, table=table,
                  description="Bar chart of the median and p90 time per status, in hours."),
            Chart(id="stall-now", figure=now_figure, table=table,
                  description="Bar chart of how many conversations are in each status now."),
        ],
    )  # fmt: skip


def topics(dashboard: Dashboard) -> Section | None:
    """Listening topics over the period, when the report was given any."""
    reports = dashboard.topics
    if not reports:
        return None
    names = [r.topic for r in reports]
    series = {
        "negative": [(r.topic, float(r.negative), str(r.negative)) for r in reports],
        "neutral": [(r.topic, float(r.neutral), str(r.neutral)) for r in reports],
        "positive": [(r.topic, float(r.positive), str(r.positive)) for r in reports],
    }
    figure = charts.figure(
        charts.bars(series),
        charts.layout("Mentions per listening topic, by sentiment", "Mentions (count)", "Topic",
                      barmode="stack", yaxis={"autorange": "reversed", "type": "category"},
                      height=max(260, 80 + 50 * len(names))),
    )  # fmt: skip
    table = Table(
        caption="Listening topics",
        header=("topic", "mentions", "reach", "negative", "positive", "share of voice", "top themes"),
        rows=rows_of([r.topic, r.volume, r.reach, percent(r.negative_share), percent(r.positive_share),
                      percent(r.share_of_voice), ", ".join(t.token for t in r.themes[:5]) or "-"]
                     for r in reports),
    )  # fmt: skip
    start = min(r.start for r in reports).astimezone(dashboard.tz)
    end = max(r.end for r in reports).astimezone(dashboard.tz)
    return Section(
        id="topics", title="Listening topics",
        intro=f"Public mentions from {start:%d %b %Y %H:%M} to {end:%d %b %Y %H:%M} "
        f"({zone(dashboard)}).",
        charts=[Chart(id="topics", figure=figure, table=table,
                      description="Stacked bar chart of mentions per topic: negative (solid), "
                      "neutral (hatched), positive (crossed).")],
    )  # fmt: skip
