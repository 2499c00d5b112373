"""One desk call's unit of work: what it read, what it will write, one commit."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

import attrs

from omnicx import serde
from omnicx._frozen import JsonDocument
from omnicx.desk._receipt import Outgoing, Receipt, Withheld
from omnicx.errors import Problem, ValidationError
from omnicx.identity import Profile, merged_profiles
from omnicx.model import (
    ArticlesOffered,
    Author,
    AuthorKind,
    Conversation,
    Event,
    Order,
    Status,
)
from omnicx.storage import (
    AgentRecord,
    AgentStore,
    AuditAction,
    AuditEntry,
    Changes,
    ConversationRecord,
    DeskStore,
    StagedIdentityStore,
    WaitingWork,
    order_key,
)

SYSTEM_ACTOR = "omnicx"
"""The actor id omnicx records for what it does by itself (merges, routing)."""

SYSTEM = Author(kind=AuthorKind.SYSTEM, id=SYSTEM_ACTOR)


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
    withheld: list[Withheld] = attrs.field(factory=list)
    _count: int = 0
    _ref_owners: dict[str, str | None] = attrs.field(factory=dict)
    # Agents and waiting work read and written (Desk.assignment).
    agents_read: dict[str, AgentRecord | None] = attrs.field(factory=dict)
    agents_written: dict[str, AgentRecord] = attrs.field(factory=dict)
    work_read: dict[str, WaitingWork | None] = attrs.field(factory=dict)
    work_written: dict[str, WaitingWork] = attrs.field(factory=dict)
    work_done: dict[str, WaitingWork] = attrs.field(factory=dict)
    # Orders read and written (order events, attachments), by order_key.
    orders_read: dict[str, Order | None] = attrs.field(factory=dict)
    orders_written: dict[str, Order] = attrs.field(factory=dict)
    _stored_orders: dict[frozenset[str], list[Order]] = attrs.field(factory=dict)

    def order(self, system: str, order_id: str) -> Order | None:
        """The order as this call has it (read once, then as written)."""
        key = order_key(system, order_id)
        if key in self.orders_written:
            return self.orders_written[key]
        if key not in self.orders_read:
            self.orders_read[key] = self.store.order(system, order_id)
        return self.orders_read[key]

    def orders_of(self, customer_ids: Collection[str]) -> list[Order]:
        """The customers' orders as this call has them (stored, then as written)."""
        wanted = frozenset(customer_ids)
        if wanted not in self._stored_orders:  # asked once per call (routing, quoted numbers)
            self._stored_orders[wanted] = self.store.orders(wanted)
        found = {order_key(*o.key): o for o in self._stored_orders[wanted]}
        for key, order in found.items():
            self.orders_read.setdefault(key, order)
        for key, order in self.orders_written.items():
            if order.customer_id in wanted:
                found[key] = order
            else:
                found.pop(key, None)
        return sorted(found.values(), key=lambda o: o.key)

    def put_order(self, order: Order) -> None:
        """Stage an order to write, compare-and-set against the one read."""
        self.order(*order.key)
        self.orders_written[order_key(*order.key)] = order

    def order_changes(self) -> dict[str, Any]:
        """The orders to write and, for each, the one read (``Changes.orders``/``orders_read``)."""
        return {
            "orders": tuple(self.orders_written.values()),
            "orders_read": {key: self.orders_read[key] for key in self.orders_written},
        }

    def agent(self, agent_id: str) -> AgentRecord | None:
        """The agent record as this call has it (read once, then as written)."""
        if agent_id in self.agents_written:
            return self.agents_written[agent_id]
        if agent_id not in self.agents_read:
            self.agents_read[agent_id] = _agent_store(self.store).agent(agent_id)
        return self.agents_read[agent_id]

    def put_agent(self, record: AgentRecord) -> None:
        """Stage an agent record to write, at the version read."""
        if record.id not in self.agents_read:
            self.agent(record.id)
        base = self.agents_read[record.id]
        self.agents_written[record.id] = attrs.evolve(
            record, version=0 if base is None else base.version
        )

    def work(self, conversation_id: str) -> WaitingWork | None:
        """The conversation's waiting work as this call has it."""
        if conversation_id in self.work_done:
            return None
        if conversation_id in self.work_written:
            return self.work_written[conversation_id]
        if conversation_id not in self.work_read:
            self.work_read[conversation_id] = _agent_store(self.store).waiting(conversation_id)
        return self.work_read[conversation_id]

    def put_work(self, work: WaitingWork) -> None:
        """Stage waiting work to write, at the version read."""
        self.work(work.id)
        self.work_done.pop(work.id, None)
        base = self.work_read.get(work.id)
        self.work_written[work.id] = attrs.evolve(work, version=0 if base is None else base.version)

    def drop_work(self, conversation_id: str) -> None:
        """Stage the conversation's waiting work for deletion."""
        self.work(conversation_id)
        self.work_written.pop(conversation_id, None)
        base = self.work_read.get(conversation_id)
        if base is not None:
            self.work_done[conversation_id] = base

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
        """Stage a record to write; its version stays the one read, stamped with the call's now."""
        base = self.read.get(record.id)
        version = 0 if base is None else base.version
        if record.version != version or record.updated_at != self.now:
            record = attrs.evolve(record, version=version, updated_at=self.now)
        self.written[record.id] = record

    def commit(self, receipt: Receipt) -> Receipt:
        """Write everything with the receipt, atomically; return the receipt.

        Raises:
            ValidationError: a value holds a lone surrogate the store could
                not encode (at the field's path, e.g. ``message.text``);
                the store wrote nothing.
        """
        changes = self._changes(receipt)
        try:
            self.store.commit(changes)
        except UnicodeEncodeError:
            # A store writing UTF-8 (PostgreSQL, a host's own) cannot take
            # half of a UTF-16 pair; its transaction rolled back.
            raise unencodable(changes) from None
        return receipt

    def _changes(self, receipt: Receipt) -> Changes:
        return Changes(
            identity=self.staged.staged(),
            profile_versions=dict(self.staged.read_versions),
            conversations=tuple(self.written.values()),
            thread_refs=tuple(self.refs),
            events=tuple(self.events),
            # Written on every call, read again only on a replay: kept as text.
            receipts=((self.key, JsonDocument.of(receipt, serde.to_dict)),),
            audit=tuple(self.audit),
            **self.reads(),
            agents=tuple(self.agents_written.values()),
            waiting=tuple(self.work_written.values()),
            waiting_done=tuple(self.work_done.values()),
            **self.order_changes(),
        )

    def reads(self) -> dict[str, Any]:
        """What the commit checks did not move: links, references, the call's own key."""
        for ref, _ in self.refs:
            self.conversation_for_ref(ref)
        return {
            "links_read": self.staged.links_read(),
            "refs_read": dict(self._ref_owners),
            "new_receipts": (self.key,),
        }


def _agent_store(store: DeskStore) -> AgentStore:
    if not callable(getattr(store, "waiting_work", None)):
        raise TypeError(
            f"{type(store).__name__} keeps no agents: Desk.assignment needs a store with "
            "agent(), agents(), waiting() and waiting_work() (omnicx.storage.AgentStore)"
        )
    return store  # type: ignore[return-value]


def member_ids(staged: StagedIdentityStore, profile: Profile) -> list[str]:
    """The profile's id and every id merged into it (still-merged ones only)."""
    return [p.id for p in merged_profiles(staged, profile)[0]]


def numbered(key: str, outbox: list[Outgoing]) -> tuple[Outgoing, ...]:
    """The outbox with each item's stable id, ``<call key>/<position>`` from 1."""
    return tuple(attrs.evolve(item, id=f"{key}/{n}") for n, item in enumerate(outbox, 1))


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
        skills=conversation.skills,
        language=conversation.language,
        sla_policy=conversation.sla_policy,
        # The SLA state is stored with its policy's name (desk/_sla_state.py).
        sla_applied=record.sla_state.get("policy"),
        fields=conversation.fields,
        outbox=numbered(unit.key, unit.outbox),
        offered=tuple(
            article
            for event in unit.events
            if isinstance(event, ArticlesOffered)
            for article in event.articles
        ),
        withheld=tuple(unit.withheld),
        **extra,  # type: ignore[arg-type]
    )


ACTIVE = frozenset({Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD})


def unencodable(changes: Changes) -> ValidationError:
    """The fields of ``changes`` holding a lone surrogate (no UTF-8 form), as one error."""
    message = (
        "holds a lone surrogate (half of a UTF-16 pair), which has no UTF-8 form;"
        " replace it (e.g. text.encode('utf-8', 'replace').decode()) before passing it"
    )
    problems: list[Problem] = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, str):
            try:
                value.encode()
            except UnicodeEncodeError:
                problems.append(Problem(path, message))
        elif isinstance(value, Mapping):
            for key, item in value.items():
                walk(item, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list | tuple):
            for n, item in enumerate(value):
                walk(item, f"{path}[{n}]")

    for event in changes.events:
        walk(serde.event_to_dict(event), "")
    if not problems:
        problems.append(Problem("", f"a value {message}"))
    # One problem per field, in the order found.
    return ValidationError(dict.fromkeys(problems))
