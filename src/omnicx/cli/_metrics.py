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
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from omnicx.cli import _human
from omnicx.cli._events import EventLog, backwards
from omnicx.cli._fail import not_text, unreadable
from omnicx.errors import Problem, ValidationError
from omnicx.metrics import (
    KEEP_SOLVED,
    MetricsAccumulator,
    MetricsConfig,
    MetricsReport,
    MetricsStream,
    SlaTally,
    report_to_dict,
)
from omnicx.metrics._dimensions import check_dimensions
from omnicx.routing._loader import _format_of, parse_document
from omnicx.sla import BusinessCalendar, SlaEngine, load_calendar
from omnicx.sla._file import parse_policies


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
        help="a breakdown: channel, queue, agent, priority, status, tag, hour, weekday, day, "
        "week, month, attr.<name>; commas group by several at once (queue,agent); each "
        "--by is one more breakdown of the same pass",
    )
    parser.add_argument(
        "--calendar",
        metavar="FILE",
        help="business hours (TOML, YAML or JSON, as in docs/sla.md): durations also in "
        "business time",
    )
    add_sla_option(parser)
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
    targets = sorted({name for group in report.groups.values() for name in group.sla})
    if targets:
        header += ["SLA met", "SLA breaches"]
        header += [f"{name.replace('_', ' ')} SLA met" for name in targets]
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
        if targets:
            total = SlaTally(
                achieved=sum(t.achieved for t in group.sla.values()),
                breached=sum(t.breached for t in group.sla.values()),
            )
            row += [_human.percent(total.attainment), str(total.breached)]
            row += [_human.percent(group.sla.get(name, SlaTally()).attainment) for name in targets]
        rows.append(row)
    return _human.table(rows, keep=max(len(report.by), 1))


def _flat(value: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for name, item in value.items():
        if isinstance(item, Mapping):
            yield from _flat(item, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", item


def metrics_csv(reports: Sequence[MetricsReport]) -> str:
    """Reports as CSV: one row per group, a column per figure of ``report_to_dict``.

    The first column, ``by``, names the row's breakdown (``channel``,
    ``queue+agent``); then dotted paths (``key.channel``,
    ``durations.first_reply.median``), in seconds and shares as
    ``report_to_dict`` gives them; empty where not measured.
    """
    rows = [
        {"by": "+".join(report.by), **dict(_flat(group))}
        for report in reports
        for group in report_to_dict(report)["groups"]
    ]
    columns = list(dict.fromkeys(name for row in rows for name in row)) or ["by"]
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)
    return out.getvalue()


def stream_metrics(
    path: Path,
    *,
    breakdowns: Sequence[Sequence[str]],
    now: datetime | None = None,
    config: MetricsConfig | None = None,
    progress: TextIO | None = None,
    keep_solved: int = KEEP_SOLVED,
    sla: SlaEngine | None = None,
) -> list[MetricsReport] | None:
    """Read a JSON-lines event file in one pass and report each breakdown; None if no events.

    Each event is folded into its conversation as it is read
    (``MetricsStream``), so memory holds the open conversations' builders,
    never the file, its events or the solved conversations (their states
    wait in a temporary file); every breakdown is counted from the same
    builders at the end. Without ``now`` the report is as of the
    latest event; with it, later events are skipped. The figures are those
    of ``compute_metrics`` on the same events. With ``progress`` (a
    terminal), a bar shows how much of a large file is read. ``keep_solved``
    and ``sla`` (policies deciding the SLA figures) are the stream's
    (``MetricsStream``).

    Raises:
        ValidationError: the file is missing or not UTF-8 text, lines are not
            valid events, or a conversation's events go back in time; each
            problem's path is ``file:line`` (then the field path). Nothing
            is reported then.
    """
    accumulators = [MetricsAccumulator(by=tuple(by)) for by in breakdowns]
    latest: datetime | None = None
    log = EventLog(path, progress)
    with MetricsStream(config=config, keep_solved=keep_solved, sla=sla) as stream:
        for where, event in log:
            conversation_id = event.conversation_id
            if log.problems or conversation_id is None or (now is not None and event.at > now):
                continue
            before = stream.feed(event)
            if before is not None:
                log.problems.append(backwards(where, conversation_id, event.at, before))
                continue
            if latest is None or event.at > latest:
                latest = event.at
        log.check()
        now = now or latest
        if now is None:
            return None
        stream.add_to(*accumulators, now=now)
    return [accumulator.report() for accumulator in accumulators]


def _now(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        now = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError.single("--now", f"invalid ISO 8601 instant {value!r}") from None
    if now.tzinfo is None:
        raise ValidationError.single("--now", "naive instant; add a UTC offset (e.g. 'Z')")
    return now


def _read_calendar(path: Path) -> BusinessCalendar:
    """Load a business calendar file; raises ValidationError with paths inside the file."""
    data = parse_document(_read_text(path), _format_of(path))
    if not isinstance(data, Mapping):
        raise ValidationError.single("", "expected a calendar object (see docs/sla.md)")
    return load_calendar(data)


def add_sla_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--sla FILE`` (``omnicx metrics`` and ``omnicx report``)."""
    parser.add_argument(
        "--sla",
        metavar="FILE",
        help="SLA policies and their calendars (YAML, JSON or TOML, as in docs/sla.md): "
        "attainment and breaches per target",
    )


def sla_engine(args: argparse.Namespace) -> SlaEngine | None:
    """The SLA policies of ``--sla FILE``, or None without it.

    Raises:
        ValidationError: the file is unreadable, does not parse, or a
            policy is wrong; paths under ``--sla FILE``.
    """
    if args.sla is None:
        return None
    path = Path(args.sla)
    text = _read_text(path)
    try:
        return parse_policies(parse_document(text, _format_of(path)))
    except ValidationError as error:
        raise error.under(f"--sla {args.sla}") from None


def _read_text(path: Path) -> str:
    # A policy or calendar file's text; an error naming the file when it cannot be read.
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise unreadable(path, error) from None
    except UnicodeDecodeError:
        raise not_text(path) from None


def _breakdowns(values: Sequence[str]) -> list[list[str]]:
    # Each --by is one breakdown; commas inside one name its dimensions.
    found = [[name.strip() for name in item.split(",") if name.strip()] for item in values]
    return [by for by in found if by] or [[]]


def metrics_config(args: argparse.Namespace) -> MetricsConfig:
    """The metric settings of ``--fcr-days`` and ``--calendar`` (``omnicx metrics`` and ``report``).

    Raises:
        ValidationError: a negative window, or a calendar file that is
            unreadable or wrong (paths under ``--calendar FILE``).
    """
    if args.fcr_days < 0:
        raise ValidationError.single("--fcr-days", "must not be negative")
    calendar = None
    if args.calendar is not None:
        try:
            calendar = _read_calendar(Path(args.calendar))
        except ValidationError as error:
            raise error.under(f"--calendar {args.calendar}") from None
    return MetricsConfig(fcr_window=timedelta(days=args.fcr_days), calendar=calendar)


def run(args: argparse.Namespace) -> int:
    """Print the metrics report of ``args.events``; 0 on success."""
    config = metrics_config(args)
    breakdowns = _breakdowns(args.by)
    problems: list[Problem] = []
    for index, by in enumerate(breakdowns):
        try:
            check_dimensions(by)
        except ValidationError as error:
            # One breakdown keeps the library's paths (by[0]); of several, the
            # path says which --by: --by[1][0] is the first name of the second.
            prefix = "by" if len(breakdowns) == 1 else f"--by[{index}]"
            problems += [
                Problem(prefix + p.path.removeprefix("by"), p.message) for p in error.problems
            ]
    if problems:
        raise ValidationError(problems)
    reports = stream_metrics(
        Path(args.events),
        breakdowns=breakdowns,
        now=_now(args.now),
        config=config,
        progress=sys.stderr,
        sla=sla_engine(args),
    )
    if reports is None:
        print("no events")
        return 0
    if args.json:
        data = [report_to_dict(report) for report in reports]
        print(json.dumps(data[0] if len(data) == 1 else {"breakdowns": data}, indent=2))
    elif args.csv:
        sys.stdout.write(metrics_csv(reports))
    else:
        parts = []
        for report in reports:
            title = [f"by {', '.join(report.by) or 'nothing (all conversations)'}"]
            parts.append("\n".join([*(title if len(reports) > 1 else []), *metrics_table(report)]))
        print("\n\n".join(parts))
    return 0
