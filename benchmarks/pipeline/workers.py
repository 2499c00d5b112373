"""The pipeline with several worker processes on one store, and PostgreSQL's own floor.

``run_workers`` starts ``workers`` processes (spawn) that receive the
stream's messages round-robin (so one customer's messages land on several
workers and their commits race) on one SQLite file or one PostgreSQL
schema, retrying lost races; it reports the rate from the common start to
the last worker's end, p50/p99 latency per message (retries included) and
the conflicts met.

``postgres_floor`` runs the same stream through one desk on a connection
that records every statement and transaction boundary, then replays the
log alone on a fresh schema: the server's own cost per message.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool
from synth import inbound, rules, sla

from omnicx.clock import FixedClock
from omnicx.desk import Desk
from omnicx.errors import ConflictError, StoreBusyError
from omnicx.storage import DeskStore, PostgresStore, SqliteStore

RETRIES = 50


def open_store(where: tuple[str, ...], pool_size: int = 1) -> DeskStore:
    """``("sqlite", path)`` or ``("postgres", url, schema)``."""
    if where[0] == "postgres":
        return PostgresStore(where[1], schema=where[2], max_size=pool_size)
    return SqliteStore(where[1])


def drop_schema(url: str, schema: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _work(where: tuple[str, ...], n: int, index: int, workers: int, start: Any, out: Any) -> None:
    try:
        events = inbound(n)[index::workers]
        store = open_store(where)
        clock = FixedClock(events[0].message.sent_at)
        desk = Desk(store=store, clock=clock, rules=rules(), sla=sla())
        latencies, conflicts, busy = [], 0, 0
        backend = _backend_pid(store)
        start.wait(timeout=120)
        began, cpu, server = time.monotonic(), time.process_time(), _cpu_of(backend)
        for event in events:
            clock.set(max(clock.now(), event.message.sent_at + timedelta(seconds=3)))
            t = time.perf_counter()
            for attempt in range(RETRIES + 1):
                try:
                    desk.receive(event)
                    break
                except ConflictError:
                    conflicts += 1
                except StoreBusyError:
                    busy += 1
                if attempt == RETRIES:
                    raise RuntimeError(f"gave up on {event.message.id}")
            latencies.append(time.perf_counter() - t)
        ended = time.monotonic()
        cpu, server = time.process_time() - cpu, _cpu_of(backend) - server
        store.close()  # type: ignore[attr-defined]
        out.put({"began": began, "ended": ended, "latencies": latencies, "cpu": cpu,
                 "server_cpu": server, "conflicts": conflicts, "busy": busy,
                 "error": None})  # fmt: skip
    except BaseException as error:
        start.abort()
        out.put({"error": repr(error)})


def _backend_pid(store: DeskStore) -> int | None:
    # The server process behind the store's one connection (same machine).
    pool = getattr(store, "_pool", None)
    if pool is None:
        return None
    with pool.connection() as conn:
        return int(conn.info.backend_pid)


def _cpu_of(pid: int | None) -> float:
    """CPU seconds a local process has used (0 when unknown)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_workers(where: tuple[str, ...], n: int, workers: int) -> dict[str, Any]:
    """Receive ``n`` messages with ``workers`` processes on one store; the figures."""
    open_store(where).close()  # type: ignore[attr-defined]  # migrated before the start
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(workers)
    out = context.Queue()
    processes = [
        context.Process(target=_work, args=(where, n, i, workers, start, out))
        for i in range(workers)
    ]
    for process in processes:
        process.start()
    results = [out.get(timeout=3600) for _ in processes]
    for process in processes:
        process.join()
    errors = [r["error"] for r in results if r["error"]]
    if errors:
        raise RuntimeError(f"worker failed: {errors}")
    wall = max(r["ended"] for r in results) - min(r["began"] for r in results)
    latencies = sorted(x for r in results for x in r["latencies"])
    conflicts = sum(r["conflicts"] + r["busy"] for r in results)
    return {
        "workers": workers,
        "rate": n / wall,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
        # Every conflict is one retry: per 1,000 messages received.
        "conflicts_per_1000": 1000 * conflicts / n,
        # CPU per message: the workers' own, and their server processes'.
        "client_cpu_ms": 1000 * sum(r["cpu"] for r in results) / n,
        "server_cpu_ms": 1000 * sum(r["server_cpu"] for r in results) / n,
        "load": os.getloadavg()[0],
    }


# -- the floor: the desk's statements, replayed alone ----------------------------

_LOG: list[tuple[Any, ...]] = []


class _RecordingCursor(psycopg.Cursor[Any]):
    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:  # type: ignore[override]
        _LOG.append(("one", query, params))
        return super().execute(query, params, **kwargs)

    def executemany(self, query: Any, params_seq: Any, **kwargs: Any) -> None:  # type: ignore[override]
        rows = list(params_seq)
        _LOG.append(("many", query, rows))
        super().executemany(query, rows, **kwargs)


class _RecordingConnection(psycopg.Connection[Any]):
    depth = 0

    @contextmanager  # type: ignore[override]
    def transaction(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        depth = self.depth
        _LOG.append(("begin", depth))
        self.depth += 1
        try:
            with super().transaction(*args, **kwargs) as tx:
                yield tx
        except BaseException:
            _LOG.append(("rollback", depth))
            raise
        else:
            _LOG.append(("commit", depth))
        finally:
            self.depth -= 1


def _replay(conn: psycopg.Connection[Any], log: list[tuple[Any, ...]]) -> None:
    cur = conn.cursor()
    for entry in log:
        kind = entry[0]
        if kind == "begin":
            cur.execute("BEGIN" if entry[1] == 0 else f"SAVEPOINT s{entry[1]}")
        elif kind == "commit":
            cur.execute("COMMIT" if entry[1] == 0 else f"RELEASE SAVEPOINT s{entry[1]}")
        elif kind == "rollback":
            cur.execute("ROLLBACK" if entry[1] == 0 else f"ROLLBACK TO SAVEPOINT s{entry[1]}")
        elif kind == "many":
            cur.executemany(entry[1], entry[2])
        else:
            cur.execute(entry[1], entry[2])
            if cur.description is not None:
                cur.fetchall()


def postgres_floor(url: str, schema: str, n: int) -> dict[str, float]:
    """Seconds per message: the desk on one connection, and its statements replayed alone."""
    events = inbound(n)
    drop_schema(url, schema)
    pool = ConnectionPool(url, connection_class=_RecordingConnection, min_size=1, max_size=1,
                          kwargs={"autocommit": True, "cursor_factory": _RecordingCursor},
                          open=True)  # fmt: skip
    store = PostgresStore(pool=pool, schema=schema)
    clock = FixedClock(events[0].message.sent_at)
    desk = Desk(store=store, clock=clock, rules=rules(), sla=sla())
    _LOG.clear()
    began = time.perf_counter()
    for event in events:
        clock.set(event.message.sent_at + timedelta(seconds=3))
        desk.receive(event)
    recorded = time.perf_counter() - began
    log = list(_LOG)
    pool.close()
    drop_schema(url, schema)
    PostgresStore(url, schema=schema, max_size=1).close()  # a fresh, migrated schema
    with psycopg.connect(url, autocommit=True) as conn:
        began = time.perf_counter()
        _replay(conn, log)
        replayed = time.perf_counter() - began
    drop_schema(url, schema)
    statements = sum(1 for e in log if e[0] in ("one", "many"))
    transactions = sum(1 for e in log if e[0] == "begin" and e[1] == 0)
    return {"recorded_s": recorded / n, "floor_s": replayed / n,
            "statements": statements / n, "transactions": transactions / n}  # fmt: skip
