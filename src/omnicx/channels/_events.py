"""What an adapter's ``parse`` returns: channel events, one tagged union.

Each kind carries an explicit wire tag in ``TAG`` (``"message.received"``...),
never derived from the class name. ``ChannelEvent`` is the union of all kinds.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import ClassVar

import attrs

from omnicx._frozen import frozen_seq
from omnicx.channels._call_events import (
    CallRecorded,
    CallStatusChanged,
    CallTranscribed,
    IncomingCall,
)
from omnicx.model import Channel, Identifier, Message
from omnicx.model._checks import aware, non_empty


class ReplyKind(enum.Enum):
    """Which control the customer tapped instead of typing."""

    BUTTON = "button"
    """A reply button of an interactive message (WhatsApp ``button_reply``)."""
    LIST = "list"
    """A row of an interactive list (WhatsApp ``list_reply``)."""
    TEMPLATE_BUTTON = "template_button"
    """A quick-reply button of a template (WhatsApp ``button``, Twilio ``ButtonPayload``)."""
    QUICK_REPLY = "quick_reply"
    """A Messenger or Instagram quick reply."""
    POSTBACK = "postback"
    """A Messenger postback (Get Started, a persistent-menu item)."""


@attrs.frozen(kw_only=True)
class Reply:
    """What the customer tapped: its kind, the id the business gave it, and its title."""

    kind: ReplyKind
    id: str = ""
    title: str = ""


@attrs.frozen(kw_only=True)
class Location:
    """A place the customer shared; ``name`` and ``address`` when the sender gave them."""

    latitude: float
    longitude: float
    name: str | None = None
    address: str | None = None


@attrs.frozen(kw_only=True)
class MessageReceived:
    """A customer sent a message.

    Attributes:
        message: the normalized inbound message; ``message.id`` is
            ``"<channel>:<external id>"``, so a redelivered webhook gives the same id.
        sender: the sender's identifiers, canonical (E.164 phones, lower-cased
            emails, network handles) so identity resolution can use them directly.
        sender_name: the display name the channel gave, if any (never an identity key).
        received_at: when the host received the request that carried it
            (``WebhookRequest.received_at``, the host's own clock; never a
            request header). The desk bounds ``message.sent_at`` by it; None
            lets the desk's clock at receive stand in (docs/timeline.md,
            "Arrival order").
        reply: the button, list row or quick reply tapped, if the message is one.
        location: the place shared, if the message is one.
        html: the message had an HTML body (email), whether or not a text
            part came with it.
    """

    TAG: ClassVar[str] = "message.received"
    message: Message
    sender: tuple[Identifier, ...] = attrs.field(default=(), converter=frozen_seq)
    sender_name: str | None = None
    received_at: datetime | None = attrs.field(default=None, validator=aware)
    reply: Reply | None = None
    location: Location | None = None
    html: bool = False
    received_by: str | None = None
    """The business account that received it (a page id, an Instagram account id, a WhatsApp
    phone-number id, the Twilio number): None when the payload does not say."""
    foreign: bool = False
    """True when ``received_by`` is not an account the adapter owns (``ForeignAccounts.MARK``)."""


@attrs.frozen(kw_only=True)
class MessageEcho:
    """The provider echoed a message the business sent (ours, or sent from its inbox).

    Hosts use it to record replies sent outside omnicx and to ignore their own
    outbound messages instead of treating them as customer messages.

    Attributes:
        sender: the business's identifier that sent it (the page).
        app_id: the app that sent it, when the provider says.
        app_metadata: the ``metadata`` string the sending app attached (Send API).
    """

    TAG: ClassVar[str] = "message.echo"
    message: Message
    recipient: tuple[Identifier, ...] = attrs.field(default=(), converter=frozen_seq)
    ours: bool = True
    """True when this app sent it; False when another tool (the provider's inbox) did."""
    sender: tuple[Identifier, ...] = attrs.field(default=(), converter=frozen_seq)
    app_id: str | None = None
    app_metadata: str | None = None
    received_by: str | None = None
    """The business account that received it (a page id, an Instagram account id, a WhatsApp
    phone-number id, the Twilio number): None when the payload does not say."""
    foreign: bool = False
    """True when ``received_by`` is not an account the adapter owns (``ForeignAccounts.MARK``)."""


class DeliveryState(enum.Enum):
    """How far an outbound message got."""

    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"


@attrs.frozen(kw_only=True)
class DeliveryUpdate:
    """The provider reported progress of a message the business sent.

    Attributes:
        external_id: the provider's id of the outbound message.
        error_code: the provider's error code when ``state`` is FAILED.
    """

    TAG: ClassVar[str] = "delivery.updated"
    channel: Channel
    external_id: str = attrs.field(validator=non_empty)
    state: DeliveryState
    at: datetime = attrs.field(validator=aware)
    recipient: tuple[Identifier, ...] = attrs.field(default=(), converter=frozen_seq)
    error_code: str | None = None
    received_by: str | None = None
    """The business account that received it (a page id, an Instagram account id, a WhatsApp
    phone-number id, the Twilio number): None when the payload does not say."""
    foreign: bool = False
    """True when ``received_by`` is not an account the adapter owns (``ForeignAccounts.MARK``)."""


@attrs.frozen(kw_only=True)
class Reaction:
    """A customer reacted to a message; an empty ``emoji`` removes the reaction."""

    TAG: ClassVar[str] = "reaction"
    channel: Channel
    external_id: str = attrs.field(validator=non_empty)
    emoji: str
    at: datetime = attrs.field(validator=aware)
    sender: tuple[Identifier, ...] = attrs.field(default=(), converter=frozen_seq)
    received_by: str | None = None
    """The business account that received it (a page id, an Instagram account id, a WhatsApp
    phone-number id, the Twilio number): None when the payload does not say."""
    foreign: bool = False
    """True when ``received_by`` is not an account the adapter owns (``ForeignAccounts.MARK``)."""


@attrs.frozen(kw_only=True)
class MessageEdited:
    """A customer edited a message they sent earlier; ``text`` is the new text."""

    TAG: ClassVar[str] = "message.edited"
    channel: Channel
    external_id: str = attrs.field(validator=non_empty)
    text: str
    at: datetime = attrs.field(validator=aware)
    sender: tuple[Identifier, ...] = attrs.field(default=(), converter=frozen_seq)
    received_by: str | None = None
    """The business account that received it (a page id, an Instagram account id, a WhatsApp
    phone-number id, the Twilio number): None when the payload does not say."""
    foreign: bool = False
    """True when ``received_by`` is not an account the adapter owns (``ForeignAccounts.MARK``)."""


@attrs.frozen(kw_only=True)
class MessageRemoved:
    """A message left the provider: its author deleted it, or the business removed it.

    Social networks report a deleted comment or post (Facebook's ``remove``
    verb, X's ``tweet_delete_events``); X's terms ask apps to delete stored
    copies of deleted posts, so hosts act on it.

    Attributes:
        external_id: the provider's id of the removed message.
        sender: the author's identifiers, where the provider names them.
    """

    TAG: ClassVar[str] = "message.removed"
    channel: Channel
    external_id: str = attrs.field(validator=non_empty)
    at: datetime = attrs.field(validator=aware)
    sender: tuple[Identifier, ...] = attrs.field(default=(), converter=frozen_seq)
    received_by: str | None = None
    """The business account that received it (a page id, an Instagram account id, an X
    user id): None when the payload does not say."""
    foreign: bool = False
    """True when ``received_by`` is not an account the adapter owns (``ForeignAccounts.MARK``)."""


ChannelEvent = (
    MessageReceived
    | MessageEcho
    | DeliveryUpdate
    | Reaction
    | MessageEdited
    | MessageRemoved
    | IncomingCall
    | CallStatusChanged
    | CallRecorded
    | CallTranscribed
)
"""Anything ``ChannelAdapter.parse`` can return."""

CHANNEL_EVENT_TYPES: tuple[type[ChannelEvent], ...] = (
    MessageReceived,
    MessageEcho,
    DeliveryUpdate,
    Reaction,
    MessageEdited,
    MessageRemoved,
    IncomingCall,
    CallStatusChanged,
    CallRecorded,
    CallTranscribed,
)
"""Every channel event class, in the order of ``ChannelEvent``."""
