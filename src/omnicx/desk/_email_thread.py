"""Email threading at the desk: the ids it writes, what a reply carries, the business's own mail.

An agent's email reply answers the customer's latest mail: In-Reply-To is
that mail's Message-ID and References its chain (RFC 5322 section 3.6.4).
The desk writes the reply's Message-ID itself, from the call's key, and
indexes it at once, so the customer's answer threads back by reference
whatever the host's mailer does afterwards. Copies of the business's own
mail (a Bcc to the support mailbox, a sent-folder sync) are recorded as the
business's messages, never as a customer writing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from email.utils import parseaddr
from typing import Any

import attrs

from omnicx.channels import MessageReceived, OutboundMessage
from omnicx.desk._receipt import ConversationErasedError, OutboxKind, Outgoing
from omnicx.desk._unit import Unit
from omnicx.errors import ConflictError, NotFoundError, OmnicxError, ValidationError
from omnicx.identity import canonical_email
from omnicx.model import (
    Author,
    AuthorKind,
    Channel,
    Direction,
    IdentifierKind,
    Message,
    MessageEvent,
    ThreadRefs,
)
from omnicx.storage import ConversationRecord, DeskStore
from omnicx.timeline import (
    ThreadReason,
    message_id_key,
    own_keys,
    reply_references,
    reply_subject,
)

# RFC 5322 section 3.6.4: msg-id = "<" id-left "@" id-right ">", both sides
# dot-atom-text here: atoms of atext joined by single dots. The desk's
# domains are host names, a stricter subset.
_DOMAIN = re.compile(
    r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
)
# Key characters written as they are; any other becomes "=XX" per UTF-8
# byte, so two keys never share an id ("=" and "." never come from a key).
_KEPT = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
_LONGEST_PART = 80


def _canonical_set(value: Iterable[str]) -> frozenset[str]:
    if isinstance(value, str):
        value = (value,)
    found = set()
    for index, raw in enumerate(sorted(value, key=str)):
        if not isinstance(raw, str):
            raise ValidationError.single(
                f"EmailIdentity.own_addresses[{index}]",
                f"expected an email address, got {type(raw).__name__}",
            )
        try:
            found.add(canonical_email(parseaddr(raw)[1] or raw))
        except ValidationError as error:
            raise error.under(f"EmailIdentity.own_addresses[{index}]") from None
    return frozenset(found)


def _check_from(_: object, __: attrs.Attribute[str], value: str) -> None:
    address = parseaddr(value)[1]
    if "@" not in address:
        raise ValidationError.single(
            "EmailIdentity.from_address",
            "expected an email address, optionally with a display name "
            "('Shop Support <support@shop.example>')",
        )


def _check_domain(_: object, __: attrs.Attribute[str], value: str) -> None:
    if not _DOMAIN.fullmatch(value):
        raise ValidationError.single(
            "EmailIdentity.domain",
            "expected a host name such as 'support.shop.example' "
            "(letters, digits, inner '-', parts joined by '.')",
        )


@attrs.frozen(kw_only=True)
class EmailIdentity:
    """The business's own email addresses, and how the desk writes its replies.

    Set as ``Desk(email=EmailIdentity(...))``; without it (the default) the
    desk writes no Message-ID or From and treats every sender as a customer.

    Attributes:
        from_address: the From of agents' replies, optionally with a display
            name (``"Shop Support <support@shop.example>"``).
        domain: the right-hand side of the Message-IDs the desk writes
            (``<act.r1.1@support.shop.example>``); use a domain the business
            controls, so no one else's ids collide with them.
        own_addresses: every other address of the business (aliases, staff
            mailboxes). Mail from any of them, or from ``from_address``, is
            the business's own: it is recorded as an outbound message on the
            conversation it references and never makes a customer.
        keep_cc: copy an agent's reply to the other recipients of the
            customer's latest mail (its To and Cc), as reply-all does.
    """

    from_address: str = attrs.field(validator=_check_from)
    domain: str = attrs.field(validator=_check_domain)
    own_addresses: frozenset[str] = attrs.field(default=frozenset(), converter=_canonical_set)
    keep_cc: bool = True

    @property
    def addresses(self) -> frozenset[str]:
        """Every own address, canonical (``from_address`` included)."""
        return self.own_addresses | _canonical_set((self.from_address,))

    def is_own(self, address: str) -> bool:
        """Whether ``address`` is one of the business's own."""
        try:
            return canonical_email(parseaddr(address)[1] or address) in self.addresses
        except ValidationError:
            return False

    def sent(self, event: MessageReceived) -> bool:
        """Whether an inbound email came from one of the business's own addresses."""
        if event.message.channel != Channel.EMAIL:
            return False
        own = self.addresses
        return any(i.kind is IdentifierKind.EMAIL and i.value in own for i in event.sender)

    def message_id(self, key: str, position: int) -> str:
        """The Message-ID (no angle brackets) of outbox item ``position`` of the call ``key``.

        Deterministic: a replayed call writes the same id. ``act:r1`` and 1
        give ``act.r1.1@<domain>``.
        """
        kind, _, rest = key.partition(":")
        parts = [_escaped(kind), _escaped(rest)] if rest else [_escaped(kind)]
        return ".".join(p for p in (*parts, str(position)) if p) + "@" + self.domain


def _escaped(text: str) -> str:
    out = "".join(c if c in _KEPT else "".join(f"={b:02X}" for b in c.encode()) for c in text)
    if len(out) > _LONGEST_PART:
        # A long request id still gives a short, stable id.
        out = "h" + hashlib.sha256(text.encode()).hexdigest()[:32]
    return out


class UnthreadedOwnMailError(OmnicxError):
    """Mail from the business's own address that names no conversation the desk knows.

    ``Desk.receive`` records nothing for it: it is not a customer writing,
    and there is no conversation to add it to (a copy of mail sent outside
    the desk). Receiving it again raises again. Attributes: ``message_id``.
    """

    def __init__(self, message_id: str | None) -> None:
        self.message_id = message_id
        super().__init__(
            "mail from one of the business's own addresses (Desk.email) references no "
            "known conversation by Message-ID, In-Reply-To or References; nothing was "
            "recorded (skip it, or send it through the desk to thread it)"
        )


def reply_fields(record: ConversationRecord) -> dict[str, Any]:
    """The threading fields of an email to the conversation's customer."""
    return {
        "subject": reply_subject(record.conversation.subject),
        "in_reply_to": record.email_parent,
        "references": record.email_references,
    }


def agent_reply(
    item: Outgoing, record: ConversationRecord, identity: EmailIdentity, message_id: str
) -> Outgoing:
    """An agent's email reply with its own Message-ID, From and copies."""
    cc: tuple[str, ...] = ()
    if identity.keep_cc:
        skip = {(item.to or "").casefold()}
        cc = tuple(
            a for a in record.email_cc if a.casefold() not in skip and not identity.is_own(a)
        )
    return attrs.evolve(item, message_id=message_id, sender=identity.from_address, cc=cc)


def sent_refs(item: Outgoing | None) -> ThreadRefs:
    """What the message the desk records for ``item`` says about its thread."""
    if item is None:
        return ThreadRefs()
    parent = (item.in_reply_to,) if item.in_reply_to else ()
    return ThreadRefs(message_id=item.message_id, in_reply_to=parent,
                      references=item.references, subject=item.subject)  # fmt: skip


def took_email(
    record: ConversationRecord, message: Message, customer_address: str | None
) -> ConversationRecord:
    """``record`` remembering what a reply to the customer's latest email must carry.

    An email sent before the latest one already taken (it arrived late)
    changes nothing: a reply answers the newest mail.
    """
    if message.channel != Channel.EMAIL or message.direction is not Direction.INBOUND:
        return record
    last = record.last_inbound.get(Channel.EMAIL.name)
    if last is not None and message.sent_at < last:
        return record
    refs = message.thread
    chain = reply_references(refs)
    skip = {(customer_address or "").casefold()}
    copied = list(_recipients(message, ("to", "cc")))
    cc = tuple(dict.fromkeys(a for a in copied if a.casefold() not in skip))
    return attrs.evolve(record, email_parent=refs.message_id, email_references=chain,
                        email_cc=cc)  # fmt: skip


def _recipients(message: Message, fields: Sequence[str]) -> Iterable[str]:
    for field in fields:
        value = message.metadata.get(field)
        if isinstance(value, list | tuple):
            yield from (str(a) for a in value if isinstance(a, str) and "@" in a)


def take_own(
    store: DeskStore, unit: Unit, event: MessageReceived
) -> tuple[ConversationRecord, ThreadReason]:
    """Add a copy of the business's own mail to the conversation it names.

    Returns the record and why it joined: ``KNOWN_MESSAGE`` when the copy
    is a message the desk already has (its own reply; nothing is added),
    else ``IN_REPLY_TO`` or ``REFERENCES`` (added as the business's
    outbound message, its ids indexed).

    Raises:
        UnthreadedOwnMailError: it names no known conversation.
        ConversationErasedError: the conversation's customer was erased.
    """
    message = event.message
    found, reason = _named(unit, message)
    if found is None:
        raise UnthreadedOwnMailError(message.thread.message_id)
    stored = store.conversation(found)
    if stored is None:
        raise NotFoundError("conversation", found)
    record = unit.load(stored)
    if record.erased_at is not None:
        raise ConversationErasedError(record.id, record.erased_at)
    if reason is ThreadReason.KNOWN_MESSAGE:
        return record, reason
    conversation = record.conversation
    outbound = attrs.evolve(
        message, direction=Direction.OUTBOUND,
        author=Author(kind=AuthorKind.AGENT, name=event.sender_name),
    )  # fmt: skip
    unit.events.append(
        MessageEvent(id=f"msg:{message.id}", at=message.sent_at,
                     customer_id=conversation.customer_id, conversation_id=conversation.id,
                     source=message.channel.name, external_id=message.external_id,
                     message=outbound)
    )  # fmt: skip
    index(unit, record, own_keys(outbound))
    return attrs.evolve(record, summary=record.summary.with_message(outbound)), reason


def index(unit: Unit, record: ConversationRecord, keys: Iterable[str]) -> None:
    """Index ``keys`` to the conversation; ``ConflictError`` if another one holds one."""
    for key in keys:
        owner = unit.conversation_for_ref(key)
        if owner is None:
            unit.refs.append((key, record.id))
        elif owner != record.id:
            raise ConflictError(
                f"conversation {record.id!r}: a message id it sent already belongs to "
                f"conversation {owner!r}"
            )


def _named(unit: Unit, message: Message) -> tuple[str | None, ThreadReason]:
    for key in own_keys(message):
        found = unit.conversation_for_ref(key)
        if found is not None:
            return found, ThreadReason.KNOWN_MESSAGE
    refs = message.thread
    # The same order as threading: In-Reply-To alone first, then the
    # nearest ancestor in References.
    for mid in refs.in_reply_to:
        found = unit.conversation_for_ref(message_id_key(mid))
        if found is not None:
            return found, ThreadReason.IN_REPLY_TO
    for mid in reversed(refs.references):
        found = unit.conversation_for_ref(message_id_key(mid))
        if found is not None:
            return found, ThreadReason.REFERENCES
    return None, ThreadReason.NO_MATCH


def outbound_email(
    outgoing: Outgoing, now: datetime, *, sender: str | None = None, text: str | None = None
) -> OutboundMessage:
    """The ``OutboundMessage`` that sends an email outbox item with ``EmailAdapter.render``.

    Carries the item's subject, Message-ID, In-Reply-To, References, From
    and Cc. ``sender`` is the From when the item has none (no
    ``Desk.email``); ``text`` replaces the item's text (a survey or
    auto-reply template the host filled in).

    Raises:
        ValidationError: the item is not an email to a customer.
    """
    if outgoing.channel != Channel.EMAIL or not outgoing.to:
        raise ValidationError.single(
            "outgoing", "outbound_email needs an email outbox item with a 'to' address "
            f"(got channel {outgoing.channel.name if outgoing.channel else None!r})",
        )  # fmt: skip
    return OutboundMessage(
        to=outgoing.to, now=now, text=outgoing.text if text is None else text,
        last_inbound_at=outgoing.last_inbound_at,
        human_agent=outgoing.kind is OutboxKind.AGENT_REPLY, reply_to=outgoing.in_reply_to,
        subject=outgoing.subject, sender=outgoing.sender or sender,
        message_id=outgoing.message_id, references=outgoing.references, cc=outgoing.cc,
    )  # fmt: skip
