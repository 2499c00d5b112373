"""WhatsApp Cloud API webhooks (Meta's documented shapes) and Graph API rendering."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.channels.requests import request

from omnicx.channels import (
    DeliveryState,
    DeliveryUpdate,
    MessageReceived,
    OutboundMessage,
    Reaction,
    RenderRefused,
    SendCheck,
    Template,
    WhatsAppAdapter,
    sign_hub_sha256,
)
from omnicx.errors import PayloadError, PayloadReason, SignatureError
from omnicx.model import Attachment, Channel, Identifier

ADAPTER = WhatsAppAdapter(phone_number_id="106540352242922", app_secret="meta-secret")
STAMP = "1772452800"  # 2026-03-02T12:00:00Z
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
SENDER = Identifier.phone("+16315551234", verified=True)


def webhook(
    messages: list[dict[str, Any]] | None = None, statuses: list[dict[str, Any]] | None = None
) -> bytes:
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
    }
    if messages is not None:
        value["contacts"] = [{"profile": {"name": "Kerry Fisher"}, "wa_id": "16315551234"}]
        value["messages"] = messages
    if statuses is not None:
        value["statuses"] = statuses
    payload = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}],
    }
    return json.dumps(payload).encode()


def message(kind: str, content: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "from": "16315551234",
        "id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
        "timestamp": STAMP,
        "type": kind,
        kind: content,
        **extra,
    }


def received(body: bytes) -> MessageReceived:
    (event,) = ADAPTER.parse(request(body))
    assert isinstance(event, MessageReceived)
    return event


def test_text_message_maps_every_field() -> None:
    """wamid is the external id, wa_id an E.164 phone, the contact's profile name the display name."""
    event = received(webhook([message("text", {"body": "Hi, my parcel is late"})]))
    assert event.sender == (SENDER,)
    assert event.sender_name == "Kerry Fisher"
    msg = event.message
    assert msg.channel == Channel.WHATSAPP
    assert msg.external_id.startswith("wamid.")
    assert msg.id == f"whatsapp:{msg.external_id}"
    assert msg.text == "Hi, my parcel is late"
    assert msg.sent_at == NOW
    assert msg.author.name == "Kerry Fisher"
    assert msg.metadata == {"type": "text", "phone_number_id": "106540352242922"}


def test_image_with_caption() -> None:
    """Media become attachments with the media id; the caption is the text."""
    image = {
        "caption": "broken",
        "mime_type": "image/jpeg",
        "sha256": "abc",
        "id": "1003383421387256",
    }
    event = received(webhook([message("image", image)]))
    assert event.message.text == "broken"
    assert event.message.attachments == (
        Attachment(content_type="image/jpeg", external_id="1003383421387256"),
    )


def test_document_keeps_its_filename() -> None:
    """A document's filename is kept."""
    doc = {"filename": "invoice.pdf", "mime_type": "application/pdf", "id": "77"}
    event = received(webhook([message("document", doc)]))
    assert event.message.attachments[0].filename == "invoice.pdf"


@pytest.mark.parametrize(
    ("content", "text", "reply_id"),
    [
        (
            {"type": "button_reply", "button_reply": {"id": "track", "title": "Track order"}},
            "Track order",
            "track",
        ),
        (
            {
                "type": "list_reply",
                "list_reply": {"id": "r2", "title": "Refund", "description": "Get money back"},
            },
            "Refund",
            "r2",
        ),
    ],
)
def test_interactive_replies(content: dict[str, Any], text: str, reply_id: str) -> None:
    """Button and list replies: the title is the text, the id goes to metadata."""
    context = {"context": {"from": "15550783881", "id": "wamid.out1"}}
    event = received(webhook([message("interactive", content, **context)]))
    assert event.message.text == text
    assert event.message.metadata["reply_id"] == reply_id
    assert event.message.thread.in_reply_to == ("wamid.out1",)


def test_template_quick_reply_button() -> None:
    """A template's quick-reply button: text and payload."""
    event = received(webhook([message("button", {"payload": "STOP", "text": "Stop promotions"})]))
    assert (event.message.text, event.message.metadata["reply_id"]) == ("Stop promotions", "STOP")


def test_location() -> None:
    """A location: name and address as text, coordinates in metadata."""
    place = {
        "latitude": 37.48,
        "longitude": -122.15,
        "name": "Main St Store",
        "address": "1 Main St",
    }
    event = received(webhook([message("location", place)]))
    assert event.message.text == "Main St Store, 1 Main St"
    assert (event.message.metadata["latitude"], event.message.metadata["longitude"]) == (
        37.48,
        -122.15,
    )


def test_shared_contacts() -> None:
    """Shared contacts: their formatted names as text."""
    body = webhook(
        [
            {
                "from": "16315551234",
                "id": "wamid.c",
                "timestamp": STAMP,
                "type": "contacts",
                "contacts": [{"name": {"formatted_name": "John Smith"}, "phones": []}],
            }
        ]
    )
    event = received(body)
    assert event.message.text == "John Smith"
    assert event.message.metadata["shared_contacts"] == 1


def test_unsupported_message_is_kept_without_text() -> None:
    """Unknown kinds still count as an inbound message, with no text."""
    event = received(
        webhook(
            [
                {
                    "from": "16315551234",
                    "id": "wamid.u",
                    "timestamp": STAMP,
                    "type": "unsupported",
                    "errors": [{"code": 131051}],
                }
            ]
        )
    )
    assert event.message.text == ""
    assert event.message.metadata["type"] == "unsupported"


def test_reaction() -> None:
    """A reaction names the reacted message; an absent emoji removes it."""
    (event,) = ADAPTER.parse(
        request(webhook([message("reaction", {"message_id": "wamid.out1", "emoji": "\U0001f44d"})]))
    )
    assert event == Reaction(
        channel=Channel.WHATSAPP,
        external_id="wamid.out1",
        emoji="\U0001f44d",
        at=NOW,
        sender=(SENDER,),
    )
    (removed,) = ADAPTER.parse(
        request(webhook([message("reaction", {"message_id": "wamid.out1"})]))
    )
    assert isinstance(removed, Reaction)
    assert removed.emoji == ""


def test_statuses() -> None:
    """Statuses become delivery updates; failed ones carry the first error code; unknown ones are skipped."""
    statuses = [
        {
            "id": "wamid.out1",
            "status": "delivered",
            "timestamp": STAMP,
            "recipient_id": "16315551234",
        },
        {
            "id": "wamid.out2",
            "status": "failed",
            "timestamp": STAMP,
            "recipient_id": "16315551234",
            "errors": [{"code": 131047, "title": "Re-engagement message"}],
        },
        {
            "id": "wamid.out3",
            "status": "deleted",
            "timestamp": STAMP,
            "recipient_id": "16315551234",
        },
    ]
    events = ADAPTER.parse(request(webhook(statuses=statuses)))
    assert events == (
        DeliveryUpdate(
            channel=Channel.WHATSAPP,
            external_id="wamid.out1",
            state=DeliveryState.DELIVERED,
            at=NOW,
            recipient=(SENDER,),
        ),
        DeliveryUpdate(
            channel=Channel.WHATSAPP,
            external_id="wamid.out2",
            state=DeliveryState.FAILED,
            at=NOW,
            recipient=(SENDER,),
            error_code="131047",
        ),
    )


def test_other_fields_are_ignored() -> None:
    """Changes other than ``messages`` (template status...) yield nothing."""
    body = json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [
                {"id": "1", "changes": [{"field": "message_template_status_update", "value": {}}]}
            ],
        }
    ).encode()
    assert ADAPTER.parse(request(body)) == ()


@pytest.mark.parametrize(
    ("payload", "message", "reason"),
    [
        (
            {"object": "page"},
            "object: not a WhatsApp Business Account webhook",
            PayloadReason.UNSUPPORTED,
        ),
        (
            {"object": "whatsapp_business_account", "entry": {}},
            "entry: expected an array, got dict",
            PayloadReason.WRONG_TYPE,
        ),
        (
            {
                "object": "whatsapp_business_account",
                "entry": [{"changes": [{"field": "messages"}]}],
            },
            "entry[0].changes[0].value: required field is missing",
            PayloadReason.MISSING_FIELD,
        ),
        (
            {
                "object": "whatsapp_business_account",
                "entry": [
                    {
                        "changes": [
                            {
                                "field": "messages",
                                "value": {"messages": [{"from": "1", "timestamp": "1"}]},
                            }
                        ]
                    }
                ],
            },
            "entry[0].changes[0].value.messages[0].id: required field is missing",
            PayloadReason.MISSING_FIELD,
        ),
        (
            {
                "object": "whatsapp_business_account",
                "entry": [
                    {
                        "changes": [
                            {
                                "field": "messages",
                                "value": {
                                    "messages": [{"from": "1", "id": "w", "timestamp": "soon"}]
                                },
                            }
                        ]
                    }
                ],
            },
            "entry[0].changes[0].value.messages[0].timestamp: expected a number, got str",
            PayloadReason.WRONG_TYPE,
        ),
        (
            {
                "object": "whatsapp_business_account",
                "entry": [
                    {
                        "changes": [
                            {
                                "field": "messages",
                                "value": {
                                    "messages": [
                                        {
                                            "from": "1",
                                            "id": "w",
                                            "timestamp": "1",
                                            "type": "interactive",
                                            "interactive": {"type": "nfm_reply"},
                                        }
                                    ]
                                },
                            }
                        ]
                    }
                ],
            },
            "entry[0].changes[0].value.messages[0].interactive.type: unknown interactive reply type",
            PayloadReason.UNSUPPORTED,
        ),
    ],
)
def test_bad_payloads_name_the_field(
    payload: dict[str, Any], message: str, reason: PayloadReason
) -> None:
    """Wire errors are PayloadErrors carrying the field path."""
    with pytest.raises(PayloadError) as info:
        ADAPTER.parse(request(json.dumps(payload).encode()))
    assert str(info.value) == message
    assert info.value.reason is reason


def test_not_json() -> None:
    """Bytes that are not JSON are MALFORMED."""
    with pytest.raises(PayloadError, match="body is not UTF-8 JSON"):
        ADAPTER.parse(request(b"\xff{"))


def test_verify() -> None:
    """X-Hub-Signature-256 with the app secret verifies; any other secret fails."""
    body = webhook([message("text", {"body": "hi"})])
    ADAPTER.verify(
        request(body, {"X-Hub-Signature-256": sign_hub_sha256("meta-secret", body)}), now=NOW
    )
    with pytest.raises(SignatureError):
        ADAPTER.verify(
            request(body, {"X-Hub-Signature-256": sign_hub_sha256("other", body)}), now=NOW
        )


def test_render_text_inside_window() -> None:
    """Inside 24 h: a text POST to /{phone_number_id}/messages with reply context."""
    outbound = OutboundMessage(
        to="+16315551234",
        now=NOW,
        text="On its way",
        last_inbound_at=NOW - timedelta(hours=2),
        reply_to="wamid.in1",
    )
    (request,) = ADAPTER.render(outbound)
    assert request.url == "https://graph.facebook.com/v21.0/106540352242922/messages"
    assert json.loads(request.body) == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "16315551234",
        "context": {"message_id": "wamid.in1"},
        "type": "text",
        "text": {"body": "On its way", "preview_url": False},
    }


def test_render_media() -> None:
    """Attachments become media messages by link, documents with their filename."""
    outbound = OutboundMessage(
        to="+16315551234",
        now=NOW,
        last_inbound_at=NOW,
        attachments=(
            Attachment(url="https://cdn.example/a.jpg", content_type="image/jpeg"),
            Attachment(
                url="https://cdn.example/i.pdf", content_type="application/pdf", filename="i.pdf"
            ),
        ),
    )
    bodies = [json.loads(r.body) for r in ADAPTER.render(outbound)]
    assert bodies[0]["image"] == {"link": "https://cdn.example/a.jpg"}
    assert bodies[1]["document"] == {"link": "https://cdn.example/i.pdf", "filename": "i.pdf"}


def test_render_after_window_needs_template() -> None:
    """After 24 h free-form text is refused; a template is rendered with body parameters."""
    late = OutboundMessage(
        to="+16315551234", now=NOW, text="hello?", last_inbound_at=NOW - timedelta(hours=24)
    )
    assert ADAPTER.check(late) is SendCheck.WINDOW_CLOSED
    with pytest.raises(RenderRefused) as info:
        ADAPTER.render(late)
    assert info.value.check is SendCheck.WINDOW_CLOSED
    template = OutboundMessage(
        to="+16315551234",
        now=NOW,
        template=Template(name="order_shipped", language="en_GB", parameters=("Kerry",)),
    )
    (request,) = ADAPTER.render(template)
    assert json.loads(request.body)["template"] == {
        "name": "order_shipped",
        "language": {"code": "en_GB"},
        "components": [{"type": "body", "parameters": [{"type": "text", "text": "Kerry"}]}],
    }
