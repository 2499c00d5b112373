"""After a split, an unmerge or an undone split, each conversation goes to whoever wrote it.

A conversation started while two customers were one carries the survivor's
id; once they are two again it belongs to the customer whose messages it
holds: the inbox, the customer's conversations and the timelines follow.
One with messages from both stays and is listed in the audit entry.
"""

from __future__ import annotations

from datetime import timedelta

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omnicx import FixedClock
from omnicx.desk import Desk
from omnicx.identity import email_identifier, phone_identifier
from omnicx.model import Identifier
from omnicx.storage import (
    AuditAction,
    AuditEntry,
    ConversationRecord,
    DeskStore,
    InboxFilter,
    MemoryStore,
    SqliteStore,
)
from omnicx.timeline import ThreadingPolicy

from .conftest import T0
from .test_desk import inbound

# SMS keeps to its own conversations, so a text and an email do not join.
THREADING = ThreadingPolicy(separate_channels=frozenset({"sms"}))
PHONE = phone_identifier("+14155550100")
ADA = email_identifier("ada@example.com")


@pytest.fixture
def store(every_store: DeskStore) -> DeskStore:
    return every_store


def _desk(store: DeskStore) -> Desk:
    return Desk(store=store, clock=FixedClock(T0), threading=THREADING)


def _send(
    desk: Desk,
    n: int,
    channel: str,
    sender: tuple[Identifier, ...],
    name: str | None = "Ada",
    after: timedelta = timedelta(hours=1),
) -> tuple[str, str]:
    assert isinstance(desk.clock, FixedClock)
    at = desk.clock.advance(after)
    event = attrs.evolve(inbound(n, channel=channel, sender=sender, at=at), sender_name=name)
    receipt = desk.receive(event)
    return receipt.customer_id, receipt.conversation_id


def _record(store: DeskStore, conversation_id: str) -> ConversationRecord:
    record = store.conversation(conversation_id)
    assert record is not None
    return record


def _customer(store: DeskStore, conversation_id: str) -> str:
    return _record(store, conversation_id).conversation.customer_id


def _owners(desk: Desk, *customer_ids: str) -> dict[str, set[str]]:
    return {c: {r.id for r in desk.conversations(c)} for c in customer_ids}


def _last(store: DeskStore, action: AuditAction) -> AuditEntry:
    return [e for e in store.audit() if e.action is action][-1]


def _messages(desk: Desk, customer_id: str) -> list[str]:
    return [e.id for e in desk.timeline(customer_id) if e.id.startswith("msg:")]


def test_unmerge_moves_a_conversation_started_while_merged(store: DeskStore) -> None:
    """A text sent while Ada and the phone were one goes with the phone's customer on unmerge."""
    desk = _desk(store)
    ada, c1 = _send(desk, 1, "email", (ADA,))
    phone, c2 = _send(desk, 2, "sms", (PHONE,), name=None)
    merge_id = desk.merge(ada, phone, actor_id="lea", reason="same person")
    survivor, c3 = _send(desk, 3, "sms", (PHONE,), name=None, after=timedelta(days=2))
    assert survivor == ada
    assert c3 not in (c1, c2)
    assert _customer(store, c3) == ada
    version = _record(store, c3).version

    assert desk.unmerge(merge_id, actor_id="lea", reason="two people") == phone
    moved = store.conversation(c3)
    assert moved is not None
    assert (moved.conversation.customer_id, moved.summary.customer_id) == (phone, phone)
    assert moved.version == version + 1  # written compare-and-set, as any write
    assert _owners(desk, ada, phone) == {ada: {c1}, phone: {c2, c3}}
    inbox = store.inbox(InboxFilter(customer_id=phone))
    assert {r.id for r in inbox.records} == {c2, c3}
    assert {r.id for r in store.inbox(InboxFilter(customer_id=ada)).records} == {c1}
    assert _messages(desk, ada) == ["msg:email:1"]
    assert _messages(desk, phone) == ["msg:sms:2", "msg:sms:3"]
    entry = _last(store, AuditAction.UNMERGE)
    assert (entry.details["moved"], "mixed" in entry.details) == ({c3: phone}, False)


def test_a_conversation_with_both_customers_messages_stays_and_is_listed(
    store: DeskStore,
) -> None:
    """The phone's owner wrote in Ada's email conversation while merged: it stays Ada's."""
    desk = _desk(store)
    ada, c1 = _send(desk, 1, "email", (ADA,))
    phone, _ = _send(desk, 2, "sms", (PHONE,), name=None)
    merge_id = desk.merge(ada, phone, actor_id="lea", reason="same person")
    # An email from the phone alone, within the continuity window: Ada's conversation.
    assert _send(desk, 3, "email", (PHONE,), name=None) == (ada, c1)
    desk.unmerge(merge_id, actor_id="lea", reason="two people")
    assert _customer(store, c1) == ada
    entry = _last(store, AuditAction.UNMERGE)
    assert (entry.details["mixed"], "moved" in entry.details) == ((c1,), False)
    # Until someone decides, the whole conversation is in its customer's timeline.
    assert _messages(desk, ada) == ["msg:email:1", "msg:email:3"]
    assert _messages(desk, phone) == ["msg:sms:2"]


def _household(desk: Desk) -> tuple[str, str, str, str]:
    """Maria, a nameless text by the family phone, then Lucas on it: the text splits off."""
    maria = (PHONE, email_identifier("maria@example.com"))
    lucas = (PHONE, email_identifier("lucas@example.com"))
    first, c1 = _send(desk, 1, "email", maria, name="Maria Becker")
    joined, c2 = _send(desk, 2, "sms", (PHONE,), name=None, after=timedelta(days=3))
    assert (joined, c1 != c2) == (first, True)
    _send(desk, 3, "email", lucas, name="Lucas Becker", after=timedelta(days=3))
    return first, c1, c2, _last(desk.store, AuditAction.SPLIT).details["merge_id"]


def test_an_automatic_split_moves_the_texts_and_undo_split_brings_them_back(
    store: DeskStore,
) -> None:
    """The split-off text's conversation goes with it; undoing the split returns it to Maria."""
    desk = _desk(store)
    maria, c1, c2, split_id = _household(desk)
    entry = _last(store, AuditAction.SPLIT)
    (part,) = entry.details["parts"]
    assert (entry.actor, entry.details["moved"]) == ("omnicx", {c2: part})
    assert _customer(store, c2) == part
    assert _owners(desk, maria, part) == {maria: {c1}, part: {c2}}
    assert _messages(desk, maria) == ["msg:email:1"]
    assert _messages(desk, part) == ["msg:sms:2"]
    # A redelivered message replays its receipt: nothing moves again.
    _send(desk, 3, "email", (PHONE, email_identifier("lucas@example.com")), name="Lucas Becker")
    assert len([e for e in store.audit() if e.action is AuditAction.SPLIT]) == 1

    assert desk.undo_split(split_id, actor_id="lea", reason="one person") == maria
    assert _customer(store, c2) == maria
    assert _owners(desk, maria) == {maria: {c1, c2}}
    assert {r.id for r in store.inbox(InboxFilter(customer_id=part)).records} == set()
    assert _messages(desk, maria) == ["msg:email:1", "msg:sms:2"]
    undone = _last(store, AuditAction.SPLIT)
    assert (undone.details["undone"], undone.details["moved"]) == (True, {c2: maria})


def test_conversations_of_a_moved_conversation_list_it_once() -> None:
    """MemoryStore's customer index drops a moved conversation from its old customer."""
    store = MemoryStore()
    desk = _desk(store)
    maria, _, c2, _ = _household(desk)
    assert c2 not in {r.id for r in store.conversations_of([maria])}


# Who writes each message: (customer 0 or 1, by email or by text), and how
# many hours after the one before.
_MESSAGES = st.lists(
    st.tuples(st.integers(0, 1), st.booleans(), st.sampled_from([1, 30, 24 * 9])),
    max_size=4,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(before=_MESSAGES, during=_MESSAGES, sqlite=st.booleans())
def test_merge_then_unmerge_returns_every_conversation_to_its_customer(
    before: list[tuple[int, bool, int]], during: list[tuple[int, bool, int]], sqlite: bool
) -> None:
    """Conversations from before the merge end with the customer they had; new ones with their writer.

    A conversation started while merged goes to the customer who wrote all
    of it, or is listed as mixed in the unmerge's audit entry and stays.
    """
    store: DeskStore = SqliteStore() if sqlite else MemoryStore()
    desk = _desk(store)
    people = [(email_identifier(f"c{i}@example.com"), phone_identifier(f"+1415555010{i}"))
              for i in range(2)]  # fmt: skip
    n = 0
    customers = []
    for email, phone in people:
        n += 1
        customers.append(_send(desk, n, "email", (email, phone), name=None)[0])
    writers: dict[str, set[int]] = {}

    def send(who: int, by_text: bool, hours: int) -> str:
        nonlocal n
        n += 1
        email, phone = people[who]
        channel, sender = ("sms", (phone,)) if by_text else ("email", (email,))
        _, conversation = _send(desk, n, channel, sender, None, timedelta(hours=hours))
        writers.setdefault(conversation, set()).add(who)
        return conversation

    for message in before:
        send(*message)
    had = {r.id: r.conversation.customer_id for c in customers for r in desk.conversations(c)}
    merge_id = desk.merge(*customers, actor_id="lea", reason="same person")
    for message in during:
        send(*message)
    desk.unmerge(merge_id, actor_id="lea", reason="two people")

    entry = _last(store, AuditAction.UNMERGE)
    mixed = set(entry.details.get("mixed", ()))
    for conversation_id, who in writers.items():
        record = store.conversation(conversation_id)
        assert record is not None
        owner = record.conversation.customer_id
        if conversation_id in had:
            assert owner == had[conversation_id]
        elif len(who) == 1:
            assert owner == customers[who.pop()]
        else:
            assert conversation_id in mixed
        shown = {c for c in customers if conversation_id in _owners(desk, c)[c]}
        assert shown == {owner}
