"""The migration that adds the bot column to stored conversations.

A database written before it holds bot-owned conversations only in their
JSON; after it, ``InboxFilter.bot`` finds them and ``UNASSIGNED`` leaves
them out, as ``MemoryStore`` answers for the same records.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import attrs
import pytest

from omnicx import serde
from omnicx.storage import (
    ANY_BOT,
    NO_BOT,
    UNASSIGNED,
    Changes,
    ConversationRecord,
    DeskStore,
    InboxFilter,
    InboxSort,
    MemoryStore,
    SqliteStore,
)
from omnicx.storage import _schema as sqlite_schema
from omnicx.storage._sqlite import _inbox_columns
from omnicx.testing._inbox_data import inbox_record

RECORDS = (
    inbox_record("c1", bot="returns-bot", queue="returns"),
    inbox_record("c2", bot="faq-bot"),
    inbox_record("c3", queue="returns"),
    inbox_record("c4", assignee="a1"),
    inbox_record("c5", bot="returns-bot", assignee="a1"),
)
FILTERS = (
    InboxFilter(),
    InboxFilter(assignee=UNASSIGNED),
    InboxFilter(bot=ANY_BOT),
    InboxFilter(bot=NO_BOT),
    InboxFilter(bot="returns-bot"),
    InboxFilter(bot="returns-bot", queue="returns"),
    InboxFilter(assignee="a1", bot=NO_BOT),
)
_INSERT = (
    "INSERT INTO {t} (id, customer_id, created_at, version, data, {columns})"
    " VALUES ({m}, {m}, {m}, 1, {m}, {marks})"
)


def _row(record: ConversationRecord, columns: tuple[Any, ...]) -> tuple[Any, ...]:
    c = record.conversation
    data = json.dumps(serde.to_dict(attrs.evolve(record, version=1)))
    return (c.id, c.customer_id, serde.to_dict(c.created_at), data, *columns)


def _before_bot(migrations: tuple[str, ...]) -> int:
    return next(i for i, script in enumerate(migrations) if "ADD COLUMN bot" in script)


def _check(store: DeskStore) -> None:
    memory = MemoryStore()
    memory.commit(Changes(conversations=RECORDS))
    for f in FILTERS:
        for sort in InboxSort:
            got = [r.id for r in store.inbox(f, sort=sort).records]
            assert got == [r.id for r in memory.inbox(f, sort=sort).records], (f, sort)
        assert store.inbox_counts(f) == memory.inbox_counts(f), f
    assert [r.id for r in store.inbox(InboxFilter(assignee=UNASSIGNED)).records] == ["c3"]
    assert [r.id for r in store.inbox(InboxFilter(bot="returns-bot")).records] == ["c1", "c5"]
    # Written again, a record keeps its column in step.
    record = store.conversation("c2")
    assert record is not None
    store.commit(Changes(conversations=(
        attrs.evolve(record, conversation=attrs.evolve(record.conversation, bot=None)),
    )))  # fmt: skip
    assert [r.id for r in store.inbox(InboxFilter(assignee=UNASSIGNED)).records] == ["c2", "c3"]


def test_sqlite_fills_the_bot_column(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "desk.db"
    before = _before_bot(sqlite_schema.MIGRATIONS)
    with monkeypatch.context() as patch:
        patch.setattr(sqlite_schema, "MIGRATIONS", sqlite_schema.MIGRATIONS[:before])
        patch.setattr(sqlite_schema, "SCHEMA_VERSION", before)
        SqliteStore(path).close()
    db = sqlite3.connect(path)
    names = "queue, status, assignee, urgency, channel, created_us, updated_us"
    insert = _INSERT.format(t="conversations", m="?", columns=names, marks="?, " * 6 + "?")
    for record in RECORDS:
        # The inbox columns of that schema: all of this release's but the bot's, the last.
        db.execute(insert, _row(record, _inbox_columns(record)[:-1]))
    db.commit()
    db.close()
    with SqliteStore(path) as store:
        _check(store)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == sqlite_schema.SCHEMA_VERSION
    db.close()


@pytest.mark.usefixtures("postgres_url")
def test_postgres_fills_the_bot_column(
    empty_postgres: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg

    from omnicx.storage import PostgresStore
    from omnicx.storage import _postgres_schema as pg_schema

    url, schema = empty_postgres["url"], empty_postgres["schema"]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    before = _before_bot(pg_schema.PG_MIGRATIONS)
    with monkeypatch.context() as patch:
        patch.setattr(pg_schema, "PG_MIGRATIONS", pg_schema.PG_MIGRATIONS[:before])
        patch.setattr(pg_schema, "PG_SCHEMA_VERSION", before)
        PostgresStore(url, schema=schema, max_size=1).close()
    names = "queue, status, urgency, assignee, channel, tags, fields, updated_at"
    insert = _INSERT.format(t=f'"{schema}".conversations', m="%s", columns=names,
                            marks="%s, " * 7 + "%s")  # fmt: skip
    with psycopg.connect(url, autocommit=True) as conn:
        for record in RECORDS:
            conn.execute(insert, _row(record, pg_schema.pg_inbox_columns(record)))
    with PostgresStore(url, schema=schema, max_size=1) as store:
        _check(store)
