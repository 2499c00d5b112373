"""The multi-process proof at full size: 8 workers, 20,000 messages, each delivered 1-3 times.

    benchmarks/run procs                     # SQLite file, 20,000 messages, 8 workers
    benchmarks/run procs --store postgres    # a fresh PostgreSQL schema, dropped after
    benchmarks/run procs --store django-sqlite    # DjangoStore, each worker its own Django
    benchmarks/run procs --store django-postgres  # DjangoStore on a fresh PostgreSQL schema
    benchmarks/run procs --n 5000 --workers 4

The harness is ``omnicx.testing._processes`` (the one tests/storage/
test_processes.py runs at a small size): one shuffled stream of customer
messages and racing agent actions, every item delivered 1-3 times to
different worker processes (spawn). Afterwards the store is checked (each
message stored once, no identifier on two live profiles, no agent action
lost, nothing half-written) and its final state compared with a serial run
of the same deliveries on MemoryStore, measured in the same run (the peer).
Prints throughput, retries per 1,000 deliveries and peak RSS; exits 1 when
a check fails or the states differ.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from omnicx.storage import DeskStore, MemoryStore
from omnicx.testing import _processes as procs

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="distinct customer messages")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument(
        "--store",
        choices=("sqlite", "postgres", "django-sqlite", "django-postgres"),
        default="sqlite",
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("OMNICX_TEST_POSTGRES", DEFAULT_POSTGRES),
        help="the PostgreSQL database for --store postgres",
    )
    args = parser.parse_args()
    spec = procs.StreamSpec(messages=args.n, workers=args.workers)
    stream = procs.make_stream(spec)
    with tempfile.TemporaryDirectory() as folder:
        factory: procs.StoreFactory
        if args.store.startswith("django"):
            run, problems, state = _django(args, spec, folder)
        elif args.store == "postgres":
            factory = procs.PostgresFactory(args.postgres, f"omnicx_procs_{os.getpid()}")
        else:
            factory = procs.SqliteFactory(str(Path(folder) / "desk.db"))
        if not args.store.startswith("django"):
            store: DeskStore = factory()  # migrated before the workers start
            try:
                run = procs.run_processes(factory, spec, timeout=3600)
                problems = procs.violations(store, stream)
                state = procs.comparable_state(store, stream)
            finally:
                store.close()  # type: ignore[attr-defined]
                if args.store == "postgres":
                    _drop(args.postgres, factory.schema)  # type: ignore[attr-defined]
    serial = MemoryStore()
    began = time.perf_counter()
    procs.run_serial(serial, spec)
    serial_seconds = time.perf_counter() - began
    same = procs.comparable_state(serial, stream) == state
    calls = run["calls"]
    print(f"procs: {args.n:,} messages + {len(stream.actions):,} agent actions, {calls:,} "
          f"deliveries (each 1-3 times), {args.workers} worker processes on {args.store}")  # fmt: skip
    print(f"  throughput   {calls / run['seconds']:,.0f} deliveries/s wall ({run['seconds']:.1f} s), "
          f"CPU {run['cpu']:.1f} s; serial on MemoryStore {calls / serial_seconds:,.0f}/s "
          f"(ratio {serial_seconds / run['seconds']:.2f})")  # fmt: skip
    print(f"  retries      {run['retries']:,} ({1000 * run['retries'] / calls:.1f} per 1,000 "
          f"deliveries), calls given up {len(run['failures'])}")  # fmt: skip
    print(
        f"  peak RSS     {run['rss_mib']:,.0f} MiB per worker, "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB here"
    )
    print(f"  violations   {len(problems)}" + "".join(f"\n    {p}" for p in problems[:20]))
    print(
        f"  final state  {'equals' if same else 'DIFFERS FROM'} the serial run's "
        f"({len(state):,} conversations compared)"
    )
    for failure in run["failures"][:20]:
        print(f"  gave up: {failure}", file=sys.stderr)
    sys.exit(0 if same and not problems and not run["failures"] else 1)


def _drop(url: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _django(
    args: argparse.Namespace, spec: procs.StreamSpec, folder: str
) -> tuple[dict[str, Any], list[str], frozenset[Any]]:
    # Each worker sets up its own Django from procs_django_settings (beside
    # this file); migrating and the checks run in processes of their own too.
    schema = f"omnicx_procs_django_{os.getpid()}"
    if args.store == "django-postgres":
        import psycopg

        with psycopg.connect(args.postgres, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        database = procs.django_postgres(args.postgres, schema)
    else:
        database = procs.django_sqlite(Path(folder) / "db.sqlite3")
    factory = procs.DjangoFactory("procs_django_settings", database)
    try:
        procs.in_process(factory.migrate)
        run = procs.run_processes(factory, spec, timeout=3600)
        problems, state, _ = procs.in_process(procs.check, factory, spec, timeout=3600)
    finally:
        if args.store == "django-postgres":
            _drop(args.postgres, schema)
    return run, problems, state


if __name__ == "__main__":
    main()
