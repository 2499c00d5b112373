"""The sections over time: volume, SLA attainment, backlog, CSAT and NPS.

Periods are days, or weeks past 62 days (``_axes.period``); every time axis
names the dashboard's zone.
"""

from __future__ import annotations

from omnicx.cli._human import percent
from omnicx.report import _charts as charts
from omnicx.report._axes import (
    DAY_MS,
    date_axis,
    per_period,
    percent_of,
    period,
    zone,
)
from omnicx.report._page import Chart, Section, Table, rows_of
from omnicx.report._values import Dashboard


def volume(dashboard: Dashboard) -> Section:
    """Conversations created per day (or week) and channel."""
    x_title, bucket = period(dashboard)
    counts: dict[str, dict[str, int]] = {}
    periods: set[str] = set()
    for (day, channel), group in dashboard.daily.groups.items():
        key = bucket(day)
        periods.add(key)
        per = counts.setdefault(channel, {})
        per[key] = per.get(key, 0) + group.conversations
    ordered = sorted(periods)
    channels = sorted(counts, key=lambda c: (-sum(counts[c].values()), c))
    series = {c: [(p, float(counts[c].get(p, 0))) for p in ordered] for c in channels}
    figure = charts.figure(
        charts.lines(series),
        charts.layout(
            "Conversations created, by channel",
            x_title,
            "Conversations (count)",
            xaxis=date_axis(dashboard, len(ordered)),
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
    x_title, bucket = period(dashboard)
    per: dict[str, dict[str, list[int]]] = {}
    for (day, _), group in dashboard.daily.groups.items():
        for target, tally in group.sla.items():
            cell = per.setdefault(target, {}).setdefault(bucket(day), [0, 0])
            cell[0] += tally.achieved
            cell[1] += tally.breached
    trend_series = {
        t: [(p, percent_of(a, a + b)) for p, (a, b) in sorted(per.get(t, {}).items())]
        for t in targets
    }
    trend = charts.figure(
        charts.lines(trend_series),
        charts.layout("SLA attainment over time, by target", x_title,
                      "Attained (% of clocks)", yaxis={"range": [0, 105]},
                      xaxis=date_axis(dashboard, max((len(v) for v in per.values()), default=0))),
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
                                               **({"dtick": DAY_MS} if len(points) <= 14 else {})}),
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
    x_title, _ = period(dashboard)
    rows, csat, nps = [], [], []
    for key, groups in per_period(dashboard).items():
        satisfied = sum(g.csat.part for g in groups)
        answers = sum(g.csat.whole for g in groups)
        promoters = sum(g.nps.promoters for g in groups)
        detractors = sum(g.nps.detractors for g in groups)
        responses = sum(g.nps.responses for g in groups)
        share = percent_of(satisfied, answers)
        score = round(100 * (promoters - detractors) / responses, 1) if responses else None
        csat.append((key, share))
        nps.append((key, score))
        rows.append([key, answers, "-" if share is None else f"{share:.0f}%", responses,
                     "-" if score is None else f"{score:.0f}"])  # fmt: skip
    csat_figure = charts.figure(
        charts.lines({"CSAT": csat}, text={"CSAT": ["" if v is None else f"{v:.0f}%" for _, v in csat]}),
        charts.layout("CSAT: satisfied answers", x_title, "Satisfied (% of CSAT answers)",
                      yaxis={"range": [0, 108]}, showlegend=False,
                      xaxis=date_axis(dashboard, len(csat))),
    )  # fmt: skip
    nps_figure = charts.figure(
        charts.lines({"NPS": nps}, text={"NPS": ["" if v is None else f"{v:.0f}" for _, v in nps]}),
        charts.layout("NPS: promoters minus detractors", x_title, "NPS (score, -100 to 100)",
                      yaxis={"range": [-105, 108]}, showlegend=False,
                      xaxis=date_axis(dashboard, len(nps))),
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
