"""Desk.tick over many open conversations of which few are due: cost follows the due ones.

Two stores of open conversations are built, one ten times larger than the
other, with the same number due (1% of the larger). Each conversation is a
real record (an email received through the desk, SLA state included),
copied under new ids: the due ones were received two hours before the tick
(their first-reply warning, escalation and breach are due), the others a
day later than the tick (nothing due yet). One tick run (``tick(limit=500)``
until nothing more) then does every due conversation's work: three timeline
events and an escalation each.

Each store size runs in its own child process pinned to one core; the
figures are the tick's wall time, due conversations per second, and the
process's peak RSS (with how much of it the tick added). Time per due
conversation that stays flat while the store grows tenfold is the point.

    benchmarks/run tick            # 10,000 vs 100,000 open, 1,000 due
    benchmarks/run tick --quick    # 2,000 vs 20,000 open, 200 due
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs

from omnicx.channels import MessageReceived
from omnicx.clock import FixedClock
from omnicx.desk import Desk
from omnicx.model import Author, AuthorKind, Channel, Direction, Identifier, Message, Priority
from omnicx.sla import Escalation, Metric, Policy, SlaEngine, Target
from omnicx.storage import Changes, ConversationRecord, DeskStore, MemoryStore, SqliteStore

START = datetime(2026, 3, 2, 8, tzinfo=UTC)
NOW = START + timedelta(hours=2)
BATCH = 2_000
SLA = SlaEngine(
    policies=[
        Policy(
            name="standard",
            targets={
                Metric.FIRST_REPLY: {
                    p: Target(seconds=3600, business=False, warn_percent=75) for p in Priority
                }
            },
            escalations=(Escalation(percent=90, action="lead"),),
        )
    ]
)


def _pin_one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def _received(desk: Desk, clock: FixedClock, n: int, at: datetime) -> ConversationRecord:
    clock.set(at)
    message = Message(
        id=f"email:{n}", channel=Channel.EMAIL, direction=Direction.INBOUND,
        author=Author(kind=AuthorKind.CUSTOMER), sent_at=at, text="Where is my order?",
        external_id=str(n),
    )  # fmt: skip
    sender = (Identifier.email(f"c{n}@example.com", verified=True),)
    receipt = desk.receive(MessageReceived(message=message, sender=sender, sender_name="Ada"))
    return desk.conversation(receipt.conversation_id)


def _copy(template: ConversationRecord, conversation_id: str) -> ConversationRecord:
    conversation = attrs.evolve(template.conversation, id=conversation_id)
    summary = attrs.evolve(template.summary, id=conversation_id)
    return attrs.evolve(template, conversation=conversation, summary=summary, version=0)


def build(store: DeskStore, open_count: int, due: int) -> Desk:
    """``open_count`` open conversations in ``store``, ``due`` of them due at ``NOW``."""
    clock = FixedClock(START)
    desk = Desk(store=store, clock=clock, sla=SLA)
    due_template = _received(desk, clock, 1, START)
    # Received after the tick's instant (its own clock: a FixedClock only moves forward).
    later_clock = FixedClock(NOW + timedelta(days=1))
    later_desk = Desk(store=store, clock=later_clock, sla=SLA)
    later_template = _received(later_desk, later_clock, 2, NOW + timedelta(days=1))
    assert due_template.due_at is not None
    assert due_template.due_at <= NOW
    assert later_template.due_at is not None
    assert later_template.due_at > NOW
    # Spread the due ones through the store, as a live desk would have them.
    every = open_count // due
    records = (
        _copy(due_template if i % every == 0 else later_template, f"b{i}")
        for i in range(open_count)
    )
    batch: list[ConversationRecord] = []
    for record in records:
        batch.append(record)
        if len(batch) == BATCH:
            store.commit(Changes(conversations=tuple(batch)))
            batch = []
    if batch:
        store.commit(Changes(conversations=tuple(batch)))
    clock.set(NOW)
    return desk


def run(store_name: str, open_count: int, due: int) -> dict[str, object]:
    """Build the store, tick once through everything due; return the figures."""
    _pin_one_core()
    with tempfile.TemporaryDirectory() as folder:
        store: DeskStore = (
            MemoryStore() if store_name == "memory" else SqliteStore(Path(folder) / "desk.db")
        )
        began = time.perf_counter()
        desk = build(store, open_count, due)
        built = time.perf_counter() - began
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        done = events = escalations = ticks = 0
        began, cpu = time.perf_counter(), time.process_time()
        while True:
            report = desk.tick(limit=500)
            ticks += 1
            done += len(report.receipts)
            events += len(report.events)
            escalations += len(report.outbox)
            if not report.more:
                break
        elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
        again = desk.tick()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        if isinstance(store, SqliteStore):
            store.close()
    # The two templates themselves are due too (one of them): counted in ``done``.
    return {
        "store": store_name, "open": open_count, "due": due, "done": done, "events": events,
        "escalations": escalations, "ticks": ticks, "seconds": elapsed, "cpu": cpu,
        "build_seconds": built, "rss_mib": rss, "tick_rss_mib": rss - before,
        "second_tick_receipts": len(again.receipts),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small run for development")
    parser.add_argument("--open", type=int, default=None, help="open conversations (larger store)")
    parser.add_argument("--due", type=int, default=None, help="due conversations (both stores)")
    parser.add_argument("--store", choices=("memory", "sqlite"), action="append")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        store, open_count, due = args.child
        print(json.dumps(run(store, int(open_count), int(due))))
        return
    large = args.open or (20_000 if args.quick else 100_000)
    due = args.due or large // 100
    print(
        f"Desk.tick, {due:,} due among {large // 10:,} and {large:,} open conversations, one core"
    )
    for store in args.store or ("memory", "sqlite"):
        per_due = []
        for open_count in (large // 10, large):
            command = [sys.executable, __file__, "--child", store, str(open_count), str(due)]
            child = subprocess.run(command, capture_output=True, text=True)
            if child.returncode != 0:
                sys.exit(f"{store} run failed:\n{child.stderr}")
            r = json.loads(child.stdout.strip().splitlines()[-1])
            assert r["second_tick_receipts"] == 0, "a second tick at the same now did something"
            # CPU time: other processes on a shared machine do not count against it.
            per_due.append(r["cpu"] / r["done"])
            print(
                f"  {store:7} {r['open']:>8,} open  {r['done']:>6,} due done in "
                f"{r['seconds']:6.3f} s  ({r['done'] / r['seconds']:7,.0f} due/s, "
                f"{r['seconds'] / r['done'] * 1e6:5.0f} µs each; CPU {r['cpu']:.3f} s)  "
                f"{r['events']:,} events, {r['escalations']:,} escalations  "
                f"peak RSS {r['rss_mib']:5,.0f} MiB (tick +{r['tick_rss_mib']:.0f})"
            )
        print(
            f"          CPU per due conversation, {large:,} open vs {large // 10:,}: "
            f"x{per_due[1] / per_due[0]:.2f} (1.00 = no cost from the conversations not due)"
        )


if __name__ == "__main__":
    main()
