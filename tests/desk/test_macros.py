"""Desk.apply_macro: a macro's reply, tags, fields and status as one agent action."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from omnicx import FixedClock, Status, ValidationError
from omnicx.channels import Capabilities, LongText, MessageReceived, RenderRefused
from omnicx.desk import Desk
from omnicx.identity import email_identifier
from omnicx.kb import Macro
from omnicx.model import Author, AuthorKind, Channel, Direction, Message, StatusChanged
from omnicx.privacy import BUILTIN_ROLES, Actor, PermissionDenied
from omnicx.storage import MemoryStore

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SHIPPED = Macro(
    id="shipped",
    text="Hi {{ customer.first_name | there }}, order {{ order.id }} shipped. "
    "{{ agent.name | The team }} ({{ conversation.channel }})",
    status=Status.SOLVED,
    add_tags=["shipping"],
    fields={"reason": "wismo"},
)


def _inbound(name: str | None = "Ada Lovelace") -> MessageReceived:
    message = Message(
        id="email:1", channel=Channel.EMAIL, direction=Direction.INBOUND,
        author=Author(kind=AuthorKind.CUSTOMER), sent_at=T0, text="where is my order?",
        external_id="1",
    )  # fmt: skip
    return MessageReceived(
        message=message, sender=(email_identifier("ada@example.com"),), sender_name=name
    )


def test_one_action_replies_tags_sets_fields_and_solves() -> None:
    store = MemoryStore()
    desk = Desk(store=store, clock=FixedClock(T0))
    conversation_id = desk.receive(_inbound()).conversation_id
    before = desk.conversation(conversation_id).version
    receipt = desk.apply_macro(
        conversation_id, SHIPPED, agent_id="a1", values={"order": {"id": "1042"}}
    )
    (sent,) = [o for o in receipt.outbox if o.text]
    assert sent.text == "Hi Ada, order 1042 shipped. The team (email)"
    assert receipt.status == "solved"
    assert receipt.tags == frozenset({"shipping"})
    record = desk.conversation(conversation_id)
    assert record.version == before + 1
    assert record.conversation.fields == {"reason": "wismo"}
    statuses = [e.status for e in store.events() if isinstance(e, StatusChanged)]
    assert statuses[-1] is Status.SOLVED
    again = desk.apply_macro(
        conversation_id, SHIPPED, agent_id="a1", values={"order": {"id": "1042"}}
    )
    assert again.replayed


def test_a_missing_value_is_reported_and_nothing_recorded() -> None:
    desk = Desk(store=MemoryStore(), clock=FixedClock(T0))
    conversation_id = desk.receive(_inbound(name=None)).conversation_id
    version = desk.conversation(conversation_id).version
    with pytest.raises(ValidationError) as caught:
        desk.apply_macro(conversation_id, SHIPPED, agent_id="a1")
    assert str(caught.value) == "values.order.id: macro 'shipped' needs a value; pass it in values"
    assert desk.conversation(conversation_id).version == version


def test_channel_length_rule() -> None:
    desk = Desk(store=MemoryStore(), clock=FixedClock(T0))
    conversation_id = desk.receive(_inbound()).conversation_id
    long = Macro(id="long", text="word " * 100)
    tiny = Capabilities(max_text_length=160)
    with pytest.raises(RenderRefused, match="can't send on email: the text is over"):
        desk.apply_macro(
            conversation_id, long, agent_id="a1", capabilities=tiny, long_text=LongText.REFUSE
        )
    receipt = desk.apply_macro(conversation_id, long, agent_id="a1", capabilities=tiny)
    assert receipt.status == "pending"


def test_a_note_macro_and_a_macro_without_text() -> None:
    desk = Desk(store=MemoryStore(), clock=FixedClock(T0))
    conversation_id = desk.receive(_inbound()).conversation_id
    note = desk.apply_macro(conversation_id, Macro(id="n", text="VIP", public=False), agent_id="a")
    assert not [o for o in note.outbox if o.text]
    tags = desk.apply_macro(
        conversation_id, Macro(id="t", remove_tags=["x"], add_tags=["y"]), agent_id="a"
    )
    assert tags.tags == frozenset({"y"})


def test_every_change_is_permission_checked_before_anything_is_recorded() -> None:
    replier = BUILTIN_ROLES["agent"]
    actors = {
        "ann": Actor(id="ann", role=replier),
        "rex": Actor(id="rex", role=BUILTIN_ROLES["read_only"]),
    }
    desk = Desk(store=MemoryStore(), clock=FixedClock(T0), actors=actors)
    conversation_id = desk.receive(_inbound()).conversation_id
    version = desk.conversation(conversation_id).version
    with pytest.raises(PermissionDenied):
        desk.apply_macro(conversation_id, Macro(id="t", add_tags=["y"]), agent_id="rex")
    with pytest.raises(PermissionDenied):
        desk.apply_macro(conversation_id, SHIPPED, agent_id="rex", values={"order": {"id": "1"}})
    assert desk.conversation(conversation_id).version == version
    receipt = desk.apply_macro(
        conversation_id, SHIPPED, agent_id="ann", values={"order": {"id": "1"}}
    )
    assert receipt.status == "solved"
