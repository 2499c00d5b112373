"""One desk call's unit of work: what it read, what it will write, one commit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import attrs

from omnicx import serde
from omnicx.desk._receipt import Outgoing, Receipt
from omnicx.identity import Profile, merged_profiles
from omnicx.model import (
    Author,
    AuthorKind,
    Channel,
    Conversation,
    Event,
    Identifier,
    IdentifierKind,
    Message,
    Priority,
    Status,
)
from omnicx.storage import (
    AuditAction,
    AuditEntry,
    Changes,
    ConversationRecord,
    DeskStore,
    StagedIdentityStore,
)

SYSTEM_ACTOR = "omnicx"
"""The actor id omnicx records for what it does by itself (merges, routing)."""

SYSTEM = Author(kind=AuthorKind.SYSTEM, id=SYSTEM_ACTOR)


def _channel_refs(message: Message) -> list[str]:
    # Provider ids are only unique per channel.
    channel = message.channel.name
    refs = []
    if message.thread.provider_thread_id:
        refs.append(f"thread:{channel}:{message.thread.provider_thread_id}")
    if message.external_id:
        refs.append(f"ext:{channel}:{message.external_id}")
    return refs


def own_refs(message: Message) -> list[str]:
    """The thread-reference keys under which a message's conversation is indexed."""
    own = [f"mid:{message.thread.message_id}"] if message.thread.message_id else []
    return own + _channel_refs(message)


def referenced_ids(message: Message) -> list[str]:
    """The ``mid:`` keys of the Message-IDs a message references."""
    return [f"mid:{mid}" for mid in (*message.thread.in_reply_to, *message.thread.references)]


def message_refs(message: Message) -> list[str]:
    """The thread-reference keys a message answers to (looked up in the store).

    Its own Message-ID is among them: a reply that arrived first indexed the
    ids it references, so a parent arriving late finds its conversation.
    """
    return own_refs(message) + referenced_ids(message)


@attrs.define
class Unit:
    """Collects one call's reads and writes; ``commit`` hands them to the store at once."""

    store: DeskStore
    key: str
    now: datetime
    staged: StagedIdentityStore
    read: dict[str, ConversationRecord] = attrs.field(factory=dict)
    written: dict[str, ConversationRecord] = attrs.field(factory=dict)
    events: list[Event] = attrs.field(factory=list)
    refs: list[tuple[str, str]] = attrs.field(factory=list)
    outbox: list[Outgoing] = attrs.field(factory=list)
    audit: list[AuditEntry] = attrs.field(factory=list)
    _count: int = 0
    _ref_owners: dict[str, str | None] = attrs.field(factory=dict)

    @classmethod
    def open(cls, store: DeskStore, key: str, now: datetime) -> Unit:
        """Start a unit of work over ``store``."""
        return cls(store=store, key=key, now=now, staged=StagedIdentityStore(store))

    def conversation_for_ref(self, ref: str) -> str | None:
        """The store's conversation for a reference key, asked once per call."""
        if ref not in self._ref_owners:
            self._ref_owners[ref] = self.store.conversation_for_ref(ref)
        return self._ref_owners[ref]

    def event_id(self) -> str:
        """A fresh event id, derived from the call's key (stable under replays)."""
        self._count += 1
        return f"{self.key}#{self._count}"

    def record(
        self,
        action: AuditAction,
        actor: str,
        *,
        customer_id: str | None = None,
        conversation_id: str | None = None,
        reason: str = "",
        **details: Any,
    ) -> None:
        """Add an audit entry, written with the rest of the call."""
        self.audit.append(
            AuditEntry(id=f"{self.key}#audit{len(self.audit) + 1}", at=self.now, actor=actor,
                       action=action, customer_id=customer_id, conversation_id=conversation_id,
                       reason=reason, details=details)
        )  # fmt: skip

    def load(self, record: ConversationRecord) -> ConversationRecord:
        """Remember a record as read (its version guards the commit)."""
        self.read.setdefault(record.id, record)
        return self.written.get(record.id, record)

    def put(self, record: ConversationRecord) -> None:
        """Stage a record to write; its version stays the one read."""
        base = self.read.get(record.id)
        version = 0 if base is None else base.version
        if record.version != version:
            record = attrs.evolve(record, version=version)
        self.written[record.id] = record

    def commit(self, receipt: Receipt) -> Receipt:
        """Write everything with the receipt, atomically; return the receipt."""
        self.store.commit(
            Changes(
                identity=self.staged.staged(),
                profile_versions=dict(self.staged.read_versions),
                conversations=tuple(self.written.values()),
                thread_refs=tuple(self.refs),
                events=tuple(self.events),
                receipts=((self.key, serde.to_dict(receipt)),),
                audit=tuple(self.audit),
            )
        )
        return receipt


def member_ids(staged: StagedIdentityStore, profile: Profile) -> list[str]:
    """The profile's id and every id merged into it (still-merged ones only)."""
    return [p.id for p in merged_profiles(staged, profile)[0]]


def address_for(channel: Channel, identifiers: Iterable[Identifier]) -> str | None:
    """Pick where replies on ``channel`` go from the sender's identifiers."""
    wanted = {
        "email": (IdentifierKind.EMAIL, ""),
        "sms": (IdentifierKind.PHONE, ""),
        "voice": (IdentifierKind.PHONE, ""),
        "whatsapp": (IdentifierKind.PHONE, ""),
    }.get(channel.name, (IdentifierKind.HANDLE, channel.name))
    found = list(identifiers)
    for identifier in found:
        if (identifier.kind, identifier.namespace) == wanted:
            return identifier.value
    return found[0].value if found else None


def receipt_for(
    unit: Unit,
    record: ConversationRecord,
    customer_id: str,
    **extra: object,
) -> Receipt:
    """Build the receipt describing ``record`` after the call."""
    conversation: Conversation = record.conversation
    base = unit.read.get(record.id)
    version = (0 if base is None else base.version) + 1
    return Receipt(
        key=unit.key,
        customer_id=customer_id,
        conversation_id=conversation.id,
        conversation_version=version,
        status=conversation.status.value,
        priority=conversation.priority.value,
        queue=conversation.queue,
        assignee=conversation.assignee,
        tags=conversation.tags,
        outbox=tuple(unit.outbox),
        **extra,  # type: ignore[arg-type]
    )


def higher(current: Priority, proposed: Priority | None) -> Priority:
    """Rules raise priority on a running conversation; they never lower it."""
    if proposed is None or proposed.rank <= current.rank:
        return current
    return proposed


ACTIVE = frozenset({Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD})
