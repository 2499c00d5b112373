"""The customer's answer to a private reply joins the comment's conversation.

A customer with an open Messenger conversation comments under a post; the
agent answers the comment with a private reply. Their DM answer belongs to
the comment's conversation, whether it quotes the private reply (the id
``record_sent`` indexed) or not (the conversation awaits the answer), even
when the other conversation was active more recently.
"""

from __future__ import annotations

import json
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from omnicx import FixedClock
from omnicx.channels import MessageReceived, MessengerAdapter, WebhookRequest
from omnicx.desk import Desk
from omnicx.model import Channel, Status
from omnicx.storage import DeskStore, MemoryStore

from .conftest import T0
from .test_public_conversations import PAGE, PSID, _comment


def _dm(minutes: int, mid: str, reply_to: str | None = None) -> MessageReceived:
    stamp = int((T0 + timedelta(minutes=minutes)).timestamp() * 1000)
    message: dict[str, object] = {"mid": mid, "text": f"DM {mid}"}
    if reply_to is not None:
        message["reply_to"] = {"mid": reply_to}
    item = {"sender": {"id": PSID}, "recipient": {"id": PAGE}, "timestamp": stamp,
            "message": message}  # fmt: skip
    body = {"object": "page", "entry": [{"id": PAGE, "time": stamp, "messaging": [item]}]}
    request = WebhookRequest(body=json.dumps(body).encode(),
                             received_at=T0 + timedelta(minutes=minutes, seconds=1))  # fmt: skip
    (event,) = MessengerAdapter(page_id=PAGE, app_secret="s").parse(request)
    assert isinstance(event, MessageReceived)
    return event


def _setting(store: DeskStore) -> tuple[Desk, FixedClock, str, str]:
    """An open DM conversation, a comment, the private reply, then an agent's reply in the DM
    conversation: the DM conversation is the most recently active when the answer comes."""
    clock = FixedClock(T0)
    desk = Desk(store=store, clock=clock)
    other = desk.receive(_dm(0, "m_0")).conversation_id
    clock.set(T0 + timedelta(minutes=5))
    public = desk.receive(_comment("p1_c1", f"{PAGE}_p1", 5)).conversation_id
    assert public != other
    clock.set(T0 + timedelta(minutes=10))
    desk.private_reply(public, agent_id="ben", comment_id="p1_c1", text="Your order number?")
    clock.set(T0 + timedelta(minutes=20))
    desk.reply(other, agent_id="ann", text="Anything else?")
    clock.set(T0 + timedelta(minutes=30))
    return desk, clock, public, other


def test_the_answer_joins_the_comments_conversation_not_the_latest(store: DeskStore) -> None:
    """No reference in the answer: the comment's conversation awaits it, ahead of continuity."""
    desk, _, public, other = _setting(store)
    answer = desk.receive(_dm(30, "m_1"))
    assert (answer.conversation_id, answer.thread_reason) == (public, "private_reply")
    record = store.conversation(public)
    assert record is not None
    assert not record.summary.awaits_answer(Channel.MESSENGER)
    # Answered: the customer's next DM threads by continuity again (the latest active).
    later = desk.receive(_dm(31, "m_2"))
    assert (later.conversation_id, later.thread_reason) == (public, "continuity")
    assert other != public


def test_an_answer_quoting_the_private_reply_joins_by_reference(store: DeskStore) -> None:
    """The host recorded the private reply's Messenger id: an answer quoting it threads there."""
    desk, _, public, _ = _setting(store)
    desk.record_sent(public, channel=Channel.MESSENGER, external_id="m_private")
    answer = desk.receive(_dm(30, "m_1", reply_to="m_private"))
    assert (answer.conversation_id, answer.thread_reason) == (public, "in_reply_to")
    record = store.conversation(public)
    assert record is not None
    assert not record.summary.awaits_answer(Channel.MESSENGER)


def test_a_solved_comment_conversation_reopens_on_the_answer(store: DeskStore) -> None:
    """Replied privately and solved: the answer reopens it, as a reply to it would."""
    clock = FixedClock(T0)
    desk = Desk(store=store, clock=clock)
    desk.receive(_dm(0, "m_0"))
    public = desk.receive(_comment("p1_c1", f"{PAGE}_p1", 5)).conversation_id
    clock.set(T0 + timedelta(minutes=10))
    desk.private_reply(public, agent_id="ben", comment_id="p1_c1", text="DM us",
                       then=Status.SOLVED)  # fmt: skip
    clock.set(T0 + timedelta(hours=2))
    answer = desk.receive(_dm(120, "m_1"))
    assert (answer.conversation_id, answer.status) == (public, "open")


def test_past_the_continuity_window_the_answer_is_not_pulled(store: DeskStore) -> None:
    """The pairing holds within the DM channel's continuity window of the private reply."""
    desk, clock, public, _ = _setting(store)
    clock.set(T0 + timedelta(days=3))
    answer = desk.receive(_dm(3 * 24 * 60, "m_1"))
    assert answer.conversation_id != public


@settings(max_examples=30, deadline=None)
@given(
    agent_after=st.integers(min_value=11, max_value=600),
    answer_after=st.integers(min_value=1, max_value=600),
)
def test_the_answer_joins_the_comment_whatever_the_other_conversation_did(
    agent_after: int, answer_after: int
) -> None:
    """Within the window, however recently the other conversation was active, the first DM
    after the private reply joins the comment's conversation."""
    clock = FixedClock(T0)
    desk = Desk(store=MemoryStore(), clock=clock)
    other = desk.receive(_dm(0, "m_0")).conversation_id
    public = desk.receive(_comment("p1_c1", f"{PAGE}_p1", 5)).conversation_id
    clock.set(T0 + timedelta(minutes=10))
    desk.private_reply(public, agent_id="ben", comment_id="p1_c1", text="Your order number?")
    clock.set(T0 + timedelta(minutes=agent_after))
    desk.reply(other, agent_id="ann", text="Anything else?")
    at = agent_after + answer_after
    clock.set(T0 + timedelta(minutes=at))
    assert desk.receive(_dm(at, "m_1")).conversation_id == public
