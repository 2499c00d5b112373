"""Send exactly once: outbox ids, handed-over items, early delivery updates, erased work."""

from __future__ import annotations

import pytest

from omnicx import FixedClock
from omnicx.channels import DeliveryState, DeliveryUpdate
from omnicx.desk import ConversationErasedError, Desk, OutboxKind
from omnicx.model import Channel, CustomEvent
from omnicx.privacy import erase_customer
from omnicx.storage import DeskStore, MemoryStore, SqliteStore

from .test_desk import RULES, SLA, T0, inbound


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest) -> DeskStore:
    return MemoryStore() if request.param == "memory" else SqliteStore()


@pytest.fixture
def desk(store: DeskStore) -> Desk:
    # RULES auto-reply to a refund and notify the lead: two items to send.
    return Desk(store=store, clock=FixedClock(T0), rules=RULES, sla=SLA)


def _send_all(desk: Desk, outbox: tuple, sent: list[str]) -> None:  # type: ignore[type-arg]
    # The loop docs/desk.md documents: send, then say so.
    for item in outbox:
        sent.append(item.id)
        desk.handed_over(item.id)


def test_a_redelivered_webhook_sends_nothing_twice(desk: Desk) -> None:
    """Each outbox item has a stable id; once handed over, a replay leaves it out."""
    sent: list[str] = []
    first = desk.receive(inbound(1, "refund please"))
    assert [i.kind for i in first.outbox][:1] == [OutboxKind.AUTO_REPLY]
    assert len({i.id for i in first.outbox}) == len(first.outbox)
    _send_all(desk, first.outbox, sent)
    for _ in range(3):  # the provider retries
        again = desk.receive(inbound(1, "refund please"))
        assert again.replayed
        _send_all(desk, again.outbox, sent)
    assert sorted(sent) == sorted(i.id for i in first.outbox)


def test_a_crash_before_sending_leaves_the_items_to_send(desk: Desk) -> None:
    """Committed but never handed over (the worker died): the redelivery still carries them."""
    first = desk.receive(inbound(1, "refund please"))
    desk.handed_over(first.outbox[0].id)
    again = desk.receive(inbound(1, "refund please"))
    assert [i.id for i in again.outbox] == [i.id for i in first.outbox[1:]]
    desk.handed_over(first.outbox[0].id)  # twice is harmless
    desk.handed_over()


def test_a_retried_agent_reply_sends_once(desk: Desk) -> None:
    """With a request id, the retried reply's receipt has nothing left to send."""
    conversation = desk.receive(inbound(1)).conversation_id
    reply = desk.reply(conversation, agent_id="ann", text="On it", request_id="r1")
    (item,) = [i for i in reply.outbox if i.kind is OutboxKind.AGENT_REPLY]
    desk.handed_over(item.id)
    retried = desk.reply(conversation, agent_id="ann", text="On it", request_id="r1")
    assert retried.replayed
    assert all(i.kind is not OutboxKind.AGENT_REPLY for i in retried.outbox)


def test_delivery_updates_before_record_sent_are_kept_until_it(
    desk: Desk, store: DeskStore
) -> None:
    """A 'delivered' that beats record_sent lands when the id is recorded, once."""
    conversation = desk.receive(inbound(1)).conversation_id
    early = DeliveryUpdate(
        channel=Channel.EMAIL, external_id="p-1", state=DeliveryState.DELIVERED, at=T0
    )
    assert desk.delivery(early) is None
    assert desk.delivery(early) is None  # a provider retry
    desk.record_sent(conversation, channel=Channel.EMAIL, external_id="p-1")
    desk.record_sent(conversation, channel=Channel.EMAIL, external_id="p-1")
    assert desk.delivery(early) is not None
    names = [
        e.name for e in store.events(conversation_id=conversation) if isinstance(e, CustomEvent)
    ]
    assert names == ["delivery.delivered"]


def test_actions_on_an_erased_customers_conversation_are_refused(
    desk: Desk, store: DeskStore
) -> None:
    """After erasure, replying or tagging raises a typed error and writes nothing."""
    receipt = desk.receive(inbound(1))
    erase_customer(store, receipt.customer_id, now=T0, actor="dpo", reason="request")
    events = len(store.events(conversation_id=receipt.conversation_id))
    for act in (
        lambda: desk.reply(receipt.conversation_id, agent_id="ann", text="hello?"),
        lambda: desk.tag(receipt.conversation_id, actor_id="ann", add=["x"]),
    ):
        with pytest.raises(ConversationErasedError, match="was erased"):
            act()
    assert len(store.events(conversation_id=receipt.conversation_id)) == events
