"""Several worker processes on one store: one shuffled stream, redelivered, with racing agents.

The harness behind the multi-process proof (tests/storage/test_processes.py,
``benchmarks/run procs``), reusable for any store:

- ``make_stream(spec)``: a deterministic stream of customer messages (email,
  WhatsApp, web chat; people who write on several channels, so profiles are
  created and merged) and agent actions on their conversations (tags,
  fields, replies, notes, one assignment and one status change each). Every
  item is delivered 1-3 times, each copy to a different worker, and the
  deliveries are shuffled within a window, so copies and agents race.
- ``run_processes(factory, spec)``: starts one process per worker (``spawn``),
  each opening its own store with ``factory`` (a picklable callable, e.g.
  ``SqliteFactory(path)``) and working through its deliveries, retrying lost
  races with ``retry_on_conflict``.
- ``run_serial(store, spec)``: the same deliveries, in the same global order,
  by one desk: the reference.
- ``violations(store, stream)``: what a host relies on, broken (each
  message stored once, no identifier on two live profiles, no agent action
  lost, nothing half-written); ``comparable_state(store, stream)``: the
  part of the final state that no arrival order may change, id-independent;
  ``racing_outcome(final_state(store))``: all of ``final_state`` but the
  instants agents racing the messages stamp (a ``settled`` stream meets
  the arrival-order condition and compares ``final_state`` whole).
- ``DjangoFactory(settings, database)``: workers that each set up their own
  Django; ``in_process`` and ``check_in_process`` migrate and read in
  spawned processes set up the same way.

The desk threads by explicit references only (continuity off) and every
agent action's effect commutes with the others (a tag added, a field of its
own, one assignment per conversation, a status event), so the serial run
and any concurrent run must end in the same state.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import random
import resource
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, TypeVar

import attrs

from omnicx._frozen import freeze, thaw
from omnicx.channels import MessageReceived
from omnicx.clock import FixedClock
from omnicx.desk import Desk, Receipt
from omnicx.errors import ConflictError, StoreBusyError
from omnicx.identity import current_profile, email_identifier, match_key
from omnicx.model import (
    Assigned,
    Author,
    AuthorKind,
    Channel,
    Direction,
    Identifier,
    Message,
    MessageEvent,
    NoteEvent,
    Status,
    StatusChanged,
    ThreadRefs,
)
from omnicx.storage import DeskStore, retry_on_conflict
from omnicx.testing._final_state import FinalState, final_state
from omnicx.timeline import ThreadingPolicy

T0 = datetime(2026, 3, 2, 8, tzinfo=UTC)
ACTION_KINDS = ("tag", "fields", "reply", "note", "assign", "status")
RETRY_ON = (ConflictError, StoreBusyError)
T = TypeVar("T")

StoreFactory = Callable[[], DeskStore]
"""A picklable callable opening the shared store (one per worker process)."""


@attrs.frozen(kw_only=True)
class StreamSpec:
    """What stream to make and how to deliver it (small and picklable).

    Attributes:
        messages: distinct customer messages.
        workers: worker processes (and the workers copies are spread over).
        seed: the stream's random seed.
        people: how many people write (default: one per 6 messages).
        acted: the share of conversations agents act on.
        window: deliveries are shuffled within windows of this many.
        days: the stream's span.
        settled: agents act only once every message is in (the arrival-order
            condition, docs/timeline.md): every worker delivers its messages,
            all workers meet, then the agent actions follow, all at one
            instant after the last message. Off, agents race the messages.
    """

    messages: int
    workers: int = 8
    seed: int = 17
    people: int | None = None
    acted: float = 0.4
    window: int = 100
    days: int = 10
    settled: bool = False


@attrs.frozen(kw_only=True)
class AgentAction:
    """One agent action on the conversation holding message ``target``."""

    number: int
    kind: str
    target: int
    agent: str
    at: datetime

    @property
    def request_id(self) -> str:
        """The action's idempotency key: every copy of it carries the same."""
        return f"proc-act-{self.number}"


@attrs.frozen(kw_only=True)
class Stream:
    """The messages, the agent actions, and who receives which copy when.

    ``order`` is the global delivery order: ``(worker, kind, number)`` with
    kind ``"m"`` (a message) or ``"a"`` (an agent action).
    """

    messages: tuple[MessageReceived, ...]
    actions: tuple[AgentAction, ...]
    order: tuple[tuple[int, str, int], ...]
    settled: bool = False

    def of(self, worker: int) -> list[tuple[str, int]]:
        """The deliveries one worker receives, in order."""
        return [(kind, number) for w, kind, number in self.order if w == worker]

    def phases_of(self, worker: int) -> list[list[tuple[str, int]]]:
        """One worker's deliveries as phases every worker finishes before the next begins.

        One phase, unless the stream is ``settled``: then its messages, then its agent actions.
        """
        deliveries = self.of(worker)
        if not self.settled:
            return [deliveries]
        return [[d for d in deliveries if d[0] == "m"], [d for d in deliveries if d[0] == "a"]]


def _sender(rng: random.Random, channel: Channel, person: int) -> tuple[Identifier, ...]:
    email = Identifier.email(f"p{person}@procs.example", verified=True)
    phone = Identifier.phone(f"+4477008{person:05d}", verified=True)
    if channel is Channel.EMAIL:
        return (email,)
    if channel is Channel.WHATSAPP:
        return (phone,)
    handle = Identifier.handle("chat", f"v{person}")
    # A chat visitor sometimes gives an email or phone: that merges profiles.
    return rng.choice(((handle,), (handle,), (handle, email), (handle, phone)))


def make_stream(spec: StreamSpec) -> Stream:
    """The stream ``spec`` describes; the same spec always makes the same stream."""
    rng = random.Random(spec.seed)
    people = spec.people or max(4, spec.messages // 6)
    messages: list[MessageReceived] = []
    threads: list[list[int]] = []
    while len(messages) < spec.messages:
        person = rng.randrange(people)
        channel = rng.choice((Channel.EMAIL, Channel.WHATSAPP, Channel.CHAT))
        at = T0 + timedelta(minutes=rng.randrange(spec.days * 24 * 60))
        # An email without references is a conversation of its own; chat and
        # WhatsApp messages name their provider thread, in any arrival order.
        length = 1 if channel is Channel.EMAIL else rng.randint(1, 5)
        thread: list[int] = []
        for _ in range(min(length, spec.messages - len(messages))):
            number = len(messages)
            at += timedelta(minutes=rng.randint(1, 90))
            refs = ThreadRefs(provider_thread_id=None if channel is Channel.EMAIL
                              else f"pt{len(threads)}")  # fmt: skip
            message = Message(
                id=f"{channel.name}:pm{number}",
                channel=channel,
                direction=Direction.INBOUND,
                author=Author(kind=AuthorKind.CUSTOMER),
                sent_at=at,
                text=f"message {number} from person {person}",
                external_id=f"pm{number}",
                thread=refs,
            )
            messages.append(MessageReceived(message=message, sender=_sender(rng, channel, person)))
            thread.append(number)
        threads.append(thread)
    actions: list[AgentAction] = []
    # Settled: the agents come in after the last message, all at one instant.
    after = max(m.message.sent_at for m in messages) + timedelta(hours=1)
    for thread in threads:
        if rng.random() >= spec.acted:
            continue
        # Several agents on one conversation at once: each kind at most once
        # (a tag, a field, a reply and a note of its own commute anyway).
        agent = f"agent{rng.randrange(5)}"
        for kind in rng.sample(ACTION_KINDS, rng.randint(2, len(ACTION_KINDS))):
            target = rng.choice(thread)
            at = messages[target].message.sent_at + timedelta(minutes=rng.randint(1, 30))
            if spec.settled:
                at = after
            actions.append(AgentAction(number=len(actions), kind=kind, target=target,
                                       agent=agent, at=at))  # fmt: skip
    items = [("m", n, m.message.sent_at) for n, m in enumerate(messages)]
    items += [("a", a.number, a.at) for a in actions]
    items.sort(key=lambda item: (item[2], item[0], item[1]))
    placed: list[tuple[float, int, str, int]] = []
    for position, (kind, number, _) in enumerate(items):
        copies = rng.randint(1, min(3, spec.workers))
        for worker in rng.sample(range(spec.workers), copies):
            placed.append((position + rng.random() * spec.window, worker, kind, number))
    # Settled: every message's copies before any action's (sorted on kind first).
    placed.sort(key=lambda p: (p[2] == "a", p) if spec.settled else (False, p))
    order = tuple((worker, kind, number) for _, worker, kind, number in placed)
    return Stream(messages=tuple(messages), actions=tuple(actions), order=order,
                  settled=spec.settled)  # fmt: skip


def desk_for(store: DeskStore) -> Desk:
    """The desk every run uses: threading by explicit references only."""
    return Desk(store=store, clock=FixedClock(T0), threading=ThreadingPolicy(continuity_hours=0))


def _act(desk: Desk, stream: Stream, action: AgentAction) -> Receipt:
    # The agent opens the message first (a replay once it is stored): that
    # names its conversation whichever worker took the message in.
    target = desk.receive(stream.messages[action.target]).conversation_id
    agent, rid, number = action.agent, action.request_id, action.number
    if action.kind == "tag":
        return desk.tag(target, actor_id=agent, add=[f"tag{number}"], request_id=rid)
    if action.kind == "fields":
        return desk.set_fields(target, {f"f{number}": number}, actor_id=agent, request_id=rid)
    if action.kind == "reply":
        return desk.reply(target, agent_id=agent, text=f"reply {number}", then=None,
                          request_id=rid)  # fmt: skip
    if action.kind == "note":
        return desk.note(target, agent_id=agent, text=f"note {number}", request_id=rid)
    if action.kind == "assign":
        return desk.assign(target, agent_id=agent, actor_id=agent, request_id=rid)
    return desk.set_status(target, Status.ON_HOLD, actor_id=agent, request_id=rid)


def deliver(
    desk: Desk, stream: Stream, deliveries: list[tuple[str, int]], *, attempts: int = 40
) -> dict[str, Any]:
    """Work through ``deliveries`` on one desk, retrying lost races; return the counts."""
    clock = desk.clock
    assert isinstance(clock, FixedClock)
    retries = Counter[str]()
    failures: list[str] = []

    def sleep(seconds: float) -> None:
        retries["retries"] += 1
        time.sleep(seconds)

    for kind, number in deliveries:
        call: Callable[[], object]
        if kind == "m":
            event = stream.messages[number]
            at, call = event.message.sent_at + timedelta(seconds=3), partial(desk.receive, event)
        else:
            action = stream.actions[number]
            at, call = action.at, partial(_act, desk, stream, action)
        # Each worker's clock follows its own deliveries, never backwards.
        clock.set(max(clock.now(), at))
        try:
            retry_on_conflict(call, attempts=attempts, retry_on=RETRY_ON, base_delay=0.002,
                              max_delay=0.05, sleep=sleep)  # fmt: skip
        except Exception as error:  # counted, not raised: the run reports every one
            failures.append(f"{kind}{number}: {type(error).__name__}: {error}")
    return {"calls": len(deliveries), "retries": retries["retries"], "failures": failures}


def run_serial(store: DeskStore, spec: StreamSpec) -> dict[str, Any]:
    """Every delivery of the stream, in its global order, by one desk on ``store``."""
    stream = make_stream(spec)
    return deliver(desk_for(store), stream, [(kind, n) for _, kind, n in stream.order])


def _worker(
    factory: StoreFactory,
    spec: StreamSpec,
    index: int,
    start: Any,
    out: Any,
    phase_timeout: float = 600,
) -> None:
    try:
        stream = make_stream(spec)
        store = factory()
        desk = desk_for(store)
        start.wait(timeout=120)
        began, cpu = time.perf_counter(), time.process_time()
        first, *later = stream.phases_of(index)
        result = deliver(desk, stream, first)
        for phase in later:
            start.wait(timeout=phase_timeout)  # every worker is done with the phase before
            more = deliver(desk, stream, phase)
            result = {key: result[key] + more[key] for key in result}
        result["seconds"] = time.perf_counter() - began
        result["cpu"] = time.process_time() - cpu
        result["rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        close = getattr(store, "close", None)
        if close is not None:
            close()
    except BaseException as error:  # reported to the parent, which fails the run
        start.abort()  # the others stop waiting for a worker that never comes
        result = {"calls": 0, "retries": 0, "failures": [f"worker {index}: {error!r}"]}
    out.put((index, result))


def run_processes(
    factory: StoreFactory, spec: StreamSpec, *, timeout: float = 600
) -> dict[str, Any]:
    """Start ``spec.workers`` processes (spawn) on the store ``factory`` opens; wait for all.

    Returns the summed counts (calls, retries, failures: a list of what gave
    up), the wall seconds from the common start, and the largest worker RSS.
    """
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(spec.workers + 1)
    out = context.Queue()
    workers = [
        context.Process(target=_worker, args=(factory, spec, index, start, out, timeout))
        for index in range(spec.workers)
    ]
    phases = len(make_stream(spec).phases_of(0))
    for worker in workers:
        worker.start()
    try:
        # A worker that could not start breaks the barrier: every worker reports why below.
        with contextlib.suppress(threading.BrokenBarrierError):
            start.wait(timeout=120)
        began = time.perf_counter()
        for _ in range(phases - 1):  # the workers meet between phases; so does this process
            with contextlib.suppress(threading.BrokenBarrierError):
                start.wait(timeout=timeout)
        results = dict(out.get(timeout=timeout) for _ in workers)
        wall = time.perf_counter() - began
    finally:
        for worker in workers:
            worker.join(timeout=30)
            if worker.is_alive():  # pragma: no cover - a hung worker
                worker.kill()
    return {
        "calls": sum(r["calls"] for r in results.values()),
        "retries": sum(r["retries"] for r in results.values()),
        "failures": [f for r in results.values() for f in r["failures"]],
        "seconds": wall,
        "cpu": sum(r.get("cpu", 0.0) for r in results.values()),
        "rss_mib": max(r.get("rss_mib", 0.0) for r in results.values()),
    }


def _tick_runner(
    factory: StoreFactory, now: datetime, desk_options: Mapping[str, Any], start: Any, out: Any
) -> None:
    try:
        store = factory()
        desk = Desk(store=store, clock=FixedClock(now), **desk_options)
        start.wait(timeout=120)
        emitted: list[tuple[str, str]] = []
        events: list[str] = []
        skipped = 0
        while True:
            # Small ticks, so the runners take turns at the due list.
            report = desk.tick(limit=5)
            emitted += [(r.conversation_id, o.kind.value) for r in report.receipts
                        for o in r.outbox]  # fmt: skip
            events += [e.id for e in report.events]
            skipped += report.skipped
            if not report.more:
                break
        close = getattr(store, "close", None)
        if close is not None:
            close()
        result: dict[str, Any] = {"emitted": emitted, "events": events, "skipped": skipped,
                                  "failures": []}  # fmt: skip
    except BaseException as error:  # reported to the parent, which fails the run
        start.abort()
        result = {"emitted": [], "events": [], "skipped": 0, "failures": [repr(error)]}
    out.put(result)


def run_tick_runners(
    factory: StoreFactory,
    runners: int,
    now: datetime,
    desk_options: Mapping[str, Any] | None = None,
    *,
    timeout: float = 600,
) -> list[dict[str, Any]]:
    """Start ``runners`` processes (spawn) that each tick the store until nothing is due by ``now``.

    Each runner's desk is ``Desk(store=factory(), clock=FixedClock(now),
    **desk_options)``. Returns per runner what it emitted (``(conversation
    id, outbox kind)`` per outbox item), the ids of the events its ticks
    wrote, how many conversations it skipped (lost races), and its failures.
    """
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(runners)
    out = context.Queue()
    options = dict(desk_options or {})
    processes = [
        context.Process(target=_tick_runner, args=(factory, now, options, start, out))
        for _ in range(runners)
    ]
    for process in processes:
        process.start()
    try:
        return [out.get(timeout=timeout) for _ in processes]
    finally:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():  # pragma: no cover - a hung runner
                process.kill()


def open_pending(
    factory: StoreFactory, count: int, at: datetime, desk_options: Mapping[str, Any]
) -> list[str]:
    """Open ``count`` conversations at ``at``, each answered by an agent: due work for tick runners.

    Each is an email from its own customer, replied to at once, so with
    ``auto_solve_after`` (and ``csat_delay``) in ``desk_options`` it is
    auto-solved (then surveyed) later. Returns their ids, in order. Runs in
    this process: through ``in_process`` for a ``DjangoFactory``.
    """
    store = factory()
    try:
        desk = Desk(store=store, clock=FixedClock(at), **desk_options)
        ids = []
        for n in range(count):
            message = Message(
                id=f"email:{n}", channel=Channel.EMAIL, direction=Direction.INBOUND,
                author=Author(kind=AuthorKind.CUSTOMER), sent_at=at, text="hello",
                external_id=str(n),
            )  # fmt: skip
            sender = (email_identifier(f"c{n}@example.com"),)
            cid = desk.receive(MessageReceived(message=message, sender=sender)).conversation_id
            desk.reply(cid, agent_id="a1", text="Does this help?")
            ids.append(cid)
        return ids
    finally:
        close = getattr(store, "close", None)
        if close is not None:
            close()


def tick_outcome(factory: StoreFactory, now: datetime) -> dict[str, Any]:
    """What tick runners left in the store: the solved conversations, every event id, what is due.

    ``solved`` holds the conversation id of each ``StatusChanged`` to
    solved (sorted, a conversation solved twice twice), ``events`` every
    stored event's id, ``due`` the ids still due by ``now``.
    """
    store = factory()
    try:
        events = store.events()
        solved = sorted(
            e.conversation_id or "" for e in events
            if isinstance(e, StatusChanged) and e.status is Status.SOLVED
        )  # fmt: skip
        due = [r.id for r in store.due(now, limit=1000)]
        return {"solved": solved, "events": [e.id for e in events], "due": due}
    finally:
        close = getattr(store, "close", None)
        if close is not None:
            close()


# -- what the store holds afterwards ---------------------------------------------


@attrs.frozen(kw_only=True)
class _Seen:
    """One read of the store: message placement, conversations, customers."""

    inbound: Counter[str]
    conversation_of: Mapping[str, str]
    events_of: Mapping[str, list[Any]]
    group_of: Mapping[str, frozenset[str]]


def _identifier_keys(stream: Stream) -> list[str]:
    return sorted({match_key(i) for event in stream.messages for i in event.sender})


def _read(store: DeskStore, stream: Stream) -> tuple[_Seen, list[str]]:
    problems: list[str] = []
    events = store.events()
    inbound = Counter(
        e.message.id for e in events
        if isinstance(e, MessageEvent) and e.message.direction is Direction.INBOUND
    )  # fmt: skip
    conversation_of: dict[str, str] = {}
    events_of: dict[str, list[Any]] = defaultdict(list)
    for e in events:
        if e.conversation_id is not None:
            events_of[e.conversation_id].append(e)
        if isinstance(e, MessageEvent) and e.conversation_id is not None:
            conversation_of[e.message.id] = e.conversation_id
    # Identifiers grouped by the live profile they resolve to.
    members: dict[str, set[str]] = defaultdict(set)
    for key in _identifier_keys(stream):
        link = store.link(key)
        if link is None:
            problems.append(f"identifier {key} links no profile")
            continue
        for pid in link.profile_ids:
            if store.profile(pid) is None:
                problems.append(f"identifier {key} links profile {pid}, never written")
        if link.shared is not None:
            continue  # a shared value (a family phone) links no one, by design
        live = {current_profile(store, pid).id for pid in link.profile_ids}
        if len(live) != 1:
            problems.append(f"identifier {key} links {len(live)} live profiles")
        for pid in live:
            members[pid].add(key)
    group_of = {pid: frozenset(keys) for pid, keys in members.items()}
    seen = _Seen(inbound=inbound, conversation_of=conversation_of, events_of=events_of,
                 group_of=group_of)  # fmt: skip
    return seen, problems


def violations(store: DeskStore, stream: Stream) -> list[str]:
    """What a host relies on, broken: an empty list when the store holds up."""
    seen, problems = _read(store, stream)
    for event in stream.messages:
        mid = event.message.id
        if seen.inbound[mid] != 1:
            problems.append(f"message {mid} stored {seen.inbound[mid]} times")
    for cid, events in sorted(seen.events_of.items()):
        if not any(isinstance(e, StatusChanged) and e.previous is None for e in events):
            problems.append(f"conversation {cid} has no creation event")
        if store.conversation(cid) is None:
            problems.append(f"conversation {cid} has events but no record")
    for action in stream.actions:
        if not _done(store, seen, stream, action):
            problems.append(f"agent action {action.request_id} ({action.kind}) lost")
    return problems


def _done(store: DeskStore, seen: _Seen, stream: Stream, action: AgentAction) -> bool:
    cid = seen.conversation_of.get(stream.messages[action.target].message.id)
    record = None if cid is None else store.conversation(cid)
    if cid is None or record is None:
        return False
    conversation, events, n = record.conversation, seen.events_of[cid], action.number
    if action.kind == "tag":
        return f"tag{n}" in conversation.tags
    if action.kind == "fields":
        return conversation.fields.get(f"f{n}") == n
    if action.kind == "reply":
        texts = [e.message.text for e in events if isinstance(e, MessageEvent)]
        return texts.count(f"reply {n}") == 1
    if action.kind == "note":
        return [e.text for e in events if isinstance(e, NoteEvent)].count(f"note {n}") == 1
    if action.kind == "assign":
        return conversation.assignee == action.agent and any(
            isinstance(e, Assigned) and e.assignee == action.agent for e in events
        )
    return any(
        isinstance(e, StatusChanged) and e.status is Status.ON_HOLD
        and e.actor is not None and e.actor.id == action.agent
        for e in events
    )  # fmt: skip


def comparable_state(store: DeskStore, stream: Stream) -> frozenset[Any]:
    """The final state no arrival order may change, with no store-made id in it.

    Per conversation (named by the set of its customer message ids): its
    customer (named by the identifiers resolving to them), tags, custom
    fields, assignee, the agents' replies and notes, and the status agents
    set (on hold; the moves to open an agent's first reply makes depend on
    arrival order, so they are left out). Together these also give the partition of identifiers into live
    customers and of messages into conversations.
    """
    seen, _ = _read(store, stream)
    messages_in: dict[str, set[str]] = defaultdict(set)
    for mid, cid in seen.conversation_of.items():
        if mid.split(":", 1)[-1].startswith("pm"):
            messages_in[cid].add(mid)
    found = set()
    for cid, mids in messages_in.items():
        record = store.conversation(cid)
        assert record is not None
        conversation, events = record.conversation, seen.events_of[cid]
        customer = seen.group_of.get(current_profile(store, conversation.customer_id).id)
        written = frozenset(
            [("note", e.text) for e in events if isinstance(e, NoteEvent)]
            + [("reply", e.message.text) for e in events
               if isinstance(e, MessageEvent) and e.message.direction is Direction.OUTBOUND]
        )  # fmt: skip
        statuses = frozenset(
            (e.status.value, e.actor.id) for e in events
            if isinstance(e, StatusChanged) and e.status is Status.ON_HOLD
            and e.actor is not None and e.actor.kind is AuthorKind.AGENT
        )  # fmt: skip
        found.add((frozenset(mids), customer, conversation.tags,
                   frozenset(conversation.fields.items()), conversation.assignee, written,
                   statuses))  # fmt: skip
    return frozenset(found)


def racing_outcome(state: FinalState) -> tuple[Any, ...]:
    """``state`` less the one thing agents racing the messages make order-dependent.

    When agents act while messages still arrive (``settled`` off), each
    worker's clock follows its own deliveries, so an agent's note or reply
    is stamped with the instant of whichever worker took it: these entries
    keep their content but lose their instant (and so their place in the
    timeline). Customers, conversations (status, queue, assignee, tags,
    fields...) and every customer message's entry are kept whole.
    """
    timelines = {
        customer: tuple(sorted((_unstamped(entry) for entry in entries), key=repr))
        for customer, entries in state.timelines.items()
    }
    return state.customers, state.conversations, timelines


def _unstamped(entry: tuple[Any, ...]) -> tuple[Any, ...]:
    kind, at, detail = entry
    if kind == "message" and str(detail).startswith("act:"):  # an agent's reply
        return kind, None, detail
    if kind == "note":
        data = json.loads(detail)
        data.pop("at", None)
        return kind, None, json.dumps(data, sort_keys=True)
    return kind, at, detail


# -- factories: how a worker process opens the shared store ----------------------


@attrs.frozen
class SqliteFactory:
    """Opens ``SqliteStore(path)``; picklable, so a spawned worker can use it."""

    path: str

    def __call__(self) -> DeskStore:
        from omnicx.storage import SqliteStore

        return SqliteStore(self.path)


@attrs.frozen
class PostgresFactory:
    """Opens ``PostgresStore(url, schema=schema)`` with a one-connection pool."""

    url: str
    schema: str

    def __call__(self) -> DeskStore:
        from omnicx.storage import PostgresStore

        return PostgresStore(self.url, schema=self.schema, max_size=1)


@attrs.frozen
class DjangoFactory:
    """Opens ``DjangoStore()`` in a process whose Django this factory sets up; picklable.

    A worker process is what gunicorn makes: its own Django, configured from
    the settings module ``settings`` (an importable name, e.g.
    ``"host_settings"``) with ``database`` as its ``DATABASES["default"]``,
    and ``django.setup()`` once. The tables are the caller's to create
    before the workers start: ``migrate()`` runs ``manage.py migrate`` in a
    spawned process of its own (``in_process``).

    Attributes:
        settings: the settings module every worker reads (its upper-case names).
        database: the ``DATABASES["default"]`` entry the workers share.
    """

    settings: str
    database: Mapping[str, Any] = attrs.field(converter=freeze)

    def setup(self) -> None:
        """Configure this process's Django from ``settings`` and ``database`` (once)."""
        import importlib

        import django
        from django.conf import settings

        if settings.configured:
            default, wanted = settings.DATABASES["default"], thaw(self.database)
            if any(default.get(key) != value for key, value in wanted.items()):
                raise RuntimeError(
                    "this process's Django is already set up on another database; "
                    "run DjangoFactory in a spawned process (run_processes, in_process)"
                )
            return
        module = importlib.import_module(self.settings)
        values = {name: value for name, value in vars(module).items() if name.isupper()}
        values["DATABASES"] = {"default": thaw(self.database)}
        settings.configure(**values)
        django.setup()

    def migrate(self) -> None:
        """Create the tables (``manage.py migrate``) in the database the workers share."""
        from django.core.management import call_command

        self.setup()
        call_command("migrate", verbosity=0)

    def __call__(self) -> DeskStore:
        self.setup()  # before the import: the store's models need Django's apps loaded
        from omnicx.contrib.django.store import DjangoStore

        return DjangoStore()


def django_sqlite(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A ``DATABASES`` entry for several workers on one SQLite file (docs/django-store.md)."""
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        },
    }


def django_postgres(url: str, schema: str) -> dict[str, Any]:
    """A ``DATABASES`` entry for the PostgreSQL database at ``url``, its tables in ``schema``.

    The schema must exist; every connection's ``search_path`` is it alone,
    so ``migrate`` creates the tables there and the store finds them there.
    """
    parts = urllib.parse.urlsplit(url)  # the module, not its cached function, in globals
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": parts.path.lstrip("/") or "postgres",
        "USER": parts.username or "postgres",
        "PASSWORD": parts.password or "",
        "HOST": parts.hostname or "127.0.0.1",
        "PORT": str(parts.port or 5432),
        "OPTIONS": {"options": f"-c search_path={schema}"},
    }


def _call_and_put(function: Callable[..., Any], args: tuple[Any, ...], out: Any) -> None:
    try:
        out.put((True, function(*args)))
    except BaseException as error:  # handed to the parent, which raises it
        out.put((False, error))


def in_process(function: Callable[..., T], *args: Any, timeout: float = 600) -> T:
    """Run ``function(*args)`` in a spawned process of its own and return (or raise) its result.

    For work that needs a process set up apart from this one: a Django
    store's ``migrate`` before its workers start, and reading what they
    left (``check_in_process``). ``function``, its arguments and its result
    must pickle.
    """
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    process = context.Process(target=_call_and_put, args=(function, args, out))
    process.start()
    try:
        done, value = out.get(timeout=timeout)
    finally:
        process.join(timeout=30)
        if process.is_alive():  # pragma: no cover - a hung process
            process.kill()
    if not done:
        raise value
    return value  # type: ignore[no-any-return]


def check(factory: StoreFactory, spec: StreamSpec) -> tuple[list[str], frozenset[Any], FinalState]:
    """``violations``, ``comparable_state`` and ``final_state`` of the store ``factory`` opens."""
    stream = make_stream(spec)
    store = factory()
    try:
        return violations(store, stream), comparable_state(store, stream), final_state(store)
    finally:
        close = getattr(store, "close", None)
        if close is not None:
            close()


def check_in_process(
    factory: StoreFactory, spec: StreamSpec
) -> tuple[list[str], frozenset[Any], FinalState]:
    """``check`` in a spawned process of its own (a ``DjangoFactory`` sets its Django up there)."""
    return in_process(check, factory, spec)
