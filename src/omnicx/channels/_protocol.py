"""The seam a host plugs a channel into: the adapter protocol and its values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

import attrs

from omnicx._frozen import EMPTY_MAP, frozen_map, frozen_seq
from omnicx.channels._events import ChannelEvent
from omnicx.channels._request import WebhookRequest
from omnicx.model import Attachment, Channel
from omnicx.model._checks import aware, non_empty


@attrs.frozen(kw_only=True)
class Capabilities:
    """What a channel can carry, and the rules outbound messages must follow.

    Attributes:
        max_text_length: the longest text one message may carry, in characters
            (None: no limit).
        max_text_bytes: the same limit in UTF-8 bytes, for providers that count
            bytes (Instagram).
        attachments: whether outbound messages may carry attachments.
        templates: whether the channel has pre-approved templates.
        reply_window: how long after the customer's last inbound message a
            free-form reply is allowed (None: always).
        human_agent_window: a longer window for replies a human agent writes
            (Messenger/Instagram's HUMAN_AGENT tag), if the channel has one.
        reactions: whether ``parse`` can return reactions.
        edits: whether ``parse`` can return edits.
        delivery_receipts: whether ``parse`` can return delivery updates.
    """

    max_text_length: int | None = None
    max_text_bytes: int | None = None
    attachments: bool = False
    templates: bool = False
    reply_window: timedelta | None = None
    human_agent_window: timedelta | None = None
    reactions: bool = False
    edits: bool = False
    delivery_receipts: bool = False


@attrs.frozen(kw_only=True)
class Template:
    """A pre-approved message template (WhatsApp) with its positional parameters."""

    name: str = attrs.field(validator=non_empty)
    language: str = "en_US"
    parameters: tuple[str, ...] = attrs.field(default=(), converter=frozen_seq)


@attrs.frozen(kw_only=True)
class OutboundMessage:
    """A message the business wants to send, before channel rules are applied.

    Attributes:
        to: the provider address: an E.164 phone, a page-scoped id, an email
            address, a web-chat session id.
        now: the instant of sending; window rules are judged at it.
        last_inbound_at: when the customer last wrote on this channel; needed
            where the channel has a reply window (None: never wrote).
        human_agent: a human agent wrote it (opens Messenger/Instagram's
            7-day HUMAN_AGENT window).
        reply_to: the provider id of the message this replies to, if any
            (email: the Message-ID, which becomes In-Reply-To).
        subject: the email subject line.
        sender: the business's own address (email From, a Twilio number).
        message_id: the email Message-ID to send under, without angle
            brackets (None: the host's mail system picks one).
        references: the email thread's Message-IDs, oldest first, without
            angle brackets (the References field; ``reply_to`` is appended
            when it is not already last).
        cc: email addresses to copy.
    """

    to: str = attrs.field(validator=non_empty)
    now: datetime = attrs.field(validator=aware)
    text: str = ""
    attachments: tuple[Attachment, ...] = attrs.field(default=(), converter=frozen_seq)
    template: Template | None = None
    last_inbound_at: datetime | None = attrs.field(default=None, validator=aware)
    human_agent: bool = False
    reply_to: str | None = None
    subject: str | None = None
    sender: str | None = None
    message_id: str | None = None
    references: tuple[str, ...] = attrs.field(default=(), converter=frozen_seq)
    cc: tuple[str, ...] = attrs.field(default=(), converter=frozen_seq)


@attrs.frozen(kw_only=True)
class OutboundRequest:
    """A description of the request the host sends; omnicx never sends it.

    For HTTP providers ``method`` is an HTTP method and ``url`` the endpoint;
    for email ``method`` is ``"SMTP"``, ``url`` is ``mailto:<recipient>`` and
    ``body`` the RFC 5322 message.
    """

    method: str
    url: str
    headers: Mapping[str, str] = attrs.field(default=EMPTY_MAP, converter=frozen_map)
    body: bytes = b""


@runtime_checkable
class ChannelAdapter(Protocol):
    """Translate between one provider's wire format and omnicx values.

    Implementations are pure: no sockets, no clocks, no globals. Both
    webhook methods take the same :class:`WebhookRequest`; ``now`` is the
    host's clock for replay checks (Stripe's signed timestamp), and instants
    the payload lacks come from ``request.received_at``, never a header.
    Any exception other than ``PayloadError`` (or its subclass
    ``SignatureError``) escaping ``verify`` or ``parse`` is a bug.
    ``omnicx.testing.AdapterContract`` checks an implementation.
    """

    @property
    def channel(self) -> Channel:
        """The channel this adapter speaks."""

    @property
    def capabilities(self) -> Capabilities:
        """Limits and rules of the channel."""

    def verify(self, request: WebhookRequest, *, now: datetime) -> None:
        """Raise ``SignatureError`` naming the header unless ``request`` is authentic at ``now``."""

    def parse(self, request: WebhookRequest) -> Sequence[ChannelEvent]:
        """Turn one webhook request into channel events, or raise ``PayloadError``."""

    def render(self, outbound: OutboundMessage) -> Sequence[OutboundRequest]:
        """Describe the request(s) that send ``outbound``, or raise ``RenderRefused``."""
