"""Messenger and Instagram messaging: Meta's ``entry[].messaging[]`` webhooks.

Both use ``{"object": "page" | "instagram", "entry": [{"id", "time",
"messaging": [{"sender": {"id"}, "recipient": {"id"}, "timestamp", ...}]}]}``
signed with ``X-Hub-Signature-256``; each messaging item holds one of
``message``, ``delivery``, ``read``, ``reaction`` or ``message_edit``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, ClassVar

import attrs

from omnicx.channels import _ids
from omnicx.channels._common import json_post, media_kind, message_id
from omnicx.channels._events import (
    ChannelEvent,
    DeliveryState,
    DeliveryUpdate,
    MessageEcho,
    MessageEdited,
    MessageReceived,
    Reaction,
    Reply,
    ReplyKind,
)
from omnicx.channels._meta_webhook import MetaWebhook
from omnicx.channels._protocol import Capabilities, OutboundMessage, OutboundRequest
from omnicx.channels._rules import LongText, SendCheck, check_send, enforce
from omnicx.channels._wire import Wire
from omnicx.model import (
    Attachment,
    Author,
    AuthorKind,
    Channel,
    Direction,
    Identifier,
    Message,
    ThreadRefs,
)

_STANDARD_WINDOW = timedelta(hours=24)
# Messenger Platform policy: "Standard messaging: 24 hours"; the HUMAN_AGENT
# tag "allows human agents to respond to user messages ... within 7 days".
_HUMAN_AGENT_WINDOW = timedelta(days=7)


@attrs.frozen(kw_only=True)
class _MetaMessaging(MetaWebhook):
    # Fields and behaviour shared by the Messenger and Instagram adapters.
    page_id: str
    app_id: str | None = None
    """Echoes carrying this app id are ``MessageEcho.ours``; others came from another tool."""
    long_text: LongText = LongText.SPLIT

    NETWORK: ClassVar[str]
    CAPABILITIES: ClassVar[Capabilities]

    @property
    def account(self) -> str:
        """The Page (or Instagram account) messages are sent as."""
        return self.page_id

    @property
    def channel(self) -> Channel:
        """The channel of this adapter."""
        return Channel(self.NETWORK)

    @property
    def capabilities(self) -> Capabilities:
        """Text limit, attachments, reactions, edits, receipts, 24-hour and 7-day windows."""
        return self.CAPABILITIES

    def _events(self, entry: Wire) -> list[ChannelEvent]:
        # Each item of ``messaging``; postbacks without an id and the like are skipped.
        events: list[ChannelEvent] = []
        for item in entry.items("messaging"):
            events.extend(self._item(item))
        return events

    def _item(self, item: Wire) -> list[ChannelEvent]:
        at = item.instant("timestamp", millis=True)
        sender_id = item.child("sender").text("id")
        sender = _ids.handle(self.NETWORK, sender_id)
        channel = self.channel
        if item.has("message"):
            return [self._message(item.child("message"), item, sender, at)]
        if item.has("delivery"):
            delivery = item.child("delivery")
            return [
                DeliveryUpdate(
                    channel=channel,
                    external_id=mid.value,
                    state=DeliveryState.DELIVERED,
                    at=at,
                    recipient=sender,
                )
                for mid in delivery.items("mids")
                if isinstance(mid.value, str) and mid.value.strip()
            ]
        if item.has("read"):
            # Instagram names the message read; Messenger gives only a watermark
            # (everything before it is read), which names no message: skipped.
            mid = item.child("read").opt_text("mid")
            if not mid:
                return []
            return [
                DeliveryUpdate(
                    channel=channel,
                    external_id=mid,
                    state=DeliveryState.READ,
                    at=at,
                    recipient=sender,
                )
            ]
        if item.has("reaction"):
            reaction = item.child("reaction")
            removed = reaction.opt_text("action") == "unreact"
            emoji = (
                "" if removed else reaction.opt_text("emoji") or reaction.opt_text("reaction") or ""
            )
            return [
                Reaction(
                    channel=channel,
                    external_id=reaction.text("mid"),
                    emoji=emoji,
                    at=at,
                    sender=sender,
                )
            ]
        if item.has("message_edit"):
            edit = item.child("message_edit")
            return [
                MessageEdited(
                    channel=channel,
                    external_id=edit.text("mid"),
                    text=edit.opt_text("text") or "",
                    at=at,
                    sender=sender,
                )
            ]
        if item.has("postback"):
            return self._postback(item.child("postback"), sender, at)
        return []

    def _postback(
        self, postback: Wire, sender: tuple[Identifier, ...], at: datetime
    ) -> list[ChannelEvent]:
        # A tapped button (Get Started, a persistent-menu item) is the customer
        # speaking: its title is what they "said", its payload what it means.
        mid = postback.opt_text("mid")
        if not mid or not mid.strip():
            return []  # older postbacks carry no message id to de-duplicate on
        title, payload = postback.opt_text("title") or "", postback.opt_text("payload") or ""
        message = Message(
            id=message_id(self.channel, mid),
            channel=self.channel,
            direction=Direction.INBOUND,
            author=Author(kind=AuthorKind.CUSTOMER),
            sent_at=at,
            text=title,
            external_id=mid,
            metadata={"type": "postback", "reply_id": payload},
        )
        reply = Reply(kind=ReplyKind.POSTBACK, id=payload, title=title)
        return [MessageReceived(message=message, sender=sender, reply=reply)]

    def _message(
        self, message: Wire, item: Wire, sender: tuple[Identifier, ...], at: datetime
    ) -> ChannelEvent:
        mid = message.text("mid")
        channel = self.channel
        attachments = tuple(_attachment(a) for a in message.items("attachments"))
        replied = message.get("reply_to")
        reply_to = replied.opt_text("mid") if replied.value is not None else None
        metadata: dict[str, Any] = {}
        quick = message.get("quick_reply")
        reply = None
        if quick.value is not None:
            metadata["reply_id"] = quick.opt_text("payload") or ""
            reply = Reply(
                kind=ReplyKind.QUICK_REPLY,
                id=metadata["reply_id"],
                title=message.opt_text("text") or "",
            )
        echo = message.get("is_echo").value is True
        value = Message(
            id=message_id(channel, mid),
            channel=channel,
            direction=Direction.OUTBOUND if echo else Direction.INBOUND,
            author=Author(kind=AuthorKind.AGENT if echo else AuthorKind.CUSTOMER),
            sent_at=at,
            text=message.opt_text("text") or "",
            attachments=attachments,
            external_id=mid,
            thread=ThreadRefs(in_reply_to=(reply_to,) if reply_to else ()),
            metadata=metadata,
        )
        if echo:
            # An echo's sender is the page; the customer is the recipient.
            recipient = _ids.handle(self.NETWORK, item.child("recipient").text("id"))
            app = message.opt_text("app_id")
            ours = self.app_id is None or app == self.app_id
            return MessageEcho(
                message=value,
                recipient=recipient,
                ours=ours,
                sender=sender,
                app_id=app,
                app_metadata=message.opt_text("metadata"),
            )
        return MessageReceived(message=value, sender=sender, reply=reply)

    def check(self, outbound: OutboundMessage) -> SendCheck:
        """Whether ``outbound`` may be sent, as an outcome."""
        return check_send(outbound, self.CAPABILITIES, self.long_text)

    def render(self, outbound: OutboundMessage) -> Sequence[OutboundRequest]:
        """Send API POSTs: text parts, then one request per attachment.

        Inside 24 hours the type is ``RESPONSE``; a human agent's reply between
        24 hours and 7 days goes as ``MESSAGE_TAG`` with tag ``HUMAN_AGENT``.
        The host adds the page access token.
        """
        parts = enforce(self.channel.name, outbound, self.CAPABILITIES, self.long_text)
        url = f"https://graph.facebook.com/{self.api_version}/{self.page_id}/messages"
        base: dict[str, Any] = {"recipient": {"id": outbound.to}}
        last = outbound.last_inbound_at
        if last is not None and outbound.now >= last + _STANDARD_WINDOW:
            base.update(messaging_type="MESSAGE_TAG", tag="HUMAN_AGENT")
        else:
            base["messaging_type"] = "RESPONSE"
        requests = [json_post(url, {**base, "message": {"text": part}}) for part in parts]
        for attachment in outbound.attachments:
            payload = {
                "type": media_kind(attachment.content_type),
                "payload": {"url": attachment.url, "is_reusable": True},
            }
            requests.append(json_post(url, {**base, "message": {"attachment": payload}}))
        return tuple(requests)


def _attachment(node: Wire) -> Attachment:
    kind = node.opt_text("type") or "file"
    payload = node.get("payload")
    url = payload.opt_text("url") if payload.value is not None else None
    major = {"image": "image/*", "video": "video/*", "audio": "audio/*"}.get(kind)
    return Attachment(content_type=major or "application/octet-stream", url=url)


def _messaging_capabilities(
    *, max_text_length: int, max_text_bytes: int | None = None
) -> Capabilities:
    # What Messenger and Instagram messaging share: media, reactions, edits,
    # receipts, the 24-hour window and the 7-day HUMAN_AGENT tag.
    return Capabilities(
        max_text_length=max_text_length,
        max_text_bytes=max_text_bytes,
        attachments=True,
        reply_window=_STANDARD_WINDOW,
        human_agent_window=_HUMAN_AGENT_WINDOW,
        reactions=True,
        edits=True,
        delivery_receipts=True,
    )


@attrs.frozen(kw_only=True)
class MessengerAdapter(_MetaMessaging):
    """Facebook Messenger webhooks (``object: page``) and Send API requests.

    Attributes:
        page_id: the Facebook Page messages are sent as.
        app_secret: the Meta app secret ``X-Hub-Signature-256`` is keyed with.
        app_id: this app's id, to tell our echoes from other tools' (None: all ours).
        long_text: split or refuse text over 2,000 characters.
    """

    OBJECT: ClassVar[str] = "page"
    NETWORK: ClassVar[str] = "messenger"
    # Send API: "message.text ... must be UTF-8 and has a 2000 character limit".
    CAPABILITIES: ClassVar[Capabilities] = _messaging_capabilities(max_text_length=2000)


@attrs.frozen(kw_only=True)
class InstagramAdapter(_MetaMessaging):
    """Instagram messaging webhooks (``object: instagram``) and Send API requests.

    Attributes:
        page_id: the Instagram professional account (or its linked Page) id.
        app_secret: the Meta app secret ``X-Hub-Signature-256`` is keyed with.
        app_id: this app's id, to tell our echoes from other tools' (None: all ours).
        long_text: split or refuse text over 1,000 UTF-8 bytes.
    """

    OBJECT: ClassVar[str] = "instagram"
    NETWORK: ClassVar[str] = "instagram"
    # Instagram messaging: "Text messages must be UTF-8 and be 1000 bytes or less".
    CAPABILITIES: ClassVar[Capabilities] = _messaging_capabilities(
        max_text_length=1000, max_text_bytes=1000
    )
