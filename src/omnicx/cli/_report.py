"""``omnicx report events.jsonl -o report.html``: a dashboard people read, in one HTML file.

The events come from a JSON-lines file (read in one pass, as ``omnicx
metrics`` reads it) or from an omnicx SQLite database (``--db``). The page
opens offline: the chart library is inside it. Without ``--now`` the report
is as of the latest event (the command never reads the wall clock).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from omnicx.cli._events import EventLog
from omnicx.cli._fail import check_readable
from omnicx.cli._metrics import _now, add_sla_option, metrics_config, sla_engine
from omnicx.errors import ValidationError
from omnicx.listening import Listener, ListeningState, TopicReport, load_topics, report
from omnicx.model import Event
from omnicx.report import Dashboard, DashboardCollector, dashboard_html
from omnicx.storage import SqliteStore


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``report`` subcommand."""
    parser = subparsers.add_parser(
        "report",
        help="write an HTML dashboard from an events.jsonl file or a database",
        description="Write a self-contained HTML dashboard (docs/cli.md, docs/metrics.md).",
    )
    parser.add_argument("events", nargs="?", help="file with one event JSON object per line")
    parser.add_argument("--db", metavar="FILE", help="read the events of an omnicx SQLite database")
    parser.add_argument(
        "-o", "--output", required=True, metavar="FILE", help="the HTML file to write"
    )
    parser.add_argument(
        "--tz", default="UTC", help="time zone of days and hours (an IANA name; default UTC)"
    )
    parser.add_argument("--now", help="report as of this ISO 8601 instant (default: last event)")
    parser.add_argument("--title", default="Customer service report", help="the page's title")
    parser.add_argument(
        "--calendar", metavar="FILE", help="business hours (as in docs/sla.md) for the metrics"
    )
    add_sla_option(parser)
    parser.add_argument(
        "--fcr-days", type=float, default=7, help="first contact resolution window in days"
    )
    parser.add_argument(
        "--topics", metavar="FILE", help="listening topics (docs/listening.md), with --listening"
    )
    parser.add_argument(
        "--listening", metavar="FILE", help="a listener's saved state (ListeningState JSON)"
    )
    parser.set_defaults(handler=run, reads=(), database="db")


def _zone(value: str) -> tzinfo:
    if value.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError.single(
            "--tz", f"unknown time zone {value!r}; use an IANA name such as 'Europe/Paris'"
        ) from None


def collect_file(
    path: Path, collector: DashboardCollector, *, now: datetime | None, progress: TextIO | None
) -> None:
    """Feed a JSON-lines event file to ``collector`` in one pass.

    Raises:
        ValidationError: lines that are not events, or a conversation going
            back in time, each with its ``file:line``; then nothing counts.
    """
    log = EventLog(path, progress)
    for where, event in log:
        if log.problems or (now is not None and event.at > now):
            continue
        try:
            collector.feed(event)
        except ValidationError as error:
            log.problems.extend(p.under(where) for p in error.problems)
    log.check()


def collect_database(
    path: Path, collector: DashboardCollector, *, now: datetime | None, batch: int = 4096
) -> None:
    """Feed every event of an omnicx SQLite database to ``collector``, conversation by conversation.

    The store is read in pages of ``batch`` rows (``SqliteStore.conversation_events``):
    memory holds one page and one conversation's events besides the
    collector's folds, never the whole log. Each conversation's events are
    fed in time order (stored in append order; a stable sort by time keeps
    ties in that order), then the events on no conversation
    (``SqliteStore.events_without_conversation``), which gives the dashboard
    of the same events read from a file.
    """
    if not path.is_file():
        raise ValidationError.single(str(path), "no such database; pass an omnicx SQLite file")
    with SqliteStore(path) as store:
        for events in store.conversation_events(batch=batch):
            events.sort(key=_at)
            for event in events:
                if now is None or event.at <= now:
                    collector.feed(event)
        # Then the events on no conversation (calls on the timeline only), in any order.
        for events in store.events_without_conversation(batch=batch):
            for event in events:
                if now is None or event.at <= now:
                    collector.feed(event)


def _at(event: Event) -> datetime:
    return event.at


def _topics(args: argparse.Namespace, start: datetime, end: datetime) -> list[TopicReport]:
    if (args.topics is None) != (args.listening is None):
        given = "--topics" if args.listening is None else "--listening"
        needed = "--listening" if args.listening is None else "--topics"
        raise ValidationError.single(given, f"needs {needed} too (the state and its topic set)")
    if args.topics is None:
        return []
    topics_path, state_path = Path(args.topics), Path(args.listening)
    for path in (topics_path, state_path):
        check_readable(path)
    try:
        topics = load_topics(topics_path)
    except ValidationError as error:
        raise error.under(f"--topics {args.topics}") from None
    try:
        state = ListeningState.from_json(state_path.read_text(encoding="utf-8"))
    except ValidationError as error:
        raise error.under(f"--listening {args.listening}") from None
    listener = Listener.resume(topics, state)
    # The period's closed buckets, to the end of the one ``end`` falls in.
    width = timedelta(minutes=topics.bucket_minutes)
    return [report(listener, t.id, start, end + width) for t in topics.topics]


def _write(path: Path, page: str) -> None:
    # Written beside the target and moved over it: never a half-written report.
    directory = path.parent if str(path.parent) else Path(".")
    try:
        handle, name = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise ValidationError.single(
            str(path), f"can't write the file ({error.strerror})"
        ) from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(page)
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def build(args: argparse.Namespace) -> Dashboard | None:
    """The dashboard the arguments ask for; None when the input has no conversation."""
    if (args.events is None) == (args.db is None):
        raise ValidationError.single("events", "pass an events file or --db FILE (one of them)")
    with DashboardCollector(
        tz=_zone(args.tz), config=metrics_config(args), sla=sla_engine(args)
    ) as collector:
        now = _now(args.now)
        if args.events is not None:
            path = Path(args.events)
            check_readable(path)
            collect_file(path, collector, now=now, progress=sys.stderr)
        else:
            collect_database(Path(args.db), collector, now=now)
        when = now or collector.latest
        if when is None or collector.earliest is None:
            return None
        return collector.dashboard(when, topics=_topics(args, collector.earliest, when))


def run(args: argparse.Namespace) -> int:
    """Write the dashboard of ``args.events`` (or ``--db``) to ``--output``; 0 on success."""
    dashboard = build(args)
    if dashboard is None:
        print("no events: no report written")
        return 0
    page = dashboard_html(dashboard, title=args.title)
    output = Path(args.output)
    _write(output, page)
    count = dashboard.totals.conversations
    charts = page.count('<script type="application/json" data-chart=')
    print(f"wrote {output} ({count} conversation{'' if count == 1 else 's'}, {charts} charts)")
    return 0
