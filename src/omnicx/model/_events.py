"""Timeline events: everything that happens to a customer, as one tagged union.

Each kind has an explicit wire tag in ``TAG`` (``"message"``,
``"status.changed"``...), never derived from the class name, so renaming a
class never changes stored data. ``Event`` is the union of all kinds.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

import attrs

from omnicx._frozen import (
    EMPTY_MAP,
    frozen_json,
    frozen_map,
    frozen_seq,
    frozen_set,
    frozen_set_or_none,
)
from omnicx.errors import ValidationError
from omnicx.model._bot import HandoffReason, Transcript
from omnicx.model._call import CallStatus
from omnicx.model._channel import Channel, Direction
from omnicx.model._checks import MONEY_FIX, aware, non_empty, non_negative, of_type
from omnicx.model._conversation import FieldValue, Priority, Status
from omnicx.model._message import Author, Message

_COUNT_FIX = "pass a whole number"


@attrs.frozen(kw_only=True)
class _Base:
    # Fields every event carries. A base for fields only, with no behaviour.
    id: str = attrs.field(validator=non_empty)
    at: datetime = attrs.field(validator=aware)
    customer_id: str = attrs.field(validator=non_empty)
    conversation_id: str | None = None
    source: str = ""
    """Which stream the event came from (``"whatsapp"``, ``"shopify"``), for ordering."""
    external_id: str | None = None
    """The source's own id for the event, for de-duplication."""


@attrs.frozen(kw_only=True)
class ConversationCreated(_Base):
    """A conversation was created: where it arrived, its queue and priority at the start.

    The desk records it first, at the instant of the conversation's first
    message; metrics read the conversation's channel, queue and priority
    from it (older logs without it still fold from the other events).
    """

    TAG: ClassVar[str] = "conversation.created"
    channel: Channel
    queue: str | None = None
    priority: Priority = Priority.NORMAL
    actor: Author | None = None


@attrs.frozen(kw_only=True)
class MessageEvent(_Base):
    """A message was received or sent."""

    TAG: ClassVar[str] = "message"
    message: Message


@attrs.frozen(kw_only=True)
class NoteEvent(_Base):
    """An agent wrote an internal note; ``mentions`` are the agent ids it @-mentions."""

    TAG: ClassVar[str] = "note"
    author: Author
    text: str = ""
    mentions: frozenset[str] = attrs.field(default=frozenset(), converter=frozen_set)


@attrs.frozen(kw_only=True)
class StatusChanged(_Base):
    """A conversation moved between statuses; ``actor`` is who moved it."""

    TAG: ClassVar[str] = "status.changed"
    previous: Status | None
    status: Status
    actor: Author | None = None


@attrs.frozen(kw_only=True)
class Assigned(_Base):
    """A conversation was assigned to a queue and/or agent (None: unassigned)."""

    TAG: ClassVar[str] = "assigned"
    assignee: str | None
    previous: str | None = None
    queue: str | None = None
    actor: Author | None = None


@attrs.frozen(kw_only=True)
class QueueChanged(_Base):
    """A conversation moved to another queue (None: no queue); its assignee stays."""

    TAG: ClassVar[str] = "queue.changed"
    previous: str | None = None
    queue: str | None
    actor: Author | None = None


@attrs.frozen(kw_only=True)
class TagsChanged(_Base):
    """Tags were added to or removed from a conversation."""

    TAG: ClassVar[str] = "tags.changed"
    added: frozenset[str] = attrs.field(default=frozenset(), converter=frozen_set)
    removed: frozenset[str] = attrs.field(default=frozenset(), converter=frozen_set)
    actor: Author | None = None


@attrs.frozen(kw_only=True)
class PriorityChanged(_Base):
    """A conversation's priority changed."""

    TAG: ClassVar[str] = "priority.changed"
    previous: Priority | None
    priority: Priority
    actor: Author | None = None


@attrs.frozen(kw_only=True)
class DetailsChanged(_Base):
    """A conversation's skills, language, SLA policy or custom fields changed.

    Only what changed is set: ``skills`` (the whole new set), ``language`` and
    ``sla_policy`` are None when unchanged; ``fields`` holds each custom field
    set, by name, with its new value (None clears it).
    """

    TAG: ClassVar[str] = "details.changed"
    skills: frozenset[str] | None = attrs.field(default=None, converter=frozen_set_or_none)
    language: str | None = None
    sla_policy: str | None = None
    fields: Mapping[str, FieldValue] = attrs.field(default=EMPTY_MAP, converter=frozen_map)
    actor: Author | None = None


class OrderChange(enum.Enum):
    """What happened to an order in the event that records it."""

    CREATED = "created"
    PAID = "paid"
    UPDATED = "updated"
    CANCELLED = "cancelled"
    FULFILLED = "fulfilled"
    REFUNDED = "refunded"
    """A refund was issued; the event carries the refund, not the whole order."""


ORDER_STATUSES = ("open", "fulfilled", "cancelled", "closed")
"""The values of ``OrderEvent.status``: where the order stands for support.

``open`` is still in flight (placed, not yet fulfilled, cancelled or
closed); ``fulfilled`` shipped in full; ``cancelled``; ``closed`` archived
by the shop. A refund event keeps the status unknown (``""``).
"""


@attrs.frozen(kw_only=True)
class OrderEvent(_Base):
    """An order was placed or changed in a commerce system (Shopify...).

    Attributes:
        order_id: the system's stable id of the order (the same in every
            event about it, refunds included).
        order_number: the number customers see and quote (``#1001``).
        change: what this event records.
        status: one of ``ORDER_STATUSES`` (``""`` when the event does not say).
        financial_status: the system's payment state (``paid``,
            ``partially_refunded``...), as it spells it.
        fulfillment_status: the system's shipping state (``fulfilled``,
            ``partial``; None when nothing shipped yet).
        placed_at: when the order was placed; ``at`` is when this change happened.
        updated_at: the system's last-change time of the order, which orders
            changes that arrive out of order.
        refund_id: for a refund event, the refund's id.
        refunded: for a refund event, the amount it returned (in ``currency``).
        cancel_reason: the system's reason when the order was cancelled.
    """

    TAG: ClassVar[str] = "order"
    order_id: str = attrs.field(validator=non_empty)
    system: str = ""
    total: Decimal | None = attrs.field(
        default=None,
        validator=[of_type(Decimal, "a Decimal or None", MONEY_FIX, optional=True), non_negative],
    )
    currency: str | None = None
    status: str = "open"
    item_count: int = attrs.field(
        default=0, validator=[of_type(int, "an int", _COUNT_FIX), non_negative]
    )
    order_number: str | None = None
    change: OrderChange = OrderChange.CREATED
    financial_status: str | None = None
    fulfillment_status: str | None = None
    placed_at: datetime | None = attrs.field(default=None, validator=aware)
    updated_at: datetime | None = attrs.field(default=None, validator=aware)
    refund_id: str | None = None
    refunded: Decimal | None = attrs.field(
        default=None,
        validator=[of_type(Decimal, "a Decimal or None", MONEY_FIX, optional=True), non_negative],
    )
    cancel_reason: str | None = None


class PaymentKind(enum.Enum):
    """What a payment event records."""

    PAYMENT = "payment"
    REFUND = "refund"
    DISPUTE = "dispute"


@attrs.frozen(kw_only=True)
class PaymentEvent(_Base):
    """Money moved in a payment system (Stripe...).

    Attributes:
        reason: why, when the system says: a dispute's reason
            (``fraudulent``, ``product_not_received``...) or a failed
            payment's message.
        due_by: for a dispute, when evidence is due.
        invoice_id: the invoice the payment is for, if any.
        subscription_id: the subscription the invoice bills, if any.
        charge_id: the charge that moved the money, when the system names
            one apart from ``payment_id`` (Stripe: ``ch_...`` next to a
            payment intent's ``pi_...``).
    """

    TAG: ClassVar[str] = "payment"
    payment_id: str = attrs.field(validator=non_empty)
    kind: PaymentKind = PaymentKind.PAYMENT
    amount: Decimal = attrs.field(
        validator=[of_type(Decimal, "a Decimal", MONEY_FIX), non_negative]
    )
    currency: str
    system: str = ""
    status: str = "succeeded"
    reason: str | None = None
    due_by: datetime | None = attrs.field(default=None, validator=aware)
    invoice_id: str | None = None
    subscription_id: str | None = None
    charge_id: str | None = None


class SubscriptionChange(enum.Enum):
    """What happened to a subscription in the event that records it."""

    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"
    PAUSED = "paused"
    RESUMED = "resumed"
    TRIAL_WILL_END = "trial_will_end"


@attrs.frozen(kw_only=True)
class SubscriptionEvent(_Base):
    """A subscription started, changed, paused, resumed, ended or nears its trial's end.

    Attributes:
        subscription_id: the system's id of the subscription.
        change: what this event records.
        status: the system's status after it (Stripe: ``trialing``,
            ``active``, ``past_due``, ``canceled``, ``unpaid``, ``paused``...).
        amount: the recurring price per ``interval`` (first item times its
            quantity, all items summed), None when unknown.
        interval: ``day``, ``week``, ``month`` or ``year``.
        trial_end: when the trial ends, if there is one.
        period_end: when the current billing period ends.
        cancel_at_period_end: the customer cancelled, effective at ``period_end``.
    """

    TAG: ClassVar[str] = "subscription"
    subscription_id: str = attrs.field(validator=non_empty)
    change: SubscriptionChange
    status: str
    system: str = ""
    amount: Decimal | None = attrs.field(
        default=None,
        validator=[of_type(Decimal, "a Decimal or None", MONEY_FIX, optional=True), non_negative],
    )
    currency: str | None = None
    interval: str | None = None
    trial_end: datetime | None = attrs.field(default=None, validator=aware)
    period_end: datetime | None = attrs.field(default=None, validator=aware)
    cancel_at_period_end: bool = attrs.field(
        default=False, validator=of_type(bool, "a bool", "pass True or False")
    )


class SurveyKind(enum.Enum):
    """Which survey a response answers."""

    CSAT = "csat"
    """Customer satisfaction, usually 1-5."""
    NPS = "nps"
    """Net promoter score, 0-10."""
    CES = "ces"
    """Customer effort score, usually 1-7."""


def _score_in_scale(instance: SurveyResponse, _attribute: attrs.Attribute[Any], value: int) -> None:
    if not instance.scale_min <= value <= instance.scale_max:
        raise ValidationError.single(
            "score", f"{value} is outside the scale {instance.scale_min}-{instance.scale_max}"
        )


@attrs.frozen(kw_only=True)
class SurveyResponse(_Base):
    """A customer answered a survey about a conversation."""

    TAG: ClassVar[str] = "survey.answered"
    survey: SurveyKind
    scale_min: int = 1
    scale_max: int = 5
    score: int = attrs.field(validator=_score_in_scale)
    comment: str | None = None


@attrs.frozen(kw_only=True)
class CallEvent(_Base):
    """A phone call took place (or was missed: ``answered`` False).

    A host may log a call whole (``status`` None); ``Desk.receive_call``
    records one per call webhook, all sharing the call's ``call_id``, each
    with the ``status`` the call reached (docs/desk.md, "Calls").
    """

    TAG: ClassVar[str] = "call"
    direction: Direction
    duration_seconds: int = attrs.field(
        default=0, validator=[of_type(int, "an int", "pass whole seconds"), non_negative]
    )
    answered: bool = attrs.field(
        default=True, validator=of_type(bool, "a bool", "pass True or False")
    )
    agent_id: str | None = None
    recording_url: str | None = None
    call_id: str | None = None
    """The provider's id of the call (Twilio's ``CallSid``): a call's events share it."""
    status: CallStatus | None = None
    """The status the call reached with this event (None: a call logged whole)."""
    transcript: str | None = None
    """A transcription of the call's recording, when one arrived."""


@attrs.frozen(kw_only=True)
class CallWrappedUp(_Base):
    """An agent finished the after-call work of a call (notes, forms, follow-ups).

    After-call work runs from the call's end to this event (docs/metrics.md,
    "Calls"); ``Desk.wrap_up_call`` records it.
    """

    TAG: ClassVar[str] = "call.wrapped_up"
    call_id: str = attrs.field(validator=non_empty)
    agent_id: str | None = None


@attrs.frozen(kw_only=True)
class CustomEvent(_Base):
    """A host-defined event; ``name`` says what it is, ``data`` is JSON-compatible."""

    TAG: ClassVar[str] = "custom"
    name: str = attrs.field(validator=non_empty)
    data: Mapping[str, Any] = attrs.field(default=EMPTY_MAP, converter=frozen_json)


@attrs.frozen(kw_only=True)
class OfferedArticle:
    """An article offered to a customer: its id and locale, score and confidence (0 to 1)."""

    id: str = attrs.field(validator=non_empty)
    locale: str = attrs.field(validator=non_empty)
    score: float = 0.0
    confidence: float = 0.0


@attrs.frozen(kw_only=True)
class ArticlesOffered(_Base):
    """A rule's auto-reply looked for articles answering the customer's message.

    ``articles`` are those offered, best first; empty when none reached the
    rule's ``min_confidence`` (a question the knowledge base could not answer).
    """

    TAG: ClassVar[str] = "articles.offered"
    articles: tuple[OfferedArticle, ...] = attrs.field(default=(), converter=frozen_seq)
    min_confidence: float = 0.0


@attrs.frozen(kw_only=True)
class SuggestionUsed(_Base):
    """An agent used a suggested article (sent it, or answered from it)."""

    TAG: ClassVar[str] = "suggestion.used"
    article_id: str = attrs.field(validator=non_empty)
    locale: str = attrs.field(validator=non_empty)
    agent_id: str = attrs.field(validator=non_empty)


@attrs.frozen(kw_only=True)
class AnswerRated(_Base):
    """A customer said whether an article answered their question."""

    TAG: ClassVar[str] = "answer.rated"
    article_id: str = attrs.field(validator=non_empty)
    locale: str = attrs.field(validator=non_empty)
    helpful: bool = attrs.field(validator=of_type(bool, "a bool", "pass True or False"))


@attrs.frozen(kw_only=True)
class BotOwned(_Base):
    """A bot was given a conversation (by a rule's ``bot`` action or ``Desk.give_to_bot``)."""

    TAG: ClassVar[str] = "bot.owned"
    bot: str = attrs.field(validator=non_empty)
    name: str | None = None
    actor: Author | None = None


@attrs.frozen(kw_only=True)
class HandedOff(_Base):
    """A bot's conversation went to people, with what was said so far.

    ``queue`` is where it went, ``tags`` the tags the handoff added,
    ``turns`` how many messages the bot had sent, ``summary`` the bot's own
    words on why (may be empty), and ``transcript`` the conversation so far.
    Human SLA clocks start (or resume) at this event.
    """

    TAG: ClassVar[str] = "bot.handoff"
    bot: str = attrs.field(validator=non_empty)
    reason: HandoffReason
    queue: str | None = None
    tags: frozenset[str] = attrs.field(default=frozenset(), converter=frozen_set)
    turns: int = attrs.field(
        default=0, validator=[of_type(int, "an int", _COUNT_FIX), non_negative]
    )
    summary: str = ""
    transcript: Transcript = attrs.field(factory=Transcript)
    actor: Author | None = None


Event = (
    ConversationCreated
    | MessageEvent
    | NoteEvent
    | StatusChanged
    | Assigned
    | TagsChanged
    | PriorityChanged
    | DetailsChanged
    | OrderEvent
    | PaymentEvent
    | SubscriptionEvent
    | SurveyResponse
    | CallEvent
    | CallWrappedUp
    | CustomEvent
    | QueueChanged
    | ArticlesOffered
    | SuggestionUsed
    | AnswerRated
    | BotOwned
    | HandedOff
)
"""Any timeline event."""

EVENT_TYPES: tuple[type[Event], ...] = (
    ConversationCreated,
    MessageEvent,
    NoteEvent,
    StatusChanged,
    Assigned,
    TagsChanged,
    PriorityChanged,
    DetailsChanged,
    OrderEvent,
    PaymentEvent,
    SubscriptionEvent,
    SurveyResponse,
    CallEvent,
    CallWrappedUp,
    CustomEvent,
    QueueChanged,
    ArticlesOffered,
    SuggestionUsed,
    AnswerRated,
    BotOwned,
    HandedOff,
)
"""Every event class, in the order of ``Event``; ``cls.TAG`` is its wire tag."""
