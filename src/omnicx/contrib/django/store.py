"""DjangoStore: the desk store on the Django ORM, in the project's own database."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

import attrs
from django.db import connections, transaction
from django.db.models import Count, F, Max, OuterRef, Subquery

from omnicx import serde
from omnicx._frozen import frozen_json
from omnicx.contrib.django import _store_queries as q
from omnicx.contrib.django import _store_sql as sql
from omnicx.contrib.django import models as m
from omnicx.contrib.django._store_errors import database_errors
from omnicx.contrib.django._store_rows import (
    conversation_children,
    conversation_columns,
    event_json,
    event_terms,
    micros,
    receipt_text,
    to_json,
)
from omnicx.errors import ConflictError
from omnicx.identity import ChangeSet, Link, MergeRecord, Observation, Profile
from omnicx.model import Event, Order, Status
from omnicx.storage import _inbox
from omnicx.storage._agents import AgentRecord, WaitingWork, check_agent_versions
from omnicx.storage._decoded import DecodedRows
from omnicx.storage._inbox import InboxCounts, InboxFilter, InboxPage, InboxSort
from omnicx.storage._listening import ListeningRecord, listening_conflict
from omnicx.storage._memory import (
    already_recorded,
    conversation_conflict,
    link_conflict,
    profile_conflict,
    receipt_customer,
    ref_conflict,
)
from omnicx.storage._orders import check_orders, dump_order, in_order, load_order, order_key
from omnicx.storage._records import AuditEntry, Changes, ConversationRecord, Erasure

__all__ = ["DjangoStore"]

T = TypeVar("T")

_ID_BLOCK = 64
_ERASED_TABLES = (m.Profile, m.Link, m.Merge, m.Observation, m.Conversation,
                  m.ConversationTag, m.ConversationField, m.ThreadRef, m.Event,
                  m.SearchTerm, m.Receipt)  # fmt: skip


class DjangoStore:
    """A ``DeskStore`` in the Django project's database (the ``omnicx_*`` tables).

    Add ``"omnicx.contrib.django"`` to ``INSTALLED_APPS`` and run
    ``manage.py migrate``; the store then works on any backend Django
    supports (SQLite and PostgreSQL are tested) through
    ``django.db.connections[using]``. It changes no database-wide setting.

    Every ``commit``, ``erase`` and ``apply`` runs in
    ``transaction.atomic(using=using)``: inside the host's own
    ``transaction.atomic()`` it joins the host's transaction (a savepoint:
    the host's rollback takes omnicx's writes with it), outside it is its
    own transaction. Optimistic concurrency is checked by the writes
    themselves (``UPDATE ... WHERE version = <read>``, inserts under
    primary keys and unique constraints, the links, references and profiles
    read locked with ``SELECT ... FOR UPDATE`` where the backend has it).
    Whatever loses a race (a version moved, a unique key taken meanwhile,
    a serialization failure or deadlock, SQLite refusing a write after
    another connection's) raises ``ConflictError`` and writes nothing; a
    lock still held after the database's wait is ``StoreBusyError``.

    Search reads a table of each message's words (``search_terms``), kept
    at commit. Django's connections are per thread: use one store per
    thread (its decoded-row cache is not locked). The store holds only
    ``using`` and caches, so it pickles to a fresh store on the same alias.

    Args:
        using: the alias of ``settings.DATABASES`` the tables live in.
    """

    def __init__(self, using: str = "default") -> None:
        self.using = using
        self._decoded = DecodedRows()
        # Ids reserved but not yet handed out, by kind: (last given, end, block).
        self._reserved: dict[str, tuple[int, int, int]] = {}

    def __reduce__(self) -> tuple[type[DjangoStore], tuple[str]]:
        return (DjangoStore, (self.using,))

    def __repr__(self) -> str:
        return f"DjangoStore(using={self.using!r})"

    # -- plumbing --------------------------------------------------------------

    @property
    def _vendor(self) -> str:
        return str(connections[self.using].vendor)

    def _rows(self, model: type[Any]) -> Any:
        return model.objects.using(self.using)

    @contextmanager
    def _transaction(self, what: str) -> Iterator[None]:
        with database_errors(self.using, what), transaction.atomic(using=self.using):
            yield

    def _load(self, cls: type[T], text: str) -> T:
        return self._decoded.load(cls, text)

    def _dump(self, value: Any) -> str:
        text = to_json(value)
        self._decoded.remember(value, text)
        return text

    def _data(self, model: type[Any], key: str) -> str | None:
        row = sql.by_key(self.using, model, "data", key)
        return None if row is None else str(row[0])

    def _version(self, model: type[Any], key: str, *, lock: bool = False) -> int:
        if not lock:
            row = sql.by_key(self.using, model, "version", key)
            return 0 if row is None else int(row[0])
        rows = sql.where_in(self.using, model, "version", model._meta.pk.column, (key,), lock=True)
        found = rows[0][0] if rows else None
        return 0 if found is None else int(found)

    # -- identity --------------------------------------------------------------

    def profile(self, profile_id: str) -> Profile | None:
        """Return the profile (live or tombstone) with this id, or None."""
        data = self._data(m.Profile, profile_id)
        return None if data is None else self._load(Profile, data)

    def profile_version(self, profile_id: str) -> int:
        """Return the stored version of a profile (0 if it was never written)."""
        return self._version(m.Profile, profile_id)

    def link(self, key: str) -> Link | None:
        """Return the link for this match key, or None."""
        data = self._data(m.Link, key)
        return None if data is None else self._load(Link, data)

    def merge(self, merge_id: str) -> MergeRecord | None:
        """Return the merge record with this id, or None."""
        data = self._data(m.Merge, merge_id)
        return None if data is None else self._load(MergeRecord, data)

    def observation(self, observation_id: str) -> tuple[Observation, str] | None:
        """Return a recorded observation and the profile id it was attributed to."""
        row = sql.by_key(self.using, m.Observation, "data profile_id", observation_id)
        return None if row is None else (self._load(Observation, row[0]), row[1])

    def observation_ids(
        self, profile_id: str, *, start: int = 0, limit: int | None = None
    ) -> list[str]:
        """Return ids of the observations attributed to ``profile_id``, first stored first.

        From the index on ``(profile_id, seq)``: the cost follows what is returned.
        """
        rows = self._rows(m.Observation).filter(profile_id=profile_id).order_by("seq")
        window = rows[start:] if limit is None else rows[start : start + limit]
        with database_errors(self.using, "reading omnicx_observation"):
            return list(window.values_list("id", flat=True))

    def next_id(self, kind: str) -> str:
        """Return ``p<n>`` for a profile, ``m<n>`` for a merge, ``<kind><n>`` otherwise.

        Never the same twice for one kind, in any process. The store
        reserves blocks of numbers (doubling up to 64), so a busy desk pays
        one write for many ids. On PostgreSQL the numbers come from the
        sequence ``omnicx_ids``, which no rollback returns. Elsewhere they
        come from ``omnicx_counter``, in the caller's transaction: inside a
        host's transaction the store takes one number at a time (the host's
        rollback returns it, so another process may hand it out again, with
        nothing stored under it), and never hands out a number twice itself.
        """
        value, end, block = self._reserved.get(kind, (0, 0, 0))
        if value == end:
            if self._vendor == "postgresql":
                block = _ID_BLOCK
                end = self._next_in_sequence() + _ID_BLOCK - 1
                value = end - block
            else:
                hosted = connections[self.using].in_atomic_block
                block = 1 if hosted else min(_ID_BLOCK, max(1, 2 * block))
                end = self._reserve(kind, block)
                while end <= value:  # a host's rollback returned numbers given out
                    end = self._reserve(kind, block)
            value = max(end - block, value)
        self._reserved[kind] = (value + 1, end, block)
        return _prefixed(kind, value + 1)

    def _next_in_sequence(self) -> int:
        # Each nextval stands for a block of _ID_BLOCK numbers, shared by every kind.
        with (
            database_errors(self.using, "taking ids from omnicx_ids"),
            connections[self.using].cursor() as cursor,
        ):
            cursor.execute("SELECT nextval('omnicx_ids')")
            (found,) = cursor.fetchone()
        return (int(found) - 1) * _ID_BLOCK + 1

    def _reserve(self, kind: str, block: int) -> int:
        with self._transaction("reserving ids in omnicx_counter"):
            counters = self._rows(m.Counter)
            if not counters.filter(kind=kind).update(value=F("value") + block):
                counters.create(kind=kind, value=block)
            return int(counters.filter(kind=kind).values_list("value", flat=True).get())

    def apply(self, changes: ChangeSet) -> None:
        """Write an identity ChangeSet in one transaction."""
        with self._transaction("applying identity changes"):
            self._put_profiles(changes.profiles, {})
            self._put_links(changes.links)
            self._put_rest_of_identity(changes)

    def live_profiles(self) -> list[Profile]:
        """Return every live profile, by id."""
        with database_errors(self.using, "reading omnicx_profile"):
            rows = list(
                self._rows(m.Profile).order_by(q.by_id(self._vendor)).values_list("data", flat=True)
            )
        return [p for p in (self._load(Profile, data) for data in rows) if p.live]

    def _put_profiles(self, profiles: Collection[Profile], read: Mapping[str, int]) -> None:
        # In id order, so two commits lock the same rows in the same order.
        rows = self._rows(m.Profile)
        for profile in sorted(profiles, key=lambda p: p.id):
            data = self._dump(profile)
            version = read.get(profile.id)
            if version is None:
                if not rows.filter(id=profile.id).update(version=_plus_one(), data=data):
                    rows.create(id=profile.id, version=1, data=data)
                continue
            if version == 0:
                stored = self._version(m.Profile, profile.id)
                if stored:
                    raise profile_conflict(profile.id, 0, stored)
                sql.insert(self.using, m.Profile, [m.Profile(id=profile.id, version=1, data=data)])
            elif not sql.update_versioned(
                self.using, m.Profile, profile.id, version, {"data": data}
            ):
                raise profile_conflict(profile.id, version, self._version(m.Profile, profile.id))

    def _put_links(self, links: Collection[Link]) -> None:
        rows = [m.Link(key=link.key, data=self._dump(link)) for link in links]
        if rows:
            sql.insert(self.using, m.Link, rows, update=("data",))

    def _put_rest_of_identity(self, changes: ChangeSet) -> None:
        merges = [m.Merge(id=r.id, data=to_json(r)) for r in changes.merges]
        if merges:
            sql.insert(self.using, m.Merge, merges, update=("data",))
        if not changes.observations:
            return
        # A row written again (re-attributed) keeps the seq of its first write.
        seqs = self._observation_seqs(len(changes.observations))
        observations = [
            m.Observation(id=o.id, profile_id=pid, data=to_json(o), seq=seq)
            for (o, pid), seq in zip(changes.observations, seqs, strict=True)
        ]
        sql.insert(self.using, m.Observation, observations, update=("profile_id", "data"))

    def _observation_seqs(self, count: int) -> range | list[int]:
        # PostgreSQL: a sequence, numbered as the statements run, no lock held.
        # Elsewhere omnicx_counter, in this transaction (SQLite writes one at a time).
        if self._vendor == "postgresql":
            with connections[self.using].cursor() as cursor:
                cursor.execute(
                    "SELECT nextval('omnicx_observation_seq') FROM generate_series(1, %s)",
                    [count],
                )
                return [int(seq) for (seq,) in cursor.fetchall()]
        end = self._reserve("observation_seq", count)
        return range(end - count + 1, end + 1)

    # -- desk reads ------------------------------------------------------------

    def conversation(self, conversation_id: str) -> ConversationRecord | None:
        """Return the stored record, or None."""
        data = self._data(m.Conversation, conversation_id)
        return None if data is None else self._load(ConversationRecord, data)

    def conversations_of(self, customer_ids: Collection[str]) -> list[ConversationRecord]:
        """Return every conversation of these customers, oldest first."""
        ids = sorted(set(customer_ids))
        if not ids:
            return []
        found = sql.where_in(self.using, m.Conversation, "data created_us id", "customer_id", ids)
        # Oldest first, ties by id in code point order (Python's, whatever the
        # database's collation), across the chunks.
        rows = [data for data, *_ in sorted(found, key=lambda row: (row[1], row[2]))]
        return [self._load(ConversationRecord, data) for data in rows]

    def conversation_for_ref(self, ref: str) -> str | None:
        """Return the conversation id indexed under a thread reference key."""
        row = sql.by_key(self.using, m.ThreadRef, "conversation_id", ref)
        return None if row is None else str(row[0])

    def due(self, now: datetime, *, limit: int) -> list[ConversationRecord]:
        """Return up to ``limit`` records due by ``now``, earliest first (ties by id).

        A range of the partial index ``omnicx_conv_due``: the cost follows what is due.
        """
        with database_errors(self.using, "reading omnicx_conversation"):
            rows = list(
                self._rows(m.Conversation)
                .filter(due_us__isnull=False, due_us__lte=micros(now))
                .order_by("due_us", q.by_id(self._vendor))
                .values_list("data", flat=True)[:limit]
            )
        return [self._load(ConversationRecord, data) for data in rows]

    @contextmanager
    def claim_due(
        self, now: datetime, *, skip: Collection[str] = ()
    ) -> Iterator[ConversationRecord | None]:
        """Claim the earliest record due by ``now`` not in ``skip``, until the context exits.

        One ``transaction.atomic`` (a savepoint inside a host's) from the
        claim to the context's exit, the commits made inside its savepoints:
        kept when it exits normally, undone when it exits with an exception.
        Where the backend has ``SELECT ... FOR UPDATE SKIP LOCKED``
        (PostgreSQL, MySQL 8, Oracle) the row is locked and another runner's
        claim skips it. On SQLite, which has one writer per file, the claim
        takes the write lock first (a write that changes nothing), so a
        runner on another connection waits for the claim to end (up to the
        database's ``timeout``) and then claims from what is due after it.
        """
        connection = connections[self.using]
        with self._transaction("claiming due work in omnicx_conversation"):
            if connection.vendor == "sqlite":
                with connection.cursor() as cursor:
                    cursor.execute(f"UPDATE {m.Counter._meta.db_table} SET value = value WHERE 0")
            rows = (
                self._rows(m.Conversation)
                .filter(due_us__isnull=False, due_us__lte=micros(now))
                .exclude(id__in=sorted(skip))
                .order_by("due_us", q.by_id(self._vendor))
            )
            if connection.features.has_select_for_update_skip_locked:
                rows = rows.select_for_update(skip_locked=True)
            found = list(rows.values_list("data", flat=True)[:1])
            yield self._load(ConversationRecord, found[0]) if found else None

    def events(
        self,
        *,
        customer_ids: Collection[str] | None = None,
        conversation_id: str | None = None,
    ) -> list[Event]:
        """Return stored events matching every filter given, in append order."""
        rows = self._rows(m.Event)
        if customer_ids is not None:
            rows = rows.filter(customer_id__in=sorted(set(customer_ids)))
        if conversation_id is not None:
            rows = rows.filter(conversation_id=conversation_id)
        with database_errors(self.using, "reading omnicx_event"):
            found = list(rows.order_by("seq").values_list("data", flat=True))
        return [serde.event_from_dict(json.loads(data)) for data in found]

    def receipt(self, key: str) -> Mapping[str, Any] | None:
        """Return the receipt recorded under an idempotency key, or None."""
        data = self._data(m.Receipt, key)
        return None if data is None else frozen_json(json.loads(data))

    def order(self, system: str, order_id: str) -> Order | None:
        """Return the order stored under ``(system, order_id)``, or None."""
        data = self._data(m.Order, order_key(system, order_id))
        return None if data is None else load_order(data)

    def orders(self, customer_ids: Collection[str]) -> list[Order]:
        """Return every stored order of these customers, by system then order id."""
        rows = sql.where_in(self.using, m.Order, "data", "customer_id", customer_ids)
        return in_order(load_order(data) for (data,) in rows)

    def audit(
        self, *, customer_id: str | None = None, actor: str | None = None
    ) -> list[AuditEntry]:
        """Return audit entries matching every filter given, oldest first."""
        rows = self._rows(m.Audit)
        if customer_id is not None:
            rows = rows.filter(customer_id=customer_id)
        if actor is not None:
            rows = rows.filter(actor=actor)
        with database_errors(self.using, "reading omnicx_audit"):
            found = list(rows.order_by("seq").values_list("data", flat=True))
        return [self._load(AuditEntry, data) for data in found]

    # -- the commit ------------------------------------------------------------

    def commit(self, changes: Changes) -> None:
        """Write ``changes`` in one transaction; a conflict or error writes nothing."""
        # Serialize before the transaction so a bad value never holds a lock.
        conversations = [(r, conversation_columns(r)) for r in changes.conversations]
        receipts = [
            m.Receipt(key=key, customer_id=receipt_customer(receipt), data=receipt_text(receipt))
            for key, receipt in changes.receipts
        ]
        events = [
            m.Event(id=e.id, customer_id=e.customer_id, conversation_id=e.conversation_id,
                    data=event_json(e))
            for e in changes.events
        ]  # fmt: skip
        with self._transaction("committing a desk call"):
            self._claim_receipts(changes.new_receipts, receipts)
            for record, columns in conversations:
                self._put_conversation(record, columns)
            self._check_profiles(changes)
            self._put_profiles(changes.identity.profiles, changes.profile_versions)
            self._check_and_put_links(changes)
            self._put_rest_of_identity(changes.identity)
            self._check_and_put_refs(changes)
            if changes.orders or changes.orders_read:
                self._check_and_put_orders(changes)
            if events:
                sql.insert(self.using, m.Event, events, ignore=True)
                self._index_messages(changes.events)
            if changes.agents or changes.waiting or changes.waiting_done:
                self._write_agents(changes)
            self._append_audit(changes.audit)

    def _claim_receipts(self, fresh: Collection[str], receipts: list[m.Receipt]) -> None:
        # First, so a redelivered message waits on (then loses to) the first
        # delivery's uncommitted receipt before doing anything else.
        must_be_new = set(fresh)
        for receipt in receipts:
            if receipt.key in must_be_new:
                if sql.by_key(self.using, m.Receipt, "key", receipt.key) is not None:
                    raise already_recorded(receipt.key)
                # A key taken meanwhile is an IntegrityError: a race lost.
                sql.insert(self.using, m.Receipt, [receipt])
                must_be_new.discard(receipt.key)
        kept = [r for r in receipts if r.key not in fresh]
        if kept:
            sql.insert(self.using, m.Receipt, kept, ignore=True)
        for key in sorted(must_be_new):
            if sql.by_key(self.using, m.Receipt, "key", key) is not None:
                raise already_recorded(key)

    def _put_conversation(self, record: ConversationRecord, columns: dict[str, Any]) -> None:
        if record.version == 0:
            stored = self._version(m.Conversation, record.id)
            if stored:
                raise conversation_conflict(record, stored)
            sql.insert(
                self.using, m.Conversation, [m.Conversation(id=record.id, version=1, **columns)]
            )
        else:
            if not sql.update_versioned(
                self.using, m.Conversation, record.id, record.version, columns
            ):
                raise conversation_conflict(record, self._version(m.Conversation, record.id))
            sql.delete_children(self.using, record.id)
        tags, fields = conversation_children(record)
        if tags:
            sql.insert(self.using, m.ConversationTag, tags)
        if fields:
            sql.insert(self.using, m.ConversationField, fields)

    def _check_profiles(self, changes: Changes) -> None:
        # Profiles read but not written are locked against writers until the end.
        written = {p.id for p in changes.identity.profiles}
        kept = sorted(set(changes.profile_versions) - written)
        if not kept:
            return
        stored = dict(sql.where_in(self.using, m.Profile, "id version", "id", kept, lock=True))
        for profile_id in kept:
            read = changes.profile_versions[profile_id]
            if stored.get(profile_id, 0) != read:
                raise profile_conflict(profile_id, read, stored.get(profile_id, 0))

    def _check_and_put_links(self, changes: Changes) -> None:
        read = changes.links_read
        if read:
            locked = sql.where_in(self.using, m.Link, "key data", "key", read, lock=True)
            stored = {key: self._load(Link, data) for key, data in locked}
            for key in sorted(read):
                if stored.get(key) != read[key]:
                    raise link_conflict(key)
        links = changes.identity.links
        new = sorted((k for k in links if k.key in read and read[k.key] is None), key=_key)
        for link in new:
            sql.insert(self.using, m.Link, [m.Link(key=link.key, data=self._dump(link))])
        self._put_links([k for k in links if not (k.key in read and read[k.key] is None)])

    def _check_and_put_refs(self, changes: Changes) -> None:
        read = changes.refs_read
        if read:
            stored = dict(
                sql.where_in(self.using, m.ThreadRef, "ref conversation_id", "ref", read, lock=True)
            )
            for ref in sorted(read):
                if stored.get(ref) != read[ref]:
                    raise ref_conflict(ref, read[ref], stored.get(ref))
        # One row per reference: the last pair for a key is the one written.
        wanted = dict(changes.thread_refs)
        new = [m.ThreadRef(ref=r, conversation_id=c) for r, c in sorted(wanted.items())
               if r in read and read[r] is None]  # fmt: skip
        if new:
            sql.insert(self.using, m.ThreadRef, new)  # taken meanwhile: IntegrityError, a race
        moved = [m.ThreadRef(ref=r, conversation_id=c) for r, c in sorted(wanted.items())
                 if not (r in read and read[r] is None)]  # fmt: skip
        if moved:
            sql.insert(self.using, m.ThreadRef, moved, update=("conversation_id",))

    def _check_and_put_orders(self, changes: Changes) -> None:
        # Stored orders read are locked and compared; one read as absent is
        # inserted as new (taken meanwhile: IntegrityError, a race lost).
        read = changes.orders_read
        if read:
            rows = sql.where_in(self.using, m.Order, "key data", "key", read, lock=True)
            stored = {key: load_order(data) for key, data in rows}
            check_orders(changes, stored.get)
        rows_of = {order_key(*o.key): m.Order(key=order_key(*o.key), customer_id=o.customer_id,
                                              data=dump_order(o)) for o in changes.orders}  # fmt: skip
        new = [row for key, row in sorted(rows_of.items()) if key in read and read[key] is None]
        if new:
            sql.insert(self.using, m.Order, new)
        moved = [
            row for key, row in sorted(rows_of.items()) if not (key in read and read[key] is None)
        ]
        if moved:
            sql.insert(self.using, m.Order, moved, update=("customer_id", "data"))

    def _index_messages(self, events: Collection[Event]) -> None:
        # Each stored message's words, under the event row it is stored in
        # (an event already stored keeps the words it has).
        terms = {e.id: found for e in events if (found := event_terms(e))}
        if not terms:
            return
        stored = sql.where_in(self.using, m.Event, "id seq conversation_id", "id", terms)
        rows = [
            m.SearchTerm(event_id=seq, conversation_id=conversation_id, term=term)
            for event_id, seq, conversation_id in stored
            if conversation_id is not None
            for term in terms[event_id]
        ]
        sql.insert(self.using, m.SearchTerm, rows, ignore=True)

    def _append_audit(self, entries: tuple[AuditEntry, ...]) -> None:
        if entries:
            sql.insert(self.using,
                m.Audit,
                [m.Audit(id=e.id, actor=e.actor, customer_id=e.customer_id, data=to_json(e))
                 for e in entries],
                ignore=True,
            )  # fmt: skip

    # -- agents ----------------------------------------------------------------

    def agent(self, agent_id: str) -> AgentRecord | None:
        """Return the stored agent record, or None."""
        data = self._data(m.Agent, agent_id)
        return None if data is None else self._load(AgentRecord, data)

    def agents(self) -> list[AgentRecord]:
        """Return every stored agent record, by agent id."""
        with database_errors(self.using, "reading omnicx_agent"):
            rows = list(
                self._rows(m.Agent).order_by(q.by_id(self._vendor)).values_list("data", flat=True)
            )
        return [self._load(AgentRecord, data) for data in rows]

    def waiting(self, conversation_id: str) -> WaitingWork | None:
        """Return the conversation's waiting work, or None."""
        data = self._data(m.Waiting, conversation_id)
        return None if data is None else self._load(WaitingWork, data)

    def waiting_work(
        self, *, offered: bool | None = None, limit: int | None = None
    ) -> list[WaitingWork]:
        """Return waiting work, most urgent then oldest first, at most ``limit``."""
        rows = self._rows(m.Waiting)
        if offered is not None:
            rows = rows.filter(offered=offered)
        rows = rows.order_by("-rank", "arrived_us", q.by_id(self._vendor)).values_list(
            "data", flat=True
        )
        with database_errors(self.using, "reading omnicx_waiting"):
            found = list(rows if limit is None else rows[:limit])
        return [self._load(WaitingWork, data) for data in found]

    def _write_agents(self, changes: Changes) -> None:
        # The rows written are locked first (in id order), then compared; a
        # new one goes in under its primary key, so two "new" writers of one
        # id never both succeed.
        def version(model: type[Any]) -> Any:
            return lambda key: self._version(model, key, lock=True)

        check_agent_versions(changes, version(m.Agent), version(m.Waiting))
        for record in sorted(changes.agents, key=lambda r: r.id):
            data = self._dump(attrs.evolve(record, version=record.version + 1))
            self._put_versioned(m.Agent, record.id, record.version, {"data": data})
        for work in sorted(changes.waiting, key=lambda w: w.id):
            columns = {
                "rank": work.priority.rank,
                "arrived_us": micros(work.arrived_at),
                "offered": work.offered_to is not None,
                "data": self._dump(attrs.evolve(work, version=work.version + 1)),
            }
            self._put_versioned(m.Waiting, work.id, work.version, columns)
        for work in changes.waiting_done:
            self._rows(m.Waiting).filter(id=work.id, version=work.version).delete()

    def listening(self, name: str) -> ListeningRecord | None:
        """Return the stored listening record named ``name``, or None."""
        data = self._data(m.Listening, name)
        return None if data is None else self._load(ListeningRecord, data)

    def put_listening(self, record: ListeningRecord) -> None:
        """Store ``record`` at ``version + 1`` if the stored version is ``record.version``."""
        with self._transaction("writing omnicx_listening"):
            found = self._version(m.Listening, record.name, lock=True)
            if found != record.version:
                raise listening_conflict(record, found)
            data = self._dump(attrs.evolve(record, version=record.version + 1))
            self._put_versioned(m.Listening, record.name, record.version, {"data": data})

    def _put_versioned(
        self, model: type[Any], key: str, read: int, columns: dict[str, Any]
    ) -> None:
        rows = self._rows(model)
        if read == 0:
            rows.create(id=key, version=1, **columns)  # taken meanwhile: IntegrityError
        elif not rows.filter(id=key, version=read).update(version=read + 1, **columns):
            raise ConflictError(  # pragma: no cover - the row was locked and compared
                f"{model._meta.db_table} {key!r} changed since it was read; reload and retry"
            )

    # -- erasure ---------------------------------------------------------------

    def erase(self, erasure: Erasure) -> None:
        """Apply an erasure in one transaction, leaving no row that holds an erased value.

        Every row holding an erased value is rewritten or deleted in it
        (search terms included). Outside a host transaction the store then
        asks PostgreSQL to ``VACUUM`` its tables, so the old row versions go
        too; SQLite erases with ``secure_delete`` on for the connection (then
        restores it), so deleted content is zeroed in the file. Freed space
        elsewhere (a host's WAL, backups) is the host's to handle.
        """
        self._decoded.clear()
        ids = sorted(erasure.customer_ids)
        vendor = self._vendor
        with self._secure_delete(vendor), self._transaction("applying an erasure"):
            self._put_profiles(erasure.profiles, {})
            self._put_links(erasure.links)
            dropped: tuple[tuple[type[Any], str, tuple[str, ...]], ...] = (
                (m.Link, "key", erasure.drop_links),
                (m.Merge, "id", erasure.drop_merges),
                (m.Observation, "id", erasure.drop_observations),
            )
            for table, column, keys in dropped:
                if keys:
                    self._rows(table).filter(**{f"{column}__in": list(keys)}).delete()
            events = self._rows(m.Event)
            for old, new in erasure.renamed_events:
                data = events.filter(id=old).values_list("data", flat=True).first()
                if data is not None:
                    document = json.loads(data)
                    document["id"] = new
                    events.filter(id=old).update(id=new, data=json.dumps(
                        document, separators=(",", ":"), ensure_ascii=False))  # fmt: skip
            for event in erasure.events:
                events.filter(id=event.id).update(
                    data=event_json(event),
                    customer_id=event.customer_id,
                    conversation_id=event.conversation_id,
                )
            if erasure.drop_events:
                events.filter(id__in=list(erasure.drop_events)).delete()  # their terms go too
            if erasure.events:
                # Rewritten messages: their words are taken out, the new text's put in.
                self._rows(m.SearchTerm).filter(
                    event_id__in=events.filter(id__in=[e.id for e in erasure.events]).values("seq")
                ).delete()
                self._index_messages(erasure.events)
            for record in erasure.conversations:
                version = self._version(m.Conversation, record.id, lock=True) + 1
                columns = conversation_columns(attrs.evolve(record, version=version - 1))
                if (
                    not self._rows(m.Conversation)
                    .filter(id=record.id)
                    .update(version=version, **columns)
                ):
                    continue  # nothing stored to scrub
                self._rows(m.ConversationTag).filter(conversation_id=record.id).delete()
                self._rows(m.ConversationField).filter(conversation_id=record.id).delete()
                tags, fields = conversation_children(record)
                sql.insert(self.using, m.ConversationTag, tags)
                sql.insert(self.using, m.ConversationField, fields)
            theirs = self._rows(m.Conversation).filter(customer_id__in=ids).values("id")
            refs = self._rows(m.ThreadRef)
            refs.filter(conversation_id__in=[r.id for r in erasure.conversations]).delete()
            refs.filter(conversation_id__in=theirs).delete()
            self._rows(m.Receipt).filter(customer_id__in=ids).delete()
            self._rows(m.Order).filter(customer_id__in=ids).delete()
            self._append_audit(erasure.audit)
        if vendor == "postgresql" and not connections[self.using].in_atomic_block:
            with (
                database_errors(self.using, "vacuuming the omnicx tables"),
                connections[self.using].cursor() as cursor,
            ):
                for model in _ERASED_TABLES:
                    cursor.execute(f'VACUUM "{model._meta.db_table}"')

    @contextmanager
    def _secure_delete(self, vendor: str) -> Iterator[None]:
        # SQLite zeroes deleted content only with secure_delete on: a setting
        # of this connection alone, restored afterwards.
        if vendor != "sqlite":
            yield
            return
        with connections[self.using].cursor() as cursor:
            cursor.execute("PRAGMA secure_delete")
            (before,) = cursor.fetchone()
            cursor.execute("PRAGMA secure_delete = ON")
        try:
            yield
        finally:
            with connections[self.using].cursor() as cursor:
                cursor.execute(f"PRAGMA secure_delete = {int(before)}")

    # -- inbox queries ---------------------------------------------------------

    def inbox(
        self,
        filter: InboxFilter,
        *,
        sort: InboxSort = InboxSort.PRIORITY_THEN_AGE,
        limit: int = 50,
        cursor: str | None = None,
    ) -> InboxPage:
        """Return one page of the conversations matching ``filter``, in ``sort`` order.

        One query over the inbox columns (keyset pagination on the sort
        key), read along the sort's index.
        """
        _inbox.check_limit(limit)
        vendor = self._vendor
        rows = q.filtered(self._rows(m.Conversation), filter)
        if cursor is not None:
            rows = q.keyset(rows, sort, cursor, vendor)
        with database_errors(self.using, "reading omnicx_conversation"):
            found = list(
                q.sorted_page(rows, sort, vendor).values_list("data", flat=True)[: limit + 1]
            )
        return _inbox.page(sort, [self._load(ConversationRecord, d) for d in found], limit)

    def inbox_counts(self, filter: InboxFilter) -> InboxCounts:
        """Return how many conversations match ``filter``, per queue and status (one GROUP BY)."""
        rows = q.filtered(self._rows(m.Conversation), filter)
        with database_errors(self.using, "reading omnicx_conversation"):
            cells = list(rows.order_by().values_list("queue", "status").annotate(n=Count("id")))
        return InboxCounts(cells={(queue, Status(status)): int(n) for queue, status, n in cells})

    def search(
        self, text: str, *, filter: InboxFilter | None = None, limit: int = 20
    ) -> list[ConversationRecord]:
        """Return up to ``limit`` conversations with a message holding every word of ``text``.

        The words are cut and folded by ``search_terms``, looked up in
        ``omnicx_search_term``; the conversation whose matching message was
        stored last comes first.
        """
        _inbox.check_limit(limit)
        terms = _inbox.search_terms(text)
        if not terms:
            return []
        hits = q.search_hits(terms)
        latest = (
            hits.filter(conversation_id=OuterRef("id"))
            .order_by()
            .values("conversation_id")
            .annotate(last=Max("event_id"))
            .values("last")
        )
        rows = (
            q.filtered(self._rows(m.Conversation), filter or InboxFilter())
            .filter(id__in=hits.values("conversation_id"))
            .annotate(last=Subquery(latest))
            .order_by("-last")
            .values_list("data", flat=True)[:limit]
        )
        with database_errors(self.using, "searching omnicx_search_term"):
            found = list(rows)
        return [self._load(ConversationRecord, data) for data in found]


_PREFIXES = {"profile": "p", "merge": "m"}


def _prefixed(kind: str, number: int) -> str:
    return f"{_PREFIXES.get(kind, kind)}{number}"


def _plus_one() -> Any:
    return F("version") + 1


def _key(link: Link) -> str:
    return link.key
