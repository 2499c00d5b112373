"""``omnicx metrics events.jsonl --by channel``: every metric from an event log.

The file holds one ``omnicx.serde.event_to_dict`` object per line. Without
``--now`` the report is as of the latest event (the command never reads the
wall clock).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from omnicx import serde
from omnicx.cli import _human
from omnicx.cli._fail import not_text, unreadable
from omnicx.errors import Problem, ValidationError
from omnicx.metrics import MetricsConfig, MetricsReport, compute_metrics, report_to_dict
from omnicx.model import Event

_MAX_PROBLEMS = 20  # enough to fix a file in a few passes without flooding the terminal


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``metrics`` subcommand."""
    parser = subparsers.add_parser(
        "metrics",
        help="compute support metrics from an events.jsonl file",
        description="Compute every metric (docs/metrics.md) from a JSON-lines event log.",
    )
    parser.add_argument("events", help="file with one event JSON object per line")
    parser.add_argument(
        "--by",
        action="append",
        default=[],
        metavar="DIMENSION",
        help="breakdown dimension(s): channel, queue, agent, priority, status, tag, hour, "
        "weekday, day, week, month, attr.<name>; repeat or separate with commas",
    )
    parser.add_argument("--now", help="report as of this ISO 8601 instant (default: last event)")
    parser.add_argument(
        "--fcr-days", type=float, default=7, help="first contact resolution window in days"
    )
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print JSON instead of a table")
    output.add_argument(
        "--csv", action="store_true", help="print CSV (one row per group, raw figures)"
    )
    parser.set_defaults(handler=run, reads=("events",))


# The table's durations: (column title, metric), medians in the report's units.
_DURATION_COLUMNS = (
    ("first reply", "first_reply"),
    ("next reply", "next_reply"),
    ("1st resolution", "first_resolution"),
    ("resolution", "full_resolution"),
    ("customer wait", "requester_wait"),
    ("agent work", "agent_work"),
    ("on hold", "on_hold"),
)


def metrics_table(report: MetricsReport) -> list[str]:
    """The report for a person: one row per group, durations as medians (``2h 05m``).

    Business-hours medians get columns of their own, titled so, when any
    group measured one. Lines fit ``_human.WIDTH``; wider tables stack.
    """
    business = any(
        summary.count for group in report.groups.values()
        for summary in group.business_durations.values()
    )  # fmt: skip
    header = [*(report.by or ("group",)), "volume", "solved"]
    header += [f"{title} p50" for title, _ in _DURATION_COLUMNS]
    if business:
        header += [f"{title} p50 (business hours)" for title, _ in _DURATION_COLUMNS]
    header += ["one-touch", "FCR", "reopened", "CSAT", "NPS", "CES"]
    rows = [header]
    for key, group in report.groups.items():
        row = [*(key or ("all",)), str(group.conversations), str(group.solved)]
        row += [_human.duration(group.durations[name].median) for _, name in _DURATION_COLUMNS]
        if business:
            row += [
                _human.duration(group.business_durations[name].median)
                for _, name in _DURATION_COLUMNS
            ]
        row += [
            _human.percent(group.one_touch.value),
            _human.percent(group.first_contact_resolution.value),
            _human.percent(group.reopened.value),
            _human.percent(group.csat.value),
            "-" if group.nps.score is None else f"{group.nps.score:.0f}",
            "-" if group.ces.mean is None else f"{group.ces.mean:.1f}",
        ]
        rows.append(row)
    return _human.table(rows, keep=max(len(report.by), 1))


def _flat(value: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for name, item in value.items():
        if isinstance(item, Mapping):
            yield from _flat(item, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", item


def metrics_csv(report: MetricsReport) -> str:
    """The report as CSV: one row per group, a column per figure of ``report_to_dict``.

    Columns are dotted paths (``durations.first_reply.median``), in seconds
    and shares as ``report_to_dict`` gives them; empty where not measured.
    """
    rows = [dict(_flat(group)) for group in report_to_dict(report)["groups"]]
    columns = list(dict.fromkeys(name for row in rows for name in row))
    if not columns:
        columns = [f"key.{name}" for name in report.by] or ["conversations"]
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)
    return out.getvalue()


# Files shorter than this many lines read too fast for a progress bar to help.
_PROGRESS_FROM = 20_000


def read_events(path: Path, progress: TextIO | None = None) -> list[Event]:
    """Parse a JSON-lines event file; with ``progress`` (a terminal), show a bar on it.

    Raises:
        ValidationError: the file is missing or not UTF-8 text, or lines are
            not valid events; each problem's path is ``file:line`` (then the
            field path).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise unreadable(path, error) from None
    except UnicodeDecodeError:
        raise not_text(path) from None
    events: list[Event] = []
    problems: list[Problem] = []
    lines = text.splitlines()
    bar = None
    if progress is not None and len(lines) >= _PROGRESS_FROM:
        bar = _human.Progress(progress, len(lines), f"reading {path.name}")
    for number, line in enumerate(lines, start=1):
        if bar is not None and number % 1024 == 0:
            bar.update(number)
        if not line.strip():
            continue
        where = f"{path.name}:{number}"
        try:
            events.append(serde.event_from_dict(json.loads(line)))
        except json.JSONDecodeError as error:
            problems.append(Problem(where, f"invalid JSON ({error.msg} at column {error.colno})"))
        except ValidationError as error:
            problems.extend(p.under(where) for p in error.problems)
    if bar is not None:
        bar.update(len(lines))
        bar.close()
    if problems:
        raise ValidationError(problems[:_MAX_PROBLEMS])
    return events


def _now(value: str | None, events: list[Event]) -> datetime | None:
    if value is None:
        return max((e.at for e in events), default=None)
    try:
        now = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError.single("--now", f"invalid ISO 8601 instant {value!r}") from None
    if now.tzinfo is None:
        raise ValidationError.single("--now", "naive instant; add a UTC offset (e.g. 'Z')")
    return now


def run(args: argparse.Namespace) -> int:
    """Print the metrics report of ``args.events``; 0 on success."""
    by = [name.strip() for item in args.by for name in item.split(",") if name.strip()]
    if args.fcr_days < 0:
        raise ValidationError.single("--fcr-days", "must not be negative")
    config = MetricsConfig(fcr_window=timedelta(days=args.fcr_days))
    events = read_events(Path(args.events), progress=sys.stderr)
    now = _now(args.now, events)
    if now is None:
        print("no events")
        return 0
    report = compute_metrics(events, now=now, by=by, config=config)
    if args.json:
        print(json.dumps(report_to_dict(report), indent=2))
    elif args.csv:
        sys.stdout.write(metrics_csv(report))
    else:
        print("\n".join(metrics_table(report)))
    return 0
