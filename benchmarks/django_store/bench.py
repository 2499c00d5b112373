"""DjangoStore against omnicx's own stores on the same database engine, one worker.

    benchmarks/run django_store            # 3,000 messages
    benchmarks/run django_store --quick    # 500 messages
    benchmarks/run django_store --n 10000

The pipeline benchmark's stream (one shop, many customers, threads across
channels) goes through ``Desk.receive`` four times: ``DjangoStore`` on a
SQLite file (in WAL mode with ``synchronous=NORMAL``, as ``SqliteStore``
sets its own, through the database's ``init_command``) next to
``SqliteStore`` on another file, and, when a PostgreSQL
server answers (``$OMNICX_TEST_POSTGRES``, default a local ``test``
database), ``DjangoStore`` on a database of its own next to
``PostgresStore`` in a schema of its own (both dropped afterwards). Then
inbox pages, a search and ``due`` on each. Prints throughput, the peak
memory of the process after each run, and each DjangoStore figure's ratio
to its peer's measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "pipeline"))

import synth

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
DJANGO_DB = f"omnicx_bench_{os.getpid()}"
WAL = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL"


def _django(databases: dict[str, dict[str, Any]]) -> None:
    import django
    from django.conf import settings
    from django.core.management import call_command

    settings.configure(
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth",
                        "omnicx.contrib.django"],
        DATABASES=databases, USE_TZ=True, DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
    )  # fmt: skip
    django.setup()
    for alias in databases:
        call_command("migrate", database=alias, verbosity=0)


def _postgres_url() -> str | None:
    url = os.environ.get("OMNICX_TEST_POSTGRES", DEFAULT_POSTGRES)
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{DJANGO_DB}"')
    except Exception as error:  # no driver or no server: SQLite only
        print(f"  (no PostgreSQL: {type(error).__name__}; SQLite only)")
        return None
    return url


def _django_postgres(url: str) -> dict[str, Any]:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return {"ENGINE": "django.db.backends.postgresql", "NAME": DJANGO_DB,
            "USER": parts.username or "postgres", "PASSWORD": parts.password or "",
            "HOST": parts.hostname or "127.0.0.1", "PORT": str(parts.port or 5432)}  # fmt: skip


def run(store: Any, n: int) -> dict[str, float]:
    """The stream through a desk on ``store``, then reads; seconds of each part."""
    from omnicx import FixedClock
    from omnicx.desk import Desk
    from omnicx.storage import InboxFilter

    events = synth.inbound(n)
    clock = FixedClock(events[0].message.sent_at)
    desk = Desk(store=store, clock=clock, rules=synth.rules(), sla=synth.sla())
    began = time.perf_counter()
    for event in events:
        clock.set(max(clock.now(), event.message.sent_at + timedelta(seconds=3)))
        desk.receive(event)
    received = time.perf_counter() - began
    began = time.perf_counter()
    for queue in (None, "billing", "orders", "support"):
        store.inbox(InboxFilter(queue=queue), limit=50)
        store.inbox_counts(InboxFilter(queue=queue))
    for words in ("order", "refund please", "broken item"):
        store.search(words)
    store.due(clock.now() + timedelta(days=30), limit=100)
    return {"receive": received, "read": time.perf_counter() - began}


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 messages")
    parser.add_argument("--n", type=int, default=None, help="messages (default 3,000)")
    args = parser.parse_args()
    n = args.n or (500 if args.quick else 3_000)
    from omnicx.storage import SqliteStore

    with tempfile.TemporaryDirectory() as folder:
        url = _postgres_url()
        # The journal SqliteStore itself sets, here as a host sets it in its settings.
        databases = {"default": {"ENGINE": "django.db.backends.sqlite3",
                                 "NAME": str(Path(folder) / "django.sqlite3"),
                                 "OPTIONS": {"init_command": WAL}}}  # fmt: skip
        if url is not None:
            databases["postgres"] = _django_postgres(url)
        try:
            _django(databases)
            from omnicx.contrib.django.store import DjangoStore

            pairs: list[tuple[str, Callable[[], Any], Callable[[], Any]]] = [
                ("SQLite file", lambda: DjangoStore(),
                 lambda: SqliteStore(Path(folder) / "peer.sqlite3")),
            ]  # fmt: skip
            if url is not None:
                from omnicx.storage import PostgresStore

                schema = f"omnicx_bench_{os.getpid()}"
                pairs.append(("PostgreSQL", lambda: DjangoStore("postgres"),
                              lambda: PostgresStore(url, schema=schema, max_size=1)))  # fmt: skip
            print(f"django_store: {n:,} messages through Desk.receive, one worker")
            for engine, ours, peer in pairs:
                mine = run(ours(), n)
                mine_peak = _peak_mib()
                theirs = run(peer(), n)
                print(f"  {engine}: DjangoStore {n / mine['receive']:,.0f} msg/s "
                      f"(reads {mine['read'] * 1000:,.0f} ms, peak RSS {mine_peak:,.0f} MiB); "
                      f"peer {n / theirs['receive']:,.0f} msg/s "
                      f"(reads {theirs['read'] * 1000:,.0f} ms, peak RSS {_peak_mib():,.0f} MiB); "
                      f"ratio {theirs['receive'] / mine['receive']:.2f}x the peer's throughput")  # fmt: skip
        finally:
            if url is not None:
                _drop(url)


def _drop(url: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DJANGO_DB}"')
        conn.execute(f'DROP SCHEMA IF EXISTS "omnicx_bench_{os.getpid()}" CASCADE')


if __name__ == "__main__":
    main()
