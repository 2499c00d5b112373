"""A public comment, answered by moving to DM: one customer, one conversation, both kinds.

The desk receives what the social adapters parse: a Facebook comment, then
the customer's Messenger answer to the Page's private reply (the same
page-scoped id), then a comment on another post; routing reads the
visibility and the author's facts.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from omnicx import FixedClock
from omnicx.channels import (
    FacebookCommentsAdapter,
    MessageReceived,
    MessengerAdapter,
    PrivateReply,
    WebhookRequest,
    XAdapter,
)
from omnicx.desk import Desk
from omnicx.model import MessageEvent, Visibility
from omnicx.routing import RuleEngine, load_rules
from omnicx.storage import DeskStore

from .conftest import T0

PAGE = "104211912345678"
PSID = "6543210987654321"
RULES = RuleEngine.compile(
    load_rules(
        {
            "mode": "accumulate",
            "rules": [
                {"id": "all", "then": {"queue": "support"}, "stop": False},
                {"id": "public", "when": {"field": "message.visibility", "op": "eq",
                 "value": "public"}, "then": {"queue": "social", "add_tags": ["public"]},
                 "stop": False},
                {"id": "reach", "when": {"all": [
                    {"field": "message.author_followers", "op": "gte", "value": 10000},
                    {"field": "message.author_verified", "op": "eq", "value": True}]},
                 "then": {"priority": "high", "add_tags": ["influencer"]}},
            ],
        }
    )
)  # fmt: skip


def _request(payload: dict[str, object]) -> WebhookRequest:
    return WebhookRequest(body=json.dumps(payload).encode(), received_at=T0 + timedelta(hours=1))


def _comment(comment_id: str, post: str, minutes: int) -> MessageReceived:
    value = {"item": "comment", "verb": "add", "comment_id": comment_id, "post_id": post,
             "parent_id": post, "from": {"id": PSID, "name": "Jane Doe"},
             "message": "Third time my order is late!",
             "created_time": int((T0 + timedelta(minutes=minutes)).timestamp())}  # fmt: skip
    body = {"object": "page", "entry": [{"id": PAGE, "time": value["created_time"],
            "changes": [{"field": "feed", "value": value}]}]}  # fmt: skip
    adapter = FacebookCommentsAdapter(page_id=PAGE, app_secret="s")
    (event,) = adapter.parse(_request(body))
    assert isinstance(event, MessageReceived)
    return event


def _dm(minutes: int) -> MessageReceived:
    stamp = int((T0 + timedelta(minutes=minutes)).timestamp() * 1000)
    item = {"sender": {"id": PSID}, "recipient": {"id": PAGE}, "timestamp": stamp,
            "message": {"mid": "m_1", "text": "Order 1234, thanks for reaching out"}}  # fmt: skip
    body = {"object": "page", "entry": [{"id": PAGE, "time": stamp, "messaging": [item]}]}
    (event,) = MessengerAdapter(page_id=PAGE, app_secret="s").parse(_request(body))
    assert isinstance(event, MessageReceived)
    return event


@pytest.fixture
def desk(store: DeskStore) -> Desk:
    return Desk(store=store, clock=FixedClock(T0 + timedelta(hours=1)), rules=RULES)


def test_a_comment_moved_to_dm_is_one_customer_and_one_conversation(desk: Desk) -> None:
    """The comment opens a public conversation; the DM answer continues it; the timeline has both."""
    public = desk.receive(_comment("p1_c1", f"{PAGE}_p1", 0))
    assert (public.queue, public.tags) == ("social", frozenset({"public"}))
    reply = PrivateReply(comment_id="p1_c1", commented_at=T0, now=T0 + timedelta(minutes=5),
                         text="Sorry! Could you send us your order number?")  # fmt: skip
    assert FacebookCommentsAdapter(page_id=PAGE, app_secret="s").render_private_reply(reply)
    private = desk.receive(_dm(10))
    assert private.customer_id == public.customer_id
    assert private.conversation_id == public.conversation_id
    assert private.thread_reason == "continuity"
    messages = [e.message for e in desk.timeline(public.customer_id) if isinstance(e, MessageEvent)]
    assert [m.visibility for m in messages] == [Visibility.PUBLIC, Visibility.PRIVATE]
    assert messages[0].post_id == f"{PAGE}_p1"


def test_another_post_is_another_conversation_and_the_same_post_is_not(desk: Desk) -> None:
    """Per post and author: a second comment on the post continues, another post starts anew."""
    first = desk.receive(_comment("p1_c1", f"{PAGE}_p1", 0))
    again = desk.receive(_comment("p1_c2", f"{PAGE}_p1", 3))
    other = desk.receive(_comment("p2_c1", f"{PAGE}_p2", 4))
    assert again.conversation_id == first.conversation_id
    assert again.thread_reason == "post_author"
    assert other.conversation_id != first.conversation_id
    assert other.customer_id == first.customer_id


def test_rules_route_on_the_authors_reach(desk: Desk) -> None:
    """A verified X author with 48k followers is an influencer: high priority."""
    post = {"id_str": "105", "text": "@shop still waiting", "timestamp_ms": str(int(T0.timestamp() * 1000)),
            "user": {"id_str": "38", "screen_name": "JaneDoe", "name": "Jane",
                     "followers_count": 48210, "verified": True}}  # fmt: skip
    body = {"for_user_id": "1", "tweet_create_events": [post]}
    (event,) = XAdapter(user_id="1", consumer_secret="s").parse(_request(body))
    assert isinstance(event, MessageReceived)
    receipt = desk.receive(event)
    assert receipt.priority == "high"
    assert receipt.tags == frozenset({"public", "influencer"})


def test_an_agents_public_reply_is_stored_public_and_names_the_comment(desk: Desk) -> None:
    """``Desk.reply(comment=...)``: stored PUBLIC under the comment; the outbox names it."""
    first = desk.receive(_comment("p1_c1", f"{PAGE}_p1", 0))
    receipt = desk.reply(first.conversation_id, agent_id="ben", text="We are on it",
                         comment=(f"{PAGE}_p1", "p1_c1"))  # fmt: skip
    (outgoing,) = receipt.outbox
    assert outgoing.in_reply_to == "p1_c1"
    (reply,) = [e.message for e in desk.timeline(first.customer_id)
                if isinstance(e, MessageEvent) and e.message.direction.value == "outbound"]  # fmt: skip
    assert reply.visibility is Visibility.PUBLIC
    assert (reply.post_id, reply.parent_id) == (f"{PAGE}_p1", "p1_c1")


def test_the_demo_moves_a_public_comment_to_dm() -> None:
    """The demo's scenario: public comment, public and private replies, the DM continues it."""
    from omnicx.desk._public_demo import run_public_to_dm

    run = run_public_to_dm()
    assert run.answer.conversation_id == run.comment.conversation_id
    assert json.loads(run.private_reply.body)["recipient"] == {"comment_id": "1029384756_555001"}
    kinds = [(e.message.channel.name, e.message.visibility.value)
             for e in run.timeline if isinstance(e, MessageEvent)]  # fmt: skip
    assert kinds == [("facebook", "public"), ("facebook", "public"), ("messenger", "private")]
