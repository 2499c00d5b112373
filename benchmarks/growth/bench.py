"""Does a message cost the same when the store is large? Rate, p99 and RSS per 10,000.

One desk receives 100,000 messages from 10,000 customers over 60 days (the
pipeline benchmark's generator, rules and SLAs), on SqliteStore (a file in
a temporary directory) or MemoryStore, in one process pinned to one core.
For each block of 10,000 messages it prints the rate (wall and CPU), p50
and p99 latency and the process's RSS, then the last block's CPU rate as a
share of the first's (1.00: the cost does not grow with the data) and the
RSS growth after the first block.

    benchmarks/run growth                   # SqliteStore, 100,000 messages
    benchmarks/run growth --store memory
    benchmarks/run growth --n 20000         # quicker
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "pipeline"))

from synth import inbound, rules, sla

from omnicx.clock import FixedClock
from omnicx.desk import Desk
from omnicx.storage import DeskStore, MemoryStore, SqliteStore

BLOCK = 10_000


def _rss_mib() -> float:
    # Current RSS from /proc where there is one; the peak elsewhere.
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--store", choices=("sqlite", "memory"), default="sqlite")
    parser.add_argument("--n", type=int, default=100_000, help="messages")
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=60)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    events = inbound(args.n, customers=args.customers, days=args.days)
    print(f"growth: {args.n:,} messages, {args.customers:,} customers, {args.days} days, "
          f"{args.store}, one core")  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        store: DeskStore = (
            MemoryStore() if args.store == "memory" else SqliteStore(Path(folder) / "desk.db")
        )
        clock = FixedClock(events[0].message.sent_at)
        desk = Desk(store=store, clock=clock, rules=rules(), sla=sla())
        rates: list[float] = []
        rss: list[float] = []
        for start in range(0, len(events), BLOCK):
            block = events[start : start + BLOCK]
            latencies = []
            wall, cpu = time.perf_counter(), time.process_time()
            for event in block:
                clock.set(event.message.sent_at + timedelta(seconds=3))
                began = time.perf_counter()
                desk.receive(event)
                latencies.append(time.perf_counter() - began)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            latencies.sort()
            rates.append(len(block) / cpu)
            rss.append(_rss_mib())
            p50 = latencies[len(latencies) // 2] * 1000
            p99 = latencies[int(len(latencies) * 0.99)] * 1000
            print(f"  messages {start + 1:>7,}-{start + len(block):>7,}: "
                  f"{len(block) / wall:7,.0f} msg/s (CPU {rates[-1]:7,.0f}/s)  "
                  f"p50 {p50:6.2f} ms  p99 {p99:7.2f} ms  RSS {rss[-1]:6.0f} MiB")  # fmt: skip
    if len(rates) > 1:
        print(f"  last block's CPU rate / first block's: x{rates[-1] / rates[0]:.2f} "
              f"(goal: at least x0.80); RSS growth after the first block: "
              f"{rss[-1] - rss[0]:+.0f} MiB (goal: under 100)")  # fmt: skip


if __name__ == "__main__":
    main()
