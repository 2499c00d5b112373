"""SqliteStore: the embedded default store, on the standard library's sqlite3."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from os import PathLike
from typing import Any, TypeVar, cast

import attrs

from omnicx import serde
from omnicx._fastdecode import event_from_dict as fast_event_from_dict
from omnicx._frozen import JsonDocument, frozen_json, thaw
from omnicx.errors import Problem, StoreBusyError, StoreError, ValidationError
from omnicx.identity import ChangeSet, Link, MergeRecord, Observation, Profile
from omnicx.model import Event, FieldValue, MessageEvent, Order, Status
from omnicx.storage import _inbox
from omnicx.storage._agents import AgentRecord, WaitingWork, check_agent_versions
from omnicx.storage._decoded import DecodedRows
from omnicx.storage._inbox import (
    ANY_BOT,
    NO_BOT,
    InboxCounts,
    InboxFilter,
    InboxPage,
    InboxSort,
    Unassigned,
)
from omnicx.storage._listening import ListeningRecord, listening_conflict
from omnicx.storage._memory import (
    already_recorded,
    check_profile_versions,
    check_reads,
    conversation_conflict,
)
from omnicx.storage._orders import check_orders, dump_order, in_order, load_order, order_key
from omnicx.storage._records import AuditEntry, Changes, ConversationRecord, Erasure
from omnicx.storage._schema import migrate

_BUSY_CODES = frozenset(
    {5, 6}
)  # SQLITE_BUSY, SQLITE_LOCKED (extended codes keep them in the low byte)

T = TypeVar("T")


# One encoder for every column: json.dumps with options builds a new one per call.
_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def _to_json(value: Any) -> str:
    return _encode(serde.to_dict(value))


# Decoded values by their exact stored text, least recently used dropped
# first. Text to value is a pure function, so an entry is never stale; the
# cache only saves the JSON and converter work for rows read again (a
# customer's profile and conversations at every message). Erasure empties it.
_ID_BLOCK = 64
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


DUE_QUERY = (
    "SELECT data FROM conversations WHERE due_at IS NOT NULL AND due_at <= ?"
    " ORDER BY due_at, id LIMIT ?"
)
"""What ``due`` runs: a range of the partial index, already in its order."""

CLAIM_QUERY = (
    "SELECT data FROM conversations WHERE due_at IS NOT NULL AND due_at <= ?"
    " AND id NOT IN (SELECT value FROM json_each(?)) ORDER BY due_at, id LIMIT 1"
)
"""What ``claim_due`` runs, holding the write lock: the first row of ``due``'s range not skipped."""


PENDING_TEXT = (
    "SELECT seq, json_extract(data, '$.message.text') FROM events WHERE seq > ?"
    " AND json_extract(data, '$.type') = 'message' AND json_extract(data, '$.message.text') != ''"
)
"""The messages after the last indexed event (``?``), and their text: a range of rowids."""


def _micros(at: datetime | None) -> int | None:
    # The due column: an integer orders instants whatever offset they were written with.
    return None if at is None else (at - _EPOCH) // _MICROSECOND


class SqliteStore:
    """A ``DeskStore`` in one SQLite file: WAL journal, one transaction per commit.

    Values are stored as JSON through ``omnicx.serde``. Opening a file
    applies any missing schema migrations. Use one store per thread (SQLite
    connections are not shared across threads); several processes may open
    the same file, and optimistic concurrency turns lost races into
    ``ConflictError``.

    Args:
        path: the database file; ``":memory:"`` for a throwaway database.
        search_batch: how many events may be stored after the last one in
            the full-text index before a commit adds their messages to it,
            in one batch (much cheaper than one message at a time); until
            then ``search`` reads those few by a scan, so results never lag.
            1 indexes each commit's messages at once. Each store counts the
            events it committed itself: with several processes on one file
            up to about ``search_batch`` per process wait for the index.
        busy_timeout: how many seconds a statement waits for a lock another
            connection holds (a writer, or a migration at first open) before
            it fails with ``StoreBusyError`` naming the file; nothing of the
            call that waited is written.

    Attributes:
        purge_pending: True after an ``erase`` whose purge a reader held up
            (see ``finish_purge``): the erasure is committed and no read
            returns the erased values, but old copies are still in the files.
    """

    def __init__(
        self,
        path: str | PathLike[str] = ":memory:",
        *,
        search_batch: int = 32,
        busy_timeout: float = 5.0,
    ) -> None:
        self.path = str(path)
        if isinstance(search_batch, bool) or not isinstance(search_batch, int) or search_batch < 1:
            raise ValidationError.single("search_batch", "expected a whole number from 1 up")
        if (
            isinstance(busy_timeout, bool)
            or not isinstance(busy_timeout, int | float)
            or not 0 <= busy_timeout <= 3600
        ):
            raise ValidationError.single("busy_timeout", "expected seconds from 0 up to 3600")
        self.search_batch = search_batch
        self.busy_timeout = float(busy_timeout)
        self.purge_pending = False
        # Events this store committed since it last looked at the index: it
        # looks again after ``search_batch`` of them, not at every commit
        # (other processes' events are indexed by them, or by the next look).
        self._since_indexed = 0
        self._db = _open(self.path, self.busy_timeout)
        try:
            self._db.execute(f"PRAGMA busy_timeout = {round(self.busy_timeout * 1000)}")
            _use_wal(self._db)
            self._db.execute("PRAGMA synchronous = NORMAL")
            # Deleted and overwritten content is zeroed, not left in free pages.
            self._db.execute("PRAGMA secure_delete = ON")
            migrate(self._db)
        except BaseException:
            self._db.close()
            raise
        self._decoded = DecodedRows()
        # Ids reserved but not yet handed out, by kind: (last given, end, block).
        self._reserved: dict[str, tuple[int, int, int]] = {}
        # Kinds whose block was reserved inside a claim's open transaction:
        # its rollback returns the numbers, so the rest of the block is not used.
        self._reserved_in_claim: set[str] = set()

    def _load(self, cls: type[T], text: str) -> T:
        return self._decoded.load(cls, text)

    def _dump(self, value: Any) -> str:
        text = _to_json(value)
        self._decoded.remember(value, text)
        return text

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _one(self, sql: str, *params: Any) -> Any:
        row = self._db.execute(sql, params).fetchone()
        return None if row is None else row[0]

    # -- identity ------------------------------------------------------------

    def profile(self, profile_id: str) -> Profile | None:
        """Return the profile (live or tombstone) with this id, or None."""
        data = self._one("SELECT data FROM profiles WHERE id = ?", profile_id)
        return None if data is None else self._load(Profile, data)

    def profile_version(self, profile_id: str) -> int:
        """Return the stored version of a profile (0 if never written)."""
        return int(self._one("SELECT version FROM profiles WHERE id = ?", profile_id) or 0)

    def link(self, key: str) -> Link | None:
        """Return the link for this match key, or None."""
        data = self._one("SELECT data FROM links WHERE key = ?", key)
        return None if data is None else self._load(Link, data)

    def merge(self, merge_id: str) -> MergeRecord | None:
        """Return the merge record with this id, or None."""
        data = self._one("SELECT data FROM merges WHERE id = ?", merge_id)
        return None if data is None else self._load(MergeRecord, data)

    def observation(self, observation_id: str) -> tuple[Observation, str] | None:
        """Return a recorded observation and the profile id it was attributed to."""
        row = self._db.execute(
            "SELECT data, profile_id FROM observations WHERE id = ?", (observation_id,)
        ).fetchone()
        return None if row is None else (self._load(Observation, row[0]), row[1])

    def observation_ids(
        self, profile_id: str, *, start: int = 0, limit: int | None = None
    ) -> list[str]:
        """Return ids of the observations attributed to ``profile_id``, first stored first."""
        rows = self._db.execute(
            "SELECT id FROM observations WHERE profile_id = ? ORDER BY rowid LIMIT ? OFFSET ?",
            (profile_id, -1 if limit is None else limit, start),
        )
        return [oid for (oid,) in rows]

    def next_id(self, kind: str) -> str:
        """Return ``p<n>``/``m<n>``/``<kind><n>``, never the same twice.

        Inside a claim (``claim_due``) a block is reserved in the claim's
        transaction: if the claim fails, its rollback returns the numbers,
        so another process may hand them out again (nothing was stored under
        them), but this store never hands out a number twice itself.
        """
        value, end, block = self._reserved.get(kind, (0, 0, 0))
        if value == end:
            # Reserve a block, doubling up to _ID_BLOCK: each reservation is
            # its own write, so a busy desk pays for one in many ids, while
            # a short-lived store skips few numbers.
            block = min(_ID_BLOCK, max(1, 2 * block))
            end = self._reserve(kind, block)
            while end <= value:  # a failed claim returned numbers given out
                end = self._reserve(kind, block)
            value = max(end - block, value)
            if self._db.in_transaction:
                self._reserved_in_claim.add(kind)
        self._reserved[kind] = (value + 1, end, block)
        prefix = {"profile": "p", "merge": "m"}.get(kind, kind)
        return f"{prefix}{value + 1}"

    def _reserve(self, kind: str, block: int) -> int:
        # One statement is its own atomic transaction in autocommit mode.
        found = self._db.execute(
            "INSERT INTO counters (kind, value) VALUES (?, ?) "
            "ON CONFLICT (kind) DO UPDATE SET value = value + excluded.value "
            "RETURNING value",
            (kind, block),
        ).fetchall()[0][0]  # fetch all so the statement finishes and commits now
        return int(found)

    def apply(self, changes: ChangeSet) -> None:
        """Write an identity ChangeSet in one transaction."""
        with self._transaction():
            self._apply_identity(changes)

    def live_profiles(self) -> list[Profile]:
        """Return every live profile, by id."""
        rows = self._db.execute("SELECT data FROM profiles ORDER BY id").fetchall()
        profiles = (self._load(Profile, data) for (data,) in rows)
        return [p for p in profiles if p.live]

    def _apply_identity(self, changes: ChangeSet) -> None:
        for profile in changes.profiles:
            self._db.execute(
                "INSERT INTO profiles (id, version, data) VALUES (?, 1, ?) "
                "ON CONFLICT (id) DO UPDATE SET version = version + 1, data = excluded.data",
                (profile.id, self._dump(profile)),
            )
        self._db.executemany(
            "INSERT INTO links (key, data) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET data = excluded.data",
            [(link.key, self._dump(link)) for link in changes.links],
        )
        self._db.executemany(
            "INSERT OR REPLACE INTO merges (id, data) VALUES (?, ?)",
            [(record.id, _to_json(record)) for record in changes.merges],
        )
        self._db.executemany(
            "INSERT INTO observations (id, profile_id, data) VALUES (?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET profile_id = excluded.profile_id, data = excluded.data",
            [(obs.id, pid, _to_json(obs)) for obs, pid in changes.observations],
        )

    # -- desk ----------------------------------------------------------------

    def conversation(self, conversation_id: str) -> ConversationRecord | None:
        """Return the stored record, or None."""
        data = self._one("SELECT data FROM conversations WHERE id = ?", conversation_id)
        return None if data is None else self._load(ConversationRecord, data)

    def conversations_of(self, customer_ids: Collection[str]) -> list[ConversationRecord]:
        """Return every conversation of these customers, oldest first."""
        ids = sorted(set(customer_ids))
        marks = ",".join("?" * len(ids))
        rows = self._db.execute(
            f"SELECT data FROM conversations WHERE customer_id IN ({marks}) "
            "ORDER BY created_at, id",
            ids,
        ).fetchall()
        return [self._load(ConversationRecord, data) for (data,) in rows]

    def conversation_for_ref(self, ref: str) -> str | None:
        """Return the conversation id indexed under a thread reference key."""
        found = self._one("SELECT conversation_id FROM thread_refs WHERE ref = ?", ref)
        return None if found is None else str(found)

    def events(
        self,
        *,
        customer_ids: Collection[str] | None = None,
        conversation_id: str | None = None,
    ) -> list[Event]:
        """Return stored events matching every filter given, in append order."""
        where, params = [], []
        if customer_ids is not None:
            ids = sorted(set(customer_ids))
            where.append(f"customer_id IN ({','.join('?' * len(ids))})")
            params.extend(ids)
        if conversation_id is not None:
            where.append("conversation_id = ?")
            params.append(conversation_id)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = self._db.execute(f"SELECT data FROM events{clause} ORDER BY seq", params)
        return [serde.event_from_dict(json.loads(data)) for (data,) in rows]

    def conversation_events(self, *, batch: int = 4096) -> Iterator[list[Event]]:
        """Every stored event of a conversation, one conversation at a time, in append order.

        Conversations come in id order; events without a conversation are
        left out. The events are read ``batch`` rows per query, from the
        index on (conversation, append order), so a reader holds one page
        and one conversation's events, never the whole log (``events()``
        returns it all at once).

        Raises:
            ValidationError: ``batch`` is not a whole number from 1 up.
        """
        if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
            raise ValidationError.single("batch", "expected a whole number from 1 up")
        sql = (
            "SELECT conversation_id, seq, data FROM events INDEXED BY events_conversation"
            " WHERE conversation_id IS NOT NULL AND (conversation_id, seq) > (?, ?)"
            " ORDER BY conversation_id, seq LIMIT ?"
        )
        key: tuple[str, int] = ("", -1)
        current: str | None = None
        events: list[Event] = []
        while True:
            rows = self._db.execute(sql, (*key, batch)).fetchall()
            for conversation_id, seq, data in rows:
                if conversation_id != current:
                    if events:
                        yield events
                    current, events = conversation_id, []
                events.append(fast_event_from_dict(json.loads(data)))
                key = (conversation_id, seq)
            if len(rows) < batch:
                break
        if events:
            yield events

    def events_without_conversation(self, *, batch: int = 4096) -> Iterator[list[Event]]:
        """Every stored event on no conversation (a call on the timeline only), in append order.

        The complement of ``conversation_events``, read the same way: one
        page of ``batch`` events per query, from the index on
        (conversation, append order), each page yielded as it is read.

        Raises:
            ValidationError: ``batch`` is not a whole number from 1 up.
        """
        if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
            raise ValidationError.single("batch", "expected a whole number from 1 up")
        return self._loose_pages(batch)

    def _loose_pages(self, batch: int) -> Iterator[list[Event]]:
        sql = (
            "SELECT seq, data FROM events INDEXED BY events_conversation"
            " WHERE conversation_id IS NULL AND seq > ? ORDER BY seq LIMIT ?"
        )
        seq = -1
        while True:
            rows = self._db.execute(sql, (seq, batch)).fetchall()
            if rows:
                yield [fast_event_from_dict(json.loads(data)) for _, data in rows]
                seq = rows[-1][0]
            if len(rows) < batch:
                break

    def receipt(self, key: str) -> Mapping[str, Any] | None:
        """Return the receipt recorded under an idempotency key, or None."""
        data = self._one("SELECT data FROM receipts WHERE key = ?", key)
        return None if data is None else frozen_json(json.loads(data))

    def order(self, system: str, order_id: str) -> Order | None:
        """Return the order stored under ``(system, order_id)``, or None."""
        return self._order(order_key(system, order_id))

    def _order(self, key: str) -> Order | None:
        data = self._one("SELECT data FROM orders WHERE key = ?", key)
        return None if data is None else load_order(data)

    def orders(self, customer_ids: Collection[str]) -> list[Order]:
        """Return every stored order of these customers, by system then order id."""
        ids = sorted(set(customer_ids))
        rows = self._db.execute(
            f"SELECT data FROM orders WHERE customer_id IN ({','.join('?' * len(ids))})", ids
        )
        return in_order(load_order(data) for (data,) in rows)

    def due(self, now: datetime, *, limit: int) -> list[ConversationRecord]:
        """Return up to ``limit`` records due by ``now``, earliest first (ties by id).

        Read from the partial index on ``due_at``: the cost follows what is due.
        """
        rows = self._db.execute(DUE_QUERY, (_micros(now), limit)).fetchall()
        return [self._load(ConversationRecord, data) for (data,) in rows]

    @contextmanager
    def claim_due(
        self, now: datetime, *, skip: Collection[str] = ()
    ) -> Iterator[ConversationRecord | None]:
        """Claim the earliest record due by ``now`` not in ``skip``, holding the file's write lock.

        One ``BEGIN IMMEDIATE`` transaction from the claim to the context's
        exit: SQLite has one writer per file, so a runner in another process
        (or another store on the file) waits for the claim to end, up to
        ``busy_timeout``, and then claims from what is due after it; the
        commits made inside are savepoints of the claim's transaction,
        written when the context exits normally and undone with it when it
        exits with an exception.
        """
        with self._transaction():
            row = self._db.execute(CLAIM_QUERY, (_micros(now), _encode(sorted(skip)))).fetchone()
            yield None if row is None else self._load(ConversationRecord, row[0])

    def commit(self, changes: Changes) -> None:
        """Write ``changes`` in one transaction; a conflict or error writes nothing."""
        # Serialize before the transaction so a bad value never holds the lock.
        conversations = [
            (r.id, r.conversation.customer_id, serde.to_dict(r.conversation.created_at),
             r.version, self._dump(attrs.evolve(r, version=r.version + 1)), _micros(r.due_at),
             *_inbox_columns(r))
            for r in changes.conversations
        ]  # fmt: skip
        events = [
            (e.id, e.customer_id, e.conversation_id, _encode(serde.event_to_dict(e)))
            for e in changes.events
        ]
        searchable = any(type(e) is MessageEvent for e in changes.events)
        orders = [(order_key(*o.key), o.customer_id, dump_order(o)) for o in changes.orders]
        receipts = [
            (key, receipt.text if type(receipt) is JsonDocument else _encode(thaw(receipt)))
            for key, receipt in changes.receipts
        ]
        # A receipt under a key that must be new is inserted as such: the
        # primary key is its check (a second statement would only repeat it).
        fresh = set(changes.new_receipts)
        unique = [row for row in receipts if row[0] in fresh]
        receipts = [row for row in receipts if row[0] not in fresh]
        with self._transaction():
            # Each write checks the version it replaces, so no read precedes it.
            for record, row in zip(changes.conversations, conversations, strict=True):
                if not self._put_conversation(*row):
                    raise conversation_conflict(record, self._conversation_version(record.id))
            check_profile_versions(changes, self.profile_version)
            if changes.links_read or changes.refs_read or changes.new_receipts:
                self._check_reads(changes, {key for key, _ in unique})
            if changes.agents or changes.waiting or changes.waiting_done:
                self._write_agents(changes)
            if changes.orders_read:
                check_orders(changes, self._order)
            if orders:  # a store opened at an older schema (tests of migrations) has no table
                self._db.executemany(
                    "INSERT INTO orders (key, customer_id, data) VALUES (?, ?, ?) ON CONFLICT"
                    " (key) DO UPDATE SET customer_id = excluded.customer_id, data = excluded.data",
                    orders,
                )
            self._apply_identity(changes.identity)
            self._db.executemany(
                "INSERT INTO thread_refs (ref, conversation_id) VALUES (?, ?)"
                " ON CONFLICT (ref) DO UPDATE SET conversation_id = excluded.conversation_id",
                changes.thread_refs,
            )
            self._db.executemany(
                "INSERT OR IGNORE INTO events (id, customer_id, conversation_id, data)"
                " VALUES (?, ?, ?, ?)",
                events,
            )
            self._db.executemany(
                "INSERT OR IGNORE INTO receipts (key, data) VALUES (?, ?)", receipts
            )
            for key, data in unique:
                try:
                    self._db.execute("INSERT INTO receipts (key, data) VALUES (?, ?)", (key, data))
                except sqlite3.IntegrityError:
                    raise already_recorded(key) from None
            self._append_audit(changes.audit)
            if searchable:
                self._since_indexed += len(events)
                if self._since_indexed >= self.search_batch:
                    self._index_search(self.search_batch)

    def erase(self, erasure: Erasure) -> None:
        """Apply an erasure in one transaction, then purge the files of old copies.

        A reader holding the old pages past ``busy_timeout`` leaves the
        purge pending (``purge_pending``): ``finish_purge`` completes it.
        """
        events = [(_encode(serde.event_to_dict(e)), e.id) for e in erasure.events]
        ids = list(erasure.customer_ids)
        marks = ",".join("?" * len(ids))
        # Erased data must not outlive the erasure in this process either.
        self._decoded.clear()
        with self._transaction():
            self._apply_identity(ChangeSet(profiles=erasure.profiles, links=erasure.links))
            for table, column, keys in (
                ("links", "key", erasure.drop_links),
                ("merges", "id", erasure.drop_merges),
                ("observations", "id", erasure.drop_observations),
            ):
                self._db.executemany(
                    f"DELETE FROM {table} WHERE {column} = ?", [(k,) for k in keys]
                )
            self._db.executemany(
                "UPDATE events SET id = ?, data = json_set(data, '$.id', ?) WHERE id = ?",
                [(new, new, old) for old, new in erasure.renamed_events],
            )
            self._db.executemany("UPDATE events SET data = ? WHERE id = ?", events)
            self._db.executemany(
                "DELETE FROM events WHERE id = ?", [(i,) for i in erasure.drop_events]
            )
            for record in erasure.conversations:
                version = self._conversation_version(record.id) + 1
                self._db.execute(
                    "UPDATE conversations SET data = ?, version = ?, due_at = ? WHERE id = ?",
                    (_to_json(attrs.evolve(record, version=version)), version,
                     _micros(record.due_at), record.id),
                )  # fmt: skip
                self._db.execute(
                    f"UPDATE conversations SET {_INBOX_SET} WHERE id = ?",
                    (*_inbox_columns(record), record.id),
                )
            self._db.execute(
                "DELETE FROM thread_refs WHERE conversation_id IN "
                f"(SELECT id FROM conversations WHERE customer_id IN ({marks}))",
                ids,
            )
            self._db.execute(
                f"DELETE FROM receipts WHERE json_extract(data, '$.customer_id') IN ({marks})",
                ids,
            )
            self._db.execute(f"DELETE FROM orders WHERE customer_id IN ({marks})", ids)
            self._append_audit(erasure.audit)
            self._index_search(1)
            # Everything stored is indexed now (a deleted last event's seq
            # may be given again: it must count as not indexed).
            self._db.execute(
                "UPDATE search_indexed SET seq = (SELECT coalesce(max(seq), 0) FROM events)"
            )
            # Deleted search rows stay in the index's segments until they are
            # merged: merge them all now, so no erased word is left behind.
            self._db.execute("INSERT INTO message_search (message_search) VALUES ('optimize')")
        self.purge_pending = True
        if not self._db.in_transaction:  # inside a claim: purged by finish_purge later
            self.finish_purge()

    def finish_purge(self, *, timeout: float | None = None) -> bool:
        """Purge the file of every old copy of erased rows; return whether it is done.

        ``erase`` commits the erasure, then purges: the WAL still holds the
        old pages, and a reader that began before the erasure (another
        connection's open read transaction) keeps the old versions in the
        main file too, since SQLite does not overwrite a page a reader may
        still read. The purge copies the WAL into the main file, truncates
        it and rebuilds the file without free pages (``VACUUM``), waiting up
        to ``timeout`` seconds (``busy_timeout`` when None) at each step for
        such readers to finish. If one is still reading, ``purge_pending``
        stays True and the erased values are still in the files: call this
        again once the reader ended (a host's periodic job, or at the end of
        the request that erased). Safe to call at any time; a purge is cheap
        to repeat on a small file, a full rebuild on a large one.

        Raises:
            StoreBusyError: the rebuild waited for another writer longer
                than the timeout (the purge stays pending).
        """
        wait = self.busy_timeout if timeout is None else timeout
        if self.path in (":memory:", ""):
            # Nothing outlives the connection: no file, no log.
            self.purge_pending = False
            return True
        self._db.execute(f"PRAGMA busy_timeout = {round(wait * 1000)}")
        try:
            done = (
                self._checkpointed()
                and self._db.execute("VACUUM") is not None
                and self._checkpointed()
            )
        finally:
            self._db.execute(f"PRAGMA busy_timeout = {round(self.busy_timeout * 1000)}")
        self.purge_pending = not done
        return done

    def _checkpointed(self) -> bool:
        # wal_checkpoint(TRUNCATE) waits (busy handler) for readers, then
        # answers busy = 1 if one still holds a snapshot older than the log's end.
        busy, _log, _moved = self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        return bool(busy == 0)

    def audit(
        self, *, customer_id: str | None = None, actor: str | None = None
    ) -> list[AuditEntry]:
        """Return audit entries matching every filter given, oldest first."""
        where, params = [], []
        for column, value in (("customer_id", customer_id), ("actor", actor)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = self._db.execute(f"SELECT data FROM audit{clause} ORDER BY seq", params)
        return [self._load(AuditEntry, data) for (data,) in rows]

    def _append_audit(self, entries: tuple[AuditEntry, ...]) -> None:
        if not entries:
            return
        self._db.executemany(
            "INSERT OR IGNORE INTO audit (id, actor, customer_id, data) VALUES (?, ?, ?, ?)",
            [(e.id, e.actor, e.customer_id, _to_json(e)) for e in entries],
        )

    def _put_conversation(
        self,
        conversation_id: str,
        customer_id: str,
        created_at: str,
        read: int,
        data: str,
        due_at: int | None,
        queue: str | None,
        status: str,
        assignee: str | None,
        urgency: int,
        channel: str,
        created_us: int,
        updated_us: int,
        bot: str | None,
    ) -> bool:
        # False when the stored version is not the one read (a lost race).
        if read == 0:
            return self._changed(
                "INSERT INTO conversations (id, customer_id, created_at, version, data, due_at,"
                " queue, status, assignee, urgency, channel, created_us, updated_us, bot)"
                " VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                conversation_id, customer_id, created_at, data, due_at,
                queue, status, assignee, urgency, channel, created_us, updated_us, bot,
            )  # fmt: skip
        # Rewriting an indexed column rewrites its index entry, value
        # unchanged or not: set customer, start, due instant, queue, assignee,
        # bot and urgency only when they moved (the due instant moves more often
        # than the others). Status and channel are in no index; the update
        # instant moves at every write.
        return (
            self._changed(
                "UPDATE conversations SET version = ?, data = ?, status = ?, channel = ?,"
                " updated_us = ? WHERE id = ? AND version = ? AND customer_id = ?"
                " AND created_at = ? AND due_at IS ? AND queue IS ? AND assignee IS ?"
                " AND urgency IS ? AND bot IS ?",
                read + 1, data, status, channel, updated_us, conversation_id, read,
                customer_id, created_at, due_at, queue, assignee, urgency, bot,
            )
            or self._changed(
                "UPDATE conversations SET version = ?, data = ?, due_at = ?, queue = ?,"
                " status = ?, assignee = ?, urgency = ?, channel = ?, updated_us = ?, bot = ?"
                " WHERE id = ? AND version = ? AND customer_id = ? AND created_at = ?",
                read + 1, data, due_at, queue, status, assignee, urgency, channel, updated_us,
                bot, conversation_id, read, customer_id, created_at,
            )
            or self._changed(
                "UPDATE conversations SET version = ?, data = ?, customer_id = ?, created_at = ?,"
                " due_at = ?, queue = ?, status = ?, assignee = ?, urgency = ?, channel = ?,"
                " created_us = ?, updated_us = ?, bot = ? WHERE id = ? AND version = ?",
                read + 1, data, customer_id, created_at, due_at, queue, status, assignee,
                urgency, channel, created_us, updated_us, bot, conversation_id, read,
            )
        )  # fmt: skip

    # -- listening -----------------------------------------------------------

    def listening(self, name: str) -> ListeningRecord | None:
        """Return the stored listening record named ``name``, or None."""
        data = self._one("SELECT data FROM listening WHERE name = ?", name)
        return None if data is None else self._load(ListeningRecord, data)

    def put_listening(self, record: ListeningRecord) -> None:
        """Store ``record`` at ``version + 1`` if the stored version is ``record.version``."""
        stored = attrs.evolve(record, version=record.version + 1)
        with self._transaction():
            found = int(self._one("SELECT version FROM listening WHERE name = ?", record.name) or 0)
            if found != record.version:
                raise listening_conflict(record, found)
            self._db.execute(
                "INSERT INTO listening (name, version, data) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET version = excluded.version, data = excluded.data",
                (record.name, stored.version, self._dump(stored)),
            )

    # -- agents --------------------------------------------------------------

    def agent(self, agent_id: str) -> AgentRecord | None:
        """Return the stored agent record, or None."""
        data = self._one("SELECT data FROM agents WHERE id = ?", agent_id)
        return None if data is None else self._load(AgentRecord, data)

    def agents(self) -> list[AgentRecord]:
        """Return every stored agent record, by agent id."""
        rows = self._db.execute("SELECT data FROM agents ORDER BY id").fetchall()
        return [self._load(AgentRecord, data) for (data,) in rows]

    def waiting(self, conversation_id: str) -> WaitingWork | None:
        """Return the conversation's waiting work, or None."""
        data = self._one("SELECT data FROM waiting WHERE id = ?", conversation_id)
        return None if data is None else self._load(WaitingWork, data)

    def waiting_work(
        self, *, offered: bool | None = None, limit: int | None = None
    ) -> list[WaitingWork]:
        """Return waiting work, most urgent then oldest first, at most ``limit``."""
        where = "" if offered is None else f" WHERE offered = {int(offered)}"
        rows = self._db.execute(
            f"SELECT data FROM waiting{where} ORDER BY rank DESC, arrived_at, id LIMIT ?",
            (-1 if limit is None else limit,),
        ).fetchall()
        return [self._load(WaitingWork, data) for (data,) in rows]

    def _write_agents(self, changes: Changes) -> None:
        def version(table: str) -> Any:
            return lambda key: int(self._one(f"SELECT version FROM {table} WHERE id = ?", key) or 0)

        check_agent_versions(changes, version("agents"), version("waiting"))
        self._db.executemany(
            "INSERT INTO agents (id, version, data) VALUES (?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET version = excluded.version, data = excluded.data",
            [(r.id, r.version + 1, self._dump(attrs.evolve(r, version=r.version + 1)))
             for r in changes.agents],
        )  # fmt: skip
        self._db.executemany(
            "INSERT INTO waiting (id, version, rank, arrived_at, offered, data)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version,"
            " rank = excluded.rank, arrived_at = excluded.arrived_at,"
            " offered = excluded.offered, data = excluded.data",
            [(w.id, w.version + 1, w.priority.rank, _micros(w.arrived_at),
              int(w.offered_to is not None), self._dump(attrs.evolve(w, version=w.version + 1)))
             for w in changes.waiting],
        )  # fmt: skip
        self._db.executemany(
            "DELETE FROM waiting WHERE id = ?", [(w.id,) for w in changes.waiting_done]
        )

    def _changed(self, sql: str, *params: Any) -> bool:
        return bool(self._db.execute(sql, params).rowcount == 1)

    def _conversation_version(self, conversation_id: str) -> int:
        found = self._one("SELECT version FROM conversations WHERE id = ?", conversation_id)
        return int(found or 0)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        if self._db.in_transaction:
            # Inside a claim (claim_due): a savepoint of its transaction.
            with self._savepoint():
                yield
            return
        # BEGIN IMMEDIATE takes the write lock up front, so the version checks
        # and the writes see the same database.
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
            self._db.execute("COMMIT")
        except BaseException:
            # SQLite may have rolled back already (some errors end the transaction).
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            # The blocks reserved inside are returned: none is used any more.
            for kind in self._reserved_in_claim:
                value, _, block = self._reserved[kind]
                self._reserved[kind] = (value, value, block)
            raise
        finally:
            self._reserved_in_claim.clear()

    @contextmanager
    def _savepoint(self) -> Iterator[None]:
        self._db.execute("SAVEPOINT omnicx_commit")
        try:
            yield
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK TO omnicx_commit")
                self._db.execute("RELEASE omnicx_commit")
            raise
        self._db.execute("RELEASE omnicx_commit")

    def _check_reads(self, changes: Changes, inserted: Collection[str]) -> None:
        # check_reads, its lookups batched: one query per table, not per key;
        # the new keys in ``inserted`` are checked by their insert instead.
        links = self._rows("SELECT key, data FROM links WHERE key IN", changes.links_read)
        refs = self._rows(
            "SELECT ref, conversation_id FROM thread_refs WHERE ref IN", changes.refs_read
        )
        recorded = self._rows(
            "SELECT key, 1 FROM receipts WHERE key IN",
            [key for key in changes.new_receipts if key not in inserted],
        )

        def link(key: str) -> Link | None:
            data = links.get(key)
            return None if data is None else self._load(Link, data)

        check_reads(changes, link, refs.get, recorded.__contains__)

    def _rows(self, select: str, keys: Collection[str]) -> dict[str, Any]:
        # In chunks, well under SQLite's limit on bound parameters.
        found: dict[str, Any] = {}
        wanted = list(keys)
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(self._db.execute(f"{select} ({marks})", chunk).fetchall())
        return found

    # -- inbox queries -------------------------------------------------------

    def inbox(
        self,
        filter: InboxFilter,
        *,
        sort: InboxSort = InboxSort.PRIORITY_THEN_AGE,
        limit: int = 50,
        cursor: str | None = None,
    ) -> InboxPage:
        """Return one page of the records matching ``filter``, read along the sort's index."""
        _inbox.check_limit(limit)
        sql, params = inbox_query(filter, sort, cursor, limit + 1)
        rows = self._db.execute(sql, params).fetchall()
        found = [self._load(ConversationRecord, data) for (data,) in rows]
        return _inbox.page(sort, found, limit)

    def inbox_counts(self, filter: InboxFilter) -> InboxCounts:
        """Return how many records match ``filter``, per queue and status (one GROUP BY)."""
        where, params = inbox_where(filter)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = self._db.execute(
            f"SELECT c.queue, c.status, COUNT(*) FROM conversations c{clause}"
            " GROUP BY c.queue, c.status",
            params,
        ).fetchall()
        return InboxCounts(cells={(queue, Status(status)): n for queue, status, n in rows})

    def search(
        self, text: str, *, filter: InboxFilter | None = None, limit: int = 20
    ) -> list[ConversationRecord]:
        """Return the conversations whose messages hold every word of ``text`` (FTS5)."""
        _inbox.check_limit(limit)
        terms = _inbox.search_terms(text)
        if not terms:
            return []
        where, params = inbox_where(filter or InboxFilter())
        clause = "".join(f" AND {condition}" for condition in where)
        wanted = set(terms)
        # One read transaction: the messages not yet indexed and the index
        # are read from the same snapshot (a claim's, inside one).
        own = not self._db.in_transaction
        if own:
            self._db.execute("BEGIN")
        try:
            pending = [
                seq
                for seq, text in self._db.execute(
                    PENDING_TEXT, (self._one("SELECT seq FROM search_indexed"),)
                )
                if wanted <= set(_inbox.search_terms(text))
            ]
            rows = self._db.execute(
                "SELECT c.data FROM (SELECT e.conversation_id AS cid, MAX(e.seq) AS last"
                " FROM events e WHERE e.conversation_id IS NOT NULL AND (e.seq IN"
                " (SELECT rowid FROM message_search WHERE message_search MATCH ?)"
                " OR e.seq IN (SELECT value FROM json_each(?)))"
                " GROUP BY e.conversation_id) m JOIN conversations c ON c.id = m.cid"
                f" WHERE 1{clause} ORDER BY m.last DESC LIMIT ?",
                [_inbox.fts_query(terms), _encode(pending), *params, limit],
            ).fetchall()
        finally:
            if own:
                self._db.execute("COMMIT")
        return [self._load(ConversationRecord, data) for (data,) in rows]

    def _index_search(self, batch: int) -> None:
        # Inside a write transaction: index the messages among the events
        # after the last indexed one, once at least ``batch`` events are.
        self._since_indexed = 0
        indexed = self._one("SELECT seq FROM search_indexed")
        last = self._one(
            "SELECT seq FROM events WHERE seq > ? LIMIT 1 OFFSET ?", indexed, batch - 1
        )
        if last is None:
            return
        self._db.execute(f"INSERT INTO message_search (rowid, text) {PENDING_TEXT}", (indexed,))
        self._db.execute("UPDATE search_indexed SET seq = (SELECT max(seq) FROM events)")


# -- the connection -------------------------------------------------------------


class _Connection(sqlite3.Connection):
    """A connection whose statements fail with omnicx's errors, naming the file.

    A lock still held when the busy timeout ran out becomes
    ``StoreBusyError``; other database failures ``StoreError``; a value
    SQLite cannot take as text (a lone surrogate) ``ValidationError``.
    Constraint violations stay ``sqlite3.IntegrityError``: the store
    catches them itself and turns each into its own ``ConflictError``.
    """

    where: str = ""
    timeout: float = 0.0

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        start = time.monotonic()
        try:
            return super().execute(sql, parameters)
        except (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError):
            raise
        except sqlite3.DatabaseError as error:
            raise self._failure(sql, error, start) from error
        except UnicodeEncodeError:
            raise _unstorable_text([parameters]) from None

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        start = time.monotonic()
        rows = parameters if isinstance(parameters, list) else list(parameters)
        try:
            return super().executemany(sql, rows)
        except (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError):
            raise
        except sqlite3.DatabaseError as error:
            raise self._failure(sql, error, start) from error
        except UnicodeEncodeError:
            raise _unstorable_text(rows) from None

    def _failure(self, sql: str, error: sqlite3.DatabaseError, start: float) -> StoreError:
        what = _statement(sql)
        code = getattr(error, "sqlite_errorcode", None)
        busy = code is not None and code & 0xFF in _BUSY_CODES
        if busy or (code is None and ("locked" in str(error) or "busy" in str(error))):
            return StoreBusyError(
                self.where, what, waited=time.monotonic() - start, timeout=self.timeout
            )
        return StoreError(self.where, what, str(error))


def _statement(sql: str) -> str:
    # What a statement does, without its values (they are bound, never in the text).
    words = sql.split()
    if words[:2] == ["BEGIN", "IMMEDIATE"]:
        return "taking the write lock (BEGIN IMMEDIATE)"
    return "statement " + repr(" ".join(words[:4]) + (" ..." if len(words) > 4 else ""))


def _unstorable_text(rows: list[Any]) -> ValidationError:
    # A lone surrogate (half of a UTF-16 pair, e.g. from a JSON "\ud800"
    # escape) has no UTF-8 form: name each field that holds one.
    problems: list[Problem] = []
    for row in rows:
        for value in row if isinstance(row, tuple | list) else (row,):
            if isinstance(value, str) and not _encodable(value):
                problems.extend(_surrogate_problems(value))
    return ValidationError(
        problems or [Problem("", "text holds a lone surrogate, which cannot be stored as UTF-8")]
    )


def _encodable(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def _surrogate_problems(text: str) -> list[Problem]:
    message = (
        "holds a lone surrogate (half of a UTF-16 pair), which has no UTF-8 form;"
        " replace it (e.g. text.encode('utf-8', 'replace').decode()) before passing it"
    )
    try:
        document = json.loads(text)
    except ValueError:
        return [Problem("", f"a key or id {message}")]
    found: list[Problem] = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, str):
            if not _encodable(value):
                found.append(Problem(path, message))
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list):
            for n, item in enumerate(value):
                walk(item, f"{path}[{n}]")

    walk(document, "")
    return found or [Problem("", f"a key {message}")]


def _open(path: str, timeout: float) -> _Connection:
    try:
        db = sqlite3.connect(path, timeout=timeout, isolation_level=None, factory=_Connection)
    except sqlite3.Error as error:
        raise StoreError(path, "opening the file", str(error)) from error
    assert isinstance(db, _Connection)
    db.where = path
    db.timeout = timeout
    return db


def _use_wal(db: _Connection) -> None:
    # Switching to WAL needs the file to itself for a moment; another process
    # opening, migrating or switching it at once may hold it. Wait, bounded by
    # the busy timeout, until it is in WAL mode (whoever switched it).
    deadline = time.monotonic() + db.timeout
    while True:
        try:
            mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        except StoreBusyError:
            mode = db.execute("PRAGMA journal_mode").fetchone()[0]
            if mode != "wal" and time.monotonic() >= deadline:
                raise
        if mode in ("wal", "memory"):
            return
        if time.monotonic() >= deadline:
            raise StoreError(db.where, "switching to the WAL journal", f"journal mode is {mode}")
        time.sleep(0.005)


# -- inbox queries -------------------------------------------------------------

_INBOX_SET = (
    "queue = ?, status = ?, assignee = ?, urgency = ?, channel = ?, created_us = ?, updated_us = ?,"
    " bot = ?"
)

_FIELD_TEST = (
    "EXISTS (SELECT 1 FROM json_each(c.data, '$.conversation.fields') WHERE key = ? AND {})"
)


def _inbox_columns(
    record: ConversationRecord,
) -> tuple[str | None, str, str | None, int, str, int, int, str | None]:
    # The inbox columns of a record, in the order of _INBOX_SET.
    c = record.conversation
    return (
        c.queue, c.status.value, c.assignee, _inbox.urgency(c.priority), c.channel.name,
        cast(int, _micros(c.created_at)), cast(int, _micros(_inbox.updated_at(record))),
        _inbox.bot_id(record),
    )  # fmt: skip


def inbox_where(f: InboxFilter) -> tuple[list[str], list[Any]]:
    """SQL conditions on ``conversations c`` meaning ``_inbox.inbox_matches(f, ...)``, with their values."""
    where: list[str] = []
    params: list[Any] = []
    for column, value in (("queue", f.queue), ("customer_id", f.customer_id)):
        if value is not None:
            where.append(f"c.{column} = ?")
            params.append(value)
    if f.status is not None:
        where.append(f"c.status IN ({','.join('?' * len(f.status))})")
        params.extend(sorted(s.value for s in f.status))
    if f.priority is not None:
        where.append(f"c.urgency IN ({','.join('?' * len(f.priority))})")
        params.extend(sorted(_inbox.urgency(p) for p in f.priority))
    if isinstance(f.assignee, Unassigned):
        where.append("c.assignee IS NULL AND c.bot IS NULL")
    elif f.assignee is not None:
        where.append("c.assignee = ?")
        params.append(f.assignee)
    if f.bot is ANY_BOT:
        where.append("c.bot IS NOT NULL")
    elif f.bot is NO_BOT:
        where.append("c.bot IS NULL")
    elif f.bot is not None:
        where.append("c.bot = ?")
        params.append(f.bot)
    if f.tag is not None:
        where.append(
            "EXISTS (SELECT 1 FROM json_each(c.data, '$.conversation.tags') WHERE value = ?)"
        )
        params.append(f.tag)
    if f.channel is not None:
        where.append("c.channel = ?")
        params.append(f.channel.name)
    fields: list[tuple[str, FieldValue]] = sorted(f.fields.items())
    for name, wanted in fields:
        # json_each's type: null, true, false, integer, real, text (or object, array).
        if wanted is None:
            where.append("NOT " + _FIELD_TEST.format("type != 'null'"))
            params.append(name)
        elif isinstance(wanted, bool):
            where.append(_FIELD_TEST.format("type = ?"))
            params.extend((name, "true" if wanted else "false"))
        elif isinstance(wanted, int | float):
            where.append(_FIELD_TEST.format("type IN ('integer', 'real') AND atom = ?"))
            params.extend((name, wanted))
        else:
            where.append(_FIELD_TEST.format("type = 'text' AND atom = ?"))
            params.extend((name, wanted))
    for column, start, end in (
        ("created_us", f.created_from, f.created_before),
        ("updated_us", f.updated_from, f.updated_before),
    ):
        if start is not None:
            where.append(f"c.{column} >= ?")
            params.append(_micros(start))
        if end is not None:
            where.append(f"c.{column} < ?")
            params.append(_micros(end))
    return where, params


_ORDER = {
    InboxSort.PRIORITY_THEN_AGE: (
        "c.urgency, c.created_us, c.id",
        "(c.urgency, c.created_us, c.id) > (?, ?, ?)",
    ),
    InboxSort.LAST_UPDATE: ("c.updated_us DESC, c.id DESC", "(c.updated_us, c.id) < (?, ?)"),
}


def _key_params(key: _inbox.SortKey) -> list[Any]:
    return [_micros(k) if isinstance(k, datetime) else k for k in key]


def inbox_query(
    f: InboxFilter, sort: InboxSort, cursor: str | None, limit: int
) -> tuple[str, list[Any]]:
    """The SELECT ``inbox`` runs, and its values: ``limit`` rows after ``cursor``.

    Raises:
        ValidationError: at ``cursor`` for a cursor ``sort`` did not make.
    """
    where, params = inbox_where(f)
    order, continued = _ORDER[sort]
    if cursor is not None:
        where.append(continued)
        params.extend(_key_params(_inbox.decode_cursor(sort, cursor)))
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    sql = f"SELECT c.data FROM conversations c{clause} ORDER BY {order} LIMIT ?"
    return sql, [*params, limit]
