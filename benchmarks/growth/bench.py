"""Does a message cost the same when the store is large? Rate, p99, RSS and bytes per 10,000.

One desk receives 100,000 messages from 10,000 customers over 60 days (the
pipeline benchmark's generator, rules and SLAs), on SqliteStore (a file in
a temporary directory), PostgresStore (a schema of its own, dropped after)
or MemoryStore, in one process pinned to one core. Among them, one message
in ten comes from one of two regulars who keep writing for the whole run:
a chat customer in one long session, and an email customer replying on one
thread, so each ends up with thousands of messages in one conversation and
thousands of observations on one profile.

For each block of 10,000 messages it prints the rate (wall and CPU), p50
and p99 latency, the process's RSS, the bytes written per message (SQLite:
what the process wrote to its files, WAL and checkpoints included;
PostgreSQL: the text and bytes of the statements' parameters the process
sent, the rows it wrote; the server's WAL would count every other client
of a shared server too) and the largest conversation and profile record
stored.
After each block it times a named peer on the same core: the same 1,000
messages into a fresh desk on an empty MemoryStore, whose cost never
grows, so a machine that slows down (other processes sharing the cores)
shows there and not as growth. Then the last block's CPU rate as a share
of the first's, raw and relative to the peer's (1.00: the cost does not
grow with the data), and the RSS growth after the first block.

    benchmarks/run growth                   # SqliteStore, 100,000 messages
    benchmarks/run growth --store postgres  # a fresh schema of --postgres
    benchmarks/run growth --store memory
    benchmarks/run growth --n 20000         # quicker
    benchmarks/run growth --regulars 0      # only the pipeline stream
    benchmarks/run growth --n 20000 --block 4000   # five lines of 4,000
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "pipeline"))

from synth import inbound, rules, sla

from omnicx.channels import MessageReceived
from omnicx.clock import FixedClock
from omnicx.desk import Desk
from omnicx.model import Author, AuthorKind, Channel, Direction, Identifier, Message, ThreadRefs
from omnicx.storage import DeskStore, MemoryStore, SqliteStore
from omnicx.timeline import reply_references

BLOCK = 10_000
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def _rss_mib() -> float:
    # Current RSS from /proc where there is one; the peak elsewhere.
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _written_by_process() -> int:
    # Bytes this process handed to write(2): SQLite's WAL frames and checkpoints.
    try:
        with open("/proc/self/io") as io:
            for line in io:
                if line.startswith("wchar:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def peer_rate(stream: list[MessageReceived]) -> float:
    """Messages per CPU second of ``stream`` into a fresh desk on an empty MemoryStore."""
    clock = FixedClock(stream[0].message.sent_at)
    desk = Desk(store=MemoryStore(), clock=clock, rules=rules(), sla=sla())
    began = time.process_time()
    for event in stream:
        clock.set(event.message.sent_at + timedelta(seconds=3))
        desk.receive(event)
    return len(stream) / (time.process_time() - began)


def with_regulars(stream: list[MessageReceived], share: float) -> list[MessageReceived]:
    """``stream`` with every ``1/share``-th message replaced by one of two regulars'.

    The chat regular writes in one session (one provider thread); the email
    regular replies to their previous message each time (In-Reply-To and
    References, as a mail client sends them). Both write just after the
    message they replace, so the stream stays in sent order.
    """
    if share <= 0:
        return stream
    every = max(1, round(1 / share))
    out: list[MessageReceived] = []
    previous: ThreadRefs | None = None
    for number, event in enumerate(stream):
        if number % every != every - 1:
            out.append(event)
            continue
        at = event.message.sent_at
        if (number // every) % 2 == 0:
            refs = ThreadRefs(provider_thread_id="regular-session")
            channel, sender = Channel.CHAT, (Identifier.handle("chat", "regular"),)
        else:
            parent = previous
            refs = ThreadRefs(
                message_id=f"regular{number}@mail.example",
                in_reply_to=() if parent is None else (parent.message_id or "",),
                references=() if parent is None else reply_references(parent),
                subject="Re: my account",
            )
            previous = refs
            channel = Channel.EMAIL
            sender = (Identifier.email("regular@example.com", verified=True),)
        message = Message(
            id=f"{channel.name}:regular{number}",
            channel=channel,
            direction=Direction.INBOUND,
            author=Author(kind=AuthorKind.CUSTOMER, id="regular"),
            sent_at=at,
            text="Hello again, one more question about my account",
            external_id=f"regular{number}",
            thread=refs,
        )
        out.append(MessageReceived(message=message, sender=sender))
    return out


@contextmanager
def open_store(
    kind: str, folder: str, postgres: str
) -> Iterator[tuple[DeskStore, Callable[[], int], Callable[[], tuple[int, int]]]]:
    """The store, a counter of bytes written so far, and its largest records (conversation, profile)."""
    if kind == "memory":
        yield MemoryStore(), lambda: 0, lambda: (0, 0)
        return
    if kind == "sqlite":
        sqlite = SqliteStore(Path(folder) / "desk.db")
        db = sqlite._db

        def largest_sqlite() -> tuple[int, int]:
            row = db.execute(
                "SELECT (SELECT max(length(CAST(data AS BLOB))) FROM conversations),"
                " (SELECT max(length(CAST(data AS BLOB))) FROM profiles)"
            ).fetchone()
            return int(row[0] or 0), int(row[1] or 0)

        try:
            yield sqlite, _written_by_process, largest_sqlite
        finally:
            sqlite.close()
        return
    import psycopg

    from omnicx.storage import PostgresStore

    schema = f"omnicx_growth_{os.getpid()}"
    store = PostgresStore(postgres, schema=schema, max_size=1)
    probe = psycopg.connect(postgres, autocommit=True)
    sent = [0]
    execute, executemany = psycopg.Cursor.execute, psycopg.Cursor.executemany

    def size(params: Any) -> int:
        return sum(len(p) for p in params or () if isinstance(p, str | bytes))

    def counted_execute(cursor: Any, query: Any, params: Any = None, **kw: Any) -> Any:
        sent[0] += size(params)
        return execute(cursor, query, params, **kw)

    def counted_executemany(cursor: Any, query: Any, rows: Any, **kw: Any) -> Any:
        rows = list(rows)
        sent[0] += sum(size(row) for row in rows)
        return executemany(cursor, query, rows, **kw)

    psycopg.Cursor.execute = counted_execute  # type: ignore[method-assign]
    psycopg.Cursor.executemany = counted_executemany  # type: ignore[method-assign]

    def largest_postgres() -> tuple[int, int]:
        row = probe.execute(
            f'SELECT (SELECT max(octet_length(data)) FROM "{schema}".conversations),'
            f' (SELECT max(octet_length(data)) FROM "{schema}".profiles)'
        ).fetchone()
        return (int(row[0] or 0), int(row[1] or 0)) if row else (0, 0)

    try:
        yield store, lambda: sent[0], largest_postgres
    finally:
        psycopg.Cursor.execute, psycopg.Cursor.executemany = execute, executemany  # type: ignore[method-assign]
        store.close()
        probe.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        probe.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--store", choices=("sqlite", "postgres", "memory"), default="sqlite")
    parser.add_argument("--n", type=int, default=100_000, help="messages")
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--block", type=int, default=BLOCK, help="messages per line")
    parser.add_argument(
        "--regulars", type=float, default=0.1, help="share of messages from the two regulars"
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("OMNICX_TEST_POSTGRES", DEFAULT_POSTGRES),
        help="the PostgreSQL database for --store postgres",
    )
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    events = with_regulars(inbound(args.n, customers=args.customers, days=args.days), args.regulars)
    print(f"growth: {args.n:,} messages, {args.customers:,} customers, {args.days} days, "
          f"{args.regulars:.0%} from two regulars, {args.store}, one core")  # fmt: skip
    with (
        tempfile.TemporaryDirectory() as folder,
        open_store(args.store, folder, args.postgres) as (store, written, largest),
    ):
        clock = FixedClock(events[0].message.sent_at)
        desk = Desk(store=store, clock=clock, rules=rules(), sla=sla())
        peer_stream = inbound(1_000, customers=200, seed=11)
        rates: list[float] = []
        peers: list[float] = []
        rss: list[float] = []
        for start in range(0, len(events), args.block):
            block = events[start : start + args.block]
            latencies = []
            before = written()
            wall, cpu = time.perf_counter(), time.process_time()
            for event in block:
                clock.set(event.message.sent_at + timedelta(seconds=3))
                began = time.perf_counter()
                desk.receive(event)
                latencies.append(time.perf_counter() - began)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            per_message = (written() - before) / len(block)
            conversation, profile = largest()
            latencies.sort()
            rates.append(len(block) / cpu)
            peers.append(peer_rate(peer_stream))
            rss.append(_rss_mib())
            p50 = latencies[len(latencies) // 2] * 1000
            p99 = latencies[int(len(latencies) * 0.99)] * 1000
            print(f"  messages {start + 1:>7,}-{start + len(block):>7,}: "
                  f"{len(block) / wall:6,.0f} msg/s (CPU {rates[-1]:6,.0f}/s)  "
                  f"p50 {p50:5.2f} ms  p99 {p99:6.2f} ms  RSS {rss[-1]:4.0f} MiB  "
                  f"written {per_message / 1024:6.1f} KiB/msg  largest record: "
                  f"conversation {conversation / 1024:6.1f} KiB, profile {profile / 1024:5.1f} KiB  "
                  f"peer CPU {peers[-1]:6,.0f}/s")  # fmt: skip
    if len(rates) > 1:
        relative = (rates[-1] / peers[-1]) / (rates[0] / peers[0])
        print(f"  last block's CPU rate / first block's: x{rates[-1] / rates[0]:.2f}, "
              f"x{relative:.2f} relative to the peer's (goal: at least x0.80); "
              f"RSS growth after the first block: "
              f"{rss[-1] - rss[0]:+.0f} MiB (goal: under 100)")  # fmt: skip


if __name__ == "__main__":
    main()
