"""The SQLite schema, as numbered migrations applied in order.

``PRAGMA user_version`` holds the number of migrations applied; opening a
database applies the missing ones in one transaction. Never edit a published
migration: add a new one.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from omnicx.errors import OmnicxError
from omnicx.storage._inbox import micros
from omnicx.storage._search import index_form

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
    # 4: inbox queries and search. The fields inboxes filter and sort on get
    # columns (times as integer microseconds, which sort where ISO text with
    # optional fractions does not; priority as its rank), tags a table, and
    # message text a full-text index keyed by the event's seq: contentless,
    # so it holds no copy of the text and a message writes fewer pages
    # (deleting a row names its words, which the event still holds). Column
    # sizes stay: without them the table cannot be scanned, and
    # sqlite3's iterdump (a host's backup) scans every table. Existing rows
    # are filled in with omnicx_micros and omnicx_words, which ``migrate``
    # defines on the connection.
    """
    ALTER TABLE conversations ADD COLUMN queue TEXT;
    ALTER TABLE conversations ADD COLUMN status TEXT NOT NULL DEFAULT 'new';
    ALTER TABLE conversations ADD COLUMN assignee TEXT;
    ALTER TABLE conversations ADD COLUMN priority INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE conversations ADD COLUMN channel TEXT NOT NULL DEFAULT '';
    ALTER TABLE conversations ADD COLUMN created_us INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE conversations ADD COLUMN updated_us INTEGER NOT NULL DEFAULT 0;
    UPDATE conversations SET
        queue = json_extract(data, '$.conversation.queue'),
        status = json_extract(data, '$.conversation.status'),
        assignee = json_extract(data, '$.conversation.assignee'),
        priority = CASE json_extract(data, '$.conversation.priority')
            WHEN 'low' THEN 0 WHEN 'normal' THEN 1 WHEN 'high' THEN 2 WHEN 'urgent' THEN 3 END,
        channel = json_extract(data, '$.conversation.channel'),
        created_us = omnicx_micros(json_extract(data, '$.conversation.created_at')),
        updated_us = omnicx_micros(json_extract(data, '$.summary.last_activity_at'));
    CREATE INDEX conversations_priority_age ON conversations (priority DESC, created_us, id);
    CREATE INDEX conversations_updated ON conversations (updated_us DESC, id);
    CREATE INDEX conversations_queue_status ON conversations (queue, status);
    CREATE INDEX conversations_assignee ON conversations (assignee, status);
    CREATE TABLE conversation_tags (
        conversation_id TEXT NOT NULL, tag TEXT NOT NULL, PRIMARY KEY (conversation_id, tag)
    ) WITHOUT ROWID;
    INSERT INTO conversation_tags (conversation_id, tag)
        SELECT conversations.id, tags.value
        FROM conversations, json_each(conversations.data, '$.conversation.tags') AS tags;
    CREATE VIRTUAL TABLE message_words USING fts5(
        words, tokenize = 'ascii', content = ''
    );
    INSERT INTO message_words (rowid, words)
        SELECT seq, omnicx_words(json_extract(data, '$.message.text'))
        FROM events
        WHERE json_extract(data, '$.type') = 'message' AND conversation_id IS NOT NULL
    """,
)
"""One SQL script per schema version: item ``i`` brings a store from version ``i`` to ``i + 1``."""

SCHEMA_VERSION = len(MIGRATIONS)
"""The schema version this release writes."""


def migrate(connection: sqlite3.Connection) -> int:
    """Bring the database to ``SCHEMA_VERSION``; return the version found.

    Raises:
        OmnicxError: the database was written by a newer omnicx.
    """
    # What migration 4 fills existing rows with; the same functions the
    # store applies on every commit, so old and new rows agree.
    connection.create_function("omnicx_micros", 1, _micros, deterministic=True)
    connection.create_function("omnicx_words", 1, index_form, deterministic=True)
    (found,) = connection.execute("PRAGMA user_version").fetchone()
    if found > SCHEMA_VERSION:
        raise OmnicxError(
            f"database schema version {found} is newer than this omnicx supports "
            f"({SCHEMA_VERSION}); upgrade omnicx"
        )
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


def _micros(text: str) -> int:
    return micros(datetime.fromisoformat(text))
