"""The calls section: answer, abandonment and callback figures, and inbound calls per period.

Shown only when the events hold a call. The figures are ``call_metrics``
of the dashboard's events (docs/metrics.md, "Calls"); the chart stacks each
period's inbound calls by outcome, one pattern per outcome, counts written
on the bars.
"""

from __future__ import annotations

from omnicx.cli._human import duration
from omnicx.metrics import Rate, Summary
from omnicx.report import _charts as charts
from omnicx.report._axes import date_axis, period
from omnicx.report._page import Chart, Section, Table, rows_of
from omnicx.report._values import Dashboard

OUTCOMES = ("answered", "missed, not abandoned", "abandoned")
"""The chart's series, bottom to top."""


def _rate(rate: Rate, of: str) -> tuple[str, str]:
    share = "-" if rate.value is None else f"{100 * rate.value:.1f}%"
    return share, f"{rate.part} of {rate.whole} {of}"


def _times(summary: Summary) -> tuple[str, str, str]:
    return duration(summary.median), duration(summary.p90), str(summary.count)


def figures_table(dashboard: Dashboard) -> Table:
    """The call figures: each rate with its counts, each duration's median and p90."""
    report = dashboard.calls.report
    rows = [
        ("Inbound calls", str(report.inbound), "", ""),
        ("Outbound calls", str(report.outbound), "", ""),
        ("Answered", *_rate(report.answered, "inbound"), ""),
        ("Missed", *_rate(report.missed, "inbound"), ""),
        ("Abandoned", *_rate(report.abandoned, "inbound"), ""),
        ("Called back", *_rate(report.called_back, "missed"), ""),
        ("Time to answer", *_times(report.time_to_answer)),
        ("Talk time", *_times(report.talk_time)),
        ("After-call work", *_times(report.after_call_work)),
        ("Callback time", *_times(report.callback_time)),
    ]
    return Table(
        caption="Call figures (rates in % of the calls named; times as median and p90)",
        header=("Figure", "Value / median", "Counts / p90", "Calls measured"),
        rows=rows_of(rows),
    )


def calls(dashboard: Dashboard) -> Section | None:
    """Calls per period by outcome, and the call figures; None without calls."""
    if not dashboard.calls.any:
        return None
    x_title, bucket = period(dashboard)
    per: dict[str, list[int]] = {}
    for day in dashboard.calls.days:
        cell = per.setdefault(bucket(day.day.isoformat()), [0, 0, 0, 0])
        cell[0] += day.answered
        cell[1] += day.missed - day.abandoned
        cell[2] += day.abandoned
        cell[3] += day.inbound
    ordered = sorted(per)
    series = {
        name: [(p, float(per[p][i]), str(per[p][i]) if per[p][i] else "") for p in ordered]
        for i, name in enumerate(OUTCOMES)
    }
    traces = charts.bars(series, horizontal=False)
    for trace in traces:
        # Each count inside its own segment: one above the stack would read as its total.
        trace.update(textposition="inside", insidetextanchor="middle")
    figure = charts.figure(
        traces,
        charts.layout(
            "Inbound calls by outcome",
            x_title,
            "Inbound calls (count)",
            height=420,
            barmode="stack",
            xaxis=date_axis(dashboard, len(ordered)),
            legend={"y": -0.4},  # below the slanted dates and the axis title
        ),
    )
    table = Table(
        caption="Inbound calls per period by outcome",
        header=(x_title, *OUTCOMES, "all inbound"),
        rows=rows_of([p, *per[p]] for p in ordered),
    )
    chart = Chart(id="calls", description="Stacked bar chart of inbound calls per period: "
                  "answered, missed without the caller hanging up, and abandoned.",
                  figure=figure, table=table)  # fmt: skip
    return Section(
        id="calls",
        title="Calls",
        intro="A call counts on the day it began to ring. Missed calls include the "
        "abandoned ones (the caller hung up first); a call still ringing counts only in "
        "the period's total.",
        charts=[chart],
        tables=[figures_table(dashboard)],
    )
