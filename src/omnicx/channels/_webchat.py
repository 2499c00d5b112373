"""omnicx's own web-chat JSON format, for site widgets that post to the host.

Inbound (widget to host), one JSON object per request, signed with
``X-Omnicx-Signature: sha256=<hex HMAC-SHA256 of the body>``::

    {"type": "message", "id": "m-1", "session_id": "s-1",
     "sent_at": "2026-03-02T10:00:00Z",
     "visitor": {"id": "v-9", "name": "Ada", "email": "ada@example.com", "phone": "+441632960001"},
     "text": "Hello", "attachments": [{"url": "...", "filename": "a.png",
     "content_type": "image/png", "size": 123}], "page_url": "https://shop.example/cart"}

    {"type": "read", "session_id": "s-1", "message_ids": ["out-1"], "at": "..."}

    {"type": "edit", "id": "m-1", "session_id": "s-1", "visitor": {"id": "v-9"},
     "text": "Hello again", "at": "..."}

``visitor.email``/``phone`` are what the visitor typed (unverified) unless
``visitor.verified`` is true (a logged-in user the host vouches for).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from datetime import datetime

import attrs

from omnicx.channels import _ids
from omnicx.channels._common import json_post, message_id
from omnicx.channels._events import (
    ChannelEvent,
    DeliveryState,
    DeliveryUpdate,
    MessageEdited,
    MessageReceived,
)
from omnicx.channels._protocol import Capabilities, OutboundMessage, OutboundRequest
from omnicx.channels._request import WebhookRequest
from omnicx.channels._rules import LongText, SendCheck, check_send, enforce
from omnicx.channels._wire import Wire, entry_point, load_json, unsupported
from omnicx.errors import PayloadError, PayloadReason, SignatureError
from omnicx.model import Attachment, Author, AuthorKind, Channel, Direction, Message, ThreadRefs

SIGNATURE_HEADER = "X-Omnicx-Signature"
"""The header web-chat requests are signed in."""

_CAPABILITIES = Capabilities(
    max_text_length=10000, attachments=True, edits=True, delivery_receipts=True
)


def sign_webchat(secret: str, body: bytes) -> str:
    """The ``X-Omnicx-Signature`` value for ``body``: ``sha256=`` + hex HMAC-SHA256."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@attrs.frozen(kw_only=True)
class WebChatAdapter:
    """The web-chat widget format (see the module docs and docs/channels.md).

    Attributes:
        secret: the key the widget's backend signs requests with.
        base_url: where rendered replies are POSTed (``{base_url}/sessions/{id}/messages``).
        long_text: split or refuse text over 10,000 characters.
    """

    secret: str = attrs.field(repr=False)
    base_url: str = "https://chat.invalid/api"
    long_text: LongText = LongText.SPLIT

    @property
    def channel(self) -> Channel:
        """Always ``Channel.CHAT``."""
        return Channel.CHAT

    @property
    def capabilities(self) -> Capabilities:
        """10,000 characters, attachments by URL, edits, read receipts; no window."""
        return _CAPABILITIES

    def verify(self, request: WebhookRequest, *, now: datetime) -> None:
        """Check ``X-Omnicx-Signature`` over the raw body."""
        given = request.headers.get(SIGNATURE_HEADER)
        if not given:
            raise SignatureError(SIGNATURE_HEADER, "missing signature header")
        expected = sign_webchat(self.secret, request.body)
        if not hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode()):
            raise SignatureError(SIGNATURE_HEADER, "signature does not match the request")

    @entry_point()
    def parse(self, request: WebhookRequest) -> Sequence[ChannelEvent]:
        """A visitor's message, an edit of one, or a read receipt."""
        root = load_json(request.body)
        kind = root.opt_text("type")
        if kind == "message":
            return (_message(root),)
        if kind == "read":
            at = root.iso_instant("at")
            return tuple(
                DeliveryUpdate(
                    channel=Channel.CHAT, external_id=mid.value, state=DeliveryState.READ, at=at
                )
                for mid in root.items("message_ids")
                if isinstance(mid.value, str) and mid.value.strip()
            )
        if kind == "edit":
            return (
                MessageEdited(
                    channel=Channel.CHAT,
                    external_id=root.text("id"),
                    text=root.opt_text("text") or "",
                    at=root.iso_instant("at"),
                    sender=_ids.handle("chat", root.child("visitor").text("id")),
                ),
            )
        raise unsupported("unknown web-chat event type", "type")

    def check(self, outbound: OutboundMessage) -> SendCheck:
        """Whether ``outbound`` may be sent, as an outcome."""
        return check_send(outbound, _CAPABILITIES, self.long_text)

    def render(self, outbound: OutboundMessage) -> Sequence[OutboundRequest]:
        """One POST per text part to the session; attachments go with the first."""
        parts = enforce(self.channel.name, outbound, _CAPABILITIES, self.long_text) or ("",)
        url = f"{self.base_url.rstrip('/')}/sessions/{outbound.to}/messages"
        files = [
            {"url": a.url, "filename": a.filename, "content_type": a.content_type}
            for a in outbound.attachments
        ]
        return tuple(
            json_post(
                url,
                {
                    "type": "message",
                    "sent_at": outbound.now.isoformat(),
                    "text": part,
                    "attachments": files if index == 0 else [],
                },
            )
            for index, part in enumerate(parts)
        )


def _message(root: Wire) -> MessageReceived:
    external = root.text("id")
    session = root.text("session_id")
    visitor = root.child("visitor")
    verified = visitor.get("verified").value is True
    identifiers = [*_ids.handle("chat", visitor.text("id"))]
    if visitor.has("email"):
        identifiers.extend(_ids.email(visitor.text("email"), verified=verified))
    if visitor.has("phone"):
        identifiers.extend(_ids.phone(visitor.text("phone"), verified=verified))
    name = visitor.opt_text("name") or None
    attachments = tuple(_attachment(node) for node in root.items("attachments"))
    message = Message(
        id=message_id(Channel.CHAT, external),
        channel=Channel.CHAT,
        direction=Direction.INBOUND,
        author=Author(kind=AuthorKind.CUSTOMER, id=visitor.text("id"), name=name),
        sent_at=root.iso_instant("sent_at"),
        text=root.opt_text("text") or "",
        attachments=attachments,
        external_id=external,
        thread=ThreadRefs(provider_thread_id=session),
        metadata={"page_url": root.opt_text("page_url") or ""},
    )
    return MessageReceived(message=message, sender=tuple(identifiers), sender_name=name)


def _attachment(node: Wire) -> Attachment:
    size = node.number("size")
    if size is not None and (size < 0 or size != int(size)):
        raise PayloadError(
            PayloadReason.INVALID_VALUE, "expected a byte count", field=f"{node.path}.size"
        )
    return Attachment(
        filename=node.opt_text("filename") or "",
        content_type=node.opt_text("content_type") or "application/octet-stream",
        size=int(size) if size is not None else None,
        url=node.text("url"),
    )
