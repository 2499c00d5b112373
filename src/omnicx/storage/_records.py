"""What the desk keeps in a store besides the identity graph."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from omnicx._frozen import EMPTY_MAP, frozen_json, frozen_map, frozen_seq, frozen_tree
from omnicx.identity import ChangeSet, Link, Profile
from omnicx.model import Conversation, Event, Order
from omnicx.storage._agents import AgentRecord, WaitingWork
from omnicx.timeline import ConversationSummary


@attrs.frozen(kw_only=True)
class Activity:
    """One agent action on a conversation, kept for collision detection.

    Attributes:
        version: the conversation version the action produced.
        agent_id: who acted.
        action: ``"reply"`` or ``"claim"``.
        at: when.
    """

    version: int
    agent_id: str
    action: str
    at: datetime


@attrs.frozen(kw_only=True)
class ActionMark:
    """The latest agent action on a conversation, kept to recognise its retry.

    Attributes:
        actor: who acted.
        digest: a hash of the action and its arguments.
        key: the idempotency key its receipt is recorded under.
        version: the conversation version the action produced.
        at: when (the desk's clock).
    """

    actor: str
    digest: str
    key: str
    version: int
    at: datetime


def _without_message_ids(summary: ConversationSummary) -> ConversationSummary:
    # The ids a record would otherwise carry grow with every message.
    if not summary.message_ids and not summary.external_ids:
        return summary
    return attrs.evolve(summary, message_ids=frozenset(), external_ids=frozenset())


@attrs.frozen(kw_only=True)
class ConversationRecord:
    """A conversation as stored: the value, what threading knows, its SLA state.

    Attributes:
        conversation: the conversation itself.
        summary: the threading summary (status, activity, provider threads,
            subject), without its messages' ids: those live in the
            thread-reference index (``DeskStore.conversation_for_ref``),
            one short row per id, so a message appends a row instead of
            rewriting a list that grows with the conversation. A summary
            given with ids is stored without them.
        sla_state: the SLA engine's state, JSON-ready, opaque to the store.
        addresses: channel name -> where replies on that channel go (an email
            address, an E.164 phone, a page-scoped id, a chat session).
        last_inbound: channel name -> when the customer last wrote there
            (messaging windows are judged from it).
        activity: recent agent actions, newest last (collision detection).
        version: the stored version; 0 for a conversation never stored.
            Each commit of the record stores ``version + 1``.
        erased_at: when its customer was erased (``erase_customer``); the
            desk refuses agent actions on it from then on.
        email_parent: the Message-ID (no angle brackets) of the customer's
            latest email, which an agent's reply answers (In-Reply-To).
        email_references: the References a reply to it carries, oldest
            first and ending with ``email_parent``; capped, keeping the
            thread's first id.
        email_cc: the other recipients of that email (its To and Cc
            without the customer), for a reply that copies them again.
        last_action: the latest agent action (``Desk`` takes the same action
            again, with nothing in between, as its retry).
        timers: name -> instant of each piece of scheduled work the desk
            keeps for it (``"sla"``: the next SLA warning, escalation or
            breach; ``"auto_solve"``; ``"csat"``), see ``Desk.tick``.
        due_at: the earliest instant anything is due for it: the earliest
            timer or ``conversation.snoozed_until``; None when nothing is.
            The desk sets it on every write; stores index it (``due``).
        updated_at: when the desk last wrote it (each call's ``now``); None
            for a record written before it was kept, which inbox queries
            take as updated when created.
        first_message: the id of its earliest message, by sent time then id
            (routing decides on it until an agent acts); None for a record
            stored before it was kept.
    """

    conversation: Conversation
    summary: ConversationSummary = attrs.field(converter=_without_message_ids)
    sla_state: Mapping[str, Any] = attrs.field(default=EMPTY_MAP, converter=frozen_json)
    addresses: Mapping[str, str] = attrs.field(default=EMPTY_MAP, converter=frozen_map)
    last_inbound: Mapping[str, datetime] = attrs.field(default=EMPTY_MAP, converter=frozen_map)
    activity: tuple[Activity, ...] = attrs.field(default=(), converter=frozen_seq)
    version: int = 0
    erased_at: datetime | None = None
    email_parent: str | None = None
    email_references: tuple[str, ...] = attrs.field(default=(), converter=frozen_seq)
    email_cc: tuple[str, ...] = attrs.field(default=(), converter=frozen_seq)
    last_action: ActionMark | None = None
    timers: Mapping[str, datetime] = attrs.field(default=EMPTY_MAP, converter=frozen_map)
    due_at: datetime | None = None
    updated_at: datetime | None = None
    first_message: str | None = None

    @property
    def id(self) -> str:
        """The conversation's id."""
        return self.conversation.id


class AuditAction(enum.Enum):
    """What an audit entry records."""

    MERGE = "merge"
    UNMERGE = "unmerge"
    SPLIT = "split"
    EXPORT = "export"
    ERASURE = "erasure"
    ASSIGNMENT = "assignment"
    RULES_CHANGE = "rules_change"
    CUSTOMER_UPDATE = "customer_update"
    MOVE_CONVERSATION = "move_conversation"
    """A conversation moved to another customer by hand (``Desk.move_conversation``)."""


@attrs.frozen(kw_only=True)
class AuditEntry:
    """One append-only audit record: who did what, to whom, when and why.

    Attributes:
        id: unique; appending an id already stored is skipped.
        actor: who acted (an agent id, ``"omnicx"`` for automatic merges).
        customer_id: the customer concerned, if any.
        conversation_id: the conversation concerned, if any.
        reason: why, in the actor's words (never a customer's message).
        details: JSON-compatible specifics (merge id, rule-set version...).
    """

    id: str
    at: datetime
    actor: str
    action: AuditAction
    customer_id: str | None = None
    conversation_id: str | None = None
    reason: str = ""
    details: Mapping[str, Any] = attrs.field(default=EMPTY_MAP, converter=frozen_json)


@attrs.frozen(kw_only=True)
class Changes:
    """Everything one desk call writes; a store commits it all or nothing.

    Attributes:
        identity: the identity graph's changes.
        profile_versions: the version of each profile the call read, by id;
            the commit fails with ``ConflictError`` if any changed since.
        conversations: records to write; each record's ``version`` is the
            version read, and the commit fails if the stored one differs.
        thread_refs: (reference key, conversation id) pairs to index.
        events: timeline events to append (an event id already stored is skipped).
        receipts: (idempotency key, JSON-ready receipt) pairs to record.
        audit: audit entries to append.
        links_read: match key -> the link the call read for it (None: no
            link); every link the call writes is among them. The commit
            fails with ``ConflictError`` if a stored link differs, so two
            workers never link one identifier to two new profiles.
        refs_read: thread reference key -> the conversation id the call
            read for it (None: unindexed); every reference it writes is
            among them. The commit fails if a stored one differs.
        new_receipts: idempotency keys that must not be recorded yet (the
            call's own key): the commit fails with ``ConflictError`` if one
            is, and a retry finds the first call's receipt.
        agents: agent records to write; each ``version`` is the one read
            (0 for a new agent), and the commit fails if the stored differs.
        waiting: waiting work to write, version-checked the same way.
        waiting_done: waiting work to delete (assigned or gone), each at
            the version read.
        orders: orders to write (each replaces the one under its key).
        orders_read: order key (``order_key``) -> the order the call read
            (None: none stored); every order it writes is among them. The
            commit fails with ``ConflictError`` if a stored one differs.
    """

    identity: ChangeSet = attrs.field(factory=ChangeSet)
    profile_versions: Mapping[str, int] = attrs.field(default=EMPTY_MAP, converter=frozen_map)
    conversations: tuple[ConversationRecord, ...] = attrs.field(default=(), converter=frozen_seq)
    thread_refs: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=frozen_tree)
    events: tuple[Event, ...] = attrs.field(default=(), converter=frozen_seq)
    receipts: tuple[tuple[str, Mapping[str, Any]], ...] = attrs.field(
        default=(), converter=frozen_tree
    )
    audit: tuple[AuditEntry, ...] = attrs.field(default=(), converter=frozen_seq)
    links_read: Mapping[str, Link | None] = attrs.field(default=EMPTY_MAP, converter=frozen_map)
    refs_read: Mapping[str, str | None] = attrs.field(default=EMPTY_MAP, converter=frozen_map)
    new_receipts: tuple[str, ...] = attrs.field(default=(), converter=frozen_seq)
    agents: tuple[AgentRecord, ...] = attrs.field(default=(), converter=frozen_seq)
    waiting: tuple[WaitingWork, ...] = attrs.field(default=(), converter=frozen_seq)
    waiting_done: tuple[WaitingWork, ...] = attrs.field(default=(), converter=frozen_seq)
    orders: tuple[Order, ...] = attrs.field(default=(), converter=frozen_seq)
    orders_read: Mapping[str, Order | None] = attrs.field(default=EMPTY_MAP, converter=frozen_map)


@attrs.frozen(kw_only=True)
class Erasure:
    """Everything erasing customers removes or rewrites; a store applies it at once.

    Attributes:
        profiles: scrubbed profiles replacing the stored ones (by id).
        links: scrubbed links replacing stored ones (identifiers still held
            by other customers), by key.
        drop_links: match keys to delete.
        drop_merges: merge record ids to delete (their before-images hold
            personal data).
        drop_observations: observation ids to delete.
        renamed_events: ``(stored id, new id)`` pairs, applied first: an
            erased event's id can hold personal data (an email's Message-ID),
            so it takes an opaque one in place (its append position stays).
        events: scrubbed events replacing the stored ones (by id, after renaming).
        drop_events: ids of events to delete.
        conversations: scrubbed conversation records replacing the stored
            ones, whatever their version.
        customer_ids: the erased customers: their receipts, their orders and
            every thread reference of their conversations are deleted.
        audit: audit entries to append with it (the erasure's own record).
    """

    profiles: tuple[Profile, ...] = attrs.field(default=(), converter=frozen_seq)
    links: tuple[Link, ...] = attrs.field(default=(), converter=frozen_seq)
    drop_links: tuple[str, ...] = attrs.field(default=(), converter=frozen_seq)
    drop_merges: tuple[str, ...] = attrs.field(default=(), converter=frozen_seq)
    drop_observations: tuple[str, ...] = attrs.field(default=(), converter=frozen_seq)
    renamed_events: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=frozen_seq)
    events: tuple[Event, ...] = attrs.field(default=(), converter=frozen_seq)
    drop_events: tuple[str, ...] = attrs.field(default=(), converter=frozen_seq)
    conversations: tuple[ConversationRecord, ...] = attrs.field(default=(), converter=frozen_seq)
    customer_ids: tuple[str, ...] = attrs.field(default=(), converter=frozen_seq)
    audit: tuple[AuditEntry, ...] = attrs.field(default=(), converter=frozen_seq)


def call_owner(call_id: str) -> str:
    """Whom the store files a call's pending callbacks under before the call names its customer.

    A recording or transcript kept for a call not yet known (docs/desk.md,
    "Calls") belongs to no customer; its receipt names this instead, and
    erasing a customer with the call on their timeline erases it too
    (``Erasure.customer_ids``).
    """
    return f"call:{call_id}"
