"""PostgresStore: the desk store on PostgreSQL, with psycopg 3 and its pool (no ORM)."""

from __future__ import annotations

import heapq
import json
import math
import re
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar, cast

import attrs
import psycopg
from psycopg import errors as pg_errors
from psycopg_pool import ConnectionPool

from omnicx import serde
from omnicx._frozen import JsonDocument, frozen_json, thaw
from omnicx.errors import ConflictError, ValidationError
from omnicx.identity import ChangeSet, Link, MergeRecord, Observation, Profile
from omnicx.model import Event, Order, Status
from omnicx.storage import _inbox
from omnicx.storage._agents import AgentRecord, WaitingWork
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
    conversation_conflict,
    link_conflict,
    profile_conflict,
    receipt_customer,
    ref_conflict,
)
from omnicx.storage._orders import (
    check_orders,
    dump_order,
    in_order,
    load_order,
    order_conflict,
    order_key,
)
from omnicx.storage._postgres_schema import (
    _BOT_SET,
    _INBOX_SET,
    pg_bot_column,
    pg_field_value,
    pg_inbox_columns,
    pg_lexemes,
    pg_message_lexemes,
    pg_migrate,
)
from omnicx.storage._records import AuditEntry, Changes, ConversationRecord, Erasure

T = TypeVar("T")

_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_ID_BLOCK = 64  # the ``ids`` sequence's increment: one nextval reserves a block
_LOST_RACE = (pg_errors.SerializationFailure, pg_errors.DeadlockDetected, pg_errors.UniqueViolation)

PG_DUE_QUERY = (
    "SELECT data FROM {s}.conversations WHERE due_at IS NOT NULL AND due_at <= %s"
    " ORDER BY due_at, id LIMIT %s"
)
"""What ``due`` runs: a range of the partial index ``conversations_due``, in its order."""

PG_CLAIM_QUERY = (
    "SELECT data FROM {s}.conversations WHERE due_at IS NOT NULL AND due_at <= %s"
    " AND NOT (id = ANY(%s)) ORDER BY due_at, id LIMIT 1 FOR UPDATE SKIP LOCKED"
)
"""What ``claim_due`` runs: the first row of ``due``'s range no other transaction holds."""

PG_WAITING_QUERY = (
    "SELECT rank, arrived_at, id, data FROM {s}.waiting WHERE offered = %s"
    " ORDER BY rank DESC, arrived_at, id LIMIT %s"
)
"""What ``waiting_work`` runs (once per ``offered`` value): a range of ``waiting_order``."""


def _to_json(value: Any) -> str:
    return _encode(serde.to_dict(value))


class PostgresStore:
    """A ``DeskStore`` in one schema of a PostgreSQL database.

    Every desk call's commit is one transaction. Optimistic concurrency is
    checked by the writes themselves: a conversation or profile is updated
    ``WHERE version = <read>``, a new one is inserted ``ON CONFLICT DO
    NOTHING``, the links, thread references and profiles the call read are
    locked (``FOR UPDATE`` / ``FOR SHARE``) and compared, and the call's own
    receipt key must be new (its primary key). Whatever loses a race raises
    ``ConflictError`` and writes nothing; a deadlock or serialization failure
    the server reports is a ``ConflictError`` too.

    Opening a store applies the missing migrations of
    ``omnicx.storage._postgres_schema`` under an advisory lock, so any
    number of processes may start at once. Use one store per thread (the
    decoded-row cache is not locked); threads may share one pool, each with
    its own store.

    Args:
        conninfo: a libpq connection string or URL (``postgresql://...``).
        schema: the schema every table lives in (created if missing):
            lowercase letters, digits and ``_``; default ``"omnicx"``.
        pool: a ``psycopg_pool.ConnectionPool`` to take connections from
            instead of ``conninfo`` (its connections must be in autocommit
            mode); the store does not close a pool it was given.
        max_size: the size of the pool the store opens from ``conninfo``.

    Raises:
        ValidationError: neither or both of ``conninfo`` and ``pool``, or a bad schema name.
        SchemaVersionError: the schema was written by a newer omnicx.
    """

    def __init__(
        self,
        conninfo: str | None = None,
        *,
        schema: str = "omnicx",
        pool: ConnectionPool | None = None,
        max_size: int = 4,
        _connection: psycopg.Connection[Any] | None = None,
    ) -> None:
        if not _SCHEMA_NAME.fullmatch(schema):
            raise ValidationError.single(
                "schema",
                f"expected lowercase letters, digits and '_' (at most 63, not starting with a "
                f"digit), got {schema!r}",
            )
        if _connection is None and (conninfo is None) == (pool is None):
            raise ValidationError.single("conninfo", "give either a connection string or a pool")
        self.schema = schema
        self._s = f'"{schema}"'
        self._host = _connection
        self._own_pool = pool is None and _connection is None
        self._pool = pool
        if self._own_pool:
            self._pool = ConnectionPool(
                cast(str, conninfo), min_size=1, max_size=max_size,
                kwargs={"autocommit": True}, open=True,
            )  # fmt: skip
        self._sql: dict[str, str] = {}
        self._decoded = DecodedRows()
        self._reserved: dict[str, tuple[int, int]] = {}
        with self._connection() as conn:
            pg_migrate(conn, schema, self._s)

    @classmethod
    def on_connection(
        cls, connection: psycopg.Connection[Any], *, schema: str = "omnicx"
    ) -> PostgresStore:
        """A store that runs on the host's own connection, inside the host's transaction.

        Each ``commit`` and ``erase`` is a savepoint of the transaction the
        host holds on ``connection`` (or its own transaction when none is
        open and the connection is in autocommit mode): the host's writes
        and omnicx's commit together, or roll back together. Reads see the
        host's uncommitted writes. Use it for one request, then drop it; the
        host keeps the connection.
        """
        return cls(schema=schema, _connection=connection)

    def close(self) -> None:
        """Close the pool the store opened (a given pool or connection stays open)."""
        if self._own_pool and self._pool is not None:
            self._pool.close()

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- plumbing --------------------------------------------------------------

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        if self._host is not None:
            yield self._host
            return
        assert self._pool is not None
        with self._pool.connection() as conn:
            yield conn

    @contextmanager
    def _transaction(self) -> Iterator[psycopg.Connection[Any]]:
        # One transaction (a savepoint inside a host's); a race the server
        # reports (a deadlock, a unique key taken meanwhile) is a conflict.
        with self._connection() as conn:
            try:
                with conn.transaction():
                    yield conn
            except _LOST_RACE as error:
                raise ConflictError(
                    f"a concurrent commit in PostgreSQL schema {self.schema!r} won the race "
                    f"({type(error).__name__}); reload and retry"
                ) from error

    def _q(self, sql: str) -> str:
        found = self._sql.get(sql)
        if found is None:
            found = self._sql[sql] = sql.replace("{s}", self._s)
        return found

    def _rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with self._connection() as conn:
            return conn.execute(self._q(sql), params).fetchall()

    def _one(self, sql: str, *params: Any) -> Any:
        rows = self._rows(sql, *params)
        return rows[0][0] if rows else None

    def _load(self, cls: type[T], text: str) -> T:
        return self._decoded.load(cls, text)

    # -- identity --------------------------------------------------------------

    def profile(self, profile_id: str) -> Profile | None:
        """Return the profile (live or tombstone) with this id, or None."""
        data = self._one("SELECT data FROM {s}.profiles WHERE id = %s", profile_id)
        return None if data is None else self._load(Profile, data)

    def profile_version(self, profile_id: str) -> int:
        """Return the stored version of a profile (0 if never written)."""
        return int(self._one("SELECT version FROM {s}.profiles WHERE id = %s", profile_id) or 0)

    def link(self, key: str) -> Link | None:
        """Return the link for this match key, or None."""
        data = self._one("SELECT data FROM {s}.links WHERE key = %s", key)
        return None if data is None else self._load(Link, data)

    def merge(self, merge_id: str) -> MergeRecord | None:
        """Return the merge record with this id, or None."""
        data = self._one("SELECT data FROM {s}.merges WHERE id = %s", merge_id)
        return None if data is None else self._load(MergeRecord, data)

    def observation(self, observation_id: str) -> tuple[Observation, str] | None:
        """Return a recorded observation and the profile id it was attributed to."""
        rows = self._rows(
            "SELECT data, profile_id FROM {s}.observations WHERE id = %s", observation_id
        )
        return None if not rows else (self._load(Observation, rows[0][0]), rows[0][1])

    def observation_ids(
        self, profile_id: str, *, start: int = 0, limit: int | None = None
    ) -> list[str]:
        """Return ids of the observations attributed to ``profile_id``, first stored first."""
        rows = self._rows(
            "SELECT id FROM {s}.observations WHERE profile_id = %s ORDER BY seq"
            " LIMIT %s OFFSET %s",
            profile_id, limit, start,
        )  # fmt: skip
        return [oid for (oid,) in rows]

    def next_id(self, kind: str) -> str:
        """Return ``p<n>``/``m<n>``/``<kind><n>``, never the same twice.

        Numbers come from one sequence in blocks of 64: ``nextval`` is never
        rolled back, so ids stay unique inside host transactions too, and
        kinds share the numbers (ids skip, they never repeat).
        """
        value, end = self._reserved.get(kind, (0, 0))
        if value == end:
            start = int(self._one("SELECT nextval('{s}.ids')"))
            value, end = start - 1, start - 1 + _ID_BLOCK
        self._reserved[kind] = (value + 1, end)
        prefix = {"profile": "p", "merge": "m"}.get(kind, kind)
        return f"{prefix}{value + 1}"

    def apply(self, changes: ChangeSet) -> None:
        """Write an identity ChangeSet in one transaction."""
        with self._transaction() as conn:
            self._apply_identity(conn, changes)

    def live_profiles(self) -> list[Profile]:
        """Return every live profile, by id."""
        rows = self._rows("SELECT data FROM {s}.profiles ORDER BY id")
        profiles = (self._load(Profile, data) for (data,) in rows)
        return [p for p in profiles if p.live]

    def _apply_identity(self, conn: psycopg.Connection[Any], changes: ChangeSet) -> None:
        with conn.cursor() as cur:
            _many(
                cur,
                self._q(
                    "INSERT INTO {s}.profiles (id, version, data) VALUES (%s, 1, %s) ON CONFLICT"
                    " (id) DO UPDATE SET version = profiles.version + 1, data = excluded.data"
                ),
                [(p.id, _to_json(p)) for p in changes.profiles],
            )
            self._put_links(cur, changes.links)
            _many(
                cur,
                self._q(
                    "INSERT INTO {s}.merges (id, data) VALUES (%s, %s)"
                    " ON CONFLICT (id) DO UPDATE SET data = excluded.data"
                ),
                [(m.id, _to_json(m)) for m in changes.merges],
            )
            _many(
                cur,
                self._q(
                    "INSERT INTO {s}.observations (id, profile_id, data) VALUES (%s, %s, %s)"
                    " ON CONFLICT (id) DO UPDATE SET profile_id = excluded.profile_id,"
                    " data = excluded.data"
                ),
                [(o.id, pid, _to_json(o)) for o, pid in changes.observations],
            )

    def _put_links(self, cur: psycopg.Cursor[Any], links: Collection[Link]) -> None:
        _many(
            cur,
            self._q(
                "INSERT INTO {s}.links (key, data) VALUES (%s, %s)"
                " ON CONFLICT (key) DO UPDATE SET data = excluded.data"
            ),
            [(link.key, _to_json(link)) for link in links],
        )

    # -- desk --------------------------------------------------------------------

    def conversation(self, conversation_id: str) -> ConversationRecord | None:
        """Return the stored record, or None."""
        data = self._one("SELECT data FROM {s}.conversations WHERE id = %s", conversation_id)
        return None if data is None else self._load(ConversationRecord, data)

    def conversations_of(self, customer_ids: Collection[str]) -> list[ConversationRecord]:
        """Return every conversation of these customers, oldest first."""
        ids = sorted(set(customer_ids))
        if not ids:
            return []
        rows = self._rows(
            "SELECT data FROM {s}.conversations WHERE customer_id = ANY(%s)"
            " ORDER BY created_at, id",
            ids,
        )
        return [self._load(ConversationRecord, data) for (data,) in rows]

    def conversation_for_ref(self, ref: str) -> str | None:
        """Return the conversation id indexed under a thread reference key."""
        found = self._one("SELECT conversation_id FROM {s}.thread_refs WHERE ref = %s", ref)
        return None if found is None else str(found)

    def events(
        self,
        *,
        customer_ids: Collection[str] | None = None,
        conversation_id: str | None = None,
    ) -> list[Event]:
        """Return stored events matching every filter given, in append order."""
        where: list[str] = []
        params: list[Any] = []
        if customer_ids is not None:
            where.append("customer_id = ANY(%s)")
            params.append(sorted(set(customer_ids)))
        if conversation_id is not None:
            where.append("conversation_id = %s")
            params.append(conversation_id)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = self._rows(f"SELECT data FROM {{s}}.events{clause} ORDER BY seq", *params)
        return [serde.event_from_dict(json.loads(data)) for (data,) in rows]

    def receipt(self, key: str) -> Mapping[str, Any] | None:
        """Return the receipt recorded under an idempotency key, or None."""
        data = self._one("SELECT data FROM {s}.receipts WHERE key = %s", key)
        return None if data is None else frozen_json(json.loads(data))

    def order(self, system: str, order_id: str) -> Order | None:
        """Return the order stored under ``(system, order_id)``, or None."""
        data = self._one("SELECT data FROM {s}.orders WHERE key = %s", order_key(system, order_id))
        return None if data is None else load_order(data)

    def orders(self, customer_ids: Collection[str]) -> list[Order]:
        """Return every stored order of these customers, by system then order id."""
        rows = self._rows(
            "SELECT data FROM {s}.orders WHERE customer_id = ANY(%s)", sorted(set(customer_ids))
        )
        return in_order(load_order(data) for (data,) in rows)

    def due(self, now: datetime, *, limit: int) -> list[ConversationRecord]:
        """Return up to ``limit`` records due by ``now``, earliest first (ties by id).

        A range scan of the partial index on ``(due_at, id)``: the cost
        follows what is due. ``Desk.tick`` claims them one by one with
        ``claim_due`` instead.
        """
        rows = self._rows(PG_DUE_QUERY, now, limit)
        return [self._load(ConversationRecord, data) for (data,) in rows]

    @contextmanager
    def claim_due(
        self, now: datetime, *, skip: Collection[str] = ()
    ) -> Iterator[ConversationRecord | None]:
        """Lock the earliest record due by ``now`` that no one else holds (``SKIP LOCKED``).

        One transaction (a savepoint inside a host's) from the claim to the
        context's exit: the row stays locked meanwhile, so another runner's
        claim skips it, and the commits made inside are savepoints of it.
        """
        with self._connection() as conn, conn.transaction():
            row = conn.execute(self._q(PG_CLAIM_QUERY), (now, list(skip))).fetchone()
            # Every call inside runs on the claim's connection, in its transaction.
            held, self._host = self._host, conn
            try:
                yield None if row is None else self._load(ConversationRecord, row[0])
            finally:
                self._host = held

    def audit(
        self, *, customer_id: str | None = None, actor: str | None = None
    ) -> list[AuditEntry]:
        """Return audit entries matching every filter given, oldest first."""
        where: list[str] = []
        params: list[Any] = []
        for column, value in (("customer_id", customer_id), ("actor", actor)):
            if value is not None:
                where.append(f"{column} = %s")
                params.append(value)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = self._rows(f"SELECT data FROM {{s}}.audit{clause} ORDER BY seq", *params)
        return [self._load(AuditEntry, data) for (data,) in rows]

    def commit(self, changes: Changes) -> None:
        """Write ``changes`` in one transaction; a conflict or error writes nothing."""
        # Serialize before the transaction so a bad value never holds a lock.
        conversations = [
            (r, _to_json(attrs.evolve(r, version=r.version + 1))) for r in changes.conversations
        ]
        events = [
            (e.id, e.customer_id, e.conversation_id, _encode(serde.event_to_dict(e)))
            for e in changes.events
        ]
        receipts = [
            (key, receipt_customer(receipt),
             receipt.text if type(receipt) is JsonDocument else _encode(thaw(receipt)))
            for key, receipt in changes.receipts
        ]  # fmt: skip
        with self._transaction() as conn, conn.cursor() as cur:
            self._claim_receipts(cur, changes.new_receipts, receipts)
            for record, data in conversations:
                self._put_conversation(cur, record, data)
            self._check_and_put_profiles(cur, changes)
            self._check_and_put_links(cur, changes)
            self._apply_identity(conn, attrs.evolve(changes.identity, profiles=(), links=()))
            self._check_and_put_refs(cur, changes)
            if changes.orders or changes.orders_read:
                self._check_and_put_orders(cur, changes)
            _many(
                cur,
                self._q(
                    "INSERT INTO {s}.events (id, customer_id, conversation_id, data)"
                    " VALUES (%s, %s, %s, %s) ON CONFLICT (id) DO NOTHING"
                ),
                events,
            )
            self._index_messages(cur, changes.events)
            if changes.agents or changes.waiting or changes.waiting_done:
                self._write_agents(cur, changes)
            self._append_audit(cur, changes.audit)

    def _claim_receipts(
        self,
        cur: psycopg.Cursor[Any],
        fresh: Collection[str],
        receipts: list[tuple[str, str | None, str]],
    ) -> None:
        # First, so a redelivered message waits on (then loses to) the
        # first delivery's uncommitted receipt before doing anything else.
        sql = self._q(
            "INSERT INTO {s}.receipts (key, customer_id, data) VALUES (%s, %s, %s)"
            " ON CONFLICT (key) DO NOTHING"
        )
        must_be_new = set(fresh)
        for row in receipts:
            cur.execute(sql, row)
            if cur.rowcount != 1 and row[0] in must_be_new:
                raise already_recorded(row[0])
            must_be_new.discard(row[0])
        for key in sorted(must_be_new):
            cur.execute(self._q("SELECT 1 FROM {s}.receipts WHERE key = %s"), (key,))
            if cur.fetchone() is not None:
                raise already_recorded(key)

    def _put_conversation(
        self, cur: psycopg.Cursor[Any], record: ConversationRecord, data: str
    ) -> None:
        row = (record.conversation.customer_id, record.conversation.created_at, record.due_at, data,
               *pg_inbox_columns(record), pg_bot_column(record))  # fmt: skip
        if record.version == 0:
            cur.execute(
                self._q(
                    "INSERT INTO {s}.conversations (id, customer_id, created_at, due_at, data,"
                    " queue, status, urgency, assignee, channel, tags, fields, updated_at, bot,"
                    " version) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::text[],"
                    " %s::jsonb, %s, %s, 1) ON CONFLICT (id) DO NOTHING"
                ),
                (record.id, *row),
            )
        else:
            cur.execute(
                self._q(
                    "UPDATE {s}.conversations SET customer_id = %s, created_at = %s,"
                    f" due_at = %s, data = %s, {_INBOX_SET}, {_BOT_SET}, version = version + 1"
                    " WHERE id = %s AND version = %s"
                ),
                (*row, record.id, record.version),
            )
        if cur.rowcount != 1:
            cur.execute(
                self._q("SELECT version FROM {s}.conversations WHERE id = %s"), (record.id,)
            )
            found = cur.fetchone()
            raise conversation_conflict(record, 0 if found is None else int(found[0]))

    def _check_and_put_profiles(self, cur: psycopg.Cursor[Any], changes: Changes) -> None:
        read = changes.profile_versions
        written = {p.id for p in changes.identity.profiles}
        # Profiles read but not written are locked against writers until the end.
        kept = sorted(set(read) - written)
        if kept:
            cur.execute(
                self._q("SELECT id, version FROM {s}.profiles WHERE id = ANY(%s) FOR SHARE"),
                (kept,),
            )
            stored = {pid: int(v) for pid, v in cur.fetchall()}
            for pid in kept:
                if stored.get(pid, 0) != read[pid]:
                    raise profile_conflict(pid, read[pid], stored.get(pid, 0))
        for profile in sorted(changes.identity.profiles, key=lambda p: p.id):
            data = _to_json(profile)
            version = read.get(profile.id)
            if version is None:
                cur.execute(
                    self._q(
                        "INSERT INTO {s}.profiles (id, version, data) VALUES (%s, 1, %s)"
                        " ON CONFLICT (id) DO UPDATE SET version = profiles.version + 1,"
                        " data = excluded.data"
                    ),
                    (profile.id, data),
                )
                continue
            if version == 0:
                cur.execute(
                    self._q(
                        "INSERT INTO {s}.profiles (id, version, data) VALUES (%s, 1, %s)"
                        " ON CONFLICT (id) DO NOTHING"
                    ),
                    (profile.id, data),
                )
            else:
                cur.execute(
                    self._q(
                        "UPDATE {s}.profiles SET version = version + 1, data = %s"
                        " WHERE id = %s AND version = %s"
                    ),
                    (data, profile.id, version),
                )
            if cur.rowcount != 1:
                cur.execute(
                    self._q("SELECT version FROM {s}.profiles WHERE id = %s"), (profile.id,)
                )
                found = cur.fetchone()
                raise profile_conflict(profile.id, version, 0 if found is None else int(found[0]))

    def _check_and_put_links(self, cur: psycopg.Cursor[Any], changes: Changes) -> None:
        read = changes.links_read
        if read:
            cur.execute(
                self._q(
                    "SELECT key, data FROM {s}.links WHERE key = ANY(%s) ORDER BY key FOR UPDATE"
                ),
                (sorted(read),),
            )
            stored = {key: self._load(Link, data) for key, data in cur.fetchall()}
            for key in sorted(read):
                if stored.get(key) != read[key]:
                    raise link_conflict(key)
        new = [
            link for link in changes.identity.links if link.key in read and read[link.key] is None
        ]
        for link in sorted(new, key=lambda link: link.key):
            cur.execute(
                self._q(
                    "INSERT INTO {s}.links (key, data) VALUES (%s, %s) ON CONFLICT (key) DO NOTHING"
                ),
                (link.key, _to_json(link)),
            )
            if cur.rowcount != 1:
                raise link_conflict(link.key)
        self._put_links(
            cur, [link for link in changes.identity.links if read.get(link.key) is not None
                  or link.key not in read]
        )  # fmt: skip

    def _check_and_put_orders(self, cur: psycopg.Cursor[Any], changes: Changes) -> None:
        # Stored orders read are locked and compared; an order read as
        # absent is inserted as new, its primary key the check.
        read = changes.orders_read
        if read:
            cur.execute(
                self._q(
                    "SELECT key, data FROM {s}.orders WHERE key = ANY(%s) ORDER BY key FOR UPDATE"
                ),
                (sorted(read),),
            )
            stored = {key: load_order(data) for key, data in cur.fetchall()}
            check_orders(changes, stored.get)
        for order in changes.orders:
            key = order_key(*order.key)
            row = (key, order.customer_id, dump_order(order))
            if key in read and read[key] is None:
                cur.execute(
                    self._q(
                        "INSERT INTO {s}.orders (key, customer_id, data) VALUES (%s, %s, %s)"
                        " ON CONFLICT (key) DO NOTHING"
                    ),
                    row,
                )
                if cur.rowcount != 1:
                    raise order_conflict(key)
            else:
                cur.execute(
                    self._q(
                        "INSERT INTO {s}.orders (key, customer_id, data) VALUES (%s, %s, %s)"
                        " ON CONFLICT (key) DO UPDATE SET customer_id = excluded.customer_id,"
                        " data = excluded.data"
                    ),
                    row,
                )

    def _check_and_put_refs(self, cur: psycopg.Cursor[Any], changes: Changes) -> None:
        read = changes.refs_read
        if read:
            cur.execute(
                self._q(
                    "SELECT ref, conversation_id FROM {s}.thread_refs WHERE ref = ANY(%s)"
                    " ORDER BY ref FOR UPDATE"
                ),
                (sorted(read),),
            )
            stored = dict(cur.fetchall())
            for ref in sorted(read):
                if stored.get(ref) != read[ref]:
                    raise ref_conflict(ref, read[ref], stored.get(ref))
        # One row per reference: the last pair for a key is the one written.
        for ref, conversation_id in dict(changes.thread_refs).items():
            if ref in read and read[ref] is None:
                cur.execute(
                    self._q(
                        "INSERT INTO {s}.thread_refs (ref, conversation_id) VALUES (%s, %s)"
                        " ON CONFLICT (ref) DO NOTHING"
                    ),
                    (ref, conversation_id),
                )
                if cur.rowcount != 1:
                    cur.execute(
                        self._q("SELECT conversation_id FROM {s}.thread_refs WHERE ref = %s"),
                        (ref,),
                    )
                    found = cur.fetchone()
                    raise ref_conflict(ref, None, None if found is None else str(found[0]))
            else:
                cur.execute(
                    self._q(
                        "INSERT INTO {s}.thread_refs (ref, conversation_id) VALUES (%s, %s)"
                        " ON CONFLICT (ref) DO UPDATE SET conversation_id = excluded.conversation_id"
                    ),
                    (ref, conversation_id),
                )

    def _append_audit(self, cur: psycopg.Cursor[Any], entries: tuple[AuditEntry, ...]) -> None:
        _many(
            cur,
            self._q(
                "INSERT INTO {s}.audit (id, actor, customer_id, data) VALUES (%s, %s, %s, %s)"
                " ON CONFLICT (id) DO NOTHING"
            ),
            [(e.id, e.actor, e.customer_id, _to_json(e)) for e in entries],
        )

    def _index_messages(self, cur: psycopg.Cursor[Any], events: Collection[Event]) -> None:
        # Each stored message's words, under the seq its event is stored at
        # (an event already stored keeps the row it has).
        _many(
            cur,
            self._q(
                "INSERT INTO {s}.message_search (seq, conversation_id, terms)"
                " SELECT seq, conversation_id, array_to_tsvector(%s::text[])"
                " FROM {s}.events WHERE id = %s AND conversation_id IS NOT NULL"
                " ON CONFLICT (seq) DO NOTHING"
            ),
            [(lexemes, e.id) for e in events if (lexemes := pg_message_lexemes(e))],
        )

    # -- inbox queries ---------------------------------------------------------------

    def inbox(
        self,
        filter: InboxFilter,
        *,
        sort: InboxSort = InboxSort.PRIORITY_THEN_AGE,
        limit: int = 50,
        cursor: str | None = None,
    ) -> InboxPage:
        """Return one page of the conversations matching ``filter``, in ``sort`` order.

        One query over the inbox columns (``pg_inbox_query``), read along
        the sort's index.
        """
        _inbox.check_limit(limit)
        sql, params = pg_inbox_query(filter, sort, cursor, limit + 1)
        rows = self._rows(sql, *params)
        found = [self._load(ConversationRecord, data) for (data,) in rows]
        return _inbox.page(sort, found, limit)

    def inbox_counts(self, filter: InboxFilter) -> InboxCounts:
        """Return how many conversations match ``filter``, per queue and status."""
        where, params = _inbox_where(filter)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = self._rows(
            f"SELECT queue, status, count(*) FROM {{s}}.conversations{clause}"
            " GROUP BY queue, status",
            *params,
        )
        return InboxCounts(cells={(queue, Status(status)): int(n) for queue, status, n in rows})

    def search(
        self, text: str, *, filter: InboxFilter | None = None, limit: int = 20
    ) -> list[ConversationRecord]:
        """Return up to ``limit`` conversations with a message holding every word of ``text``.

        The words are cut and folded by ``search_terms`` in Python, as for
        SQLite, and looked up in the GIN index of ``message_search.terms``
        (a ``tsvector`` of exactly those words, one row per message); the
        conversation whose matching message was stored last comes first.
        """
        _inbox.check_limit(limit)
        found = pg_search_query(text, filter, limit)
        if found is None:
            return []
        sql, params = found
        rows = self._rows(sql, *params)
        return [self._load(ConversationRecord, data) for (data,) in rows]

    # -- listening -----------------------------------------------------------------

    def listening(self, name: str) -> ListeningRecord | None:
        """Return the stored listening record named ``name``, or None."""
        data = self._one("SELECT data FROM {s}.listening WHERE name = %s", name)
        return None if data is None else self._load(ListeningRecord, data)

    def put_listening(self, record: ListeningRecord) -> None:
        """Store ``record`` at ``version + 1`` if the stored version is ``record.version``."""
        stored = attrs.evolve(record, version=record.version + 1)
        data = _to_json(stored)
        with self._transaction() as conn:
            if record.version == 0:
                # A first write: the primary key decides between racing workers.
                inserted = conn.execute(
                    self._q(
                        "INSERT INTO {s}.listening (name, version, data) VALUES (%s, 1, %s)"
                        " ON CONFLICT (name) DO NOTHING"
                    ),
                    (record.name, data),
                ).rowcount
            else:
                inserted = conn.execute(
                    self._q(
                        "UPDATE {s}.listening SET version = %s, data = %s"
                        " WHERE name = %s AND version = %s"
                    ),
                    (stored.version, data, record.name, record.version),
                ).rowcount
            if inserted != 1:
                found = conn.execute(
                    self._q("SELECT version FROM {s}.listening WHERE name = %s"), (record.name,)
                ).fetchone()
                raise listening_conflict(record, 0 if found is None else int(found[0]))

    # -- agents --------------------------------------------------------------------

    def agent(self, agent_id: str) -> AgentRecord | None:
        """Return the stored agent record, or None."""
        data = self._one("SELECT data FROM {s}.agents WHERE id = %s", agent_id)
        return None if data is None else self._load(AgentRecord, data)

    def agents(self) -> list[AgentRecord]:
        """Return every stored agent record, by agent id."""
        rows = self._rows("SELECT data FROM {s}.agents ORDER BY id")
        return [self._load(AgentRecord, data) for (data,) in rows]

    def waiting(self, conversation_id: str) -> WaitingWork | None:
        """Return the conversation's waiting work, or None."""
        data = self._one("SELECT data FROM {s}.waiting WHERE id = %s", conversation_id)
        return None if data is None else self._load(WaitingWork, data)

    def waiting_work(
        self, *, offered: bool | None = None, limit: int | None = None
    ) -> list[WaitingWork]:
        """Return waiting work by ``waiting_order``, at most ``limit``.

        Each ``offered`` value is a range of the index ``waiting_order``,
        already in order; with ``offered=None`` the two ranges are merged.
        """
        kinds = (False, True) if offered is None else (offered,)
        runs = [self._rows(PG_WAITING_QUERY, kind, limit) for kind in kinds]
        rows = heapq.merge(*runs, key=lambda row: (-row[0], row[1], row[2]))
        found = [self._load(WaitingWork, row[3]) for row in rows]
        return found if limit is None else found[:limit]

    def _write_agents(self, cur: psycopg.Cursor[Any], changes: Changes) -> None:
        # Each write names the version it replaces; in id order, so two
        # commits lock the same rows in the same order.
        for record in sorted(changes.agents, key=lambda r: r.id):
            data = _to_json(attrs.evolve(record, version=record.version + 1))
            if not self._put_versioned(cur, "agents", record.id, record.version, data):
                raise ConflictError(
                    f"agent {record.id!r} changed since it was read (read version "
                    f"{record.version}, stored {self._stored_version(cur, 'agents', record.id)});"
                    " reload and retry"
                )
        done = {w.id: w for w in changes.waiting_done}
        for work in sorted({**{w.id: w for w in changes.waiting}, **done}.values(),
                           key=lambda w: w.id):  # fmt: skip
            if work.id in done:
                cur.execute(
                    self._q("DELETE FROM {s}.waiting WHERE id = %s AND version = %s"),
                    (work.id, work.version),
                )
                written = cur.rowcount == 1 or (
                    work.version == 0 and self._stored_version(cur, "waiting", work.id) == 0
                )
            else:
                data = _to_json(attrs.evolve(work, version=work.version + 1))
                row = (work.priority.rank, work.arrived_at, work.offered_to is not None)
                written = self._put_versioned(cur, "waiting", work.id, work.version, data, row)
            if not written:
                raise ConflictError(
                    f"waiting work for conversation {work.id!r} changed since it was read "
                    f"(read version {work.version}, stored "
                    f"{self._stored_version(cur, 'waiting', work.id)}); reload and retry"
                )

    def _put_versioned(
        self,
        cur: psycopg.Cursor[Any],
        table: str,
        key: str,
        read: int,
        data: str,
        row: tuple[Any, ...] = (),
    ) -> bool:
        # False when the stored version is not the one read (a lost race).
        columns = ("rank", "arrived_at", "offered") if row else ()
        if read == 0:
            names = ", ".join(("id", "version", "data", *columns))
            marks = ", ".join(["%s"] * (3 + len(row)))
            cur.execute(
                self._q(
                    f"INSERT INTO {{s}}.{table} ({names}) VALUES ({marks})"
                    " ON CONFLICT (id) DO NOTHING"
                ),
                (key, 1, data, *row),
            )
        else:
            sets = "".join(f", {column} = %s" for column in columns)
            cur.execute(
                self._q(
                    f"UPDATE {{s}}.{table} SET version = %s, data = %s{sets}"
                    " WHERE id = %s AND version = %s"
                ),
                (read + 1, data, *row, key, read),
            )
        return bool(cur.rowcount == 1)

    def _stored_version(self, cur: psycopg.Cursor[Any], table: str, key: str) -> int:
        cur.execute(self._q(f"SELECT version FROM {{s}}.{table} WHERE id = %s"), (key,))
        found = cur.fetchone()
        return 0 if found is None else int(found[0])

    def erase(self, erasure: Erasure) -> None:
        """Apply an erasure in one transaction.

        Every row holding an erased value is rewritten or deleted in it, so
        no query can find the value afterwards. PostgreSQL keeps the old row
        versions on disk until ``VACUUM`` reclaims them (autovacuum does, soon
        after); a store with its own pool runs ``VACUUM`` on its tables right
        after the commit. Freed space is not zeroed by PostgreSQL: disk
        encryption or encrypted backups keep what remains unreadable.
        """
        self._decoded.clear()
        ids = sorted(erasure.customer_ids)
        with self._transaction() as conn, conn.cursor() as cur:
            self._apply_identity(conn, ChangeSet(profiles=erasure.profiles, links=erasure.links))
            for table, column, keys in (
                ("links", "key", erasure.drop_links),
                ("merges", "id", erasure.drop_merges),
                ("observations", "id", erasure.drop_observations),
            ):
                if keys:
                    cur.execute(
                        self._q(f"DELETE FROM {{s}}.{table} WHERE {column} = ANY(%s)"),
                        (list(keys),),
                    )
            for old, new in erasure.renamed_events:
                cur.execute(self._q("SELECT data FROM {s}.events WHERE id = %s"), (old,))
                found = cur.fetchone()
                if found is not None:
                    data = json.loads(found[0])
                    data["id"] = new
                    cur.execute(
                        self._q("UPDATE {s}.events SET id = %s, data = %s WHERE id = %s"),
                        (new, _encode(data), old),
                    )
            _many(
                cur,
                self._q("UPDATE {s}.events SET data = %s WHERE id = %s"),
                [(_encode(serde.event_to_dict(e)), e.id) for e in erasure.events],
            )
            if erasure.drop_events:
                cur.execute(
                    self._q("DELETE FROM {s}.events WHERE id = ANY(%s)"),
                    (list(erasure.drop_events),),
                )  # their message_search rows go with them
            if erasure.events:
                # Rewritten messages: their words are taken out, the new text's put in.
                cur.execute(
                    self._q(
                        "DELETE FROM {s}.message_search WHERE seq IN"
                        " (SELECT seq FROM {s}.events WHERE id = ANY(%s))"
                    ),
                    ([e.id for e in erasure.events],),
                )
                self._index_messages(cur, erasure.events)
            for record in erasure.conversations:
                cur.execute(
                    self._q("SELECT version FROM {s}.conversations WHERE id = %s FOR UPDATE"),
                    (record.id,),
                )
                found = cur.fetchone()
                version = (0 if found is None else int(found[0])) + 1
                cur.execute(
                    self._q(
                        "UPDATE {s}.conversations SET data = %s, version = %s, due_at = %s,"
                        f" {_INBOX_SET}, {_BOT_SET} WHERE id = %s"
                    ),
                    (_to_json(attrs.evolve(record, version=version)), version, record.due_at,
                     *pg_inbox_columns(record), pg_bot_column(record), record.id),
                )  # fmt: skip
            cur.execute(
                self._q(
                    "DELETE FROM {s}.thread_refs WHERE conversation_id = ANY(%s) OR conversation_id"
                    " IN (SELECT id FROM {s}.conversations WHERE customer_id = ANY(%s))"
                ),
                ([r.id for r in erasure.conversations], ids),
            )
            cur.execute(self._q("DELETE FROM {s}.receipts WHERE customer_id = ANY(%s)"), (ids,))
            cur.execute(self._q("DELETE FROM {s}.orders WHERE customer_id = ANY(%s)"), (ids,))
            self._append_audit(cur, erasure.audit)
        if self._host is None:
            with self._connection() as conn:
                for table in ("profiles", "links", "merges", "observations", "events",
                              "conversations", "thread_refs", "receipts",
                              "message_search"):  # fmt: skip
                    conn.execute(self._q(f"VACUUM {{s}}.{table}"))


_PRIORITY_ORDER = 'urgency, created_at, id COLLATE "C"'
_UPDATE_ORDER = 'updated_at DESC, id COLLATE "C" DESC'


def pg_inbox_query(
    f: InboxFilter, sort: InboxSort, cursor: str | None, limit: int
) -> tuple[str, list[Any]]:
    """What ``inbox`` runs (``{s}``: the schema): the filter, the keyset, the sort's order.

    The cursor is a row comparison on the sort key, so the page is a range
    of the sort's index (``conversations_priority`` or
    ``conversations_updated``, scanned backwards for the latest update
    first), or of its queue-first twin when the filter names a queue.

    Raises:
        ValidationError: at ``cursor``, when ``sort`` did not make it.
    """
    where, params = _inbox_where(f)
    if sort is InboxSort.PRIORITY_THEN_AGE:
        key, order, compare = 'urgency, created_at, id COLLATE "C"', _PRIORITY_ORDER, ">"
    else:
        key, order, compare = 'updated_at, id COLLATE "C"', _UPDATE_ORDER, "<"
    if cursor is not None:
        start: tuple[Any, ...] = _inbox.decode_cursor(sort, cursor)
        # The column the filter fixes leads the comparison, so the keyset is
        # a range of the index that column leads too.
        if f.queue is not None:
            key, start = f"queue, {key}", (f.queue, *start)
        elif isinstance(f.assignee, str) and sort is InboxSort.PRIORITY_THEN_AGE:
            key, start = f"assignee, {key}", (f.assignee, *start)
        elif isinstance(f.bot, str) and sort is InboxSort.PRIORITY_THEN_AGE:
            key, start = f"bot, {key}", (f.bot, *start)
        where.append(f"({key}) {compare} ({', '.join(['%s'] * len(start))})")
        params.extend(start)
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    sql = f"SELECT data FROM {{s}}.conversations{clause} ORDER BY {order} LIMIT %s"
    return sql, [*params, limit]


def pg_search_query(text: str, f: InboxFilter | None, limit: int) -> tuple[str, list[Any]] | None:
    """What ``search`` runs (``{s}``: the schema), or None for a text without words.

    The messages holding every word are found in the GIN index
    ``message_search_terms``; each conversation's latest such message
    orders the result, newest first.
    """
    lexemes = pg_lexemes(text)
    if not lexemes:
        return None
    where, params = _inbox_where(f or InboxFilter(), "c.")
    clause = "".join(f" AND {w}" for w in where)
    sql = (
        "SELECT c.data FROM (SELECT conversation_id, max(seq) AS last"
        " FROM {s}.message_search WHERE terms @@ %s::tsquery GROUP BY conversation_id) AS m"
        f" JOIN {{s}}.conversations AS c ON c.id = m.conversation_id{clause}"
        " ORDER BY m.last DESC LIMIT %s"
    )
    return sql, [_tsquery(lexemes), *params, limit]


def _inbox_where(f: InboxFilter, p: str = "") -> tuple[list[str], list[Any]]:
    # The criteria of ``inbox_matches`` over the inbox columns (``p``: a table alias).
    where: list[str] = []
    params: list[Any] = []

    def add(sql: str, *values: Any) -> None:
        where.append(sql)
        params.extend(values)

    if f.queue is not None:
        add(f"{p}queue = %s", f.queue)
    if f.status is not None:
        add(f"{p}status = ANY(%s)", sorted(s.value for s in f.status))
    if f.priority is not None:
        add(f"{p}urgency = ANY(%s)", sorted(_inbox.urgency(x) for x in f.priority))
    if isinstance(f.assignee, Unassigned):
        add(f"{p}assignee IS NULL AND {p}bot IS NULL")
    elif f.assignee is not None:
        add(f"{p}assignee = %s", f.assignee)
    if f.bot is ANY_BOT:
        add(f"{p}bot IS NOT NULL")
    elif f.bot is NO_BOT:
        add(f"{p}bot IS NULL")
    elif f.bot is not None:
        add(f"{p}bot = %s", f.bot)
    if f.tag is not None:
        add(f"%s = ANY({p}tags)", f.tag)
    if f.channel is not None:
        add(f"{p}channel = %s", f.channel.name)
    if f.customer_id is not None:
        add(f"{p}customer_id = %s", f.customer_id)
    for name, value in sorted(f.fields.items()):
        if value is None:
            add(f"coalesce({p}fields -> %s::text, 'null'::jsonb) = 'null'::jsonb", name)
        elif isinstance(value, float) and math.isnan(value):
            add("FALSE")  # NaN equals nothing
        else:
            add(f"{p}fields @> %s::jsonb", _encode({name: pg_field_value(value)}))
    for column, start, end in (
        ("created_at", f.created_from, f.created_before),
        ("updated_at", f.updated_from, f.updated_before),
    ):
        if start is not None:
            add(f"{p}{column} >= %s", start)
        if end is not None:
            add(f"{p}{column} < %s", end)
    return where, params


def _tsquery(lexemes: Collection[str]) -> str:
    # Every lexeme, quoted: tsquery's own syntax never sees the user's text.
    return " & ".join("'" + x.replace("\\", "\\\\").replace("'", "''") + "'" for x in lexemes)


def _many(cur: psycopg.Cursor[Any], sql: str, rows: Collection[Any]) -> None:
    # executemany runs a pipeline (a round trip) even for no rows, and one row
    # is cheaper as a plain execute.
    if len(rows) == 1:
        cur.execute(sql, next(iter(rows)))
    elif rows:
        cur.executemany(sql, rows)
