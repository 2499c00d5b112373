"""MemoryStore: the desk store in dicts, for tests and single-process hosts."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Collection, Generator, Iterator, Mapping
from contextlib import closing, contextmanager
from datetime import datetime
from typing import Any

import attrs

from omnicx.errors import ConflictError
from omnicx.identity import ChangeSet, Link, MemoryIdentityStore
from omnicx.model import Event, MessageEvent, Order, Status
from omnicx.storage import _inbox
from omnicx.storage._agents import AgentRecord, WaitingWork, check_agent_versions, waiting_order
from omnicx.storage._inbox import InboxCounts, InboxFilter, InboxPage, InboxSort
from omnicx.storage._listening import ListeningRecord, listening_conflict
from omnicx.storage._orders import check_orders, in_order, order_key
from omnicx.storage._records import AuditEntry, Changes, ConversationRecord, Erasure


def check_versions(
    changes: Changes,
    stored_conversation_version: Callable[[str], int],
    stored_profile_version: Callable[[str], int],
) -> None:
    """Raise ``ConflictError`` if anything ``changes`` read was written since.

    Shared by every reference store so they refuse exactly the same races.
    """
    for record in changes.conversations:
        stored = stored_conversation_version(record.id)
        if stored != record.version:
            raise conversation_conflict(record, stored)
    check_profile_versions(changes, stored_profile_version)


def check_profile_versions(changes: Changes, stored_profile_version: Callable[[str], int]) -> None:
    """The profile half of ``check_versions``."""
    for profile_id, version in sorted(changes.profile_versions.items()):
        stored = stored_profile_version(profile_id)
        if stored != version:
            raise profile_conflict(profile_id, version, stored)


def profile_conflict(profile_id: str, read: int, stored: int) -> ConflictError:
    """The error for a profile written since the call read it at version ``read``."""
    return ConflictError(
        f"customer {profile_id!r} changed since it was read "
        f"(read version {read}, stored {stored}); reload and retry"
    )


def link_conflict(key: str) -> ConflictError:
    """The error for an identifier link that moved since the call read it."""
    return ConflictError(f"identifier link {key!r} changed since it was read; reload and retry")


def ref_conflict(ref: str, read: str | None, stored: str | None) -> ConflictError:
    """The error for a thread reference that moved since the call read it."""
    return ConflictError(
        f"thread reference {ref!r} changed since it was read (read {read!r}, "
        f"stored {stored!r}); reload and retry"
    )


def receipt_customer(receipt: Mapping[str, Any]) -> str | None:
    """The customer id a stored receipt names, if any (erasure finds receipts by it)."""
    found = receipt.get("customer_id")
    return found if isinstance(found, str) else None


def conversation_conflict(record: ConversationRecord, stored: int) -> ConflictError:
    """The error for a conversation written since ``record`` was read."""
    return ConflictError(
        f"conversation {record.id!r} changed since it was read "
        f"(read version {record.version}, stored {stored}); reload and retry"
    )


@attrs.define
class MemoryStore(MemoryIdentityStore):
    """A ``DeskStore`` in memory. Not thread-safe; nothing survives the process."""

    records: dict[str, ConversationRecord] = attrs.field(factory=dict)
    refs: dict[str, str] = attrs.field(factory=dict)
    event_log: list[Event] = attrs.field(factory=list)
    event_ids: set[str] = attrs.field(factory=set)
    receipts: dict[str, Mapping[str, Any]] = attrs.field(factory=dict)
    versions: dict[str, int] = attrs.field(factory=dict)
    # Indexes, so lookups cost what they return rather than a full scan.
    _by_customer: dict[str, set[str]] = attrs.field(factory=dict)
    _events_by_customer: dict[str, list[Event]] = attrs.field(factory=dict)
    _events_by_conversation: dict[str, list[Event]] = attrs.field(factory=dict)
    _position: dict[str, int] = attrs.field(factory=dict)
    audit_log: list[AuditEntry] = attrs.field(factory=list)
    _audit_ids: set[str] = attrs.field(init=False)
    # (due_at, id) of written records, a heap; an entry whose record moved
    # on is stale and dropped when it comes up (or when the heap compacts).
    _due: list[tuple[datetime, str]] = attrs.field(init=False)
    agent_records: dict[str, AgentRecord] = attrs.field(factory=dict)
    order_index: dict[str, Order] = attrs.field(factory=dict)
    _orders_by_customer: dict[str, set[str]] = attrs.field(factory=dict)
    waiting_records: dict[str, WaitingWork] = attrs.field(factory=dict)
    listening_records: dict[str, ListeningRecord] = attrs.field(factory=dict)
    # The ids claimed (claim_due) and not yet released, and each open
    # claim's undo steps, the innermost claim's last: empty outside a claim.
    _claimed: set[str] = attrs.field(init=False, factory=set, eq=False, repr=False)
    _undo: list[list[Callable[[], None]]] = attrs.field(
        init=False, factory=list, eq=False, repr=False
    )

    @_due.default
    def _due_of_records(self) -> list[tuple[datetime, str]]:
        return _due_heap(self.records.values())

    @_audit_ids.default
    def _known_audit_ids(self) -> set[str]:
        return {entry.id for entry in self.audit_log}

    def profile_version(self, profile_id: str) -> int:
        """Return the stored version of a profile (0 if never written)."""
        return self.versions.get(profile_id, 0)

    def conversation(self, conversation_id: str) -> ConversationRecord | None:
        """Return the stored record, or None."""
        return self.records.get(conversation_id)

    def conversations_of(self, customer_ids: Collection[str]) -> list[ConversationRecord]:
        """Return every conversation of these customers, oldest first."""
        ids = {cid for customer in set(customer_ids) for cid in self._by_customer.get(customer, ())}
        found = [self.records[cid] for cid in ids]
        return sorted(found, key=lambda r: (r.conversation.created_at, r.id))

    def conversation_for_ref(self, ref: str) -> str | None:
        """Return the conversation id indexed under a thread reference key."""
        return self.refs.get(ref)

    def events(
        self,
        *,
        customer_ids: Collection[str] | None = None,
        conversation_id: str | None = None,
    ) -> list[Event]:
        """Return stored events matching every filter given, in append order."""
        if conversation_id is not None:
            candidates = self._events_by_conversation.get(conversation_id, [])
        elif customer_ids is not None:
            found = [e for c in set(customer_ids) for e in self._events_by_customer.get(c, ())]
            candidates = sorted(found, key=lambda e: self._position[e.id])
        else:
            candidates = self.event_log
        wanted = None if customer_ids is None else set(customer_ids)
        return [e for e in candidates if wanted is None or e.customer_id in wanted]

    def receipt(self, key: str) -> Mapping[str, Any] | None:
        """Return the receipt recorded under an idempotency key, or None."""
        return self.receipts.get(key)

    def order(self, system: str, order_id: str) -> Order | None:
        """Return the order stored under ``(system, order_id)``, or None."""
        return self.order_index.get(order_key(system, order_id))

    def orders(self, customer_ids: Collection[str]) -> list[Order]:
        """Return every stored order of these customers, by system then order id."""
        keys = {k for c in set(customer_ids) for k in self._orders_by_customer.get(c, ())}
        return in_order(self.order_index[k] for k in keys)

    def due(self, now: datetime, *, limit: int) -> list[ConversationRecord]:
        """Return up to ``limit`` records due by ``now``, earliest first (ties by id).

        Costs O((returned + stale) log n): only the heap's due head is visited.
        """
        found: list[ConversationRecord] = []
        with closing(self._due_heads(now)) as heads:
            for record in heads:
                if len(found) == limit:
                    break
                found.append(record)
        return found

    def _due_heads(self, now: datetime) -> Generator[ConversationRecord, None, None]:
        # The live records due by ``now``, earliest first, popped off the heap
        # and pushed back once the reader closes this (stale entries stay gone).
        heap, popped, seen = self._due, list[tuple[datetime, str]](), set[str]()
        try:
            while heap and heap[0][0] <= now:
                at, conversation_id = heapq.heappop(heap)
                record = self.records.get(conversation_id)
                if record is None or record.due_at != at or conversation_id in seen:
                    continue  # stale or a duplicate: gone for good
                seen.add(conversation_id)
                popped.append((at, conversation_id))
                yield record
        finally:
            for entry in popped:
                heapq.heappush(heap, entry)

    @contextmanager
    def claim_due(
        self, now: datetime, *, skip: Collection[str] = ()
    ) -> Iterator[ConversationRecord | None]:
        """Claim the earliest record due by ``now`` not in ``skip`` nor claimed already.

        Until the context exits another claim skips the record; the commits
        made inside are kept when it exits normally and undone (every value
        they wrote put back) when it exits with an exception. Ids handed out
        meanwhile are not given again.
        """
        excluded = set(skip) | self._claimed
        with closing(self._due_heads(now)) as heads:
            record = next((r for r in heads if r.id not in excluded), None)
        undo = list[Callable[[], None]]()
        self._undo.append(undo)
        if record is not None:
            self._claimed.add(record.id)
        try:
            yield record
        except BaseException:
            for step in reversed(undo):
                step()
            raise
        else:
            if len(self._undo) > 1:
                self._undo[-2].extend(undo)  # the enclosing claim undoes them too
        finally:
            self._undo.pop()
            if record is not None:
                self._claimed.discard(record.id)

    def _keep(self, name: str, keys: Collection[Any]) -> None:
        # Inside a claim: remember the values under ``keys`` of the dict
        # attribute ``name`` (inner sets and lists copied), to put back.
        if not self._undo:
            return
        table = getattr(self, name)
        saved = [(key, _copied(table[key]) if key in table else _ABSENT) for key in keys]

        def put_back() -> None:
            now = getattr(self, name)
            for key, value in reversed(saved):
                if value is _ABSENT:
                    now.pop(key, None)
                else:
                    now[key] = value

        self._undo[-1].append(put_back)

    def _remember(self, changes: Changes) -> None:
        # What ``commit`` is about to change, to put back if the claim fails.
        records = [r.id for r in changes.conversations]
        customers = {r.conversation.customer_id for r in changes.conversations}
        for record in changes.conversations:
            stored = self.records.get(record.id)
            if stored is not None:
                customers.add(stored.conversation.customer_id)
        orders = [order_key(*o.key) for o in changes.orders]
        owners = {o.customer_id for o in changes.orders} | {
            self.order_index[k].customer_id for k in orders if k in self.order_index
        }
        events = {e.customer_id for e in changes.events}
        threads = {e.conversation_id for e in changes.events if e.conversation_id is not None}
        new_events = {e.id for e in changes.events if e.id not in self.event_ids}
        new_audit = {a.id for a in changes.audit if a.id not in self._audit_ids}
        logged, audited = len(self.event_log), len(self.audit_log)
        # Per customer and conversation, events are only appended: their lengths.
        lengths = [
            (index, key, len(table[key]) if key in table else -1)
            for index, keys in (
                ("_events_by_customer", events),
                ("_events_by_conversation", threads),
            )
            for table in (getattr(self, index),)
            for key in keys
        ]

        def put_back() -> None:
            del self.event_log[logged:]
            del self.audit_log[audited:]
            self.event_ids -= new_events
            self._audit_ids -= new_audit
            for event_id in new_events:
                self._position.pop(event_id, None)
            for index, key, length in lengths:
                table = getattr(self, index)
                if length < 0:
                    table.pop(key, None)
                elif key in table:
                    del table[key][length:]
            # The due index drops entries that no longer match: add the
            # restored records' own again (a duplicate is skipped).
            self._index_due([self.records[i] for i in records if i in self.records])

        # Run after the keeps below are put back (undo runs last first).
        self._undo[-1].append(put_back)
        for name, keys in (
            ("records", records),
            ("_by_customer", customers),
            ("refs", [ref for ref, _ in changes.thread_refs]),
            ("receipts", [key for key, _ in changes.receipts]),
            ("versions", [p.id for p in changes.identity.profiles]),  # the rest: ``apply``
            ("agent_records", [a.id for a in changes.agents]),
            ("waiting_records", [w.id for w in (*changes.waiting, *changes.waiting_done)]),
            ("order_index", orders),
            ("_orders_by_customer", owners),
        ):
            self._keep(name, keys)

    def _snapshot(self) -> None:
        # Inside a claim, before an erasure (which rewrites whole tables):
        # every table as it is, to put back if the claim fails.
        if not self._undo:
            return
        # Not the id counters: an id handed out is never given again.
        kept = ("_claimed", "_undo", "_counters")
        names = [a.name for a in attrs.fields(type(self)) if a.name not in kept]
        saved = {name: _copied(getattr(self, name)) for name in names}

        def put_back() -> None:
            for name, value in saved.items():
                setattr(self, name, value)

        self._undo[-1].append(put_back)

    def apply(self, changes: ChangeSet) -> None:
        """Write every value in ``changes`` (inside a claim, undone if it fails)."""
        for name, keys in (
            ("profiles", [p.id for p in changes.profiles]),
            ("links", [link.key for link in changes.links]),
            ("merges", [merge.id for merge in changes.merges]),
            ("observations", [o.id for o, _ in changes.observations]),
        ):
            self._keep(name, keys)
        super().apply(changes)

    def _index_due(self, records: Collection[ConversationRecord]) -> None:
        for record in records:
            if record.due_at is not None:
                heapq.heappush(self._due, (record.due_at, record.id))
        # Stale entries are bounded: past twice the live records, rebuild.
        if len(self._due) > 2 * len(self.records) + 64:
            self._due = _due_heap(self.records.values())

    def commit(self, changes: Changes) -> None:
        """Check versions, then write everything (nothing is written on conflict)."""
        check_versions(changes, self._conversation_version, self.profile_version)
        check_reads(changes, self.links.get, self.refs.get, self.receipts.__contains__)
        check_agent_versions(changes, self._agent_version, self._waiting_version)
        check_orders(changes, self.order_index.get)
        if self._undo:
            self._remember(changes)
        self._write_agents(changes)
        for order in changes.orders:
            key = order_key(*order.key)
            previous = self.order_index.get(key)
            if previous is not None:
                self._orders_by_customer.get(previous.customer_id, set()).discard(key)
            self.order_index[key] = order
            self._orders_by_customer.setdefault(order.customer_id, set()).add(key)
        self.apply(changes.identity)
        for profile in changes.identity.profiles:
            self.versions[profile.id] = self.versions.get(profile.id, 0) + 1
        for record in changes.conversations:
            stored = self.records.get(record.id)
            if stored is not None:  # a conversation can move to another customer
                self._by_customer.get(stored.conversation.customer_id, set()).discard(record.id)
            self.records[record.id] = attrs.evolve(record, version=record.version + 1)
            self._by_customer.setdefault(record.conversation.customer_id, set()).add(record.id)
        self._index_due(changes.conversations)
        self.refs.update(changes.thread_refs)
        for event in changes.events:
            if event.id not in self.event_ids:
                self.event_ids.add(event.id)
                self._position[event.id] = len(self.event_log)
                self.event_log.append(event)
                self._events_by_customer.setdefault(event.customer_id, []).append(event)
                if event.conversation_id is not None:
                    conversation_events = self._events_by_conversation.setdefault(
                        event.conversation_id, []
                    )
                    conversation_events.append(event)
        for key, receipt in changes.receipts:
            self.receipts.setdefault(key, receipt)
        self._append_audit(changes.audit)

    def audit(
        self, *, customer_id: str | None = None, actor: str | None = None
    ) -> list[AuditEntry]:
        """Return audit entries matching every filter given, oldest first."""
        return [
            entry
            for entry in self.audit_log
            if (customer_id is None or entry.customer_id == customer_id)
            and (actor is None or entry.actor == actor)
        ]

    def _append_audit(self, entries: tuple[AuditEntry, ...]) -> None:
        for entry in entries:
            if entry.id not in self._audit_ids:
                self._audit_ids.add(entry.id)
                self.audit_log.append(entry)

    def erase(self, erasure: Erasure) -> None:
        """Apply an erasure (nothing here can fail halfway)."""
        self._snapshot()
        erased = set(erasure.customer_ids)
        for profile in erasure.profiles:
            self.profiles[profile.id] = profile
        for link in erasure.links:
            self.links[link.key] = link
        for key in erasure.drop_links:
            self.links.pop(key, None)
        for merge_id in erasure.drop_merges:
            self.merges.pop(merge_id, None)
        for observation_id in erasure.drop_observations:
            self.observations.pop(observation_id, None)
        renamed = dict(erasure.renamed_events)
        replaced = {event.id: event for event in erasure.events}
        dropped = set(erasure.drop_events)
        self.event_ids = (self.event_ids - renamed.keys()) | set(renamed.values())
        self.event_ids -= dropped
        for old_id, new_id in renamed.items():
            if old_id in self._position:
                self._position[new_id] = self._position.pop(old_id)
        for event_id in dropped:
            self._position.pop(event_id, None)

        def one(event: Event) -> Event:
            new_id = renamed.get(event.id)
            if new_id is not None:
                event = attrs.evolve(event, id=new_id)
            return replaced.get(event.id, event)

        def rewrite(events: list[Event]) -> list[Event]:
            return [e for e in map(one, events) if e.id not in dropped]

        self.event_log = rewrite(self.event_log)
        for index in (self._events_by_customer, self._events_by_conversation):
            for key, events in index.items():
                index[key] = rewrite(events)
        conversations = set()
        for record in erasure.conversations:
            stored = self.records.get(record.id)
            version = 0 if stored is None else stored.version
            self.records[record.id] = attrs.evolve(record, version=version + 1)
            conversations.add(record.id)
        self._index_due(erasure.conversations)
        conversations |= {cid for customer in erased for cid in self._by_customer.get(customer, ())}
        self.refs = {k: v for k, v in self.refs.items() if v not in conversations}
        self.receipts = {
            k: v for k, v in self.receipts.items() if v.get("customer_id") not in erased
        }
        for customer in erased:
            for key in self._orders_by_customer.pop(customer, set()):
                self.order_index.pop(key, None)
        self._append_audit(erasure.audit)

    def _conversation_version(self, conversation_id: str) -> int:
        record = self.records.get(conversation_id)
        return 0 if record is None else record.version

    def agent(self, agent_id: str) -> AgentRecord | None:
        """Return the stored agent record, or None."""
        return self.agent_records.get(agent_id)

    def agents(self) -> list[AgentRecord]:
        """Return every stored agent record, by agent id."""
        return [self.agent_records[k] for k in sorted(self.agent_records)]

    def waiting(self, conversation_id: str) -> WaitingWork | None:
        """Return the conversation's waiting work, or None."""
        return self.waiting_records.get(conversation_id)

    def waiting_work(
        self, *, offered: bool | None = None, limit: int | None = None
    ) -> list[WaitingWork]:
        """Return waiting work, most urgent then oldest first, at most ``limit``."""
        found = [
            w
            for w in self.waiting_records.values()
            if offered is None or (w.offered_to is not None) == offered
        ]
        found.sort(key=waiting_order)
        return found if limit is None else found[:limit]

    def listening(self, name: str) -> ListeningRecord | None:
        """Return the stored listening record named ``name``, or None."""
        return self.listening_records.get(name)

    def put_listening(self, record: ListeningRecord) -> None:
        """Store ``record`` at ``version + 1`` if the stored version is ``record.version``."""
        stored = self.listening_records.get(record.name)
        version = 0 if stored is None else stored.version
        if version != record.version:
            raise listening_conflict(record, version)
        self._keep("listening_records", [record.name])
        self.listening_records[record.name] = attrs.evolve(record, version=version + 1)

    def _agent_version(self, agent_id: str) -> int:
        record = self.agent_records.get(agent_id)
        return 0 if record is None else record.version

    def _waiting_version(self, conversation_id: str) -> int:
        work = self.waiting_records.get(conversation_id)
        return 0 if work is None else work.version

    def _write_agents(self, changes: Changes) -> None:
        for record in changes.agents:
            self.agent_records[record.id] = attrs.evolve(record, version=record.version + 1)
        for work in changes.waiting:
            self.waiting_records[work.id] = attrs.evolve(work, version=work.version + 1)
        for work in changes.waiting_done:
            self.waiting_records.pop(work.id, None)

    # -- inbox queries: a scan of every record, the semantics as written ----

    def inbox(
        self,
        filter: InboxFilter,
        *,
        sort: InboxSort = InboxSort.PRIORITY_THEN_AGE,
        limit: int = 50,
        cursor: str | None = None,
    ) -> InboxPage:
        """Return one page of the records matching ``filter`` (a scan of all of them)."""
        _inbox.check_limit(limit)
        start = None if cursor is None else _inbox.decode_cursor(sort, cursor)
        found = [
            r
            for r in self.records.values()
            if _inbox.inbox_matches(filter, r)
            and (start is None or _inbox.after(sort, _inbox.sort_key(sort, r), start))
        ]
        return _inbox.page(sort, _inbox.ordered(sort, found)[: limit + 1], limit)

    def inbox_counts(self, filter: InboxFilter) -> InboxCounts:
        """Return how many records match ``filter``, per queue and status."""
        cells: dict[tuple[str | None, Status], int] = {}
        for record in self.records.values():
            if _inbox.inbox_matches(filter, record):
                cell = (record.conversation.queue, record.conversation.status)
                cells[cell] = cells.get(cell, 0) + 1
        return InboxCounts(cells=cells)

    def search(
        self, text: str, *, filter: InboxFilter | None = None, limit: int = 20
    ) -> list[ConversationRecord]:
        """Return the conversations whose messages hold every word of ``text`` (a scan)."""
        _inbox.check_limit(limit)
        terms = set(_inbox.search_terms(text))
        if not terms:
            return []
        latest: dict[str, int] = {}
        for position, event in enumerate(self.event_log):
            if (
                isinstance(event, MessageEvent)
                and event.conversation_id is not None
                and terms <= set(_inbox.search_terms(event.message.text))
            ):
                latest[event.conversation_id] = position
        found = [
            self.records[cid]
            for cid in sorted(latest, key=latest.__getitem__, reverse=True)
            if cid in self.records
            and (filter is None or _inbox.inbox_matches(filter, self.records[cid]))
        ]
        return found[:limit]


_ABSENT: Any = object()
"""A key a claim's undo step removes: it was not there before."""


def _copied(value: Any) -> Any:
    # A table's copy deep enough to put back: containers copied, values shared (frozen).
    if isinstance(value, dict):
        return {key: _copied(item) for key, item in value.items()}
    if isinstance(value, list | set):
        return type(value)(_copied(item) for item in value)
    return value


def _due_heap(records: Collection[ConversationRecord]) -> list[tuple[datetime, str]]:
    heap = [(r.due_at, r.id) for r in records if r.due_at is not None]
    heapq.heapify(heap)
    return heap


def already_recorded(key: str) -> ConflictError:
    """The conflict of a call whose own key another commit recorded first."""
    return ConflictError(
        f"call {key!r} was already recorded by another commit; retry it to get the recorded receipt"
    )


def check_reads(
    changes: Changes,
    stored_link: Callable[[str], Link | None],
    stored_ref: Callable[[str], str | None],
    receipt_recorded: Callable[[str], bool],
) -> None:
    """Raise ``ConflictError`` if a link, reference or receipt moved since the call read it.

    The other half of ``check_versions`` (``Changes.links_read``,
    ``refs_read`` and ``new_receipts``): stores call it inside the commit's
    transaction, so the check and the writes see the same data.
    """
    for key in changes.new_receipts:
        if receipt_recorded(key):
            raise already_recorded(key)
    for key, read in sorted(changes.links_read.items()):
        stored_value = stored_link(key)
        if stored_value is not read and stored_value != read:
            raise link_conflict(key)
    for ref, owner in sorted(changes.refs_read.items()):
        stored = stored_ref(ref)
        if stored != owner:
            raise ref_conflict(ref, owner, stored)
