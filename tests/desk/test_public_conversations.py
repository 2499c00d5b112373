"""A public comment, answered by moving to DM: one customer, one conversation, both kinds.

The desk receives what the social adapters parse: a Facebook comment, then
the customer's Messenger answer to the Page's private reply (the same
page-scoped id), then a comment on another post; routing reads the
visibility and the author's facts.
"""

from __future__ import annotations

import json
from datetime import timedelta

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omnicx import FixedClock
from omnicx.channels import (
    FacebookCommentsAdapter,
    InstagramCommentsAdapter,
    MessageReceived,
    MessengerAdapter,
    PrivateReply,
    RenderRefused,
    SendCheck,
    WebhookRequest,
    XAdapter,
)
from omnicx.desk import Desk, OutboxKind, Outgoing, outbound_private_reply
from omnicx.errors import NotFoundError, ValidationError
from omnicx.model import Channel, Message, MessageEvent, Visibility
from omnicx.routing import RuleEngine, load_rules
from omnicx.storage import DeskStore, MemoryStore

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
    assert kinds == [("facebook", "public"), ("facebook", "public"), ("messenger", "private"),
                     ("messenger", "private")]  # fmt: skip


# -- private replies: "move to DM" ------------------------------------------------


def _ig_comment(comment_id: str, minutes: int) -> MessageReceived:
    at = (T0 + timedelta(minutes=minutes)).isoformat()
    value = {"id": comment_id, "text": "@shop where is my parcel??", "timestamp": at,
             "from": {"id": "17841400000000777", "username": "jane"}, "media": {"id": "m1"}}  # fmt: skip
    body = {"object": "instagram", "entry": [{"id": "1781", "time": 1772442000,
            "changes": [{"field": "comments", "value": value}]}]}  # fmt: skip
    (event,) = InstagramCommentsAdapter(account_id="1781", app_secret="s").parse(_request(body))
    assert isinstance(event, MessageReceived)
    return event


def _x_mention(minutes: int) -> MessageReceived:
    stamp = str(int((T0 + timedelta(minutes=minutes)).timestamp() * 1000))
    post = {"id_str": "105", "text": "@shop still waiting", "timestamp_ms": stamp,
            "user": {"id_str": "38", "screen_name": "JaneDoe", "name": "Jane"}}  # fmt: skip
    body = {"for_user_id": "1", "tweet_create_events": [post]}
    (event,) = XAdapter(user_id="1", consumer_secret="s").parse(_request(body))
    assert isinstance(event, MessageReceived)
    return event


def _messages(desk: Desk, customer_id: str) -> list[Message]:
    return [e.message for e in desk.timeline(customer_id) if isinstance(e, MessageEvent)]


def test_a_private_reply_is_a_private_outbound_message_linked_to_the_comment(
    store: DeskStore,
) -> None:
    """Recorded on the DM channel under the comment; the outbox says how to send it."""
    clock = FixedClock(T0 + timedelta(minutes=5))
    desk = Desk(store=store, clock=clock, rules=RULES)
    public = desk.receive(_comment("p1_c1", f"{PAGE}_p1", 0))
    receipt = desk.private_reply(public.conversation_id, agent_id="ben", comment_id="p1_c1",
                                 text="Sorry! Could you send us your order number?")  # fmt: skip
    (item,) = receipt.outbox
    assert (item.kind, item.channel, item.to, item.in_reply_to, item.last_inbound_at) == (
        OutboxKind.PRIVATE_REPLY, Channel.FACEBOOK, PSID, "p1_c1", T0)  # fmt: skip
    reply = outbound_private_reply(item, now=clock.now())
    (request,) = FacebookCommentsAdapter(page_id=PAGE, app_secret="s").render_private_reply(reply)
    assert json.loads(request.body) == {"recipient": {"comment_id": "p1_c1"},
        "message": {"text": "Sorry! Could you send us your order number?"}}  # fmt: skip
    assert receipt.status == "pending"
    clock.set(T0 + timedelta(minutes=10))
    answer = desk.receive(_dm(10))
    assert answer.conversation_id == public.conversation_id
    messages = _messages(desk, public.customer_id)
    assert [(m.channel.name, m.visibility.value, m.direction.value) for m in messages] == [
        ("facebook", "public", "inbound"),
        ("messenger", "private", "outbound"),
        ("messenger", "private", "inbound"),
    ]
    moved = messages[1]
    assert (moved.parent_id, moved.post_id, moved.author.id) == ("p1_c1", f"{PAGE}_p1", "ben")


def test_meta_allows_one_private_reply_within_seven_days_and_refusals_change_nothing(
    store: DeskStore,
) -> None:
    clock = FixedClock(T0 + timedelta(minutes=5))
    desk = Desk(store=store, clock=clock, rules=RULES)
    public = desk.receive(_comment("p1_c1", f"{PAGE}_p1", 0))
    late = desk.receive(_comment("p1_c2", f"{PAGE}_p1", 1))
    desk.private_reply(public.conversation_id, agent_id="ben", comment_id="p1_c1", text="Hi")
    before = (desk.conversation(public.conversation_id).version, desk.timeline(public.customer_id))
    with pytest.raises(RenderRefused) as again:
        desk.private_reply(public.conversation_id, agent_id="ben", comment_id="p1_c1",
                           text="Hi again")  # fmt: skip
    assert again.value.check is SendCheck.ALREADY_REPLIED
    with pytest.raises(RenderRefused) as long:
        desk.private_reply(late.conversation_id, agent_id="ben", comment_id="p1_c2",
                           text="x" * 2001)  # fmt: skip
    assert long.value.check is SendCheck.TOO_LONG  # Messenger's 2,000 characters
    clock.set(T0 + timedelta(days=7, minutes=1))
    with pytest.raises(RenderRefused) as expired:
        desk.private_reply(late.conversation_id, agent_id="ben", comment_id="p1_c2", text="Hi")
    assert expired.value.check is SendCheck.PRIVATE_REPLY_EXPIRED
    after = (desk.conversation(public.conversation_id).version, desk.timeline(public.customer_id))
    assert after == before
    with pytest.raises(NotFoundError, match="nope"):
        desk.private_reply(public.conversation_id, agent_id="ben", comment_id="nope", text="Hi")


def test_a_repeated_private_reply_request_is_sent_once(store: DeskStore) -> None:
    desk = Desk(store=store, clock=FixedClock(T0 + timedelta(minutes=5)), rules=RULES)
    public = desk.receive(_comment("p1_c1", f"{PAGE}_p1", 0))
    first = desk.private_reply(public.conversation_id, agent_id="ben", comment_id="p1_c1",
                               text="Hi", request_id="r1")  # fmt: skip
    (item,) = first.outbox
    desk.handed_over(item.id)
    again = desk.private_reply(public.conversation_id, agent_id="ben", comment_id="p1_c1",
                               text="Hi", request_id="r1")  # fmt: skip
    assert item.kind is OutboxKind.PRIVATE_REPLY
    assert (again.replayed, again.outbox) == (True, ())
    outbound = [m for m in _messages(desk, public.customer_id) if m.direction.value == "outbound"]
    assert len(outbound) == 1


def test_instagram_keeps_its_dm_limit_and_x_needs_consent(store: DeskStore) -> None:
    desk = Desk(store=store, clock=FixedClock(T0 + timedelta(minutes=5)), rules=RULES)
    ig = desk.receive(_ig_comment("178", 0))
    with pytest.raises(RenderRefused) as long:
        desk.private_reply(ig.conversation_id, agent_id="ben", comment_id="178", text="é" * 501)
    assert long.value.check is SendCheck.TOO_LONG
    (item,) = desk.private_reply(ig.conversation_id, agent_id="ben", comment_id="178",
                                 text="é" * 500).outbox  # fmt: skip
    assert (item.channel, item.to) == (Channel.INSTAGRAM, "17841400000000777")
    assert _messages(desk, ig.customer_id)[-1].channel == Channel.INSTAGRAM
    x = desk.receive(_x_mention(0))
    with pytest.raises(RenderRefused) as closed:
        desk.private_reply(x.conversation_id, agent_id="ben", comment_id="105", text="DM us")
    assert closed.value.check is SendCheck.DM_NOT_ALLOWED
    (dm,) = desk.private_reply(x.conversation_id, agent_id="ben", comment_id="105",
                               text="DM us", dm_allowed=True).outbox  # fmt: skip
    request = XAdapter(user_id="1", consumer_secret="s").render_private_reply(
        outbound_private_reply(dm, now=T0 + timedelta(minutes=5), dm_allowed=True)
    )
    assert request[0].url.endswith("/dm_conversations/with/38/messages")


def test_outbound_private_reply_takes_only_a_private_reply_item() -> None:
    item = Outgoing(kind=OutboxKind.AGENT_REPLY, conversation_id="c1", customer_id="u1")
    with pytest.raises(ValidationError, match="PRIVATE_REPLY"):
        outbound_private_reply(item, now=T0)
    with pytest.raises(ValidationError, match="last_inbound_at"):
        outbound_private_reply(attrs.evolve(item, kind=OutboxKind.PRIVATE_REPLY,
                                            in_reply_to="c"), now=T0)  # fmt: skip


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=0, max_value=10 * 24 * 60))
def test_the_desk_judges_the_window_as_the_adapter_does(minutes: int) -> None:
    """Recorded exactly when the adapter would render it, at any instant after the comment."""
    now = T0 + timedelta(minutes=minutes)
    desk = Desk(store=MemoryStore(), clock=FixedClock(now), rules=RULES)
    public = desk.receive(_comment("p1_c1", f"{PAGE}_p1", 0))
    reply = PrivateReply(comment_id="p1_c1", commented_at=T0, now=now, text="Hi")
    verdict = FacebookCommentsAdapter.check_private_reply(reply)
    if verdict is SendCheck.OK:
        desk.private_reply(public.conversation_id, agent_id="ben", comment_id="p1_c1", text="Hi")
        return
    with pytest.raises(RenderRefused) as refused:
        desk.private_reply(public.conversation_id, agent_id="ben", comment_id="p1_c1", text="Hi")
    assert refused.value.check is verdict
