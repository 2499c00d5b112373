"""Instagram comments and mentions: Instagram webhooks, fields ``comments`` and ``mentions``.

``{"object": "instagram", "entry": [{"id": <account id>, "time", "changes":
[{"field": "comments", "value": {"id", "text", "from": {"id", "username"},
"media": {"id", "media_product_type"}, "parent_id"}}]}]}`` signed with
``X-Hub-Signature-256``. A ``mentions`` value carries ids only
(``media_id``, and ``comment_id`` when the mention is in a comment): the text
is fetched with the Graph API (``mentioned_comment`` or ``mentioned_media``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import attrs

from omnicx.channels._events import ChannelEvent, MessageEcho, MessageReceived
from omnicx.channels._meta_changes import MetaChanges
from omnicx.channels._protocol import Capabilities
from omnicx.channels._social import (
    PublicPost,
    customer_author,
    handles,
    public_message,
    social_instant,
)
from omnicx.channels._wire import Wire
from omnicx.model import Author, AuthorKind, Channel


@attrs.frozen(kw_only=True)
class InstagramCommentsAdapter(MetaChanges):
    """Instagram ``comments`` and ``mentions`` webhooks in; replies and moderation out.

    Comments and replies on the account's media, and mentions of it, become
    public messages on channel ``instagram`` (the channel of Instagram DMs
    too): the commenter's Instagram-scoped id is the same handle their DMs
    carry, and the username a second one, so both land on one customer's
    timeline. The account's own comments come back as ``MessageEcho``.

    Attributes:
        account_id: the Instagram professional account.
        app_secret: the Meta app secret ``X-Hub-Signature-256`` is keyed with.
        foreign: what to do with an entry for another account (refuse, or parse and mark).
    """

    account_id: str

    OBJECT: ClassVar[str] = "instagram"
    NETWORK: ClassVar[str] = "instagram"
    # Instagram Graph API: a comment holds at most 2,200 characters and no media.
    CAPABILITIES: ClassVar[Capabilities] = Capabilities(max_text_length=2200)
    REPLY_EDGE: ClassVar[str] = "replies"
    HIDE_FIELD: ClassVar[str] = "hide"
    # Instagram messaging: "Text messages must be UTF-8 and be 1000 bytes or less".
    DM_BYTES: ClassVar[int | None] = 1000

    @property
    def account(self) -> str:
        """The Instagram professional account."""
        return self.account_id

    @property
    def channel(self) -> Channel:
        """``instagram``, shared with Instagram DMs."""
        return Channel.INSTAGRAM

    def _change(self, field: str, change: Wire, entry_at: datetime | None) -> list[ChannelEvent]:
        if field in ("comments", "live_comments"):
            return [self._comment(change.child("value"), entry_at, field)]
        if field == "mentions":
            return [self._mention(change.child("value"), entry_at)]
        return []

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
