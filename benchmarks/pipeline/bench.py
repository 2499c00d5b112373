"""Messages per second through ``Desk.receive`` on MemoryStore and on SqliteStore.

Each store runs in its own child process pinned to one core, so peak RSS is
that store's alone. The desk has the example support rule set (35 rules) and
a business-hours SLA engine (VIP and standard policies, escalation ladder);
the clock follows the stream (each message is received a few seconds after
it was sent), as in live ingestion. SQLite writes a WAL file in a temporary
directory. ``--profile`` prints the top functions by own time (cProfile) for
the in-memory run.

The SQLite line also reports the store's floor: the exact statements the run
issued, replayed on a fresh file with no pipeline work in between, so the
share of SQLite itself in each message is measured, not guessed.

    benchmarks/run pipeline            # full size
    benchmarks/run pipeline --quick    # a few seconds
    benchmarks/run pipeline --profile  # where the time goes
    benchmarks/run pipeline --gc-threshold 50000  # a host that tunes the collector
    benchmarks/run pipeline --store postgres      # 1, 2 and 4 workers, PostgreSQL and SQLite

``--store postgres`` measures several worker processes against one server
(``--postgres``, default ``$OMNICX_TEST_POSTGRES`` or a local ``test``
database; a schema of its own, dropped after): receive throughput with 1, 2
and 4 workers next to SqliteStore with the same workers, p50/p99 latency,
conflicts (each one retry) per 1,000 messages, and PostgreSQL's floor: the
statements and transactions one desk ran, replayed alone on a fresh schema,
next to that desk's own time per message (see workers.py).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import pstats
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth import inbound, rules, sla

from omnicx.clock import FixedClock
from omnicx.desk import Desk
from omnicx.storage import DeskStore, MemoryStore, SqliteStore

TARGETS = {"memory": 20_000, "sqlite": 3_000}


def _pin_one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


class _Recorder:
    """A connection stand-in that records every statement it forwards."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        self.log: list[tuple[str, str, object]] = []

    def execute(self, sql: str, params: object = ()) -> sqlite3.Cursor:
        self.log.append(("one", sql, tuple(params)))  # type: ignore[arg-type]
        return self.connection.execute(sql, params)  # type: ignore[arg-type]

    def executemany(self, sql: str, rows: object) -> sqlite3.Cursor:
        rows = [tuple(row) for row in rows]  # type: ignore[attr-defined]
        self.log.append(("many", sql, rows))
        return self.connection.executemany(sql, rows)

    def close(self) -> None:
        self.connection.close()


def sql_floor(n: int, with_sla: bool, folder: Path) -> float:
    """CPU seconds per message of the SQL a run issues, replayed alone on a fresh file."""
    events = inbound(n)
    store = SqliteStore(folder / "recorded.db")
    recorder = _Recorder(store._db)
    store._db = recorder  # type: ignore[assignment]
    clock = FixedClock(events[0].message.sent_at)
    desk = Desk(store=store, clock=clock, rules=rules(), sla=sla() if with_sla else None)
    for event in events:
        clock.set(event.message.sent_at + timedelta(seconds=3))
        desk.receive(event)
    store.close()
    replay = SqliteStore(folder / "replayed.db")
    db = replay._db
    cpu = time.process_time()
    for kind, sql, params in recorder.log:
        if kind == "many":
            db.executemany(sql, params)  # type: ignore[arg-type]
        else:
            db.execute(sql, params).fetchall()  # type: ignore[arg-type]
    cpu = time.process_time() - cpu
    replay.close()
    return cpu / n


def run(
    store_name: str, n: int, profile: bool, with_sla: bool, gc_threshold: int | None = None
) -> dict[str, object]:
    """Receive ``n`` messages on a fresh store; return the figures (JSON-ready)."""
    _pin_one_core()
    if gc_threshold is not None:
        # A host's choice, never the library's: how often the cyclic collector runs.
        gc.set_threshold(gc_threshold, *gc.get_threshold()[1:])
    events = inbound(n)
    with tempfile.TemporaryDirectory() as folder:
        store: DeskStore = (
            MemoryStore() if store_name == "memory" else SqliteStore(Path(folder) / "desk.db")
        )
        clock = FixedClock(events[0].message.sent_at)
        desk = Desk(store=store, clock=clock, rules=rules(), sla=sla() if with_sla else None)
        lag = timedelta(seconds=3)
        profiler = cProfile.Profile() if profile else None
        latencies = []
        conversations = set()
        began, cpu = time.perf_counter(), time.process_time()
        if profiler is not None:
            profiler.enable()
        for event in events:
            clock.set(event.message.sent_at + lag)
            start = time.perf_counter()
            conversations.add(desk.receive(event).conversation_id)
            latencies.append(time.perf_counter() - start)
        if profiler is not None:
            profiler.disable()
        elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
        if isinstance(store, SqliteStore):
            store.close()
        # Peak memory of the run itself, before the floor's statement log.
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        floor = sql_floor(n, with_sla, Path(folder)) if store_name == "sqlite" else None
    latencies.sort()
    result: dict[str, object] = {
        "store": store_name,
        "n": n,
        "seconds": elapsed,
        "rate": n / elapsed,
        "cpu_rate": n / cpu,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
        "rss_mib": rss,
        "conversations": len(conversations),
        "sql_floor_us": None if floor is None else floor * 1e6,
    }
    if profiler is not None:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(15)
        result["profile"] = out.getvalue()
    return result


def postgres_main(n: int, url: str, counts: list[int], repeat: int) -> None:
    """The worker scaling table and PostgreSQL's floor (``--store postgres``)."""
    import workers

    schema = f"omnicx_pipeline_{os.getpid()}"
    print(f"Desk.receive, n={n} inbound messages, support rules + SLA, worker processes "
          f"on one PostgreSQL server / one SQLite file; best of {repeat}")  # fmt: skip
    print(f"  {'workers':>7} | {'postgres msg/s':>14} {'p50 ms':>7} {'p99 ms':>7} {'confl/1k':>8} "
          f"| {'sqlite msg/s':>12} {'p50 ms':>7} {'p99 ms':>7} {'confl/1k':>8}")  # fmt: skip
    rates: dict[tuple[str, int], float] = {}
    cpu: dict[tuple[str, int], tuple[float, float, float]] = {}
    for count in counts:
        line = f"  {count:>7}"
        for name in ("postgres", "sqlite"):
            best: dict[str, float] | None = None
            for _ in range(repeat):
                with tempfile.TemporaryDirectory() as folder:
                    where = (("postgres", url, schema) if name == "postgres"
                             else ("sqlite", str(Path(folder) / "desk.db")))  # fmt: skip
                    try:
                        r = workers.run_workers(where, n, count)
                    finally:
                        if name == "postgres":
                            workers.drop_schema(url, schema)
                if best is None or r["rate"] > best["rate"]:
                    best = r
            assert best is not None
            rates[name, count] = best["rate"]
            cpu[name, count] = (best["client_cpu_ms"], best["server_cpu_ms"], best["load"])
            width = 14 if name == "postgres" else 12
            line += (f" | {best['rate']:>{width},.0f} {best['p50_ms']:>7.2f} {best['p99_ms']:>7.2f}"
                     f" {best['conflicts_per_1000']:>8.1f}")  # fmt: skip
        print(line, flush=True)
    for (name, count), (client, server, load) in cpu.items():
        if name == "postgres":
            print(f"  postgres, {count} workers: CPU per message {client:.2f} ms in the workers, "
                  f"{server:.2f} ms in their server processes (load average {load:.1f})")  # fmt: skip
    for name in ("postgres", "sqlite"):
        if (name, 1) in rates and (name, 2) in rates:
            ratio = rates[name, 2] / rates[name, 1]
            goal = (" (goal >= 1.6: " + ("meets" if ratio >= 1.6 else "MISSES") + ")"
                    if name == "postgres" else "")  # fmt: skip
            print(f"  {name}: 2 workers = {ratio:.2f}x one worker{goal}")
    floors = [workers.postgres_floor(url, schema, n) for _ in range(repeat)]
    f = min(floors, key=lambda x: x["floor_s"])
    desk = min(x["recorded_s"] for x in floors)
    ratio = desk / f["floor_s"]
    print(f"  PostgreSQL floor: one desk on one connection {desk * 1e6:,.0f} µs per message; "
          f"its {f['statements']:.1f} statements in {f['transactions']:.2f} transactions per "
          f"message replayed alone {f['floor_s'] * 1e6:,.0f} µs; desk = {ratio:.2f}x the floor "
          f"(goal <= 2: {'meets' if ratio <= 2 else 'MISSES'})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small run for development")
    parser.add_argument("--n", type=int, default=None, help="messages per store")
    parser.add_argument("--profile", action="store_true", help="cProfile the in-memory run")
    parser.add_argument("--no-sla", action="store_true", help="run the desk without SLAs")
    parser.add_argument(
        "--gc-threshold",
        type=int,
        default=None,
        help="run as a host that raised the collector's first threshold (default: Python's)",
    )
    parser.add_argument("--child", choices=sorted(TARGETS), help=argparse.SUPPRESS)
    parser.add_argument(
        "--store", choices=("postgres",), default=None,
        help="measure worker processes on PostgreSQL next to SQLite",
    )  # fmt: skip
    parser.add_argument(
        "--postgres",
        default=os.environ.get("OMNICX_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"),
        help="the PostgreSQL database for --store postgres",
    )
    parser.add_argument("--workers", default="1,2,4", help="worker counts for --store postgres")
    parser.add_argument("--repeat", type=int, default=2, help="runs per figure (best kept)")
    args = parser.parse_args()
    if args.store == "postgres":
        n = args.n or (600 if args.quick else 3_000)
        counts = [int(c) for c in args.workers.split(",")]
        postgres_main(n, args.postgres, counts, args.repeat)
        return
    n = args.n or (1_000 if args.quick else 10_000)
    if args.child:
        print(json.dumps(run(args.child, n, args.profile, not args.no_sla, args.gc_threshold)))
        return
    setup = "support rules" + ("" if args.no_sla else " + SLA")
    if args.gc_threshold is not None:
        setup += f", gc threshold {args.gc_threshold:,}"
    print(f"Desk.receive, n={n} inbound messages, {setup}, one core")
    for store in ("memory", "sqlite"):
        command = [sys.executable, __file__, "--child", store, "--n", str(n)]
        if args.profile and store == "memory":
            command.append("--profile")
        if args.no_sla:
            command.append("--no-sla")
        if args.gc_threshold is not None:
            command += ["--gc-threshold", str(args.gc_threshold)]
        child = subprocess.run(command, capture_output=True, text=True)
        if child.returncode != 0:
            sys.exit(f"{store} run failed:\n{child.stderr}")
        r = json.loads(child.stdout.strip().splitlines()[-1])
        verdict = "meets" if r["rate"] >= TARGETS[store] else "MISSES"
        print(
            f"  {store:7} {r['rate']:10,.0f} msg/s (CPU time: {r['cpu_rate']:,.0f}/s)  p50 {r['p50_ms']:6.2f} ms  "
            f"p99 {r['p99_ms']:7.2f} ms  peak RSS {r['rss_mib']:6,.0f} MiB  "
            f"{r['conversations']:,} conversations  ({verdict} target {TARGETS[store]:,}/s)"
        )
        if r["sql_floor_us"] is not None:
            print(
                f"          its SQL alone, replayed without the pipeline: {r['sql_floor_us']:.0f} µs "
                f"CPU per message (a ceiling of {1e6 / r['sql_floor_us']:,.0f} msg/s)"
            )
        if "profile" in r:
            print(r["profile"])


if __name__ == "__main__":
    main()
