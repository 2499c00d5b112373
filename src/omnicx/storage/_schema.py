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
    # Inbox queries: the columns an inbox view filters and sorts on, copied
    # from the record on every write, with an index per sort (by queue first,
    # the usual view); ``urgency`` is 0 for urgent up to 3 for low, and
    # ``created_us`` and ``updated_us`` are microseconds since the Unix epoch
    # (the ISO text of ``created_at`` ends in "Z", which sorts after a
    # fraction of a second); ``updated_us`` is the record's ``updated_at``,
    # its creation when it has none. Message text is indexed for full-text
    # search (FTS5, rowid = the event's seq) up to ``search_indexed.seq``:
    # the store indexes the events after it in batches, in a commit's
    # transaction (one FTS5 segment per batch rather than per commit), and
    # search scans the few not yet indexed; triggers keep indexed messages
    # in step when an erasure rewrites or deletes them. The
    # index's content is the message_text view of events (no second copy of
    # the text; a delete hands FTS5 the old text to take out), and it keeps
    # no column sizes (nothing ranks by bm25).
    """
    ALTER TABLE conversations ADD COLUMN queue TEXT;
    ALTER TABLE conversations ADD COLUMN status TEXT;
    ALTER TABLE conversations ADD COLUMN assignee TEXT;
    ALTER TABLE conversations ADD COLUMN urgency INTEGER;
    ALTER TABLE conversations ADD COLUMN channel TEXT;
    ALTER TABLE conversations ADD COLUMN created_us INTEGER;
    ALTER TABLE conversations ADD COLUMN updated_us INTEGER;
    UPDATE conversations SET
        queue = json_extract(data, '$.conversation.queue'),
        status = json_extract(data, '$.conversation.status'),
        assignee = json_extract(data, '$.conversation.assignee'),
        urgency = CASE json_extract(data, '$.conversation.priority')
            WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'low' THEN 3 ELSE 2 END,
        channel = json_extract(data, '$.conversation.channel');
    UPDATE conversations SET created_us =
        CAST(strftime('%s', substr(created_at, 1, 19)) AS INTEGER) * 1000000
        + CASE WHEN substr(created_at, 20, 1) = '.'
            THEN CAST(substr(created_at, 21, 6) AS INTEGER) ELSE 0 END;
    UPDATE conversations SET updated_us = COALESCE(
        CAST(strftime('%s', substr(json_extract(data, '$.updated_at'), 1, 19)) AS INTEGER)
            * 1000000
        + CASE WHEN substr(json_extract(data, '$.updated_at'), 20, 1) = '.'
            THEN CAST(substr(json_extract(data, '$.updated_at'), 21, 6) AS INTEGER) ELSE 0 END,
        created_us);
    CREATE INDEX conversations_inbox ON conversations (queue, urgency, created_us, id);
    CREATE INDEX conversations_updated ON conversations (queue, updated_us, id);
    CREATE INDEX conversations_assignee ON conversations (assignee, urgency, created_us, id)
        WHERE assignee IS NOT NULL;
    CREATE VIEW message_text (seq, text) AS
        SELECT seq, json_extract(data, '$.message.text') FROM events
        WHERE json_extract(data, '$.type') = 'message'
            AND json_extract(data, '$.message.text') != '';
    CREATE VIRTUAL TABLE message_search USING fts5 (
        text, content = 'message_text', content_rowid = 'seq', columnsize = 0,
        tokenize = 'unicode61 remove_diacritics 2'
    );
    INSERT INTO message_search (rowid, text)
        SELECT seq, json_extract(data, '$.message.text') FROM events
        WHERE json_extract(data, '$.type') = 'message'
            AND json_extract(data, '$.message.text') != '';
    CREATE TABLE search_indexed (seq INTEGER NOT NULL);
    INSERT INTO search_indexed (seq) SELECT coalesce(max(seq), 0) FROM events;
    CREATE TRIGGER events_search_delete AFTER DELETE ON events
        WHEN old.seq <= (SELECT seq FROM search_indexed)
            AND json_extract(old.data, '$.type') = 'message'
            AND json_extract(old.data, '$.message.text') != ''
    BEGIN
        INSERT INTO message_search (message_search, rowid, text)
            VALUES ('delete', old.seq, json_extract(old.data, '$.message.text'));
    END;
    CREATE TRIGGER events_search_update AFTER UPDATE OF data ON events
        WHEN old.seq <= (SELECT seq FROM search_indexed)
    BEGIN
        INSERT INTO message_search (message_search, rowid, text)
            SELECT 'delete', old.seq, json_extract(old.data, '$.message.text')
            WHERE json_extract(old.data, '$.type') = 'message'
                AND json_extract(old.data, '$.message.text') != '';
        INSERT INTO message_search (rowid, text)
            SELECT new.seq, json_extract(new.data, '$.message.text')
            WHERE json_extract(new.data, '$.type') = 'message'
                AND json_extract(new.data, '$.message.text') != '';
    END;
    """,
    # A conversation record no longer lists its messages' ids (they grew
    # with every message, and each message rewrote them all): the
    # thread-reference index, which already held them, is their one home.
    # Ids a record listed that the index lacks are added; one the index
    # gives to another conversation stays there (the index is what
    # threading read last).
    """
    INSERT OR IGNORE INTO thread_refs (ref, conversation_id)
        SELECT 'mid:' || ids.value, conversations.id
        FROM conversations, json_each(conversations.data, '$.summary.message_ids') AS ids;
    INSERT OR IGNORE INTO thread_refs (ref, conversation_id)
        SELECT 'ext:' || json_extract(ids.value, '$[0]') || ':' || json_extract(ids.value, '$[1]'),
            conversations.id
        FROM conversations, json_each(conversations.data, '$.summary.external_ids') AS ids;
    UPDATE conversations SET data = json_set(data,
            '$.summary.message_ids', json('[]'), '$.summary.external_ids', json('[]'))
        WHERE json_array_length(data, '$.summary.message_ids') > 0
            OR json_array_length(data, '$.summary.external_ids') > 0;
    """,
    # A profile no longer lists its observations' ids, only how many are
    # stored under its own id (``observed``); the rows, in rowid order, are
    # the list (``observation_ids``). A merge record's before-images count
    # the rows each profile had then: those of its list still stored under
    # its id (later ones were taken after the merge).
    """
    CREATE INDEX IF NOT EXISTS observations_profile ON observations (profile_id);
    UPDATE profiles SET data = json_set(json_remove(data, '$.observation_ids'), '$.observed',
        (SELECT count(*) FROM observations WHERE observations.profile_id = profiles.id))
        WHERE json_type(data, '$.observation_ids') IS NOT NULL;
    UPDATE merges SET data = json_set(
        json_remove(data, '$.survivor_before.observation_ids', '$.absorbed_before.observation_ids'),
        '$.survivor_before.observed', (
            SELECT count(*) FROM json_each(merges.data, '$.survivor_before.observation_ids') AS ids
            JOIN observations ON observations.id = ids.value
            WHERE observations.profile_id = json_extract(merges.data, '$.survivor_before.id')),
        '$.absorbed_before.observed', (
            SELECT count(*) FROM json_each(merges.data, '$.absorbed_before.observation_ids') AS ids
            JOIN observations ON observations.id = ids.value
            WHERE observations.profile_id = json_extract(merges.data, '$.absorbed_before.id')))
        WHERE json_type(data, '$.survivor_before.observation_ids') IS NOT NULL;
    """,
    # The order index: one row per (system, order id) with the folded
    # ``Order`` as JSON, found by key or by customer.
    """
    CREATE TABLE IF NOT EXISTS orders (
        key TEXT PRIMARY KEY, customer_id TEXT NOT NULL, data TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS orders_customer ON orders (customer_id);
    """,
    # Listening state (``Desk.listen``): one versioned row per listener name.
    """
    CREATE TABLE IF NOT EXISTS listening (
        name TEXT PRIMARY KEY, version INTEGER NOT NULL, data TEXT NOT NULL
    );
    """,
    # The bot that owns a conversation (``Conversation.bot``), by id, copied
    # from the record on every write like the other inbox columns: the
    # ``bot`` criterion reads it, and ``UNASSIGNED`` leaves its rows out.
    """
    ALTER TABLE conversations ADD COLUMN bot TEXT;
    UPDATE conversations SET bot = json_extract(data, '$.conversation.bot.id')
        WHERE json_extract(data, '$.conversation.bot') IS NOT NULL;
    CREATE INDEX conversations_bot ON conversations (bot, urgency, created_us, id)
        WHERE bot IS NOT NULL;
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
        # Several processes may open a new file at once: take the write lock,
        # then read the version again, since another may have migrated first.
        connection.execute("BEGIN IMMEDIATE")
        try:
            (found,) = connection.execute("PRAGMA user_version").fetchone()
            if found > SCHEMA_VERSION:
                raise SchemaVersionError("SQLite database", found, SCHEMA_VERSION)
            for script in MIGRATIONS[found:]:
                for statement in _statements(script):
                    connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
    return int(found)


def _statements(script: str) -> list[str]:
    # Split at each ";" that ends a whole statement (a trigger's body holds
    # its own), as sqlite3.complete_statement judges it.
    found, pending = [], ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                found.append(pending)
            pending = ""
    if pending.strip(" \n;"):
        found.append(pending)
    return found
