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

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar

import attrs

from omnicx.channels._common import json_post
from omnicx.channels._events import (
    ChannelEvent,
    MessageEcho,
    MessageEdited,
    MessageReceived,
    MessageRemoved,
)
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
    media,
    public_message,
    refuse_unless_ok,
    social_instant,
)
from omnicx.channels._wire import Wire, entry_point, load_json, unsupported
from omnicx.model import Author, AuthorKind, Channel

# What a visitor's own post on the Page is called in the feed, by kind.
_VISITOR_POSTS = frozenset({"status", "post", "photo", "video", "share"})
_MESSENGER_TEXT = 2000


@attrs.frozen(kw_only=True)
class FacebookCommentsAdapter:
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
    """

    page_id: str
    app_secret: str = attrs.field(repr=False)
    api_version: str = "v21.0"
    long_text: LongText = LongText.REFUSE

    NETWORK: ClassVar[str] = "messenger"
    # Graph API: a comment's message is limited to 8,000 characters; one
    # photo rides along as ``attachment_url``.
    CAPABILITIES: ClassVar[Capabilities] = Capabilities(
        max_text_length=8000, attachments=True, edits=True
    )

    @property
    def channel(self) -> Channel:
        """``facebook``: public Page comments (Messenger DMs are ``messenger``)."""
        return Channel.FACEBOOK

    @property
    def capabilities(self) -> Capabilities:
        """Public replies: 8,000 characters, one photo, no reply window."""
        return self.CAPABILITIES

    def verify(self, body: bytes, headers: Mapping[str, str], url: str) -> None:
        """Check ``X-Hub-Signature-256`` over the raw body; ``url`` is not signed."""
        verify_hub_sha256(self.app_secret, body, headers)

    @entry_point()
    def parse(self, body: bytes, headers: Mapping[str, str]) -> Sequence[ChannelEvent]:
        """Every ``feed`` change of every entry, in order; other fields are skipped."""
        root = load_json(body)
        if root.opt_text("object") != "page":
            raise unsupported("not a 'page' webhook", "object")
        events: list[ChannelEvent] = []
        for entry in root.items("entry"):
            at = social_instant(entry, "time", None) if entry.has("time") else None
            for change in entry.items("changes"):
                if change.opt_text("field") == "feed":
                    events.extend(self._change(change.child("value"), at))
        return tuple(events)

    def _change(self, value: Wire, entry_at: datetime | None) -> list[ChannelEvent]:
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
        """Whether ``outbound`` may go as a public reply, as an outcome."""
        if not outbound.reply_to:
            return SendCheck.NO_REPLY_TARGET
        if len(outbound.attachments) > 1:
            return SendCheck.NO_ATTACHMENTS
        return check_send(outbound, self.CAPABILITIES, self.long_text)

    def render(self, outbound: OutboundMessage) -> Sequence[OutboundRequest]:
        """A public reply: ``POST /{reply_to}/comments`` (a comment id, or a post id).

        One photo goes as ``attachment_url``. The host adds the Page access token.
        """
        refuse_unless_ok(self.channel, self.check(outbound))
        parts = enforce(self.channel.name, outbound, self.CAPABILITIES, self.long_text)
        url = f"https://graph.facebook.com/{self.api_version}/{outbound.reply_to}/comments"
        payload: dict[str, Any] = {"message": parts[0] if parts else ""}
        if outbound.attachments and outbound.attachments[0].url:
            payload["attachment_url"] = outbound.attachments[0].url
        requests = [json_post(url, payload)]
        requests += [json_post(url, {"message": part}) for part in parts[1:]]
        return tuple(requests)

    def check_private_reply(self, reply: PrivateReply) -> SendCheck:
        """Whether ``reply`` may be sent: one message, within 7 days of the comment."""
        if len(reply.text) > _MESSENGER_TEXT:
            return SendCheck.TOO_LONG
        return check_meta_private_reply(reply)

    def render_private_reply(self, reply: PrivateReply) -> Sequence[OutboundRequest]:
        """Messenger's private reply: ``POST /{page_id}/messages`` to ``{"comment_id"}``.

        The customer's answer arrives on Messenger and opens the usual 24-hour window.
        """
        refuse_unless_ok(self.channel, self.check_private_reply(reply))
        url = f"https://graph.facebook.com/{self.api_version}/{self.page_id}/messages"
        payload = {"recipient": {"comment_id": reply.comment_id}, "message": {"text": reply.text}}
        return (json_post(url, payload),)

    def render_moderation(self, moderation: Moderation) -> OutboundRequest:
        """Hide or unhide (``POST /{comment_id}`` with ``is_hidden``), or delete it."""
        url = f"https://graph.facebook.com/{self.api_version}/{moderation.comment_id}"
        if moderation.action is ModerationAction.DELETE:
            return OutboundRequest(method="DELETE", url=url)
        return json_post(url, {"is_hidden": moderation.action is ModerationAction.HIDE})
