"""The PostgreSQL schema, as numbered migrations applied in order.

Every table lives in the store's own schema (``PostgresStore(schema=...)``),
so omnicx can share the host's database. ``schema_migrations`` holds one row
per migration applied. Opening a store takes a transaction-scoped advisory
lock named after the schema, so several processes starting at once apply
each migration exactly once. Never edit a published migration: add one.
``{s}`` stands for the quoted schema name.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Callable
from typing import Any

from omnicx import serde
from omnicx.errors import SchemaVersionError
from omnicx.model import Event, MessageEvent
from omnicx.storage._inbox import bot_id, search_terms, updated_at, urgency
from omnicx.storage._records import ConversationRecord

PG_MIGRATIONS: tuple[str, ...] = (
    # 1: the first schema.
    """
    CREATE TABLE {s}.profiles (id TEXT PRIMARY KEY, version INTEGER NOT NULL, data TEXT NOT NULL);
    CREATE TABLE {s}.links (key TEXT PRIMARY KEY, data TEXT NOT NULL);
    CREATE TABLE {s}.merges (id TEXT PRIMARY KEY, data TEXT NOT NULL);
    CREATE TABLE {s}.observations (
        id TEXT PRIMARY KEY, profile_id TEXT NOT NULL, data TEXT NOT NULL
    );
    CREATE SEQUENCE {s}.ids INCREMENT BY 64;
    CREATE TABLE {s}.conversations (
        id TEXT PRIMARY KEY,
        customer_id TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        version INTEGER NOT NULL,
        due_at TIMESTAMPTZ,
        data TEXT NOT NULL
    );
    CREATE INDEX conversations_customer ON {s}.conversations (customer_id, created_at, id);
    CREATE INDEX conversations_due ON {s}.conversations (due_at, id) WHERE due_at IS NOT NULL;
    CREATE TABLE {s}.thread_refs (ref TEXT PRIMARY KEY, conversation_id TEXT NOT NULL);
    CREATE INDEX thread_refs_conversation ON {s}.thread_refs (conversation_id);
    CREATE TABLE {s}.events (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        customer_id TEXT NOT NULL,
        conversation_id TEXT,
        data TEXT NOT NULL
    );
    CREATE INDEX events_customer ON {s}.events (customer_id, seq);
    CREATE INDEX events_conversation ON {s}.events (conversation_id, seq);
    CREATE TABLE {s}.receipts (key TEXT PRIMARY KEY, customer_id TEXT, data TEXT NOT NULL);
    CREATE INDEX receipts_customer ON {s}.receipts (customer_id) WHERE customer_id IS NOT NULL;
    CREATE TABLE {s}.audit (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        actor TEXT NOT NULL,
        customer_id TEXT,
        data TEXT NOT NULL
    );
    CREATE INDEX audit_customer ON {s}.audit (customer_id, seq);
    CREATE INDEX audit_actor ON {s}.audit (actor, seq);
    """,
    # 2: agents (presence and the work each carries) and the conversations
    # waiting for one. ``waiting_order`` serves ``waiting_work``: offered or
    # not, then priority rank (highest first), original age and id.
    """
    CREATE TABLE {s}.agents (id TEXT PRIMARY KEY, version INTEGER NOT NULL, data TEXT NOT NULL);
    CREATE TABLE {s}.waiting (
        id TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        rank INTEGER NOT NULL,
        arrived_at TIMESTAMPTZ NOT NULL,
        offered BOOLEAN NOT NULL,
        data TEXT NOT NULL
    );
    CREATE INDEX waiting_order ON {s}.waiting (offered, rank DESC, arrived_at, id);
    """,
    # 3: inbox queries. The columns an inbox view filters and sorts on,
    # copied from the record on every write (``urgency``: 0 for urgent up
    # to 3 for low; ``updated_at``: the record's, its creation when it has
    # none; ``fields``: the custom fields as JSON), filled for the stored
    # records by ``backfill_inbox``; an index per sort, and a queue-first
    # twin of each (the usual view), with ids in byte order (``COLLATE
    # "C"``), as Python compares them. ``message_search`` holds one row per
    # stored message with words: a ``tsvector`` of exactly its
    # ``search_terms`` (cut and folded in Python, so every store finds the
    # same words), GIN-indexed; a row goes when its event does.
    """
    ALTER TABLE {s}.conversations
        ADD COLUMN queue TEXT, ADD COLUMN status TEXT, ADD COLUMN urgency SMALLINT,
        ADD COLUMN assignee TEXT, ADD COLUMN channel TEXT, ADD COLUMN tags TEXT[],
        ADD COLUMN fields JSONB, ADD COLUMN updated_at TIMESTAMPTZ;
    CREATE INDEX conversations_priority
        ON {s}.conversations (urgency, created_at, id COLLATE "C");
    CREATE INDEX conversations_updated ON {s}.conversations (updated_at, id COLLATE "C");
    CREATE INDEX conversations_queue_priority
        ON {s}.conversations (queue, urgency, created_at, id COLLATE "C");
    CREATE INDEX conversations_queue_updated
        ON {s}.conversations (queue, updated_at, id COLLATE "C");
    CREATE INDEX conversations_assignee
        ON {s}.conversations (assignee, urgency, created_at, id COLLATE "C")
        WHERE assignee IS NOT NULL;
    CREATE TABLE {s}.message_search (
        seq BIGINT PRIMARY KEY REFERENCES {s}.events (seq) ON DELETE CASCADE,
        conversation_id TEXT NOT NULL,
        terms TSVECTOR NOT NULL
    );
    CREATE INDEX message_search_terms ON {s}.message_search USING GIN (terms);
    """,
    # 4: a conversation record no longer lists its messages' ids (they grew
    # with every message, and each message rewrote them all): the
    # thread-reference index, which already held them, is their one home.
    # Ids a record listed that the index lacks are added (one the index
    # gives to another conversation stays there); ``strip_message_ids``
    # then rewrites the records without them.
    """
    INSERT INTO {s}.thread_refs (ref, conversation_id)
        SELECT 'mid:' || ids.value, c.id FROM {s}.conversations c,
            jsonb_array_elements_text(c.data::jsonb -> 'summary' -> 'message_ids') AS ids (value)
        ON CONFLICT (ref) DO NOTHING;
    INSERT INTO {s}.thread_refs (ref, conversation_id)
        SELECT 'ext:' || (ids.value ->> 0) || ':' || (ids.value ->> 1), c.id
        FROM {s}.conversations c,
            jsonb_array_elements(c.data::jsonb -> 'summary' -> 'external_ids') AS ids (value)
        ON CONFLICT (ref) DO NOTHING
    """,
    # 5: a profile no longer lists its observations' ids, only how many are
    # stored under its own id (``observed``); the rows, in ``seq`` order,
    # are the list (``observation_ids``). ``count_observations`` numbers
    # the stored rows in the order the profiles listed them and rewrites
    # profiles and merge records with the counts.
    """
    CREATE SEQUENCE {s}.observation_seq;
    ALTER TABLE {s}.observations ADD COLUMN seq BIGINT
    """,
    # 6: the order index: one row per (system, order id) with the folded
    # ``Order`` as JSON, found by key or by customer.
    """
    CREATE TABLE IF NOT EXISTS {s}.orders (
        key TEXT PRIMARY KEY, customer_id TEXT NOT NULL, data TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS orders_customer ON {s}.orders (customer_id)
    """,
    # 7: listening state (``Desk.listen``): one versioned row per listener name.
    """
    CREATE TABLE IF NOT EXISTS {s}.listening (
        name TEXT PRIMARY KEY, version INTEGER NOT NULL, data TEXT NOT NULL
    )
    """,
    # 8: the bot that owns a conversation (``Conversation.bot``), by id,
    # copied from the record on every write like the other inbox columns
    # (``pg_bot_column``): the ``bot`` criterion reads it, and
    # ``UNASSIGNED`` leaves its rows out. Stored records are filled from
    # their JSON here.
    """
    ALTER TABLE {s}.conversations ADD COLUMN bot TEXT;
    UPDATE {s}.conversations SET bot = data::jsonb -> 'conversation' -> 'bot' ->> 'id'
        WHERE data::jsonb -> 'conversation' ->> 'bot' IS NOT NULL;
    CREATE INDEX conversations_bot
        ON {s}.conversations (bot, urgency, created_at, id COLLATE "C")
        WHERE bot IS NOT NULL
    """,
)
"""One SQL script per schema version: item ``i`` brings a schema from version ``i`` to ``i + 1``."""

PG_SCHEMA_VERSION = len(PG_MIGRATIONS)
"""The PostgreSQL schema version this release writes."""

_LEXEME_BYTES = 255
_BATCH = 1_000
_INBOX_SET = (
    "queue = %s, status = %s, urgency = %s, assignee = %s, channel = %s, tags = %s::text[],"
    " fields = %s::jsonb, updated_at = %s"
)
"""The inbox columns, as ``pg_inbox_columns`` gives their values (migration 3's set)."""

_BOT_SET = "bot = %s"
"""The bot column (migration 8), as ``pg_bot_column`` gives its value."""

_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def pg_lexemes(text: str) -> list[str]:
    """The words of ``text`` (``search_terms``) as stored in ``message_search``.

    A word longer than 255 bytes is stored as ``#`` and its SHA-256 (a
    ``tsvector`` lexeme holds at most 2,047 bytes; words never hold ``#``),
    on both sides, so it still matches only itself.
    """
    found = []
    for term in dict.fromkeys(search_terms(text)):
        raw = term.encode()
        found.append(term if len(raw) <= _LEXEME_BYTES else "#" + hashlib.sha256(raw).hexdigest())
    return found


def pg_field_value(value: object) -> object:
    """A custom field's value as the ``fields`` column holds it (JSON has no NaN or infinity)."""
    if isinstance(value, float) and not math.isfinite(value):
        return {"$float": repr(value)}
    return value


def pg_inbox_columns(record: ConversationRecord) -> tuple[Any, ...]:
    """The values of the inbox columns of ``record``, in the order of ``_INBOX_SET``."""
    c = record.conversation
    fields = {name: pg_field_value(value) for name, value in c.fields.items()}
    return (
        c.queue, c.status.value, urgency(c.priority), c.assignee, c.channel.name,
        sorted(c.tags), _encode(fields), updated_at(record),
    )  # fmt: skip


def pg_bot_column(record: ConversationRecord) -> str | None:
    """The value of the ``bot`` column of ``record``: its bot's id, or None."""
    return bot_id(record)


def pg_message_lexemes(event: Event) -> list[str]:
    """The lexemes ``message_search`` holds for ``event``: none but for a conversation's message."""
    if not isinstance(event, MessageEvent) or event.conversation_id is None:
        return []
    return pg_lexemes(event.message.text)


def backfill_inbox(conn: Any, quoted: str) -> None:
    """Migration 3's data: fill the inbox columns of stored records, index stored messages."""
    last = ""
    while True:
        rows = conn.execute(
            f'SELECT id, data FROM {quoted}.conversations WHERE id COLLATE "C" > %s'
            f' ORDER BY id COLLATE "C" LIMIT {_BATCH}',
            (last,),
        ).fetchall()
        if not rows:
            break
        with conn.cursor() as cur:
            cur.executemany(
                f"UPDATE {quoted}.conversations SET {_INBOX_SET} WHERE id = %s",
                [(*pg_inbox_columns(serde.from_dict(ConversationRecord, json.loads(data))), key)
                 for key, data in rows],
            )  # fmt: skip
        last = rows[-1][0]
    for column in ("status", "urgency", "channel", "tags", "fields", "updated_at"):
        conn.execute(f"ALTER TABLE {quoted}.conversations ALTER COLUMN {column} SET NOT NULL")
    seq = 0
    while True:
        rows = conn.execute(
            f"SELECT seq, conversation_id, data FROM {quoted}.events"
            f" WHERE seq > %s AND conversation_id IS NOT NULL ORDER BY seq LIMIT {_BATCH}",
            (seq,),
        ).fetchall()
        if not rows:
            break
        found = [
            (seq, cid, lexemes)
            for seq, cid, data in rows
            if (lexemes := pg_message_lexemes(serde.event_from_dict(json.loads(data))))
        ]
        if found:
            with conn.cursor() as cur:
                cur.executemany(
                    f"INSERT INTO {quoted}.message_search (seq, conversation_id, terms)"
                    " VALUES (%s, %s, array_to_tsvector(%s::text[]))",
                    found,
                )
        seq = rows[-1][0]


def strip_message_ids(conn: Any, quoted: str) -> None:
    """Migration 4's data: rewrite the records that list message ids without them."""
    last = ""
    while True:
        rows = conn.execute(
            f'SELECT id, data FROM {quoted}.conversations WHERE id COLLATE "C" > %s'
            f' ORDER BY id COLLATE "C" LIMIT {_BATCH}',
            (last,),
        ).fetchall()
        if not rows:
            break
        stripped = []
        for key, data in rows:
            record = json.loads(data)
            summary = record.get("summary") or {}
            if summary.get("message_ids") or summary.get("external_ids"):
                summary["message_ids"], summary["external_ids"] = [], []
                stripped.append((_encode(record), key))
        if stripped:
            with conn.cursor() as cur:
                cur.executemany(
                    f"UPDATE {quoted}.conversations SET data = %s WHERE id = %s", stripped
                )
        last = rows[-1][0]


def count_observations(conn: Any, quoted: str) -> None:
    """Migration 5's data: observation order and counts out of the profiles' lists."""
    owner = dict(conn.execute(f"SELECT id, profile_id FROM {quoted}.observations").fetchall())
    counts = Counter(owner.values())
    order: list[str] = []
    profiles = conn.execute(f'SELECT id, data FROM {quoted}.profiles ORDER BY id COLLATE "C"')
    counted = []
    for key, data in profiles.fetchall():
        profile = json.loads(data)
        own = [o for o in profile.pop("observation_ids", ()) if owner.get(o) == key]
        order += own
        profile["observed"] = counts[key]
        counted.append((_encode(profile), key))
    listed = set(order)
    order += sorted(o for o in owner if o not in listed)
    with conn.cursor() as cur:
        cur.executemany(
            f"UPDATE {quoted}.observations SET seq = nextval('{quoted}.observation_seq')"
            " WHERE id = %s",
            [(o,) for o in order],
        )
        cur.executemany(f"UPDATE {quoted}.profiles SET data = %s WHERE id = %s", counted)
    merges = []
    for key, data in conn.execute(f"SELECT id, data FROM {quoted}.merges").fetchall():
        record = json.loads(data)
        for side in ("survivor_before", "absorbed_before"):
            image = record[side]
            ids = image.pop("observation_ids", ())
            image["observed"] = sum(1 for o in ids if owner.get(o) == image["id"])
        merges.append((_encode(record), key))
    with conn.cursor() as cur:
        cur.executemany(f"UPDATE {quoted}.merges SET data = %s WHERE id = %s", merges)
    conn.execute(
        f"ALTER TABLE {quoted}.observations ALTER COLUMN seq SET DEFAULT"
        f" nextval('{quoted}.observation_seq'), ALTER COLUMN seq SET NOT NULL"
    )
    conn.execute(f"CREATE INDEX observations_profile ON {quoted}.observations (profile_id, seq)")


_BACKFILLS: dict[int, Callable[[Any, str], None]] = {
    3: backfill_inbox,
    4: strip_message_ids,
    5: count_observations,
}


def pg_migrate(conn: Any, schema: str, quoted: str) -> int:
    """Bring ``schema`` to ``PG_SCHEMA_VERSION`` on ``conn``; return the version found.

    Runs in one transaction (a savepoint inside a host's), under
    ``pg_advisory_xact_lock`` keyed by the schema name: a second process
    starting at once waits, then finds the migrations applied.

    Raises:
        SchemaVersionError: the schema was written by a newer omnicx.
    """
    # Up to date (every open but the first): no lock, which inside a host's
    # transaction would be held until that transaction ends.
    row = conn.execute("SELECT to_regclass(%s)", (f"{quoted}.schema_migrations",)).fetchone()
    if row[0] is not None:
        row = conn.execute(f"SELECT max(version) FROM {quoted}.schema_migrations").fetchone()
        if int(row[0] or 0) == PG_SCHEMA_VERSION:
            return PG_SCHEMA_VERSION
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"omnicx:{schema}",))
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {quoted}")
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {quoted}.schema_migrations"
            " (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        row = conn.execute(f"SELECT max(version) FROM {quoted}.schema_migrations").fetchone()
        found = int(row[0] or 0)
        if found > PG_SCHEMA_VERSION:
            raise SchemaVersionError(f"PostgreSQL schema {schema!r}", found, PG_SCHEMA_VERSION)
        for version, script in enumerate(PG_MIGRATIONS[found:], found + 1):
            for statement in script.format(s=quoted).split(";"):
                if statement.strip():
                    conn.execute(statement)
            backfill = _BACKFILLS.get(version)
            if backfill is not None:
                backfill(conn, quoted)
            conn.execute(
                f"INSERT INTO {quoted}.schema_migrations (version) VALUES (%s)", (version,)
            )
    return found
