"""The dashboard's sections, each built from a ``Dashboard``: charts, their tables, notes.

One function per section, in page order (``sections``). Durations are drawn
in hours and written as people read them (``2h 05m``); every time axis names
its zone; shares are percentages.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from omnicx.cli._human import duration, percent
from omnicx.metrics import GroupMetrics, SlaTally, Summary
from omnicx.metrics._partial import tz_name
from omnicx.report import _charts as charts
from omnicx.report._page import Card, Chart, Section, Table, rows_of
from omnicx.report._values import Dashboard

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_TOP = 15  # groups drawn per chart; the table lists them all
_WEEKLY_AFTER = 62  # days: longer periods are drawn by week


def zone(dashboard: Dashboard) -> str:
    """The name of the dashboard's time zone, as axis titles give it."""
    return tz_name(dashboard.tz) or str(dashboard.tz)


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 3)


def weekly(dashboard: Dashboard) -> bool:
    """True when the period is long enough to be drawn by week rather than by day."""
    first = dashboard.first
    return first is not None and (dashboard.now - first) > timedelta(days=_WEEKLY_AFTER)


def _period(dashboard: Dashboard) -> tuple[str, Callable[[str], str]]:
    if weekly(dashboard):

        def monday(day: str) -> str:
            d = date.fromisoformat(day)
            return (d - timedelta(days=d.weekday())).isoformat()

        return f"Week starting ({zone(dashboard)})", monday
    return f"Day ({zone(dashboard)})", lambda day: day


_DAY_MS = 86_400_000


def _date_axis(dashboard: Dashboard, points: int) -> dict[str, object]:
    """A date x axis labelled with day, month and year; one tick per period when few."""
    axis: dict[str, object] = {"type": "date", "tickformat": "%-d %b %Y"}
    if points <= 14:
        axis["dtick"] = _DAY_MS * (7 if weekly(dashboard) else 1)
    return axis


def _per_period(dashboard: Dashboard) -> dict[str, list[GroupMetrics]]:
    """The daily groups, gathered per drawn period (day or week), in time order."""
    _, bucket = _period(dashboard)
    found: dict[str, list[GroupMetrics]] = {}
    for (day, _), group in dashboard.daily.groups.items():
        found.setdefault(bucket(day), []).append(group)
    return {key: found[key] for key in sorted(found)}


def _sla_total(sla: Mapping[str, SlaTally]) -> SlaTally:
    return SlaTally(
        achieved=sum(t.achieved for t in sla.values()),
        breached=sum(t.breached for t in sla.values()),
    )


def cards(dashboard: Dashboard) -> list[Card]:
    """The headline figures."""
    totals = dashboard.totals
    first, resolution = totals.durations["first_reply"], totals.durations["full_resolution"]
    sla = _sla_total(totals.sla)
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


def volume(dashboard: Dashboard) -> Section:
    """Conversations created per day (or week) and channel."""
    x_title, bucket = _period(dashboard)
    counts: dict[str, dict[str, int]] = {}
    periods: set[str] = set()
    for (day, channel), group in dashboard.daily.groups.items():
        period = bucket(day)
        periods.add(period)
        per = counts.setdefault(channel, {})
        per[period] = per.get(period, 0) + group.conversations
    ordered = sorted(periods)
    channels = sorted(counts, key=lambda c: (-sum(counts[c].values()), c))
    series = {c: [(p, float(counts[c].get(p, 0))) for p in ordered] for c in channels}
    figure = charts.figure(
        charts.lines(series),
        charts.layout(
            "Conversations created, by channel",
            x_title,
            "Conversations (count)",
            xaxis=_date_axis(dashboard, len(ordered)),
        ),
    )
    table = Table(
        caption="Conversations created per period and channel",
        header=(x_title, *channels, "all"),
        rows=rows_of(
            [
                p,
                *(counts[c].get(p, 0) for c in channels),
                sum(counts[c].get(p, 0) for c in channels),
            ]
            for p in ordered
        ),
    )
    chart = Chart(id="volume", description="Line chart of conversations created per period, "
                  "one line per channel.", figure=figure, table=table)  # fmt: skip
    return Section(id="volume", title="Volume over time", charts=[chart],
                   intro="A conversation counts on the day it began, in its first channel.")  # fmt: skip


_TIMES = (("first_reply", "First reply"), ("full_resolution", "Resolution"))


def _ranked(groups: Mapping[tuple[str, ...], GroupMetrics]) -> list[tuple[str, GroupMetrics]]:
    return sorted(
        ((k[0], g) for k, g in groups.items()), key=lambda kg: (-kg[1].conversations, kg[0])
    )


def _times_chart(
    name: str, metric: str, title: str, ranked: Sequence[tuple[str, GroupMetrics]]
) -> Chart:
    def point(key: str, summary: Summary, value: float | None) -> tuple[str, float | None, str]:
        return key, _hours(value), duration(value)

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


def sla(dashboard: Dashboard) -> Section:
    """SLA attainment and breaches per target, and attainment over time."""
    totals = dashboard.totals.sla
    if not totals:
        return Section(id="sla", title="SLA attainment", notes=[
            "No SLA outcomes: build the report with SLA policies "
            "(build_dashboard(sla=SlaEngine(...))) or with outcomes the host measured "
            "(sla_outcomes=)."])  # fmt: skip
    targets = sorted(totals)
    series = {
        "achieved": [(t, float(totals[t].achieved), str(totals[t].achieved)) for t in targets],
        "breached": [(t, float(totals[t].breached), str(totals[t].breached)) for t in targets],
    }
    outcome = charts.figure(
        charts.bars(series),
        charts.layout("SLA outcomes per target", "Conversations' clocks (count)", "Target",
                      barmode="stack", yaxis={"autorange": "reversed", "type": "category"},
                      height=max(260, 80 + 50 * len(targets))),
    )  # fmt: skip
    x_title, bucket = _period(dashboard)
    per: dict[str, dict[str, list[int]]] = {}
    for (day, _), group in dashboard.daily.groups.items():
        for target, tally in group.sla.items():
            cell = per.setdefault(target, {}).setdefault(bucket(day), [0, 0])
            cell[0] += tally.achieved
            cell[1] += tally.breached
    trend_series = {
        t: [(p, _percent_of(a, a + b)) for p, (a, b) in sorted(per.get(t, {}).items())]
        for t in targets
    }
    trend = charts.figure(
        charts.lines(trend_series),
        charts.layout("SLA attainment over time, by target", x_title,
                      "Attained (% of clocks)", yaxis={"range": [0, 105]},
                      xaxis=_date_axis(dashboard, max((len(v) for v in per.values()), default=0))),
    )  # fmt: skip
    table = Table(
        caption="SLA outcomes per target",
        header=("target", "achieved", "breached", "attainment"),
        rows=rows_of([t, totals[t].achieved, totals[t].breached, percent(totals[t].attainment)]
                     for t in targets),
    )  # fmt: skip
    trend_table = Table(
        caption="SLA attainment per period and target",
        header=(x_title, "target", "achieved", "breached", "attainment"),
        rows=rows_of([p, t, a, b, percent(a / (a + b) if a + b else None)]
                     for t in targets for p, (a, b) in sorted(per.get(t, {}).items())),
        keys=2,
    )  # fmt: skip
    return Section(
        id="sla", title="SLA attainment and breaches",
        intro="Each SLA clock (a target of one conversation) is achieved or breached; a "
        "clock breached and later fulfilled counts as breached. Over time, by the day the "
        "conversation began.",
        charts=[
            Chart(id="sla-outcomes", figure=outcome, table=table,
                  description="Stacked bar chart of achieved (solid) and breached (hatched) "
                  "clocks per SLA target."),
            Chart(id="sla-trend", figure=trend, table=trend_table,
                  description="Line chart of the attained share per period, one line per target."),
        ],
    )  # fmt: skip


def _percent_of(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def backlog(dashboard: Dashboard) -> Section:
    """Open conversations at the end of each day."""
    points = dashboard.backlog
    series = {"open": [(p.day.isoformat(), float(p.open)) for p in points]}
    x_title = f"End of day ({zone(dashboard)})"
    figure = charts.figure(
        charts.lines(series, text={"open": [str(p.open) if i == len(points) - 1 else ""
                                            for i, p in enumerate(points)]}),
        charts.layout("Backlog: open conversations", x_title, "Open conversations (count)",
                      showlegend=False, xaxis={"type": "date", "tickformat": "%-d %b %Y",
                                               **({"dtick": _DAY_MS} if len(points) <= 14 else {})}),
    )  # fmt: skip
    table = Table(caption="Open conversations at the end of each day (the last: now)",
                  header=(x_title, "open"), rows=rows_of([p.day.isoformat(), p.open] for p in points))  # fmt: skip
    return Section(
        id="backlog", title="Backlog over time",
        intro="Conversations in an active status (new, open, pending, on hold) at the end of "
        "each day; the last point is now.",
        charts=[Chart(id="backlog", figure=figure, table=table,
                      description="Line chart of open conversations at the end of each day.")],
    )  # fmt: skip


def satisfaction(dashboard: Dashboard) -> Section:
    """CSAT and NPS per period."""
    x_title, _ = _period(dashboard)
    rows, csat, nps = [], [], []
    for period, groups in _per_period(dashboard).items():
        satisfied = sum(g.csat.part for g in groups)
        answers = sum(g.csat.whole for g in groups)
        promoters = sum(g.nps.promoters for g in groups)
        detractors = sum(g.nps.detractors for g in groups)
        responses = sum(g.nps.responses for g in groups)
        share = _percent_of(satisfied, answers)
        score = round(100 * (promoters - detractors) / responses, 1) if responses else None
        csat.append((period, share))
        nps.append((period, score))
        rows.append([period, answers, "-" if share is None else f"{share:.0f}%", responses,
                     "-" if score is None else f"{score:.0f}"])  # fmt: skip
    csat_figure = charts.figure(
        charts.lines({"CSAT": csat}, text={"CSAT": ["" if v is None else f"{v:.0f}%" for _, v in csat]}),
        charts.layout("CSAT: satisfied answers", x_title, "Satisfied (% of CSAT answers)",
                      yaxis={"range": [0, 108]}, showlegend=False,
                      xaxis=_date_axis(dashboard, len(csat))),
    )  # fmt: skip
    nps_figure = charts.figure(
        charts.lines({"NPS": nps}, text={"NPS": ["" if v is None else f"{v:.0f}" for _, v in nps]}),
        charts.layout("NPS: promoters minus detractors", x_title, "NPS (score, -100 to 100)",
                      yaxis={"range": [-105, 108]}, showlegend=False,
                      xaxis=_date_axis(dashboard, len(nps))),
    )  # fmt: skip
    table = Table(caption="CSAT and NPS per period (by the day the conversation began)",
                  header=(x_title, "CSAT answers", "CSAT", "NPS answers", "NPS"), rows=rows_of(rows))  # fmt: skip
    return Section(
        id="satisfaction", title="CSAT and NPS trends",
        intro="Each conversation's latest answer, counted in the period the conversation began.",
        charts=[
            Chart(id="csat", figure=csat_figure, table=table,
                  description="Line chart of the satisfied share of CSAT answers per period."),
            Chart(id="nps", figure=nps_figure, table=table,
                  description="Line chart of the net promoter score per period."),
        ],
    )  # fmt: skip


def week_hours(dashboard: Dashboard) -> Section:
    """Hour-of-week heatmaps of volume and of the first-reply wait."""
    groups = dashboard.week_hours.groups
    hours = [f"{h:02d}" for h in range(24)]
    counts = [
        [groups[(d, h)].conversations if (d, h) in groups else 0 for h in hours] for d in _DAYS
    ]
    waits = [[groups[(d, h)].durations["first_reply"].median if (d, h) in groups else None
              for h in hours] for d in _DAYS]  # fmt: skip
    x_title, y_title = f"Hour of day ({zone(dashboard)})", f"Weekday ({zone(dashboard)})"
    axes: dict[str, Any] = {
        "height": 380,
        "yaxis": {"autorange": "reversed"},
        "xaxis": {"dtick": 1},
    }
    volume_figure = charts.figure(
        [charts.heatmap(_DAY_NAMES, hours, counts, [[str(c) if c else "" for c in r] for r in counts],
                        "Conversations (count)")],
        charts.layout("Conversations created, by hour of the week", x_title, y_title, **axes),
    )  # fmt: skip
    wait_figure = charts.figure(
        [charts.heatmap(_DAY_NAMES, hours, [[_hours(w) for w in r] for r in waits],
                        [[_short(w) for w in r] for r in waits], "Hours")],
        charts.layout("First reply time (median), by hour of the week the conversation began",
                      x_title, y_title, **axes),
    )  # fmt: skip
    rows = [
        [_DAY_NAMES[i], hour, counts[i][j], duration(waits[i][j])]
        for i in range(7) for j, hour in enumerate(hours) if counts[i][j]
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
        "median": [(n, _hours(s.time.median), duration(s.time.median)) for n, s in zip(names, statuses, strict=True)],
        "p90": [(n, _hours(s.time.p90), duration(s.time.p90)) for n, s in zip(names, statuses, strict=True)],
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
    listening = topics(dashboard)
    return found if listening is None else [*found, listening]
