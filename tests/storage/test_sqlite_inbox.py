"""SqliteStore's inbox queries: the indexes they read, the migration that adds them."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from omnicx.errors import ValidationError
from omnicx.model import Status
from omnicx.storage import (
    MAX_LIMIT,
    SCHEMA_VERSION,
    Changes,
    InboxFilter,
    InboxSort,
    MemoryStore,
    SqliteStore,
)
from omnicx.storage._schema import MIGRATIONS, _statements
from omnicx.storage._sqlite import inbox_query
from omnicx.testing._inbox_data import inbox_record, message_event

MINUTE = timedelta(minutes=1)


def _plan(store: SqliteStore, f: InboxFilter, sort: InboxSort) -> str:
    sql, params = inbox_query(f, sort, None, 10)
    return " ".join(row[3] for row in store._db.execute(f"EXPLAIN QUERY PLAN {sql}", params))


@pytest.mark.parametrize(
    ("f", "sort", "index"),
    [
        (InboxFilter(queue="billing"), InboxSort.PRIORITY_THEN_AGE, "conversations_inbox"),
        (InboxFilter(queue="billing", status={Status.NEW, Status.OPEN}),
         InboxSort.PRIORITY_THEN_AGE, "conversations_inbox"),
        (InboxFilter(queue="billing"), InboxSort.LAST_UPDATE, "conversations_updated"),
        (InboxFilter(assignee="ann"), InboxSort.PRIORITY_THEN_AGE, "conversations_assignee"),
        (InboxFilter(bot="faq-bot"), InboxSort.PRIORITY_THEN_AGE, "conversations_bot"),
    ],
)  # fmt: skip
def test_a_queue_or_agent_view_reads_its_index_in_order(
    f: InboxFilter, sort: InboxSort, index: str
) -> None:
    """A queue's (or an agent's) page is a range of an index, already sorted."""
    with SqliteStore() as store:
        plan = _plan(store, f, sort)
    assert f"USING INDEX {index}" in plan
    assert "TEMP B-TREE" not in plan


def test_the_inbox_migration_fills_the_columns_and_the_search_index(tmp_path: Path) -> None:
    """A database written before the inbox columns answers like one written after."""
    path = tmp_path / "old.sqlite3"
    records = tuple(
        inbox_record(f"c{i}", created=i * MINUTE + timedelta(microseconds=i % 2),
                     updated=None if i % 3 else (10 - i) * MINUTE, queue="q" if i % 2 else None)
        for i in range(6)
    )  # fmt: skip
    events = tuple(message_event(f"e{i}", r, f"Café word{i}") for i, r in enumerate(records))
    memory = MemoryStore()
    memory.commit(Changes(conversations=records, events=events))
    with SqliteStore(path) as store:
        store.commit(Changes(conversations=records, events=events))
    # Back to the schema before the inbox migration.
    before = next(i for i, script in enumerate(MIGRATIONS) if "message_search" in script)
    db = sqlite3.connect(path)
    columns = ("queue", "status", "assignee", "urgency", "channel", "created_us", "updated_us",
               "bot")  # fmt: skip
    db.executescript(
        "DROP INDEX conversations_bot;"
        "DROP TRIGGER events_search_delete;"
        "DROP TRIGGER events_search_update; DROP TABLE message_search; DROP VIEW message_text; DROP TABLE search_indexed;"
        "DROP INDEX conversations_inbox; DROP INDEX conversations_updated;"
        "DROP INDEX conversations_assignee;"
        + "".join(f"ALTER TABLE conversations DROP COLUMN {column};" for column in columns)
        + f"PRAGMA user_version = {before};"
    )
    db.close()
    with SqliteStore(path) as store:
        for sort in InboxSort:
            got = store.inbox(InboxFilter(), sort=sort, limit=MAX_LIMIT).records
            assert [r.id for r in got] == [
                r.id for r in memory.inbox(InboxFilter(), sort=sort, limit=MAX_LIMIT).records
            ]
        assert [r.id for r in store.search("cafe word3")] == ["c3"]
        assert len(store.search("cafe", limit=MAX_LIMIT)) == 6
        assert store.inbox_counts(InboxFilter()) == memory.inbox_counts(InboxFilter())
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    db.close()


def test_migration_scripts_split_at_whole_statements() -> None:
    """A trigger's body keeps its own semicolons."""
    script = (
        "CREATE TABLE t (a);\nCREATE TRIGGER x AFTER INSERT ON t BEGIN\n"
        "  SELECT 1; SELECT 2;\nEND;\n  \nCREATE INDEX i ON t (a)"
    )
    parts = [" ".join(p.split()) for p in _statements(script)]
    assert parts == [
        "CREATE TABLE t (a);",
        "CREATE TRIGGER x AFTER INSERT ON t BEGIN SELECT 1; SELECT 2; END;",
        "CREATE INDEX i ON t (a);",
    ]


def test_a_replayed_message_is_indexed_once() -> None:
    """Committing the same message again adds nothing to the search index."""
    record = inbox_record("c1")
    event = message_event("e1", record, "parcel late")
    with SqliteStore(search_batch=1) as store:
        store.commit(Changes(conversations=(record,), events=(event,)))
        store.commit(Changes(events=(event,)))
        rows = store._db.execute(
            "SELECT rowid FROM message_search WHERE message_search MATCH 'parcel'"
        ).fetchall()
    assert len(rows) == 1


def test_messages_wait_for_a_batch_and_are_found_meanwhile() -> None:
    """Up to ``search_batch`` new messages are searched by a scan, then indexed at once."""
    records = [inbox_record(f"c{i}") for i in range(3)]
    with SqliteStore(search_batch=3) as store:
        store.commit(Changes(conversations=tuple(records)))
        for i, record in enumerate(records):
            assert [r.id for r in store.search("parcel", limit=10)] == [
                f"c{n}" for n in reversed(range(i))
            ]
            store.commit(Changes(events=(message_event(f"e{i}", record, "parcel late"),)))
            indexed = store._db.execute("SELECT seq FROM search_indexed").fetchone()[0]
            assert indexed == (3 if i == 2 else 0)
        assert [r.id for r in store.search("parcel", limit=10)] == ["c2", "c1", "c0"]
    with pytest.raises(ValidationError) as caught:
        SqliteStore(search_batch=0)
    assert caught.value.paths == ("search_batch",)
