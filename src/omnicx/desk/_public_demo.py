"""The demo's public conversation: a Facebook comment answered by moving to DM.

A customer complains under the shop's post; the agent answers with a
Messenger private reply to the comment (one message, within 7 days of it);
the customer's answer arrives as a DM and continues the same conversation,
so their timeline holds the public and the private messages together. It
runs on a desk of its own over a ``MemoryStore``, so the sample week's
figures stay as they are.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import attrs

from omnicx._frozen import frozen_seq
from omnicx.channels import (
    ChannelAdapter,
    FacebookCommentsAdapter,
    MessageReceived,
    MessengerAdapter,
    OutboundMessage,
    OutboundRequest,
    WebhookRequest,
    sign_hub_sha256,
)
from omnicx.clock import FixedClock
from omnicx.desk._desk import Desk
from omnicx.desk._private_reply import outbound_private_reply
from omnicx.desk._receipt import Receipt
from omnicx.desk._sample import DEMO_NOW
from omnicx.model import Event
from omnicx.routing import RuleEngine, load_rules
from omnicx.storage import MemoryStore

PAGE_ID = "104211912345678"
_SECRET = "demo-meta-app-secret"
_PSID = "6543210987654321"
_POST = f"{PAGE_ID}_1029384756"
_COMMENT = "1029384756_555001"
_STARTED = DEMO_NOW - timedelta(hours=3)

PUBLIC_RULES: Mapping[str, Any] = {
    "mode": "first_match",
    "rules": [
        {
            "id": "public-complaint",
            "description": "Complaints in public go to the social team, fast",
            "when": {"all": [{"field": "message.visibility", "op": "eq", "value": "public"},
                             {"field": "signals.sentiment", "op": "eq", "value": "negative"}]},
            "then": {"queue": "social", "priority": "high", "add_tags": ["public"]},
        },
        {"id": "everything-else", "then": {"queue": "general"}},
    ],
}  # fmt: skip
"""The rules of the public demo: a negative public comment is urgent social work."""


@attrs.frozen(kw_only=True)
class PublicToDm:
    """What the public demo did, for display and tests.

    Attributes:
        comment: the receipt of the public comment.
        public_reply: the request that answers it under the post.
        private_reply: the request that answers it in Messenger.
        answer: the receipt of the customer's DM answer.
        timeline: the customer's timeline afterwards.
    """

    comment: Receipt
    public_reply: OutboundRequest
    private_reply: OutboundRequest
    answer: Receipt
    timeline: tuple[Event, ...] = attrs.field(converter=frozen_seq)


def _signed(adapter: ChannelAdapter, payload: Mapping[str, Any], at: datetime) -> MessageReceived:
    # Verified and parsed by the real adapter, as a host would.
    body = json.dumps(payload).encode()
    headers = {"X-Hub-Signature-256": sign_hub_sha256(_SECRET, body)}
    request = WebhookRequest(body=body, headers=headers, received_at=at,
                             url="https://shop.example/hooks/meta")  # fmt: skip
    adapter.verify(request, now=at)
    (event,) = adapter.parse(request)
    assert isinstance(event, MessageReceived)
    return event


def _comment(at: datetime) -> dict[str, Any]:
    value = {"item": "comment", "verb": "add", "comment_id": _COMMENT, "post_id": _POST,
             "parent_id": _POST, "from": {"id": _PSID, "name": "Sam Okafor"},
             "message": "Two weeks and my order still hasn't shipped. Terrible service!",
             "created_time": int(at.timestamp())}  # fmt: skip
    return {"object": "page", "entry": [{"id": PAGE_ID, "time": int(at.timestamp()),
            "changes": [{"field": "feed", "value": value}]}]}  # fmt: skip


def _dm(at: datetime) -> dict[str, Any]:
    stamp = int(at.timestamp() * 1000)
    item = {"sender": {"id": _PSID}, "recipient": {"id": PAGE_ID}, "timestamp": stamp,
            "message": {"mid": "m_sam_1", "text": "Thanks for writing. It's order #4821."}}  # fmt: skip
    return {"object": "page", "entry": [{"id": PAGE_ID, "time": stamp, "messaging": [item]}]}


def run_public_to_dm() -> PublicToDm:
    """A public comment, a private reply to it, and the DM answer, through one desk."""
    clock = FixedClock(_STARTED)
    desk = Desk(
        store=MemoryStore(), clock=clock, rules=RuleEngine.compile(load_rules(PUBLIC_RULES))
    )
    comments = FacebookCommentsAdapter(page_id=PAGE_ID, app_secret=_SECRET)
    messenger = MessengerAdapter(page_id=PAGE_ID, app_secret=_SECRET)
    comment = desk.receive(_signed(comments, _comment(_STARTED), _STARTED))
    clock.set(_STARTED + timedelta(minutes=12))
    text = "So sorry, Sam. We've sent you a message to sort this out privately."
    desk.reply(comment.conversation_id, agent_id="ben", text=text, comment=(_POST, _COMMENT))
    (public,) = comments.render(OutboundMessage(to=_PSID, now=clock.now(), text=text,
                                                reply_to=_COMMENT))  # fmt: skip
    moved = desk.private_reply(comment.conversation_id, agent_id="ben", comment_id=_COMMENT,
                               text="Hi Sam, could you share your order number here?")  # fmt: skip
    (item,) = moved.outbox
    (request,) = comments.render_private_reply(outbound_private_reply(item, now=clock.now()))
    clock.set(_STARTED + timedelta(minutes=20))
    answer = desk.receive(_signed(messenger, _dm(clock.now()), clock.now()))
    return PublicToDm(comment=comment, public_reply=public, private_reply=request, answer=answer,
                      timeline=desk.timeline(comment.customer_id))  # fmt: skip
