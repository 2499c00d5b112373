"""The SQLite schema, as numbered migrations applied in order.

``PRAGMA user_version`` holds the number of migrations applied; opening a
database applies the missing ones in one transaction. Never edit a published
migration: add a new one.
"""

from __future__ import annotations

import sqlite3

from omnicx.errors import SchemaVersionError

MIGRATIONS: tuple[str, ...] = (
    # 1: the first schema.
    """
    CREATE TABLE counters (kind TEXT PRIMARY KEY, value INTEGER NOT NULL);
    CREATE TABLE profiles (id TEXT PRIMARY KEY, version INTEGER NOT NULL, data TEXT NOT NULL);
    CREATE TABLE links (key TEXT PRIMARY KEY, data TEXT NOT NULL);
    CREATE TABLE merges (id TEXT PRIMARY KEY, data TEXT NOT NULL);
    CREATE TABLE observations (
        id TEXT PRIMARY KEY, profile_id TEXT NOT NULL, data TEXT NOT NULL
    );
    CREATE TABLE conversations (
        id TEXT PRIMARY KEY,
        customer_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        version INTEGER NOT NULL,
        data TEXT NOT NULL
    );
    CREATE INDEX conversations_customer ON conversations (customer_id, created_at);
    CREATE TABLE thread_refs (ref TEXT PRIMARY KEY, conversation_id TEXT NOT NULL);
    CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        customer_id TEXT NOT NULL,
        conversation_id TEXT,
        data TEXT NOT NULL
    );
    CREATE INDEX events_customer ON events (customer_id, seq);
    CREATE INDEX events_conversation ON events (conversation_id, seq);
    CREATE TABLE receipts (key TEXT PRIMARY KEY, data TEXT NOT NULL);
    """,
    # 2: the append-only audit log.
    """
    CREATE TABLE audit (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        actor TEXT NOT NULL,
        customer_id TEXT,
        data TEXT NOT NULL
    );
    CREATE INDEX audit_customer ON audit (customer_id, seq);
    CREATE INDEX audit_actor ON audit (actor, seq);
    """,
    # 3: fewer pages written per commit. Events take plain rowids (a new
    # row still gets max + 1, so seq stays append order) instead of also
    # updating sqlite_sequence; thread references, short rows looked up by
    # key only, live in their key's B-tree instead of a table and an index.
    """
    CREATE TABLE events_3 (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        customer_id TEXT NOT NULL,
        conversation_id TEXT,
        data TEXT NOT NULL
    );
    INSERT INTO events_3 (seq, id, customer_id, conversation_id, data)
        SELECT seq, id, customer_id, conversation_id, data FROM events;
    DROP TABLE events;
    ALTER TABLE events_3 RENAME TO events;
    CREATE INDEX events_customer ON events (customer_id, seq);
    CREATE INDEX events_conversation ON events (conversation_id, seq);
    CREATE TABLE thread_refs_3 (ref TEXT PRIMARY KEY, conversation_id TEXT NOT NULL)
        WITHOUT ROWID;
    INSERT INTO thread_refs_3 (ref, conversation_id) SELECT ref, conversation_id FROM thread_refs;
    DROP TABLE thread_refs;
    ALTER TABLE thread_refs_3 RENAME TO thread_refs;
    """,
    # The due index: when anything is next due for a conversation
    # (``ConversationRecord.due_at``, microseconds since the Unix epoch, UTC),
    # for ``due``. Conversations stored before it that are still active are
    # due at once (0): the first ``Desk.tick`` works out each one's instant.
    """
    ALTER TABLE conversations ADD COLUMN due_at INTEGER;
    CREATE INDEX conversations_due ON conversations (due_at, id) WHERE due_at IS NOT NULL;
    UPDATE conversations SET due_at = 0
        WHERE json_extract(data, '$.conversation.status') NOT IN ('solved', 'closed');
    """,
    # Agents (presence and the work each carries) and the conversations
    # waiting for one, served by priority rank (highest first) then
    # original age (microseconds since the Unix epoch).
    """
    CREATE TABLE IF NOT EXISTS agents (id TEXT PRIMARY KEY, version INTEGER NOT NULL, data TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS waiting (
        id TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        rank INTEGER NOT NULL,
        arrived_at INTEGER NOT NULL,
        offered INTEGER NOT NULL,
        data TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS waiting_order ON waiting (rank DESC, arrived_at, id);
    """,
)
"""One SQL script per schema version: item ``i`` brings a store from version ``i`` to ``i + 1``."""

SCHEMA_VERSION = len(MIGRATIONS)
"""The schema version this release writes."""


def migrate(connection: sqlite3.Connection) -> int:
    """Bring the database to ``SCHEMA_VERSION``; return the version found.

    Raises:
        SchemaVersionError: the database was written by a newer omnicx.
    """
    (found,) = connection.execute("PRAGMA user_version").fetchone()
    if found > SCHEMA_VERSION:
        raise SchemaVersionError("SQLite database", found, SCHEMA_VERSION)
    if found < SCHEMA_VERSION:
        connection.execute("BEGIN IMMEDIATE")
        try:
            for script in MIGRATIONS[found:]:
                for statement in script.split(";"):
                    if statement.strip():
                        connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
    return int(found)
