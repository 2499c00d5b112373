"""The PostgreSQL schema, as numbered migrations applied in order.

Every table lives in the store's own schema (``PostgresStore(schema=...)``),
so omnicx can share the host's database. ``schema_migrations`` holds one row
per migration applied. Opening a store takes a transaction-scoped advisory
lock named after the schema, so several processes starting at once apply
each migration exactly once. Never edit a published migration: add one.
``{s}`` stands for the quoted schema name.
"""

from __future__ import annotations

from typing import Any

from omnicx.errors import SchemaVersionError

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
)
"""One SQL script per schema version: item ``i`` brings a schema from version ``i`` to ``i + 1``."""

PG_SCHEMA_VERSION = len(PG_MIGRATIONS)
"""The PostgreSQL schema version this release writes."""


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
            conn.execute(
                f"INSERT INTO {quoted}.schema_migrations (version) VALUES (%s)", (version,)
            )
    return found
