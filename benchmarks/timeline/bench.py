"""Timeline benchmarks: streaming merge throughput and memory, threading throughput.

    benchmarks/run timeline            # full size: 10M events, 100k messages
    benchmarks/run timeline --quick    # small sizes while developing
    python benchmarks/timeline/bench.py --events 2000000 --messages 50000

Each merge variant runs in its own process so its peak RSS is its own.
Throughput is given per wall-clock second and per CPU second of the process:
on a shared machine the second is the cost of the code itself.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from omnicx.model import (
    Author,
    AuthorKind,
    Channel,
    Direction,
    Message,
    NoteEvent,
    Status,
    ThreadRefs,
)
from omnicx.timeline import (
    DEFAULT_ORDER,
    ConversationSummary,
    ThreadIndex,
    ThreadingPolicy,
    merge_keyed,
    merge_streams,
    thread,
    utc_micros,
)

SOURCES = 10
T0 = datetime(2024, 1, 1, tzinfo=UTC)
AGENT = Author(kind=AuthorKind.AGENT, id="a1")


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _event_source(index: int, count: int) -> Iterator[NoteEvent]:
    # Sorted per source; every source ticks through the same instants, so
    # equal timestamps across sources are the common case, not the exception.
    name = f"src{index}"
    for n in range(count):
        yield NoteEvent(
            id=f"{name}-{n}",
            at=T0 + timedelta(milliseconds=n * 10 + index % 3),
            customer_id="c1",
            source=name,
            external_id=f"{name}-{n}",
            author=AGENT,
        )


def _key_source(index: int, count: int) -> Iterator[tuple[tuple[int, int, str, int, str], int]]:
    # What a host stores next to each row: TimelineOrder.key(event) and the row id.
    name = f"src{index}"
    base = utc_micros(T0)
    for n in range(count):
        yield (base + n * 10_000 + (index % 3) * 1000, 0, name, n, f"{name}-{n}"), n


def _run_merge(variant: str, total: int) -> dict[str, float]:
    per_source = total // SOURCES
    if variant == "objects":
        merged: Iterator[object] = merge_streams(
            *(_event_source(i, per_source) for i in range(SOURCES)), order=DEFAULT_ORDER
        )
    elif variant == "generate-only":
        merged = (e for i in range(SOURCES) for e in _event_source(i, per_source))
    else:
        merged = merge_keyed(*(_key_source(i, per_source) for i in range(SOURCES)))
    start, cpu = time.perf_counter(), time.process_time()
    count = 0
    for _ in merged:
        count += 1
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert count == per_source * SOURCES, count
    return {
        "events": count,
        "seconds": elapsed,
        "per_second": count / elapsed,
        "per_cpu_second": count / cpu,
        "rss_mb": _peak_rss_mb(),
    }


def _summaries(n: int) -> list[ConversationSummary]:
    out = []
    for i in range(n):
        out.append(
            ConversationSummary(
                id=f"k{i}",
                customer_id=f"c{i}",
                channel=Channel.EMAIL if i % 2 else Channel.WHATSAPP,
                status=Status.SOLVED if i % 10 == 0 else Status.OPEN,
                last_activity_at=T0 - timedelta(hours=i % 48),
                solved_at=T0 - timedelta(days=i % 12) if i % 10 == 0 else None,
                message_ids=frozenset({f"m{i}-{j}@mail" for j in range(3)}),
                provider_threads=frozenset({("whatsapp", f"wa-{i}")})
                if i % 2 == 0
                else frozenset(),
                subject=f"order {i}",
            )
        )
    return out


def _messages(n: int, conversations: int, rnd: random.Random) -> list[tuple[str, Message]]:
    out = []
    for m in range(n):
        i = rnd.randrange(conversations)
        shape = m % 5
        refs = ThreadRefs()
        channel = Channel.EMAIL
        if shape == 0:
            refs = ThreadRefs(message_id=f"new{m}@mail", in_reply_to=(f"m{i}-1@mail",))
        elif shape == 1:
            refs = ThreadRefs(message_id=f"new{m}@mail", references=(f"m{i}-0@mail", "x@y"))
        elif shape == 2:
            channel, refs = Channel.WHATSAPP, ThreadRefs(provider_thread_id=f"wa-{i - i % 2}")
        elif shape == 3:
            channel = Channel.SMS  # continuity window
        else:
            refs = ThreadRefs(subject=f"Re: AW: Order {i}")
        message = Message(
            id=f"msg{m}",
            channel=channel,
            direction=Direction.INBOUND,
            author=Author(kind=AuthorKind.CUSTOMER),
            sent_at=T0,
            thread=refs,
        )
        out.append((f"c{i}", message))
    return out


def _run_threading(messages: int, conversations: int) -> dict[str, float]:
    rnd = random.Random(7)
    index = ThreadIndex.of(_summaries(conversations))
    inbox = _messages(messages, conversations, rnd)
    policy = ThreadingPolicy()
    start, cpu = time.perf_counter(), time.process_time()
    reasons: dict[str, int] = {}
    for customer, message in inbox:
        decision = thread(message, index, policy, T0, customer_id=customer)
        reasons[decision.reason.value] = reasons.get(decision.reason.value, 0) + 1
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {
        "messages": messages,
        "open_conversations": conversations,
        "seconds": elapsed,
        "per_second": messages / elapsed,
        "per_cpu_second": messages / cpu,
        "reasons": reasons,  # type: ignore[dict-item]
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes for development")
    parser.add_argument("--events", type=int, default=None, help="events to merge (default 10M)")
    parser.add_argument(
        "--messages", type=int, default=None, help="messages to thread (default 100k)"
    )
    parser.add_argument("--part", help=argparse.SUPPRESS)
    args = parser.parse_args()
    events = args.events or (200_000 if args.quick else 10_000_000)
    messages = args.messages or (20_000 if args.quick else 100_000)
    if args.part:
        print(json.dumps(_run_merge(args.part, events)))
        return 0
    print(f"merge: {events:,} events from {SOURCES} sorted sources, streaming")
    for variant, label in (
        ("generate-only", "building NoteEvent objects alone (no merge)"),
        ("objects", "merge_streams over NoteEvent objects (build + merge + dedup)"),
        ("keys", "merge_keyed over precomputed sort keys"),
    ):
        out = subprocess.run(
            [sys.executable, __file__, "--part", variant, "--events", str(events)],
            check=True,
            capture_output=True,
            text=True,
        )
        r = json.loads(out.stdout)
        print(
            f"  {label:60} {r['per_second']:>10,.0f} events/s wall "
            f"({r['per_cpu_second']:>10,.0f} per CPU s)  {r['seconds']:6.1f} s  "
            f"peak RSS {r['rss_mb']:5.1f} MB"
        )
    t = _run_threading(messages, 10_000)
    print(
        f"threading: {messages:,} messages against {t['open_conversations']:,} open conversations"
    )
    print(
        f"  thread() decisions {t['per_second']:>10,.0f} messages/s wall "
        f"({t['per_cpu_second']:>10,.0f} per CPU s)  {t['seconds']:.2f} s"
    )
    print(f"  reasons: {t['reasons']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
