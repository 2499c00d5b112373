"""``omnicx metrics events.jsonl --by channel``: every metric from an event log.

The file holds one ``omnicx.serde.event_to_dict`` object per line. Without
``--now`` the report is as of the latest event (the command never reads the
wall clock).
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timedelta
from pathlib import Path

from omnicx import serde
from omnicx.cli._fail import not_text, unreadable
from omnicx.errors import Problem, ValidationError
from omnicx.metrics import MetricsConfig, compute_metrics, report_table, report_to_dict
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
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(handler=run, reads=("events",))


def read_events(path: Path) -> list[Event]:
    """Parse a JSON-lines event file.

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
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path.name}:{number}"
        try:
            events.append(serde.event_from_dict(json.loads(line)))
        except json.JSONDecodeError as error:
            problems.append(Problem(where, f"invalid JSON ({error.msg} at column {error.colno})"))
        except ValidationError as error:
            problems.extend(p.under(where) for p in error.problems)
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
    events = read_events(Path(args.events))
    now = _now(args.now, events)
    if now is None:
        print("no events")
        return 0
    report = compute_metrics(events, now=now, by=by, config=config)
    if args.json:
        print(json.dumps(report_to_dict(report), indent=2))
    else:
        print(report_table(report))
    return 0
