"""Reports as plain JSON-compatible dicts and as text tables."""

from __future__ import annotations

from typing import Any

from omnicx.metrics._distribution import Summary
from omnicx.metrics._values import DURATIONS, GroupMetrics, MetricsReport, Rate


def _summary(summary: Summary) -> dict[str, Any]:
    return {
        "count": summary.count,
        "total": summary.total,
        "mean": summary.mean,
        "median": summary.median,
        "p90": summary.p90,
        "p95": summary.p95,
        "exact": summary.exact,
    }


def _rate(rate: Rate) -> dict[str, Any]:
    return {"part": rate.part, "whole": rate.whole, "value": rate.value}


def group_to_dict(group: GroupMetrics) -> dict[str, Any]:
    """One group's figures as a JSON-compatible dict (null where not measured)."""
    return {
        "conversations": group.conversations,
        "solved": group.solved,
        "reopened": _rate(group.reopened),
        "one_touch": _rate(group.one_touch),
        "zero_touch": _rate(group.zero_touch),
        "outbound_first": group.outbound_first,
        "backlog": _summary(group.backlog),
        "first_contact_resolution": _rate(group.first_contact_resolution),
        "csat": _rate(group.csat),
        "nps": {
            "promoters": group.nps.promoters,
            "passives": group.nps.passives,
            "detractors": group.nps.detractors,
            "score": group.nps.score,
        },
        "ces": _summary(group.ces),
        "survey_response": _rate(group.survey_response),
        "agent_replies": _summary(group.agent_replies),
        "durations": {k: _summary(v) for k, v in group.durations.items()},
        "business_durations": {k: _summary(v) for k, v in group.business_durations.items()},
        "sla": {
            k: {"achieved": v.achieved, "breached": v.breached, "attainment": v.attainment}
            for k, v in group.sla.items()
        },
    }


def report_to_dict(report: MetricsReport) -> dict[str, Any]:
    """A report as a JSON-compatible dict: ``{"by": [...], "groups": [{"key": {...}, ...}]}``."""
    return {
        "by": list(report.by),
        "groups": [
            {"key": dict(zip(report.by, key, strict=True)), **group_to_dict(group)}
            for key, group in report.groups.items()
        ],
    }


def _fmt(value: float | None, scale: float = 1, suffix: str = "") -> str:
    if value is None:
        return "-"
    scaled = value * scale
    return f"{scaled:.0f}{suffix}" if scaled == int(scaled) else f"{scaled:.1f}{suffix}"


def report_table(report: MetricsReport) -> str:
    """A report as an aligned text table: one row per group, "-" where not measured.

    Durations are medians in seconds; rates are percentages.
    """
    header = [
        *(report.by or ("group",)),
        "volume",
        "solved",
        *(f"{name}_p50" for name in DURATIONS if name != "reopen_reply"),
        "one_touch",
        "fcr",
        "reopened",
        "csat",
        "nps",
        "ces",
    ]
    rows = [header]
    for key, group in report.groups.items():
        rows.append(
            [
                *(key or ("all",)),
                str(group.conversations),
                str(group.solved),
                *(
                    _fmt(group.durations[name].median)
                    for name in DURATIONS
                    if name != "reopen_reply"
                ),
                _fmt(group.one_touch.value, 100, "%"),
                _fmt(group.first_contact_resolution.value, 100, "%"),
                _fmt(group.reopened.value, 100, "%"),
                _fmt(group.csat.value, 100, "%"),
                _fmt(group.nps.score),
                _fmt(group.ces.mean),
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )
