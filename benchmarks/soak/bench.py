"""Soak: several worker processes on one store, with redelivered webhooks.

    benchmarks/run soak                  # 100,000 messages, 4 workers, 20% redelivered
    benchmarks/run soak --quick          # 5,000 messages
    benchmarks/run soak --workers 2 --n 20000
    benchmarks/run soak --quick --store postgres   # a schema of its own, dropped after

The store is one SQLite file (the default) or, with ``--store postgres``, a
fresh schema of the PostgreSQL database ``--postgres`` names (default
``$OMNICX_TEST_POSTGRES`` or a local server's ``test`` database).

The stream is the pipeline benchmark's (one shop, many customers, threads
across channels). Each message goes to a worker round-robin; a share of them
is delivered again, a little later, to another worker, as providers
redeliver while the first delivery is still in flight. Workers retry a call
that loses a race (``ConflictError``, a locked database) up to 20 times. At
the end the file is checked against what a host relies on: every distinct
message stored exactly once, every conversation with its creation event, no
linking identifier on two live customers, no message lost. Prints
throughput, retries and peak memory; exits 1 when an invariant is broken.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "pipeline"))

import synth

from omnicx import FixedClock
from omnicx.desk import Desk
from omnicx.errors import ConflictError, StoreBusyError
from omnicx.identity import current_profile, match_key
from omnicx.model import MessageEvent, StatusChanged
from omnicx.storage import DeskStore, SqliteStore

RETRIES = 20
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def open_store(where: tuple[str, ...]) -> DeskStore:
    """``("sqlite", path)`` or ``("postgres", url, schema)``: the store the workers share."""
    if where[0] == "postgres":
        from omnicx.storage import PostgresStore

        return PostgresStore(where[1], schema=where[2], max_size=1)
    return SqliteStore(where[1])


def deliveries(n: int, workers: int, redeliver: float, seed: int = 3) -> list[list[int]]:
    """Per worker, the message numbers it receives, in order (redeliveries included)."""
    rng = random.Random(seed)
    plan: list[list[int]] = [[] for _ in range(workers)]
    for number in range(n):
        plan[number % workers].append(number)
        if rng.random() < redeliver:
            # The copy reaches another worker (or the same one, when alone).
            other = (number + 1 + rng.randrange(max(1, workers - 1))) % workers
            plan[other].append(number)
    return plan


def work(where: tuple[str, ...], n: int, numbers: list[int]) -> dict[str, float]:
    """One worker: receive its messages on the shared store, retrying lost races."""
    events = synth.inbound(n)
    store = open_store(where)
    clock = FixedClock(events[0].message.sent_at)
    desk = Desk(store=store, clock=clock, rules=synth.rules(), sla=synth.sla())
    retries = failures = 0
    began = time.process_time()
    for number in numbers:
        event = events[number]
        clock.set(max(clock.now(), event.message.sent_at + timedelta(seconds=3)))
        for attempt in range(RETRIES + 1):
            try:
                desk.receive(event)
                break
            except (ConflictError, StoreBusyError, sqlite3.OperationalError) as error:
                retries += 1
                failures += attempt == RETRIES
                if attempt == RETRIES:
                    print(f"  gave up on message {number}: {error}", file=sys.stderr)
    store.close()  # type: ignore[attr-defined]
    return {
        "calls": len(numbers),
        "retries": retries,
        "failures": failures,
        "cpu": time.process_time() - began,
        "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def check(where: tuple[str, ...], n: int) -> dict[str, int]:
    """What the store holds, against the invariants a host relies on."""
    store = open_store(where)
    events = store.events()
    stored = Counter(e.message.id for e in events if isinstance(e, MessageEvent))
    created = {
        e.conversation_id for e in events if isinstance(e, StatusChanged) and e.previous is None
    }
    conversations = {e.conversation_id for e in events if e.conversation_id is not None}
    several = 0
    for key in sorted({match_key(i) for event in synth.inbound(n) for i in event.sender}):
        link = store.link(key)
        if link is None or link.shared is not None:
            continue  # a shared value (a family phone) links no one, by design
        several += len({current_profile(store, p).id for p in link.profile_ids}) > 1
    store.close()  # type: ignore[attr-defined]
    return {
        "messages stored": len(stored),
        "messages lost": n - len(stored),
        "messages stored twice": sum(1 for count in stored.values() if count > 1),
        "conversations": len(conversations),
        "conversations without a creation event": len(conversations - created),
        "identifiers on several live profiles": several,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 messages")
    parser.add_argument("--n", type=int, default=None, help="distinct messages (default 100,000)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--redeliver", type=float, default=0.2, help="share delivered twice")
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("OMNICX_TEST_POSTGRES", DEFAULT_POSTGRES),
        help="the PostgreSQL database for --store postgres",
    )
    args = parser.parse_args()
    n = args.n or (5_000 if args.quick else 100_000)
    plan = deliveries(n, args.workers, args.redeliver)
    with tempfile.TemporaryDirectory() as folder:
        if args.store == "postgres":
            where: tuple[str, ...] = ("postgres", args.postgres, f"omnicx_soak_{os.getpid()}")
            label = f"one PostgreSQL schema ({where[2]})"
        else:
            where, label = ("sqlite", str(Path(folder) / "desk.db")), "one SQLite file"
        try:
            open_store(where).close()  # type: ignore[attr-defined]  # created before the workers
            began = time.perf_counter()
            with ProcessPoolExecutor(args.workers) as pool:
                results = list(pool.map(work, [where] * args.workers, [n] * args.workers, plan))
            wall = time.perf_counter() - began
            found = check(where, n)
        finally:
            if args.store == "postgres":
                import psycopg

                with psycopg.connect(args.postgres, autocommit=True) as conn:
                    conn.execute(f'DROP SCHEMA IF EXISTS "{where[2]}" CASCADE')
    calls = sum(r["calls"] for r in results)
    print(f"soak: {n:,} messages, {calls:,.0f} deliveries ({args.redeliver:.0%} redelivered), "
          f"{args.workers} workers on {label}")  # fmt: skip
    print(f"  throughput   {calls / wall:,.0f} deliveries/s wall ({wall:.1f} s), "
          f"CPU {sum(r['cpu'] for r in results):.1f} s")  # fmt: skip
    print(f"  retries      {sum(r['retries'] for r in results):,.0f}, "
          f"calls given up {sum(r['failures'] for r in results):,.0f}")  # fmt: skip
    print(f"  peak RSS     {max(r['rss_mib'] for r in results):,.0f} MiB per worker")
    for name, value in found.items():
        print(f"  {name:<40} {value:,}")
    broken = (found["messages lost"], found["messages stored twice"],
              found["conversations without a creation event"],
              found["identifiers on several live profiles"])  # fmt: skip
    sys.exit(1 if any(broken) else 0)


if __name__ == "__main__":
    main()
