"""omnicx's web-chat JSON format: visitor messages, read receipts, signing, rendering."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from tests.channels.requests import request

from omnicx.channels import (
    WEBCHAT_SIGNATURE_HEADER,
    DeliveryState,
    DeliveryUpdate,
    MessageEdited,
    MessageReceived,
    OutboundMessage,
    WebChatAdapter,
    sign_webchat,
)
from omnicx.errors import PayloadError, SignatureError
from omnicx.model import Attachment, Channel, Identifier

ADAPTER = WebChatAdapter(secret="chat-secret", base_url="https://chat.shop.example/api/")
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
MESSAGE: dict[str, Any] = {
    "type": "message",
    "id": "m-1",
    "session_id": "s-1",
    "sent_at": "2026-03-02T13:00:00+01:00",
    "visitor": {"id": "v-9", "name": "Ada", "email": "Ada@Example.com", "phone": "+44 7911 123456"},
    "text": "Is this in stock?",
    "attachments": [
        {
            "url": "https://cdn.example/p.png",
            "filename": "p.png",
            "content_type": "image/png",
            "size": 123,
        }
    ],
    "page_url": "https://shop.example/p/1",
}


def body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()


def test_message_maps_every_field() -> None:
    """Visitor id, typed email and phone become identifiers (unverified); session is the thread."""
    (event,) = ADAPTER.parse(request(body(MESSAGE)))
    assert isinstance(event, MessageReceived)
    assert event.sender == (
        Identifier.handle("chat", "v-9", verified=True),
        Identifier.email("ada@example.com"),
        Identifier.phone("+447911123456"),
    )
    message = event.message
    assert (message.id, message.channel, message.text) == (
        "chat:m-1",
        Channel.CHAT,
        "Is this in stock?",
    )
    assert message.sent_at == NOW
    assert message.thread.provider_thread_id == "s-1"
    assert message.author.id == "v-9"
    assert message.attachments == (
        Attachment(
            filename="p.png", content_type="image/png", size=123, url="https://cdn.example/p.png"
        ),
    )
    assert message.metadata == {"page_url": "https://shop.example/p/1"}


def test_verified_visitor_and_bad_phone() -> None:
    """A logged-in visitor's email is verified; a phone that is not a number is dropped."""
    visitor = {"id": "v-1", "email": "a@example.com", "phone": "call me", "verified": True}
    (event,) = ADAPTER.parse(request(body({**MESSAGE, "visitor": visitor})))
    assert isinstance(event, MessageReceived)
    assert event.sender == (
        Identifier.handle("chat", "v-1", verified=True),
        Identifier.email("a@example.com", verified=True),
    )


def test_read_receipt() -> None:
    """A read event marks each named outbound message read."""
    payload = {
        "type": "read",
        "session_id": "s-1",
        "message_ids": ["out-1", "", 7],
        "at": "2026-03-02T12:00:00Z",
    }
    assert ADAPTER.parse(request(body(payload))) == (
        DeliveryUpdate(channel=Channel.CHAT, external_id="out-1", state=DeliveryState.READ, at=NOW),
    )


def test_edit() -> None:
    """An edit event replaces the text of an earlier visitor message."""
    payload = {
        "type": "edit",
        "id": "m-1",
        "session_id": "s-1",
        "visitor": {"id": "v-9"},
        "text": "Is the blue one in stock?",
        "at": "2026-03-02T12:00:00Z",
    }
    assert ADAPTER.parse(request(body(payload))) == (
        MessageEdited(
            channel=Channel.CHAT,
            external_id="m-1",
            text="Is the blue one in stock?",
            at=NOW,
            sender=(Identifier.handle("chat", "v-9", verified=True),),
        ),
    )


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"type": "typing"}, "type: unknown web-chat event type"),
        (
            {**MESSAGE, "sent_at": "2026-03-02T12:00:00"},
            "sent_at: expected an ISO 8601 timestamp with an offset",
        ),
        ({**MESSAGE, "visitor": "v-9"}, "visitor: expected an object, got str"),
        (
            {**MESSAGE, "attachments": [{"url": "u", "size": -1}]},
            "attachments[0].size: expected a byte count",
        ),
        (
            {**MESSAGE, "attachments": [{"size": 1}]},
            "attachments[0].url: required field is missing",
        ),
    ],
)
def test_bad_payloads(payload: dict[str, Any], message: str) -> None:
    """Wrong web-chat payloads are PayloadErrors with their field."""
    with pytest.raises(PayloadError) as info:
        ADAPTER.parse(request(body(payload)))
    assert str(info.value) == message


def test_signature() -> None:
    """X-Omnicx-Signature is sha256= hex HMAC of the body; missing or wrong fails, naming the header."""
    raw = body(MESSAGE)
    ADAPTER.verify(
        request(raw, {WEBCHAT_SIGNATURE_HEADER: sign_webchat("chat-secret", raw)}), now=NOW
    )
    with pytest.raises(SignatureError) as info:
        ADAPTER.verify(request(raw), now=NOW)
    assert str(info.value) == "X-Omnicx-Signature: missing signature header"
    with pytest.raises(SignatureError):
        ADAPTER.verify(
            request(raw + b" ", {WEBCHAT_SIGNATURE_HEADER: sign_webchat("chat-secret", raw)}),
            now=NOW,
        )


def test_render() -> None:
    """A reply is POSTed to the session's messages endpoint."""
    outbound = OutboundMessage(
        to="s-1",
        now=NOW,
        text="Yes!",
        attachments=(Attachment(url="https://cdn.example/a.pdf", filename="a.pdf"),),
    )
    (request,) = ADAPTER.render(outbound)
    assert request.url == "https://chat.shop.example/api/sessions/s-1/messages"
    assert json.loads(request.body) == {
        "type": "message",
        "sent_at": "2026-03-02T12:00:00+00:00",
        "text": "Yes!",
        "attachments": [
            {
                "url": "https://cdn.example/a.pdf",
                "filename": "a.pdf",
                "content_type": "application/octet-stream",
            }
        ],
    }
