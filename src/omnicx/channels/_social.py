"""What public-conversation adapters share: the outbound actions and their rules.

A public comment can be answered in three ways besides a public reply
(``render`` with ``reply_to``): privately ("move to DM", :class:`PrivateReply`),
or moderated (:class:`Moderation`: hide, unhide, delete). Each adapter turns
them into :class:`OutboundRequest` descriptions after checking the network's
rules; the host sends them with its access token.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import attrs

from omnicx.channels import _ids
from omnicx.channels._common import message_id
from omnicx.channels._rules import RenderRefused, SendCheck
from omnicx.channels._wire import Wire, parse_instant
from omnicx.errors import PayloadError, PayloadReason
from omnicx.model import (
    Attachment,
    Author,
    AuthorKind,
    Channel,
    Direction,
    Identifier,
    Message,
    Visibility,
)
from omnicx.model._checks import aware, non_empty

META_PRIVATE_REPLY_WINDOW = timedelta(days=7)
"""Messenger and Instagram private replies: one message, within 7 days of the comment."""

# A Unix instant past this is in milliseconds: 10**11 seconds is the year 5138.
_MILLIS_FROM = 10**11


class ModerationAction(enum.Enum):
    """What the business does to a public comment."""

    HIDE = "hide"
    """Hide it from everyone but its author and their friends (Meta) or behind "hidden replies" (X)."""
    UNHIDE = "unhide"
    """Show a hidden comment again."""
    DELETE = "delete"
    """Delete it (Meta: any comment on the business's posts; X: only the account's own posts)."""


@attrs.frozen(kw_only=True)
class Moderation:
    """Hide, unhide or delete one public comment.

    Attributes:
        comment_id: the provider's id of the comment (or X post).
        ours: the business wrote it (X deletes only the account's own posts).
    """

    comment_id: str = attrs.field(validator=non_empty)
    action: ModerationAction
    ours: bool = False


@attrs.frozen(kw_only=True)
class PrivateReply:
    """Answer a public comment with a direct message: "move to DM".

    Attributes:
        comment_id: the provider's id of the comment answered.
        commented_at: when the comment was made; the window runs from it.
        now: the instant of sending; the window is judged at it.
        text: the direct message.
        author_id: the commenter's id on the network (X: the user to message).
        already_replied: the comment already had a private reply (Meta
            allows one per comment; the host knows what it sent).
        dm_allowed: the person accepts direct messages from the account
            (X: their DMs are open to everyone, or they messaged the account
            before). Meta's private replies need no such consent.
    """

    comment_id: str = attrs.field(validator=non_empty)
    commented_at: datetime = attrs.field(validator=aware)
    now: datetime = attrs.field(validator=aware)
    text: str = attrs.field(validator=non_empty)
    author_id: str | None = None
    already_replied: bool = False
    dm_allowed: bool = False


def check_meta_private_reply(reply: PrivateReply, max_bytes: int | None = None) -> SendCheck:
    """Meta's rule for a private reply to a comment, as an outcome.

    Messenger Platform, private replies: "you can send a single message to a
    person who commented ... within 7 days of the comment"; Instagram's
    private replies follow the same rule.
    """
    if reply.already_replied:
        return SendCheck.ALREADY_REPLIED
    if not reply.commented_at <= reply.now < reply.commented_at + META_PRIVATE_REPLY_WINDOW:
        return SendCheck.PRIVATE_REPLY_EXPIRED
    if max_bytes is not None and len(reply.text.encode("utf-8", "surrogatepass")) > max_bytes:
        return SendCheck.TOO_LONG
    return SendCheck.OK


def refuse_unless_ok(channel: Channel, verdict: SendCheck) -> None:
    """Raise ``RenderRefused`` unless ``verdict`` is OK."""
    if verdict is not SendCheck.OK:
        raise RenderRefused(channel.name, verdict)


def social_instant(node: Wire, key: str, fallback: datetime | None) -> datetime:
    """The instant ``key`` as networks send it: Unix seconds or milliseconds, or ISO 8601.

    Graph API webhooks give ``created_time`` in seconds, its REST answers an
    ISO string with a ``+0000`` offset; X gives milliseconds as a string.
    Absent, ``fallback`` (the entry's time) stands in.
    """
    value = node.get(key).value
    if value is None:
        if fallback is None:
            raise node.missing(key)
        return fallback
    if isinstance(value, str) and not value.strip().isdigit():
        return parse_instant(value, field=node.get(key).path)
    number = node.number(key)
    assert number is not None  # checked above: present
    seconds = number / 1000 if abs(number) >= _MILLIS_FROM else number
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise PayloadError(
            PayloadReason.INVALID_VALUE, "timestamp out of range", field=node.get(key).path
        ) from None


def media(url: str | None, kind: str) -> tuple[Attachment, ...]:
    """One attachment for a photo or video URL a comment carries, or none."""
    if not url:
        return ()
    major = {"photo": "image/*", "image": "image/*", "video": "video/*", "animated_gif": "video/*"}
    return (Attachment(content_type=major.get(kind, "application/octet-stream"), url=url),)


@attrs.frozen(kw_only=True)
class PublicPost:
    """What a public message says about where it sits (adapters fill it from the wire)."""

    external_id: str
    post_id: str | None
    parent_id: str | None
    at: datetime
    text: str
    author: Author
    attachments: tuple[Attachment, ...] = ()
    ours: bool = False


def public_message(channel: Channel, post: PublicPost, metadata: Mapping[str, object]) -> Message:
    """The ``Message`` for a public comment, reply or mention."""
    return Message(
        id=message_id(channel, post.external_id),
        channel=channel,
        direction=Direction.OUTBOUND if post.ours else Direction.INBOUND,
        author=post.author,
        sent_at=post.at,
        text=post.text,
        attachments=post.attachments,
        external_id=post.external_id,
        visibility=Visibility.PUBLIC,
        post_id=post.post_id,
        # A top-level comment's parent is the post itself (Facebook sends
        # parent_id = post_id): it answers no comment.
        parent_id=None if post.parent_id == post.post_id else post.parent_id,
        metadata=metadata,
    )


def customer_author(
    author_id: str | None,
    name: str | None,
    *,
    followers: int | None = None,
    verified: bool | None = None,
) -> Author:
    """A customer author with the facts the network gave."""
    return Author(
        kind=AuthorKind.CUSTOMER,
        id=author_id,
        name=name,
        followers=followers,
        verified=verified,
    )


def handles(network: str, *raw: str | None) -> tuple[Identifier, ...]:
    """The verified handles on ``network`` among ``raw`` (absent or odd ones skipped)."""
    found: list[Identifier] = []
    for value in raw:
        if value:
            found.extend(i for i in _ids.handle(network, value) if i not in found)
    return tuple(found)
