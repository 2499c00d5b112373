"""What every desk call returns: a receipt, with an outbox for the host to send."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime

import attrs

from omnicx._frozen import EMPTY_MAP, frozen_map, frozen_seq, frozen_set
from omnicx.errors import ConflictError, OmnicxError
from omnicx.model import Channel, FieldValue, OfferedArticle


class OutboxKind(enum.Enum):
    """Why the desk wants something sent."""

    AUTO_REPLY = "auto_reply"
    """A rule's auto-reply template to the customer."""
    AGENT_REPLY = "agent_reply"
    """An agent's reply to the customer."""
    CSAT_REQUEST = "csat_request"
    """A satisfaction survey after a solve."""
    NOTIFICATION = "notification"
    """A rule's notification to a named target (a Slack channel, a lead)."""
    ESCALATION = "escalation"
    """A rule's or an SLA threshold's escalation to a named target."""
    OFFER = "offer"
    """Work offered to (or, in push mode, assigned to) the agent named by ``target``."""
    BOT_REPLY = "bot_reply"
    """A bot's message to the customer (``Desk.bot_reply``)."""
    PRIVATE_REPLY = "private_reply"
    """An agent's direct message answering a public comment (``Desk.private_reply``):
    ``channel`` is the comment's, ``in_reply_to`` the comment, ``last_inbound_at`` when it
    was made; render it with ``outbound_private_reply`` and the adapter's ``render_private_reply``."""


@attrs.frozen(kw_only=True)
class Outgoing:
    """One thing for the host to send; omnicx never sends anything itself.

    For messages to the customer (``AUTO_REPLY``, ``AGENT_REPLY``,
    ``CSAT_REQUEST``) ``channel`` and ``to`` say where, and the host renders
    it with that channel's adapter (window and length rules apply there).
    For ``NOTIFICATION`` and ``ESCALATION``, ``target`` names who to tell.

    Attributes:
        last_inbound_at: when the customer last wrote on ``channel``, for the
            adapter's messaging-window check.
        template: the channel template id of an auto-reply or survey, if any
            (a macro's or a rule's text arrives rendered in ``text``).
        variables: the template's variables.
        articles: for a deflecting auto-reply, the articles it offers, best
            first, with their scores (the text lists them too).
        id: stable across replays (``<call key>/<position>``); pass it to
            ``Desk.handed_over`` once the item is sent, and a replayed
            receipt leaves it out.
        subject: for email, ``"Re: "`` and the conversation's subject.
        message_id: for an agent's email reply with ``Desk.email`` set, the
            Message-ID the desk generated and indexed (no angle brackets).
        in_reply_to: for email, the Message-ID of the customer's latest mail;
            for a public reply, the comment it answers (``reply_to``).
        references: for email, the thread's Message-IDs, oldest first,
            ending with ``in_reply_to``.
        sender: the From address (``Desk.email``), if configured.
        cc: addresses to copy: the other recipients of the customer's
            latest mail, without the business's own (``EmailIdentity.keep_cc``).

    ``omnicx.desk.outbound_email`` turns an email item into the
    ``OutboundMessage`` that ``EmailAdapter.render`` sends.
    """

    kind: OutboxKind
    conversation_id: str
    customer_id: str
    channel: Channel | None = None
    to: str | None = None
    text: str = ""
    template: str | None = None
    variables: Mapping[str, str] = attrs.field(default=EMPTY_MAP, converter=frozen_map)
    target: str | None = None
    last_inbound_at: datetime | None = None
    id: str = ""
    subject: str | None = None
    message_id: str | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = attrs.field(default=(), converter=frozen_seq)
    sender: str | None = None
    cc: tuple[str, ...] = attrs.field(default=(), converter=frozen_seq)
    articles: tuple[OfferedArticle, ...] = attrs.field(default=(), converter=frozen_seq)


class WithheldReason(enum.Enum):
    """Why the desk kept an auto-reply out of the outbox."""

    MISSING_VALUES = "missing_values"
    """A placeholder had no value and no fallback: the reply would have a hole."""
    TOO_LONG = "too_long"
    """Over the channel's length limit, even with one article, and the desk refuses to split."""
    WINDOW_CLOSED = "window_closed"
    """Free-form text outside the channel's reply window (a late webhook)."""
    NO_TEMPLATES = "no_templates"
    """A channel template id for a channel that has no templates."""


@attrs.frozen(kw_only=True)
class Withheld:
    """An auto-reply a rule asked for that the desk did not put in the outbox, and why.

    ``missing`` names the placeholders without a value (``order.id``);
    ``macro`` is the macro the reply used, if any.
    """

    kind: OutboxKind
    reason: WithheldReason
    missing: tuple[str, ...] = attrs.field(default=(), converter=frozen_seq)
    macro: str | None = None


@attrs.frozen(kw_only=True)
class SlaLine:
    """One SLA clock's state in a receipt."""

    metric: str
    occurrence: int
    state: str
    due: datetime | None = None
    remaining_seconds: int | None = None


@attrs.frozen(kw_only=True)
class Receipt:
    """The outcome of one desk call.

    Attributes:
        key: the idempotency key the call was recorded under.
        replayed: True when this call had been processed before and nothing
            changed; the receipt is the one recorded then.
        identity: the identity outcome (new, matched, merged, conflict) for
            inbound messages; None for agent actions.
        merges: ids of merges made (``omnicx.identity.unmerge`` undoes them).
        thread_reason: why the message went to this conversation.
        fired: ids of the routing rules that fired.
        conversation_version: the conversation's version after the call; pass
            it back as ``seen_version`` with the agent's next action.
        skills, language, fields: the conversation's, after the call.
        sla_policy: the SLA policy named for the conversation (a rule's
            ``sla_policy``); None lets the SLA engine's ordered policies pick.
        sla_applied: the SLA policy the desk's SLA engine applies to it now
            (None without an SLA engine or when no policy covers it).
        offered: the articles this call's auto-replies offered the customer
            (ids, locales, scores and confidences), best first.
        withheld: the auto-replies the rules asked for that were not sent,
            each with its reason (a placeholder without a value, a closed
            reply window, a text too long for the channel).
    """

    key: str
    customer_id: str
    conversation_id: str
    conversation_version: int
    status: str
    priority: str
    queue: str | None = None
    assignee: str | None = None
    tags: frozenset[str] = attrs.field(default=frozenset(), converter=frozen_set)
    skills: frozenset[str] = attrs.field(default=frozenset(), converter=frozen_set)
    language: str | None = None
    sla_policy: str | None = None
    sla_applied: str | None = None
    fields: Mapping[str, FieldValue] = attrs.field(default=EMPTY_MAP, converter=frozen_map)
    identity: str | None = None
    merges: tuple[str, ...] = attrs.field(default=(), converter=frozen_seq)
    conflicts: int = 0
    thread_reason: str | None = None
    fired: tuple[str, ...] = attrs.field(default=(), converter=frozen_seq)
    sla: tuple[SlaLine, ...] = attrs.field(default=(), converter=frozen_seq)
    outbox: tuple[Outgoing, ...] = attrs.field(default=(), converter=frozen_seq)
    replayed: bool = False
    offered: tuple[OfferedArticle, ...] = attrs.field(default=(), converter=frozen_seq)
    withheld: tuple[Withheld, ...] = attrs.field(default=(), converter=frozen_seq)


class ConversationErasedError(OmnicxError):
    """An agent action on a conversation whose customer was erased."""

    def __init__(self, conversation_id: str, erased_at: datetime) -> None:
        self.conversation_id = conversation_id
        self.erased_at = erased_at
        super().__init__(
            f"conversation {conversation_id!r}: its customer was erased at "
            f"{erased_at.isoformat()}; nothing more can be done on it (start a new conversation)"
        )


class CollisionError(ConflictError):
    """Another agent replied to or claimed the conversation since this one loaded it.

    Attributes:
        agent_id: who acted in between.
        action: ``"reply"`` or ``"claim"``.
        at: when they did.
    """

    def __init__(self, conversation_id: str, agent_id: str, action: str, at: datetime) -> None:
        self.agent_id = agent_id
        self.action = action
        self.at = at
        verb = "replied to" if action == "reply" else "claimed"
        super().__init__(
            f"agent {agent_id!r} {verb} conversation {conversation_id!r} at "
            f"{at.isoformat()} since you loaded it; reload it before acting"
        )
