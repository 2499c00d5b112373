"""Instagram comments and mentions: Instagram webhooks, fields ``comments`` and ``mentions``.

``{"object": "instagram", "entry": [{"id": <account id>, "time", "changes":
[{"field": "comments", "value": {"id", "text", "from": {"id", "username"},
"media": {"id", "media_product_type"}, "parent_id"}}]}]}`` signed with
``X-Hub-Signature-256``. A ``mentions`` value carries ids only
(``media_id``, and ``comment_id`` when the mention is in a comment): the text
is fetched with the Graph API (``mentioned_comment`` or ``mentioned_media``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar

import attrs

from omnicx.channels._common import json_post
from omnicx.channels._events import ChannelEvent, MessageEcho, MessageReceived
from omnicx.channels._protocol import Capabilities, OutboundMessage, OutboundRequest
from omnicx.channels._rules import LongText, SendCheck, check_send, enforce
from omnicx.channels._signatures import verify_hub_sha256
from omnicx.channels._social import (
    Moderation,
    ModerationAction,
    PrivateReply,
    PublicPost,
    check_meta_private_reply,
    customer_author,
    handles,
    public_message,
    refuse_unless_ok,
    social_instant,
)
from omnicx.channels._wire import Wire, entry_point, load_json, unsupported
from omnicx.model import Author, AuthorKind, Channel

# Instagram messaging: "Text messages must be UTF-8 and be 1000 bytes or less".
_DM_BYTES = 1000


@attrs.frozen(kw_only=True)
class InstagramCommentsAdapter:
    """Instagram ``comments`` and ``mentions`` webhooks in; replies and moderation out.

    Comments and replies on the account's media, and mentions of it, become
    public messages on channel ``instagram`` (the channel of Instagram DMs
    too): the commenter's Instagram-scoped id is the same handle their DMs
    carry, and the username a second one, so both land on one customer's
    timeline. The account's own comments come back as ``MessageEcho``.

    Attributes:
        account_id: the Instagram professional account.
        app_secret: the Meta app secret ``X-Hub-Signature-256`` is keyed with.
    """

    account_id: str
    app_secret: str = attrs.field(repr=False)
    api_version: str = "v21.0"
    long_text: LongText = LongText.REFUSE

    NETWORK: ClassVar[str] = "instagram"
    # Instagram Graph API: a comment holds at most 2,200 characters and no media.
    CAPABILITIES: ClassVar[Capabilities] = Capabilities(max_text_length=2200)

    @property
    def channel(self) -> Channel:
        """``instagram``, shared with Instagram DMs."""
        return Channel.INSTAGRAM

    @property
    def capabilities(self) -> Capabilities:
        """Public replies: 2,200 characters, text only, no reply window."""
        return self.CAPABILITIES

    def verify(self, body: bytes, headers: Mapping[str, str], url: str) -> None:
        """Check ``X-Hub-Signature-256`` over the raw body; ``url`` is not signed."""
        verify_hub_sha256(self.app_secret, body, headers)

    @entry_point()
    def parse(self, body: bytes, headers: Mapping[str, str]) -> Sequence[ChannelEvent]:
        """Every ``comments``, ``live_comments`` and ``mentions`` change, in order."""
        root = load_json(body)
        if root.opt_text("object") != "instagram":
            raise unsupported("not an 'instagram' webhook", "object")
        events: list[ChannelEvent] = []
        for entry in root.items("entry"):
            at = social_instant(entry, "time", None) if entry.has("time") else None
            for change in entry.items("changes"):
                field = change.opt_text("field")
                if field in ("comments", "live_comments"):
                    events.append(self._comment(change.child("value"), at, field))
                elif field == "mentions":
                    events.append(self._mention(change.child("value"), at))
        return tuple(events)

    def _comment(self, value: Wire, entry_at: datetime | None, field: str) -> ChannelEvent:
        author_id = username = None
        sender_node = value.get("from")
        if sender_node.value is not None:
            author_id = sender_node.opt_text("id")
            username = sender_node.opt_text("username")
        media = value.get("media")
        post_id = media.opt_text("id") if media.value is not None else None
        ours = author_id == self.account_id
        post = PublicPost(
            external_id=value.text("id"),
            post_id=post_id or value.opt_text("media_id"),
            parent_id=value.opt_text("parent_id"),
            at=social_instant(value, "timestamp", entry_at),
            text=value.opt_text("text") or "",
            author=Author(kind=AuthorKind.AGENT, id=author_id, name=username)
            if ours
            else customer_author(author_id, username),
            ours=ours,
        )
        metadata: dict[str, Any] = {
            "type": "live_comment" if field == "live_comments" else "comment"
        }
        if media.value is not None and media.opt_text("media_product_type"):
            metadata["media_product_type"] = media.opt_text("media_product_type")
        message = public_message(self.channel, post, metadata)
        if ours:
            return MessageEcho(message=message, ours=False)
        sender = handles(self.NETWORK, author_id, username)
        return MessageReceived(message=message, sender=sender, sender_name=username)

    def _mention(self, value: Wire, entry_at: datetime | None) -> ChannelEvent:
        media_id = value.text("media_id")
        comment_id = value.opt_text("comment_id")
        post = PublicPost(
            external_id=comment_id or media_id,
            post_id=media_id,
            parent_id=None,
            at=social_instant(value, "timestamp", entry_at),
            text="",
            author=customer_author(None, None),
        )
        # The host fetches the words and the author: GET /{account}?fields=
        # mentioned_comment.comment_id(<id>) or mentioned_media.media_id(<id>).
        metadata = {"type": "mention", "fetch": "comment" if comment_id else "media"}
        return MessageReceived(message=public_message(self.channel, post, metadata))

    def check(self, outbound: OutboundMessage) -> SendCheck:
        """Whether ``outbound`` may go as a public reply, as an outcome."""
        if not outbound.reply_to:
            return SendCheck.NO_REPLY_TARGET
        return check_send(outbound, self.CAPABILITIES, self.long_text)

    def render(self, outbound: OutboundMessage) -> Sequence[OutboundRequest]:
        """A public reply: ``POST /{reply_to}/replies`` under the comment it answers.

        The host adds the access token.
        """
        refuse_unless_ok(self.channel, self.check(outbound))
        parts = enforce(self.channel.name, outbound, self.CAPABILITIES, self.long_text)
        url = f"https://graph.facebook.com/{self.api_version}/{outbound.reply_to}/replies"
        return tuple(json_post(url, {"message": part}) for part in parts)

    def check_private_reply(self, reply: PrivateReply) -> SendCheck:
        """Whether ``reply`` may be sent: one message of 1,000 bytes, within 7 days."""
        return check_meta_private_reply(reply, max_bytes=_DM_BYTES)

    def render_private_reply(self, reply: PrivateReply) -> Sequence[OutboundRequest]:
        """Instagram's private reply: ``POST /{account_id}/messages`` to ``{"comment_id"}``."""
        refuse_unless_ok(self.channel, self.check_private_reply(reply))
        url = f"https://graph.facebook.com/{self.api_version}/{self.account_id}/messages"
        payload = {"recipient": {"comment_id": reply.comment_id}, "message": {"text": reply.text}}
        return (json_post(url, payload),)

    def render_moderation(self, moderation: Moderation) -> OutboundRequest:
        """Hide or unhide (``POST /{comment_id}`` with ``hide``), or delete it."""
        url = f"https://graph.facebook.com/{self.api_version}/{moderation.comment_id}"
        if moderation.action is ModerationAction.DELETE:
            return OutboundRequest(method="DELETE", url=url)
        return json_post(url, {"hide": moderation.action is ModerationAction.HIDE})
