"""Messenger and Instagram messaging webhooks (entry/messaging) and Send API rendering."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest
from tests.channels.requests import request

from omnicx.channels import (
    DeliveryState,
    DeliveryUpdate,
    InstagramAdapter,
    MessageEcho,
    MessageEdited,
    MessageReceived,
    MessengerAdapter,
    OutboundMessage,
    Reaction,
    RenderRefused,
    SendCheck,
)
from omnicx.errors import PayloadError
from omnicx.model import Attachment, AuthorKind, Channel, Direction, Identifier

MESSENGER = MessengerAdapter(page_id="1234567890", app_secret="fb-secret", app_id="555")
INSTAGRAM = InstagramAdapter(page_id="17841400000000000", app_secret="ig-secret")
MILLIS = 1772452800000  # 2026-03-02T12:00:00Z
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
PSID = "6789012345"


def webhook(obj: str, *items: dict[str, Any]) -> bytes:
    entry = {"id": "1234567890", "time": MILLIS, "messaging": list(items)}
    return json.dumps({"object": obj, "entry": [entry]}).encode()


def item(**fields: Any) -> dict[str, Any]:
    return {
        "sender": {"id": PSID},
        "recipient": {"id": "1234567890"},
        "timestamp": MILLIS,
        **fields,
    }


def test_messenger_text_message() -> None:
    """mid is the external id, the PSID a verified messenger handle, timestamps in ms."""
    (event,) = MESSENGER.parse(
        request(webhook("page", item(message={"mid": "m_abc", "text": "hello"})))
    )
    assert isinstance(event, MessageReceived)
    assert event.sender == (Identifier.handle("messenger", PSID, verified=True),)
    assert event.message.id == "messenger:m_abc"
    assert event.message.text == "hello"
    assert event.message.sent_at == NOW
    assert event.message.direction is Direction.INBOUND


def test_attachments_quick_reply_and_reply_to() -> None:
    """Attachments keep type and URL; quick-reply payloads and replied mids are kept."""
    message = {
        "mid": "m_1",
        "text": "this one",
        "attachments": [
            {"type": "image", "payload": {"url": "https://scontent.example/1.jpg"}},
            {"type": "fallback", "payload": None},
        ],
        "quick_reply": {"payload": "SIZE_M"},
        "reply_to": {"mid": "m_0"},
    }
    (event,) = MESSENGER.parse(request(webhook("page", item(message=message))))
    assert isinstance(event, MessageReceived)
    assert event.message.attachments == (
        Attachment(content_type="image/*", url="https://scontent.example/1.jpg"),
        Attachment(content_type="application/octet-stream"),
    )
    assert event.message.metadata == {"reply_id": "SIZE_M"}
    assert event.message.thread.in_reply_to == ("m_0",)


def test_echoes_are_our_outbound() -> None:
    """is_echo messages are MessageEcho, outbound, the customer being the recipient; app_id says whose."""
    echo = {
        "sender": {"id": "1234567890"},
        "recipient": {"id": PSID},
        "timestamp": MILLIS,
        "message": {"mid": "m_out", "text": "Sure!", "is_echo": True, "app_id": 555},
    }
    (event,) = MESSENGER.parse(request(webhook("page", echo)))
    assert isinstance(event, MessageEcho)
    assert event.ours
    assert event.message.direction is Direction.OUTBOUND
    assert event.message.author.kind is AuthorKind.AGENT
    assert event.recipient == (Identifier.handle("messenger", PSID, verified=True),)
    other = {**echo, "message": {**echo["message"], "app_id": 263902037430900}}
    (foreign,) = MESSENGER.parse(request(webhook("page", other)))
    assert isinstance(foreign, MessageEcho)
    assert not foreign.ours


def test_delivery_read_reaction_edit() -> None:
    """Delivery mids, Instagram read mids, reactions and edits each map to their event."""
    events = INSTAGRAM.parse(
        request(
            webhook(
                "instagram",
                item(delivery={"mids": ["m_a", "m_b"], "watermark": MILLIS}),
                item(read={"mid": "m_a"}),
                item(read={"watermark": MILLIS}),
                item(
                    reaction={
                        "mid": "m_a",
                        "action": "react",
                        "reaction": "love",
                        "emoji": "\u2764",
                    }
                ),
                item(reaction={"mid": "m_a", "action": "unreact"}),
                item(message_edit={"mid": "m_c", "text": "fixed typo", "num_edit": 1}),
                item(postback={"title": "Get Started", "payload": "START"}),
                item(referral={"ref": "ad-1", "source": "ADS"}),
            )
        )
    )
    sender = (Identifier.handle("instagram", PSID, verified=True),)
    ig = Channel.INSTAGRAM
    assert events == (
        DeliveryUpdate(
            channel=ig, external_id="m_a", state=DeliveryState.DELIVERED, at=NOW, recipient=sender
        ),
        DeliveryUpdate(
            channel=ig, external_id="m_b", state=DeliveryState.DELIVERED, at=NOW, recipient=sender
        ),
        DeliveryUpdate(
            channel=ig, external_id="m_a", state=DeliveryState.READ, at=NOW, recipient=sender
        ),
        Reaction(channel=ig, external_id="m_a", emoji="\u2764", at=NOW, sender=sender),
        Reaction(channel=ig, external_id="m_a", emoji="", at=NOW, sender=sender),
        MessageEdited(channel=ig, external_id="m_c", text="fixed typo", at=NOW, sender=sender),
    )


def test_wrong_object_and_missing_sender() -> None:
    """A page webhook sent to the Instagram adapter, or an item without a sender, is refused."""
    with pytest.raises(PayloadError, match="object: not an 'instagram' webhook"):
        INSTAGRAM.parse(request(webhook("page")))
    body = json.dumps(
        {"object": "page", "entry": [{"messaging": [{"timestamp": MILLIS}]}]}
    ).encode()
    with pytest.raises(PayloadError) as info:
        MESSENGER.parse(request(body))
    assert str(info.value) == "entry[0].messaging[0].sender: required field is missing"


def test_render_inside_24_hours_is_a_response() -> None:
    """Inside 24 h: messaging_type RESPONSE to /{page}/messages."""
    outbound = OutboundMessage(
        to=PSID, now=NOW, text="Hi", last_inbound_at=NOW - timedelta(hours=1)
    )
    (request,) = MESSENGER.render(outbound)
    assert request.url == "https://graph.facebook.com/v21.0/1234567890/messages"
    assert json.loads(request.body) == {
        "recipient": {"id": PSID},
        "messaging_type": "RESPONSE",
        "message": {"text": "Hi"},
    }


def test_human_agent_tag_between_one_and_seven_days() -> None:
    """A human agent's reply after 24 h and before 7 days goes with the HUMAN_AGENT tag."""
    outbound = OutboundMessage(
        to=PSID,
        now=NOW,
        text="Following up",
        last_inbound_at=NOW - timedelta(days=3),
        human_agent=True,
    )
    (request,) = MESSENGER.render(outbound)
    body = json.loads(request.body)
    assert (body["messaging_type"], body["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")
    bot = OutboundMessage(
        to=PSID, now=NOW, text="Following up", last_inbound_at=NOW - timedelta(days=3)
    )
    assert MESSENGER.check(bot) is SendCheck.WINDOW_CLOSED
    with pytest.raises(RenderRefused):
        MESSENGER.render(bot)
    week = OutboundMessage(
        to=PSID, now=NOW, text="x", last_inbound_at=NOW - timedelta(days=8), human_agent=True
    )
    assert INSTAGRAM.check(week) is SendCheck.WINDOW_CLOSED


def test_instagram_splits_at_1000_and_sends_attachments() -> None:
    """Instagram text over 1,000 characters splits; attachments follow as their own messages."""
    outbound = OutboundMessage(
        to=PSID,
        now=NOW,
        text="a" * 1500,
        last_inbound_at=NOW,
        attachments=(Attachment(url="https://cdn.example/v.mp4", content_type="video/mp4"),),
    )
    requests = INSTAGRAM.render(outbound)
    bodies = [json.loads(r.body) for r in requests]
    assert [len(b["message"].get("text", "")) for b in bodies] == [1000, 500, 0]
    assert bodies[2]["message"]["attachment"] == {
        "type": "video",
        "payload": {"url": "https://cdn.example/v.mp4", "is_reusable": True},
    }
    assert INSTAGRAM.channel == Channel.INSTAGRAM
    assert "ig-secret" not in repr(INSTAGRAM)


def test_instagram_counts_bytes() -> None:
    """Instagram's 1,000-byte limit: 500 two-byte characters fit one message, 501 do not."""
    fits = OutboundMessage(to=PSID, now=NOW, text="é" * 500, last_inbound_at=NOW)
    assert len(INSTAGRAM.render(fits)) == 1
    assert len(INSTAGRAM.render(attrs.evolve(fits, text="é" * 501))) == 2


def test_postback_with_mid_is_a_message() -> None:
    """A tapped button with a mid is the customer speaking: title as text, payload as reply id."""
    (event,) = MESSENGER.parse(
        request(
            webhook(
                "page", item(postback={"mid": "m_pb", "title": "Talk to us", "payload": "HUMAN"})
            )
        )
    )
    assert isinstance(event, MessageReceived)
    assert (event.message.id, event.message.text) == ("messenger:m_pb", "Talk to us")
    assert event.message.metadata == {"type": "postback", "reply_id": "HUMAN"}


def test_blank_mids_are_skipped() -> None:
    """Blank ids in a delivery receipt name no message and are skipped."""
    events = MESSENGER.parse(request(webhook("page", item(delivery={"mids": [" ", "m_1"]}))))
    assert [e.external_id for e in events if isinstance(e, DeliveryUpdate)] == ["m_1"]
