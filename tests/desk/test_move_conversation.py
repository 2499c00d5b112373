"""An agent settles a mixed conversation: ``Desk.move_conversation`` puts it under a customer.

Checked (the merge permission on both customers), audited, compare-and-set
on the conversation, idempotent by request id; the inbox, the customer's
conversations and the timelines follow.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from omnicx import FixedClock
from omnicx.desk import ConversationErasedError, Desk
from omnicx.errors import ConflictError, NotFoundError, ValidationError
from omnicx.privacy import BUILTIN_ROLES, Actor, PermissionDenied, erase_customer
from omnicx.storage import AuditAction, DeskStore, InboxFilter

from .conftest import T0
from .test_rehome import ADA, PHONE, THREADING, _customer, _last, _messages, _owners, _send

PHONE_TIMELINE = ["msg:email:1", "msg:sms:2", "msg:email:3"]  # in time order
ACTORS = {
    "ann": Actor(id="ann", role=BUILTIN_ROLES["agent"]),
    "lea": Actor(id="lea", role=BUILTIN_ROLES["lead"]),
}


@pytest.fixture
def store(every_store: DeskStore) -> DeskStore:
    return every_store


def _desk(store: DeskStore) -> Desk:
    return Desk(store=store, clock=FixedClock(T0), threading=THREADING, actors=ACTORS)


def _mixed(desk: Desk) -> tuple[str, str, str, str]:
    """Ada's email conversation holds a message from the phone's owner, left mixed by unmerge."""
    ada, c1 = _send(desk, 1, "email", (ADA,))
    phone, c2 = _send(desk, 2, "sms", (PHONE,), name=None)
    merge_id = desk.merge(ada, phone, actor_id="lea", reason="same person")
    assert _send(desk, 3, "email", (PHONE,), name=None) == (ada, c1)
    desk.unmerge(merge_id, actor_id="lea", reason="two people")
    assert _last(desk.store, AuditAction.UNMERGE).details["mixed"] == (c1,)
    return ada, phone, c1, c2


def test_moving_a_mixed_conversation_moves_inbox_index_and_timeline(store: DeskStore) -> None:
    """The lead gives the mixed conversation to the phone's customer; everything follows."""
    desk = _desk(store)
    ada, phone, c1, c2 = _mixed(desk)
    version = store.conversation(c1).version  # type: ignore[union-attr]

    receipt = desk.move_conversation(c1, phone, actor_id="lea", reason="his thread",
                                     seen_version=version)  # fmt: skip
    assert (receipt.customer_id, receipt.conversation_version) == (phone, version + 1)
    moved = store.conversation(c1)
    assert moved is not None
    assert (moved.conversation.customer_id, moved.summary.customer_id) == (phone, phone)
    assert moved.version == version + 1
    assert _owners(desk, ada, phone) == {ada: set(), phone: {c1, c2}}
    assert {r.id for r in store.inbox(InboxFilter(customer_id=phone)).records} == {c1, c2}
    assert {r.id for r in store.inbox(InboxFilter(customer_id=ada)).records} == set()
    # The conversation's history goes along; Ada's own message stays on her timeline too.
    assert _messages(desk, phone) == PHONE_TIMELINE
    assert _messages(desk, ada) == ["msg:email:1"]

    entry = _last(store, AuditAction.MOVE_CONVERSATION)
    assert (entry.actor, entry.customer_id, entry.conversation_id) == ("lea", phone, c1)
    assert (entry.reason, dict(entry.details)) == ("his thread", {"previous": ada})
    # Stored as its value, read back as the member on every store.
    assert store.audit(customer_id=phone)[-1] == entry


def test_a_redelivered_move_replays_its_receipt(store: DeskStore) -> None:
    """The same request id again returns the first receipt, and nothing is written twice."""
    desk = _desk(store)
    ada, phone, c1, _ = _mixed(desk)
    first = desk.move_conversation(c1, phone, actor_id="lea", reason="his", request_id="mv-1")
    again = desk.move_conversation(c1, phone, actor_id="lea", reason="his", request_id="mv-1")
    assert again.replayed
    assert again.conversation_version == first.conversation_version
    moves = [e for e in store.audit() if e.action is AuditAction.MOVE_CONVERSATION]
    assert len(moves) == 1
    assert store.conversation(c1).version == first.conversation_version  # type: ignore[union-attr]
    # Without a request id, moving it where it already is is refused.
    with pytest.raises(ValidationError, match="already shows under customer") as caught:
        desk.move_conversation(c1, phone, actor_id="lea", reason="his")
    assert [p.path for p in caught.value.problems] == ["customer_id"]
    # Moving it back is a move of its own.
    assert desk.move_conversation(c1, ada, actor_id="lea", reason="hers").customer_id == ada


def test_a_stale_seen_version_is_refused_and_nothing_moves(store: DeskStore) -> None:
    """Someone acted since the agent loaded it: ConflictError, the conversation stays."""
    desk = _desk(store)
    ada, phone, c1, _ = _mixed(desk)
    seen = store.conversation(c1).version  # type: ignore[union-attr]
    desk.tag(c1, actor_id="ann", add=["billing"])
    with pytest.raises(ConflictError, match="reload it"):
        desk.move_conversation(c1, phone, actor_id="lea", reason="his", seen_version=seen)
    assert _customer(store, c1) == ada
    assert not [e for e in store.audit() if e.action is AuditAction.MOVE_CONVERSATION]


def test_moving_needs_the_merge_permission(store: DeskStore) -> None:
    """An agent may not move a conversation between customers; a lead may."""
    desk = _desk(store)
    ada, phone, c1, _ = _mixed(desk)
    with pytest.raises(PermissionDenied):
        desk.move_conversation(c1, phone, actor_id="ann", reason="his")
    with pytest.raises(NotFoundError):
        desk.move_conversation(c1, phone, actor_id="nobody", reason="his")
    assert _customer(store, c1) == ada


def test_unknown_and_erased_targets_and_erased_conversations_are_refused(
    store: DeskStore,
) -> None:
    """No customer, an erased customer, an erased conversation: refused, nothing written."""
    desk = _desk(store)
    ada, phone, c1, c2 = _mixed(desk)
    with pytest.raises(NotFoundError):
        desk.move_conversation(c1, "no-such-customer", actor_id="lea", reason="x")
    with pytest.raises(NotFoundError):
        desk.move_conversation("no-such-conversation", phone, actor_id="lea", reason="x")
    desk.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
    erase_customer(store, phone, now=desk.clock.now(), actor="dpo", reason="request")
    with pytest.raises(ValidationError, match="was erased") as caught:
        desk.move_conversation(c1, phone, actor_id="lea", reason="x")
    assert [p.path for p in caught.value.problems] == ["customer_id"]
    with pytest.raises(ConversationErasedError):
        desk.move_conversation(c2, ada, actor_id="lea", reason="x")
    assert _customer(store, c1) == ada
    assert not [e for e in store.audit() if e.action is AuditAction.MOVE_CONVERSATION]
