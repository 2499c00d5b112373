"""Replaying inbound traffic: duplicates and shuffled order give the clean stream's state.

A deterministic stream of inbound messages (several hundred customers on
email, SMS, WhatsApp and web chat, each thread carrying explicit references)
is received once in order, and once shuffled with about one delivery in ten
repeated. Both runs must end in the same *final state* (see
``final_state``). ``OMNICX_REPLAY_N`` sets the number of distinct messages
for the in-memory run (default 2,000; the full replay uses 10,000).
"""

from __future__ import annotations

import os
import random
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
from tests.channels.requests import RECEIVED, request

from omnicx.channels import MessageReceived, WebChatAdapter, sign_webchat
from omnicx.clock import FixedClock
from omnicx.desk import Desk
from omnicx.model import (
    Author,
    AuthorKind,
    Channel,
    Direction,
    Identifier,
    Message,
    MessageEvent,
    StatusChanged,
    ThreadRefs,
)
from omnicx.routing import RuleEngine, load_rules
from omnicx.storage import DeskStore, MemoryStore, SqliteStore
from omnicx.timeline import ThreadingPolicy

N = int(os.environ.get("OMNICX_REPLAY_N", "2000"))
START = datetime(2026, 3, 2, 8, tzinfo=UTC)
# Every window (continuity, subject fallback) measured from a "now" a month
# after the last message is long closed, so only explicit references thread.
CLOCK = FixedClock(START + timedelta(days=40))
POLICY = ThreadingPolicy(continuity_hours=0)

# Queues depend on the channel only, so every message of a thread proposes the
# same queue; keyword rules only raise priority and add tags, which the desk
# folds with max and union: both independent of the order messages arrive in.
RULES = RuleEngine.compile(
    load_rules(
        {
            "mode": "accumulate",
            "rules": [
                {"id": "email", "when": {"field": "channel", "op": "eq", "value": "email"},
                 "then": {"queue": "email-desk"}},
                {"id": "messaging", "when": {"field": "channel", "op": "in",
                 "value": ["sms", "whatsapp"]}, "then": {"queue": "messaging"}},
                {"id": "chat", "when": {"field": "channel", "op": "eq", "value": "chat"},
                 "then": {"queue": "live-chat"}},
                {"id": "refund", "when": {"field": "message.text", "op": "contains",
                 "value": "refund"}, "then": {"priority": "high", "add_tags": ["refund"]}},
                {"id": "broken", "when": {"field": "message.text", "op": "contains",
                 "value": "broken"}, "then": {"priority": "urgent", "add_tags": ["damaged"]}},
            ],
        }
    )
)  # fmt: skip
TEXTS = ("hello", "where is my parcel?", "I want a refund", "it arrived broken", "thanks!")
CHANNELS = (Channel.EMAIL, Channel.SMS, Channel.WHATSAPP, Channel.CHAT)


def _sender(channel: Channel, customer: int) -> tuple[Identifier, ...]:
    email = Identifier.email(f"c{customer}@example.com", verified=True)
    phone = Identifier.phone(f"+4477009{customer:05d}", verified=True)
    if channel == Channel.EMAIL:
        return (email,)
    if channel == Channel.CHAT:
        handle = Identifier.handle("chat", f"v{customer}")
        # Half the visitors are logged in: their chat merges into their email profile.
        return (handle, email) if customer % 2 == 0 else (handle,)
    return (phone,)


def stream(n: int, *, seed: int = 7, thread_ids: bool = True) -> list[MessageReceived]:
    """``n`` distinct inbound messages in the order they were sent.

    Each thread is one customer on one channel, 1-8 messages a few minutes
    apart. Every message carries its provider thread id (web-chat session,
    WhatsApp or SMS conversation, the mailbox's thread id); emails also carry
    Message-ID, In-Reply-To and References. ``thread_ids=False`` leaves
    emails with RFC 5322 references only.
    """
    rng = random.Random(seed)
    customers = max(3, n // 7)
    messages: list[MessageReceived] = []
    thread_no = 0
    while len(messages) < n:
        thread_no += 1
        customer = rng.randrange(customers)
        channel = rng.choice(CHANNELS)
        at = START + timedelta(minutes=rng.randrange(7 * 24 * 60))
        ids: list[str] = []
        for _ in range(min(rng.randint(1, 8), n - len(messages))):
            number = len(messages)
            at += timedelta(minutes=rng.randint(1, 90))
            mid = f"<m{number}@mail.example>" if channel == Channel.EMAIL else None
            refs = ThreadRefs(
                message_id=mid,
                in_reply_to=tuple(ids[-1:]),
                references=tuple(ids),
                provider_thread_id=(
                    f"t{thread_no}" if thread_ids or channel != Channel.EMAIL else None
                ),
            )
            if mid is not None:
                ids.append(mid)
            message = Message(
                id=f"{channel.name}:x{number}",
                channel=channel,
                direction=Direction.INBOUND,
                author=Author(kind=AuthorKind.CUSTOMER, id=f"c{customer}"),
                sent_at=at,
                text=rng.choice(TEXTS),
                external_id=f"x{number}",
                thread=refs,
            )
            messages.append(MessageReceived(message=message, sender=_sender(channel, customer)))
    return messages


def redelivered(events: Sequence[MessageReceived], *, seed: int = 11) -> list[MessageReceived]:
    """The same events shuffled, about one in ten delivered twice (an equal copy)."""
    rng = random.Random(seed)
    copies = [attrs.evolve(e) for e in rng.sample(list(events), len(events) // 10)]
    mixed = [*events, *copies]
    rng.shuffle(mixed)
    return mixed


def desk_on(store: DeskStore) -> Desk:
    """A desk with the replay's clock, threading policy and rules."""
    return Desk(store=store, clock=CLOCK, rules=RULES, threading=POLICY)


def receive_all(desk: Desk, events: Iterable[MessageReceived]) -> None:
    """Deliver every event; a repeat must come back ``replayed`` and a first delivery not."""
    seen: set[str] = set()
    for event in events:
        receipt = desk.receive(event)
        assert receipt.replayed == (event.message.id in seen), event.message.id
        seen.add(event.message.id)


def final_state(desk: Desk, store: MemoryStore | SqliteStore) -> dict[str, Any]:
    """The order-independent final state, with store-assigned ids named by content.

    Customer and conversation ids are handed out by the store in arrival
    order, so a customer is named by the identifier keys of its live profile
    and a conversation by the set of message ids in it. The state is:

    - ``messages``: the id of every stored message event (and that there is one per id);
    - ``customers``: the partition of identifier keys into live profiles;
    - ``conversations``: per conversation (its message ids), its customer,
      channel, status, queue, priority and tags;
    - ``timelines``: per customer, the message ids of ``Desk.timeline`` in
      timeline order, and the number of conversations created on it
      (``StatusChanged`` to new).

    Left out, because they record when omnicx *learned* something rather
    than what happened: the ids of system events (derived from the delivery
    that caused them), how many priority/tag change events led to the final
    values, and ``Conversation.created_at`` (the sent time of the first
    message to *arrive*).
    """
    profiles = {p.id: frozenset(i.key for i in p.identifiers) for p in store.live_profiles()}
    events = store.events()
    message_ids = [e.id for e in events if isinstance(e, MessageEvent)]
    by_conversation: dict[str | None, set[str]] = defaultdict(set)
    for event in events:
        if isinstance(event, MessageEvent):
            by_conversation[event.conversation_id].add(event.message.id)
    conversations = set()
    timelines = {}
    for profile_id, keys in profiles.items():
        for record in desk.conversations(profile_id):
            c = record.conversation
            conversations.add(
                (frozenset(by_conversation[c.id]), keys, c.channel.name, c.status.value,
                 c.queue, c.priority.value, c.tags)
            )  # fmt: skip
        timeline = desk.timeline(profile_id)
        created = sum(1 for e in timeline if isinstance(e, StatusChanged) and e.previous is None)
        timelines[keys] = (
            tuple(e.message.id for e in timeline if isinstance(e, MessageEvent)),
            created,
        )
    return {
        "messages": (len(message_ids), frozenset(message_ids)),
        "customers": frozenset(profiles.values()),
        "conversations": frozenset(conversations),
        "timelines": timelines,
    }


def test_shuffled_redelivery_matches_the_clean_stream_in_memory() -> None:
    """N messages shuffled with duplicates end in the clean ordered stream's final state."""
    events = stream(N)
    clean, messy = MemoryStore(), MemoryStore()
    receive_all(desk_on(clean), events)
    receive_all(desk_on(messy), redelivered(events))
    expected = final_state(desk_on(clean), clean)
    assert final_state(desk_on(messy), messy) == expected
    # The state is not trivial: merges, multi-message threads and folded priorities happened.
    assert expected["messages"][0] == N
    assert any(len(keys) > 1 for keys in expected["customers"])
    assert any(len(c[0]) > 3 for c in expected["conversations"])
    assert {c[5] for c in expected["conversations"]} == {"normal", "high", "urgent"}


def test_shuffled_redelivery_matches_the_clean_stream_on_sqlite(tmp_path: Path) -> None:
    """The same promise on SqliteStore files, with a smaller stream."""
    events = stream(300, seed=3)
    with (
        SqliteStore(tmp_path / "clean.db") as clean,
        SqliteStore(tmp_path / "messy.db") as messy,
    ):
        receive_all(desk_on(clean), events)
        receive_all(desk_on(messy), redelivered(events, seed=5))
        assert final_state(desk_on(messy), messy) == final_state(desk_on(clean), clean)


def test_memory_and_sqlite_reach_the_same_state(tmp_path: Path) -> None:
    """Both reference stores end in the same final state for the same stream."""
    events = redelivered(stream(200, seed=9))
    memory = MemoryStore()
    receive_all(desk_on(memory), events)
    with SqliteStore(tmp_path / "desk.db") as sqlite:
        receive_all(desk_on(sqlite), events)
        assert final_state(desk_on(sqlite), sqlite) == final_state(desk_on(memory), memory)


SECRET = "widget-secret"
CHAT_BODY = (
    b'{"type": "message", "id": "m-1", "session_id": "s-1", "sent_at": "2026-03-02T10:00:00Z",'
    b' "visitor": {"id": "v-9", "name": "Ada", "email": "ada@example.com"},'
    b' "text": "My parcel arrived broken, I want a refund"}'
)


def _webhook() -> MessageReceived:
    adapter = WebChatAdapter(secret=SECRET)
    headers = {"X-Omnicx-Signature": sign_webchat(SECRET, CHAT_BODY)}
    adapter.verify(
        request(CHAT_BODY, headers, url="https://host.example/webhooks/chat"), now=RECEIVED
    )
    (event,) = adapter.parse(request(CHAT_BODY, headers))
    assert isinstance(event, MessageReceived)
    return event


def test_same_webhook_twice_in_memory_changes_nothing() -> None:
    """A redelivered web-chat webhook returns the first receipt with replayed=True; the store is unchanged."""
    store = MemoryStore()
    desk = desk_on(store)
    first = desk.receive(_webhook())
    before = attrs.asdict(store, recurse=False)
    snapshot = {k: (dict(v) if isinstance(v, dict) else list(v)) for k, v in before.items()}
    again = desk.receive(_webhook())
    after = attrs.asdict(store, recurse=False)
    assert again.replayed is True
    assert first.replayed is False
    assert attrs.evolve(again, replayed=False) == first
    assert {k: (dict(v) if isinstance(v, dict) else list(v)) for k, v in after.items()} == snapshot


def test_same_webhook_twice_on_sqlite_changes_nothing(tmp_path: Path) -> None:
    """On SQLite the database dump is byte-for-byte the same after the redelivery."""
    path = tmp_path / "desk.db"

    def dump() -> str:
        with sqlite3.connect(path) as db:
            return "\n".join(db.iterdump())

    with SqliteStore(path) as store:
        desk = desk_on(store)
        first = desk.receive(_webhook())
        before = dump()
        again = desk.receive(_webhook())
        assert dump() == before
    assert (again.replayed, first.replayed) == (True, False)
    assert attrs.evolve(again, replayed=False) == first


def test_email_threads_by_references_alone_survive_shuffling() -> None:
    """Emails carrying only Message-ID/In-Reply-To/References thread the same in any order.

    Fails today: when a reply arrives first, its conversation is indexed under
    the reply's own Message-ID only, and the parent (which references nothing)
    finds no conversation, so one email thread splits in two.
    """
    events = [
        e for e in stream(120, seed=1, thread_ids=False) if e.message.channel == Channel.EMAIL
    ]
    clean, messy = MemoryStore(), MemoryStore()
    receive_all(desk_on(clean), events)
    receive_all(desk_on(messy), list(reversed(events)))
    assert (
        final_state(desk_on(messy), messy)["conversations"]
        == (final_state(desk_on(clean), clean)["conversations"])
    )


def test_created_at_is_the_earliest_message_whatever_the_arrival_order() -> None:
    """A conversation starts when its earliest message was sent, as a profile does.

    Fails today: a thread whose later message is delivered first keeps that
    message's time as ``created_at``, so metrics from creation (resolution
    time) depend on delivery order.
    """
    store = MemoryStore()
    receive_all(desk_on(store), redelivered(stream(300)))
    earliest: dict[str | None, datetime] = {}
    for event in store.events():
        if isinstance(event, MessageEvent):
            at = event.message.sent_at
            earliest[event.conversation_id] = min(earliest.get(event.conversation_id, at), at)
    assert {r.id: r.conversation.created_at for r in store.records.values()} == earliest


def test_the_stream_is_deterministic() -> None:
    """The generator depends on its seed only, so a failure can be replayed exactly."""
    assert stream(50) == stream(50)
    assert Counter(e.message.channel.name for e in stream(400)).keys() == {c.name for c in CHANNELS}
