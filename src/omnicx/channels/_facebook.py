"""Facebook Page comments and visitor posts: Graph API ``feed`` webhooks.

A Page subscribed to the ``feed`` field gets ``{"object": "page", "entry":
[{"id": <page id>, "time", "changes": [{"field": "feed", "value": {...}}]}]}``
signed with ``X-Hub-Signature-256``. A comment's value holds ``item:
"comment"``, ``verb`` (``add``, ``edited``, ``remove``, ``hide``,
``unhide``), ``comment_id``, ``post_id``, ``parent_id`` (the post for a
top-level comment, the comment a reply answers), ``message``, ``created_time``
(Unix seconds), ``photo`` or ``video`` (a URL) and ``from`` (``id``,
``name``), which Meta leaves out where the commenter's privacy settings or the
app's permissions withhold it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import attrs

from omnicx.channels._events import (
    ChannelEvent,
    MessageEcho,
    MessageEdited,
    MessageReceived,
    MessageRemoved,
)
from omnicx.channels._meta_changes import MetaChanges
from omnicx.channels._protocol import Capabilities, OutboundMessage
from omnicx.channels._rules import SendCheck
from omnicx.channels._social import (
    PublicPost,
    customer_author,
    handles,
    media,
    public_message,
    social_instant,
)
from omnicx.channels._wire import Wire
from omnicx.model import Author, AuthorKind, Channel

# What a visitor's own post on the Page is called in the feed, by kind.
_VISITOR_POSTS = frozenset({"status", "post", "photo", "video", "share"})


@attrs.frozen(kw_only=True)
class FacebookCommentsAdapter(MetaChanges):
    """Facebook Page ``feed`` webhooks in; public replies, private replies and moderation out.

    Comments on the Page's posts, replies to comments and visitors' posts on
    the Page become public messages on channel ``facebook``; the commenter's
    id is a handle on ``messenger`` (the identity namespace Facebook ids
    share), so a comment and a Messenger conversation with the same
    page-scoped id are one customer. The Page's own comments come back as
    ``MessageEcho`` (``ours`` False: the feed names no app). Edits become
    ``MessageEdited``, removals ``MessageRemoved``; hide and unhide (the
    Page's own moderation), reactions and other items are skipped.

    Attributes:
        page_id: the Facebook Page.
        app_secret: the Meta app secret ``X-Hub-Signature-256`` is keyed with.
        long_text: refuse (the default) or split public replies over 8,000 characters.
        foreign: what to do with an entry for another Page (refuse, or parse and mark).
    """

    page_id: str

    OBJECT: ClassVar[str] = "page"
    NETWORK: ClassVar[str] = "messenger"
    # Graph API: a comment's message is limited to 8,000 characters; one
    # photo rides along as ``attachment_url``.
    CAPABILITIES: ClassVar[Capabilities] = Capabilities(
        max_text_length=8000, attachments=True, edits=True
    )
    REPLY_EDGE: ClassVar[str] = "comments"
    HIDE_FIELD: ClassVar[str] = "is_hidden"
    # Messenger Send API: "message.text ... has a 2000 character limit".
    DM_CHARACTERS: ClassVar[int | None] = 2000

    @property
    def account(self) -> str:
        """The Page."""
        return self.page_id

    @property
    def channel(self) -> Channel:
        """``facebook``: public Page comments (Messenger DMs are ``messenger``)."""
        return Channel.FACEBOOK

    def _change(self, field: str, change: Wire, entry_at: datetime | None) -> list[ChannelEvent]:
        if field != "feed":
            return []
        value = change.child("value")
        item = value.opt_text("item")
        if item == "comment":
            external_id = value.text("comment_id")
        elif item in _VISITOR_POSTS:
            external_id = value.text("post_id")
        else:
            return []  # reactions, likes, ratings: not something to answer
        verb = value.opt_text("verb")
        sender_node = value.get("from")
        author_id = name = None
        if sender_node.value is not None:
            author_id = sender_node.opt_text("id")
            name = sender_node.opt_text("name")
        sender = handles(self.NETWORK, author_id)
        if verb == "remove":
            at = social_instant(value, "created_time", entry_at)
            return [MessageRemoved(channel=self.channel, external_id=external_id, at=at,
                                   sender=sender)]  # fmt: skip
        if verb == "edited":
            at = entry_at or social_instant(value, "created_time", None)
            text = value.opt_text("message") or ""
            return [MessageEdited(channel=self.channel, external_id=external_id, text=text,
                                  at=at, sender=sender)]  # fmt: skip
        if verb != "add":
            return []  # hide / unhide: the Page's own moderation, already known
        ours = author_id == self.page_id
        if item != "comment" and ours:
            return []  # the Page's own post: nothing to answer
        photo, video = value.opt_text("photo"), value.opt_text("video")
        post = PublicPost(
            external_id=external_id,
            post_id=value.text("post_id"),
            parent_id=value.opt_text("parent_id") if item == "comment" else None,
            at=social_instant(value, "created_time", entry_at),
            text=value.opt_text("message") or "",
            author=Author(kind=AuthorKind.AGENT, id=author_id, name=name)
            if ours
            else customer_author(author_id, name),
            attachments=media(photo, "photo") + media(video, "video"),
            ours=ours,
        )
        metadata: dict[str, Any] = {"type": item}
        permalink = value.get("post")
        if permalink.value is not None and permalink.opt_text("permalink_url"):
            metadata["permalink"] = permalink.opt_text("permalink_url")
        message = public_message(self.channel, post, metadata)
        if ours:
            return [MessageEcho(message=message, ours=False)]
        return [MessageReceived(message=message, sender=sender, sender_name=name)]

    def check(self, outbound: OutboundMessage) -> SendCheck:
        """Whether ``outbound`` may go as a public reply (one photo at most), as an outcome."""
        if outbound.reply_to and len(outbound.attachments) > 1:
            return SendCheck.NO_ATTACHMENTS
        return super().check(outbound)

    def _extras(self, outbound: OutboundMessage) -> dict[str, Any]:
        # One photo goes as ``attachment_url``.
        first = outbound.attachments[0].url if outbound.attachments else None
        return {"attachment_url": first} if first else {}
