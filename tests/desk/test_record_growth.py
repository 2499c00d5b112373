"""A message appends what it adds: records do not grow with a conversation's history.

A regular who keeps writing in one chat session, or keeps replying on one
email thread, adds rows (events, thread references, observations) at every
message; the conversation record each message rewrites stays the same size,
and threading still finds the conversation by the ids the index holds.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from omnicx import FixedClock, serde
from omnicx.channels import MessageReceived
from omnicx.desk import Desk
from omnicx.model import (
    Author,
    AuthorKind,
    Channel,
    Direction,
    Identifier,
    Message,
    MessageEvent,
    ThreadRefs,
)
from omnicx.storage import DeskStore
from omnicx.timeline import reply_references

from .conftest import T0


@pytest.fixture
def store(every_store: DeskStore) -> DeskStore:
    return every_store


def _chat(number: int) -> MessageReceived:
    return MessageReceived(
        message=Message(
            id=f"chat:r{number}", channel=Channel.CHAT, direction=Direction.INBOUND,
            author=Author(kind=AuthorKind.CUSTOMER, id="v1"),
            sent_at=T0 + timedelta(minutes=number), text="one more question",
            external_id=f"r{number}", thread=ThreadRefs(provider_thread_id="session-1"),
        ),
        sender=(Identifier.handle("chat", "v1"),),
    )  # fmt: skip


def _emails(count: int) -> list[MessageReceived]:
    # Each replies to the one before, as a mail client writes it.
    out, parent = [], None
    for number in range(count):
        refs = ThreadRefs(
            message_id=f"m{number}@mail.example",
            in_reply_to=() if parent is None else (f"m{number - 1}@mail.example",),
            references=() if parent is None else reply_references(parent),
            subject="Order help",
        )
        parent = refs
        out.append(MessageReceived(
            message=Message(
                id=f"email:m{number}", channel=Channel.EMAIL, direction=Direction.INBOUND,
                author=Author(kind=AuthorKind.CUSTOMER, id="ada"),
                # Days apart: only the references keep them in one conversation.
                sent_at=T0 + timedelta(days=2 * number), text="about my order",
                external_id=f"m{number}", thread=refs,
            ),
            sender=(Identifier.email("ada@example.com"),),
        ))  # fmt: skip
    return out


def _size(store: DeskStore, conversation_id: str) -> int:
    record = store.conversation(conversation_id)
    assert record is not None
    assert record.summary.message_ids == frozenset()
    assert record.summary.external_ids == frozenset()
    return len(json.dumps(serde.to_dict(record)))


def _profile_size(store: DeskStore, customer_id: str) -> int:
    profile = store.profile(customer_id)
    assert profile is not None
    return len(json.dumps(serde.to_dict(profile)))


def test_a_long_chat_session_rewrites_records_of_constant_size(store: DeskStore) -> None:
    clock = FixedClock(T0)
    desk = Desk(store=store, clock=clock)
    sizes, profiles = [], []
    for number in range(60):
        clock.set(T0 + timedelta(minutes=number, seconds=3))
        receipt = desk.receive(_chat(number))
        if number in (4, 59):
            sizes.append(_size(store, receipt.conversation_id))
            profiles.append(_profile_size(store, receipt.customer_id))
    # Only the version and instants change (a digit or two), not the ids.
    assert abs(sizes[1] - sizes[0]) < 16
    assert abs(profiles[1] - profiles[0]) < 16
    profile = store.profile(receipt.customer_id)
    assert profile is not None
    assert profile.observed == 60
    assert store.observation_ids(profile.id, start=58) == ["chat:r58", "chat:r59"]
    conversations = {e.conversation_id for e in store.events() if isinstance(e, MessageEvent)}
    assert len(conversations) == 1


def test_replies_days_apart_thread_by_the_index_alone(store: DeskStore) -> None:
    clock = FixedClock(T0)
    desk = Desk(store=store, clock=clock)
    emails = _emails(40)
    ids, sizes = set(), []
    for number, event in enumerate(emails):
        clock.set(event.message.sent_at + timedelta(seconds=3))
        receipt = desk.receive(event)
        ids.add(receipt.conversation_id)
        if number in (24, 39):  # email_references is capped at 20 ids
            sizes.append(_size(store, receipt.conversation_id))
    assert len(ids) == 1
    assert abs(sizes[1] - sizes[0]) < 16
    # The same email again (another provider id, the same Message-ID) is known.
    again = emails[10]
    copy = MessageReceived(
        message=Message(
            id="email:copy",
            channel=Channel.EMAIL,
            direction=Direction.INBOUND,
            author=again.message.author,
            sent_at=again.message.sent_at,
            text="about my order",
            external_id="copy",
            thread=again.message.thread,
        ),
        sender=again.sender,
    )
    assert desk.receive(copy).conversation_id in ids
