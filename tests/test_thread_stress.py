"""Shared engines and caches under threads: the same answers as one thread, no errors.

Several threads at once decide with one ``RuleEngine``, resolve identities
(sharing one ``IdentityPolicy`` and the phone and email caches), and
compute SLA reports and deadlines on one ``SlaEngine`` and its calendar,
starting from cold caches. The interpreter switches threads every
microsecond, so unsafe check-then-act sequences in a cache get interleaved.
Every thread's results must equal the serial ones.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from omnicx import _caches
from omnicx.clock import FixedClock
from omnicx.desk._demo import DEMO_RULES, demo_desk, demo_sla, run_sample
from omnicx.identity import (
    ContactRecord,
    IdentityPolicy,
    MemoryIdentityStore,
    Observation,
    email_identifier,
    phone_identifier,
    resolve,
    resolve_batch,
)
from omnicx.model import Event, MessageEvent
from omnicx.routing import RoutingContext, RuleEngine, load_rules
from omnicx.sla import SlaEngine
from omnicx.storage import MemoryStore

THREADS = 4
HOUR = timedelta(hours=1)


def _sample() -> tuple[list[list[Event]], Any]:
    desk = demo_desk(MemoryStore())
    run_sample(desk)
    assert isinstance(desk.clock, FixedClock)
    by_conversation: dict[str, list[Event]] = {}
    for event in desk.store.events():
        if event.conversation_id is not None:
            by_conversation.setdefault(event.conversation_id, []).append(event)
    return list(by_conversation.values()), desk.clock.now()


CONVERSATIONS, NOW = _sample()
MESSAGES = [e.message for events in CONVERSATIONS for e in events if isinstance(e, MessageEvent)]
PHONES = [f"07400 {n:06d}" for n in range(120_000, 120_060)] + ["+44 7400 120001", "0"]
EMAILS = [f" Person.{n % 40}@Example.org " for n in range(60)] + ["info@example.org", "bad@"]


def _route(engine: RuleEngine) -> list[object]:
    return [engine.decide(RoutingContext(now=NOW, message=m)) for m in MESSAGES]


def _identities(policy: IdentityPolicy) -> list[object]:
    records = [
        ContactRecord(record_id=f"r{n}", phones=(PHONES[n % len(PHONES)],),
                      emails=(EMAILS[n % len(EMAILS)],), region="GB")
        for n in range(80)
    ]  # fmt: skip
    batch = resolve_batch(records)
    store = MemoryIdentityStore()
    outcomes: list[object] = [dict(batch.clusters), batch.shared, batch.invalid_values]
    for n in range(0, 60, 3):
        identifiers = (
            phone_identifier(PHONES[n], region="GB"),
            email_identifier(EMAILS[n]),
        )
        resolution = resolve(
            store, Observation(id=f"o{n}", at=NOW, identifiers=identifiers), policy=policy
        )
        outcomes.append((resolution.outcome, resolution.customer_id))
    return outcomes


def _sla(engine: SlaEngine) -> list[object]:
    results: list[object] = []
    calendar = engine.default.calendar if engine.default is not None else None
    for events in CONVERSATIONS:
        for hours in (0, 3, 30):
            now = NOW + hours * HOUR
            state, _ = engine.replay(events, now)
            results += [engine.report(state, now), engine.next_deadline(state, now)]
    if calendar is not None:
        for n in range(40):
            start = NOW + n * 7 * HOUR
            results += [
                calendar.add(start, n * 1800),
                calendar.seconds_between(start, start + n * 11 * HOUR),
            ]
    return results


def _fresh() -> tuple[RuleEngine, IdentityPolicy, SlaEngine]:
    for registration in _caches.registered():
        registration.clear()
    return RuleEngine.compile(load_rules(DEMO_RULES)), IdentityPolicy(), demo_sla()


def _work(engines: tuple[RuleEngine, IdentityPolicy, SlaEngine], turn: int) -> list[list[object]]:
    rules, policy, sla = engines
    jobs: Sequence[Callable[[], list[object]]] = (
        lambda: _route(rules),
        lambda: _identities(policy),
        lambda: _sla(sla),
    )
    # Each thread starts on a different job, so different caches race.
    order = [(turn + k) % len(jobs) for k in range(len(jobs))]
    results: list[list[object]] = [[] for _ in jobs]
    for k in order:
        results[k] = jobs[k]()
    return results


def test_threads_sharing_engines_agree_with_one_thread() -> None:
    """Four threads on shared engines, from cold caches: serial answers, no exception."""
    serial = _work(_fresh(), 0)
    shared = _fresh()
    outputs: list[list[list[object]] | None] = [None] * THREADS
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def run(turn: int) -> None:
        try:
            start.wait()
            outputs[turn] = _work(shared, turn)
        except BaseException as error:  # reported below, with its thread
            errors.append(error)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=run, args=(turn,)) for turn in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []
    assert all(output == serial for output in outputs)
