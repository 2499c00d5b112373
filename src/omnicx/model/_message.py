"""Messages and what travels with them."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from omnicx._frozen import EMPTY_MAP, frozen_json, frozen_seq
from omnicx.model._channel import Channel, Direction
from omnicx.model._checks import aware, non_empty, non_negative, of_type


class AuthorKind(enum.Enum):
    """Who wrote a message. Only ``AGENT`` replies count as human replies."""

    CUSTOMER = "customer"
    AGENT = "agent"
    BOT = "bot"
    """A conversational bot or AI assistant."""
    AUTOMATION = "automation"
    """A rule's auto-reply, a campaign, a CSAT request: no human wrote it."""
    SYSTEM = "system"


class Visibility(enum.Enum):
    """Who can see a message besides the business: the customer alone, or anyone.

    Not to be confused with ``Message.public``, which tells a message the
    customer sees from an agent's internal note.
    """

    PRIVATE = "private"
    """A direct message, an email, a chat: only the customer and the business see it."""
    PUBLIC = "public"
    """A comment, a reply or a mention on a social network: anyone can see it."""


@attrs.frozen(kw_only=True)
class Author:
    """The sender of a message: a kind and, where known, an id, a name and social facts.

    Attributes:
        id: the author's id on the channel (a page-scoped id, an X user id).
        followers: how many accounts follow the author, where the network says
            (X sends it with every post); None when unknown.
        verified: whether the network marks the account as verified; None when unknown.
    """

    kind: AuthorKind
    id: str | None = None
    name: str | None = None
    followers: int | None = attrs.field(default=None, validator=non_negative)
    verified: bool | None = None

    @property
    def is_human_agent(self) -> bool:
        """True only for a human agent: what fulfils reply targets."""
        return self.kind is AuthorKind.AGENT


@attrs.frozen(kw_only=True)
class Attachment:
    """Metadata of a file attached to a message; omnicx never holds the bytes."""

    filename: str = ""
    content_type: str = "application/octet-stream"
    size: int | None = attrs.field(default=None, validator=non_negative)
    url: str | None = None
    external_id: str | None = None


@attrs.frozen(kw_only=True)
class ThreadRefs:
    """Everything a message says about which conversation it belongs to.

    Attributes:
        message_id: the email Message-ID (RFC 5322 section 3.6.4), without angle brackets.
        in_reply_to: the Message-IDs the email replies to.
        references: the Message-IDs of the thread, oldest first.
        provider_thread_id: a provider's own thread, conversation or session id.
        subject: the email subject line, as sent.
    """

    message_id: str | None = None
    in_reply_to: tuple[str, ...] = attrs.field(default=(), converter=frozen_seq)
    references: tuple[str, ...] = attrs.field(default=(), converter=frozen_seq)
    provider_thread_id: str | None = None
    subject: str | None = None


@attrs.frozen(kw_only=True)
class Message:
    """One message on one channel, inbound or outbound.

    Attributes:
        id: omnicx's id for the message.
        external_id: the provider's id (email Message-ID, WhatsApp ``wamid``,
            Twilio ``MessageSid``); with ``channel``, the de-duplication key.
        public: False for a private message an agent wrote to colleagues.
        metadata: provider-specific extras, JSON-compatible.
        visibility: ``PUBLIC`` for a social comment, reply or mention anyone
            can read; ``PRIVATE`` (the default) for a direct message.
        post_id: the provider's id of the post (a Facebook post, an Instagram
            media, an X post) a public message comments on; None for a
            direct message.
        parent_id: the provider's id of the comment a reply answers; None for
            a top-level comment or a direct message.
    """

    id: str = attrs.field(validator=non_empty)
    channel: Channel
    direction: Direction
    author: Author
    sent_at: datetime = attrs.field(validator=aware)
    text: str = attrs.field(
        default="", validator=of_type(str, "a str", "pass the message text as a string")
    )
    attachments: tuple[Attachment, ...] = attrs.field(default=(), converter=frozen_seq)
    external_id: str | None = None
    thread: ThreadRefs = ThreadRefs()
    public: bool = attrs.field(
        default=True, validator=of_type(bool, "a bool", "pass True or False")
    )
    metadata: Mapping[str, Any] = attrs.field(default=EMPTY_MAP, converter=frozen_json)
    visibility: Visibility = Visibility.PRIVATE
    post_id: str | None = None
    parent_id: str | None = None

    @property
    def is_public_human_reply(self) -> bool:
        """True for what fulfils reply metrics: a public, outbound, human agent message."""
        return self.direction is Direction.OUTBOUND and self.public and self.author.is_human_agent
