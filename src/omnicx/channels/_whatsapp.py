"""WhatsApp Business Cloud API: webhooks in, Graph API message requests out.

Webhook shape (Meta's documentation): ``{"object": "whatsapp_business_account",
"entry": [{"id", "changes": [{"field": "messages", "value": {"metadata",
"contacts", "messages", "statuses"}}]}]}``, signed with ``X-Hub-Signature-256``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs

from omnicx.channels import _ids
from omnicx.channels._common import json_post, media_kind, message_id
from omnicx.channels._events import (
    ChannelEvent,
    DeliveryState,
    DeliveryUpdate,
    MessageReceived,
    Reaction,
)
from omnicx.channels._protocol import Capabilities, OutboundMessage, OutboundRequest
from omnicx.channels._request import WebhookRequest
from omnicx.channels._rules import LongText, SendCheck, check_send, enforce
from omnicx.channels._signatures import verify_hub_sha256
from omnicx.channels._wire import Wire, entry_point, load_json, unsupported
from omnicx.model import Attachment, Author, AuthorKind, Channel, Direction, Message, ThreadRefs

_STATES = {
    "sent": DeliveryState.SENT,
    "delivered": DeliveryState.DELIVERED,
    "read": DeliveryState.READ,
    "failed": DeliveryState.FAILED,
}
_MEDIA_TYPES = ("image", "audio", "video", "document", "sticker")

# WhatsApp Business Messaging Policy: businesses may reply free-form within
# 24 hours of the user's last message; after that only approved templates.
# Cloud API: text.body "Maximum 4096 characters".
_CAPABILITIES = Capabilities(
    max_text_length=4096,
    attachments=True,
    templates=True,
    reply_window=timedelta(hours=24),
    reactions=True,
    delivery_receipts=True,
)


@attrs.frozen(kw_only=True)
class WhatsAppAdapter:
    """WhatsApp Cloud API webhooks and ``/{phone_number_id}/messages`` requests.

    Attributes:
        phone_number_id: the business number messages are sent from.
        app_secret: the Meta app secret ``X-Hub-Signature-256`` is keyed with.
        api_version: the Graph API version in request URLs.
        long_text: split or refuse text over 4,096 characters.
    """

    phone_number_id: str
    app_secret: str = attrs.field(repr=False)
    api_version: str = "v21.0"
    long_text: LongText = LongText.SPLIT

    @property
    def channel(self) -> Channel:
        """Always ``Channel.WHATSAPP``."""
        return Channel.WHATSAPP

    @property
    def capabilities(self) -> Capabilities:
        """4,096 characters, media, templates, reactions, receipts, 24-hour window."""
        return _CAPABILITIES

    def verify(self, request: WebhookRequest, *, now: datetime) -> None:
        """Check ``X-Hub-Signature-256`` over the raw body (Meta signs no timestamp)."""
        verify_hub_sha256(self.app_secret, request.body, request.headers)

    @entry_point()
    def parse(self, request: WebhookRequest) -> Sequence[ChannelEvent]:
        """Messages, reactions and statuses of every change in the batch, in order."""
        root = load_json(request.body)
        if root.opt_text("object") != "whatsapp_business_account":
            raise unsupported("not a WhatsApp Business Account webhook", "object")
        events: list[ChannelEvent] = []
        for entry in root.items("entry"):
            for change in entry.items("changes"):
                if change.opt_text("field") != "messages":
                    continue  # account and template updates are not conversation traffic
                events.extend(_change(change.child("value")))
        return tuple(events)

    def check(self, outbound: OutboundMessage) -> SendCheck:
        """Whether ``outbound`` may be sent, as an outcome."""
        return check_send(outbound, _CAPABILITIES, self.long_text)

    def render(self, outbound: OutboundMessage) -> Sequence[OutboundRequest]:
        """Graph API POSTs: a template, or text parts then one request per attachment.

        The host adds ``Authorization: Bearer <access token>``.
        """
        parts = enforce(self.channel.name, outbound, _CAPABILITIES, self.long_text)
        url = f"https://graph.facebook.com/{self.api_version}/{self.phone_number_id}/messages"
        base: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": outbound.to.removeprefix("+"),
        }
        if outbound.reply_to:
            base["context"] = {"message_id": outbound.reply_to}
        if outbound.template is not None:
            template = outbound.template
            body_params = [{"type": "text", "text": p} for p in template.parameters]
            payload = {
                "name": template.name,
                "language": {"code": template.language},
                "components": [{"type": "body", "parameters": body_params}] if body_params else [],
            }
            return (json_post(url, {**base, "type": "template", "template": payload}),)
        requests = [
            json_post(url, {**base, "type": "text", "text": {"body": part, "preview_url": False}})
            for part in parts
        ]
        for attachment in outbound.attachments:
            kind = media_kind(attachment.content_type)
            kind = "document" if kind == "file" else kind
            media: dict[str, Any] = {"link": attachment.url}
            if kind == "document" and attachment.filename:
                media["filename"] = attachment.filename
            requests.append(json_post(url, {**base, "type": kind, kind: media}))
        return tuple(requests)


def _change(value: Wire) -> list[ChannelEvent]:
    names = {}
    for contact in value.items("contacts"):
        profile = contact.get("profile")
        name = profile.opt_text("name") if profile.value is not None else None
        wa_id = contact.opt_text("wa_id")
        if wa_id and name:
            names[wa_id] = name
    events: list[ChannelEvent] = []
    business = value.get("metadata").opt_text("phone_number_id") if value.has("metadata") else None
    for item in value.items("messages"):
        events.append(_message(item, names, business))
    for item in value.items("statuses"):
        update = _status(item)
        if update is not None:
            events.append(update)
    return events


def _message(item: Wire, names: Mapping[str, str], business: str | None) -> ChannelEvent:
    sender = item.text("from")
    wamid = item.text("id")
    at = item.instant("timestamp")
    # A wa_id is the sender's phone number in international format without '+'.
    identifiers = _ids.phone_or_handle("+" + sender.removeprefix("+"), "whatsapp")
    kind = item.opt_text("type") or "text"
    if kind == "reaction":
        reaction = item.child("reaction")
        return Reaction(
            channel=Channel.WHATSAPP,
            external_id=reaction.text("message_id"),
            emoji=reaction.opt_text("emoji") or "",
            at=at,
            sender=identifiers,
        )
    text, attachments, extra = _content(item, kind)
    context = item.get("context")
    reply_to = context.opt_text("id") if context.value is not None else None
    name = names.get(sender)
    message = Message(
        id=message_id(Channel.WHATSAPP, wamid),
        channel=Channel.WHATSAPP,
        direction=Direction.INBOUND,
        author=Author(kind=AuthorKind.CUSTOMER, name=name),
        sent_at=at,
        text=text,
        attachments=attachments,
        external_id=wamid,
        thread=ThreadRefs(in_reply_to=(reply_to,) if reply_to else ()),
        metadata={"type": kind, "phone_number_id": business or "", **extra},
    )
    return MessageReceived(message=message, sender=identifiers, sender_name=name)


def _content(item: Wire, kind: str) -> tuple[str, tuple[Attachment, ...], dict[str, Any]]:
    if kind == "text":
        return item.child("text").opt_text("body") or "", (), {}
    if kind in _MEDIA_TYPES:
        media = item.child(kind)
        attachment = Attachment(
            filename=media.opt_text("filename") or "",
            content_type=media.opt_text("mime_type") or "application/octet-stream",
            external_id=media.text("id"),
        )
        return media.opt_text("caption") or "", (attachment,), {}
    if kind == "interactive":
        interactive = item.child("interactive")
        reply_type = interactive.opt_text("type") or ""
        if reply_type not in ("button_reply", "list_reply"):
            raise unsupported("unknown interactive reply type", f"{interactive.path}.type")
        reply = interactive.child(reply_type)
        return reply.opt_text("title") or "", (), {"reply_id": reply.opt_text("id") or ""}
    if kind == "button":  # a quick-reply button of a template
        button = item.child("button")
        return button.opt_text("text") or "", (), {"reply_id": button.opt_text("payload") or ""}
    if kind == "location":
        place = item.child("location")
        latitude, longitude = place.number("latitude"), place.number("longitude")
        label = ", ".join(x for x in (place.opt_text("name"), place.opt_text("address")) if x)
        return label, (), {"latitude": latitude, "longitude": longitude}
    if kind == "contacts":
        shared = [
            contact.get("name").opt_text("formatted_name") or ""
            for contact in item.items("contacts")
            if contact.has("name")
        ]
        return ", ".join(n for n in shared if n), (), {"shared_contacts": len(shared)}
    # "unsupported", "system", "order" and future kinds: kept, with no text.
    return "", (), {}


def _status(item: Wire) -> DeliveryUpdate | None:
    state = _STATES.get(item.opt_text("status") or "")
    if state is None:
        return None  # "deleted" and future states do not change delivery progress
    errors = [error.opt_text("code") for error in item.items("errors")]
    recipient = item.opt_text("recipient_id")
    return DeliveryUpdate(
        channel=Channel.WHATSAPP,
        external_id=item.text("id"),
        state=state,
        at=item.instant("timestamp"),
        recipient=_ids.phone_or_handle("+" + recipient, "whatsapp") if recipient else (),
        error_code=next((e for e in errors if e), None),
    )
