"""The migration that takes message ids out of stored conversation records.

A record written before it lists its messages' ids in its summary; after
it, the thread-reference index holds every one of them (one it already gave
to another conversation stays there) and the record lists none.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from omnicx.storage import Changes, DeskStore, SqliteStore
from omnicx.storage import _schema as sqlite_schema
from omnicx.testing._inbox_data import inbox_record

OLD_SUMMARY = {"message_ids": ["a@x", "taken@x"], "external_ids": [["email", "x1"], ["sms", "s:2"]]}


def _old_data(data: str) -> str:
    record = json.loads(data)
    record["summary"].update(OLD_SUMMARY)
    return json.dumps(record)


def _check(store: DeskStore) -> None:
    assert store.conversation_for_ref("mid:a@x") == "c1"
    assert store.conversation_for_ref("ext:email:x1") == "c1"
    assert store.conversation_for_ref("ext:sms:s:2") == "c1"
    # The index gave this one to another conversation: it stays there.
    assert store.conversation_for_ref("mid:taken@x") == "c9"
    record = store.conversation("c1")
    assert record is not None
    assert record.summary.message_ids == frozenset()
    assert record.summary.external_ids == frozenset()


def test_sqlite_moves_listed_ids_into_the_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "desk.db"
    with monkeypatch.context() as patch:
        patch.setattr(sqlite_schema, "MIGRATIONS", sqlite_schema.MIGRATIONS[:-1])
        patch.setattr(sqlite_schema, "SCHEMA_VERSION", sqlite_schema.SCHEMA_VERSION - 1)
        with SqliteStore(path) as old:
            old.commit(Changes(conversations=(inbox_record("c1"), inbox_record("c2")),
                               thread_refs=(("mid:taken@x", "c9"),)))  # fmt: skip
    db = sqlite3.connect(path)
    (data,) = db.execute("SELECT data FROM conversations WHERE id = 'c1'").fetchone()
    db.execute("UPDATE conversations SET data = ? WHERE id = 'c1'", (_old_data(data),))
    db.commit()
    db.close()
    with SqliteStore(path) as store:
        _check(store)
        assert store.conversation("c2") == inbox_record("c2", version=1)
    db = sqlite3.connect(path)
    rows = db.execute("SELECT data FROM conversations").fetchall()
    assert all('"message_ids":[]' in data and '"external_ids":[]' in data for (data,) in rows)
    assert db.execute("PRAGMA user_version").fetchone()[0] == sqlite_schema.SCHEMA_VERSION
    db.close()


@pytest.mark.usefixtures("postgres_url")
def test_postgres_moves_listed_ids_into_the_index(
    empty_postgres: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg

    from omnicx.storage import PostgresStore
    from omnicx.storage import _postgres_schema as pg_schema

    url, schema = empty_postgres["url"], empty_postgres["schema"]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    with monkeypatch.context() as patch:
        patch.setattr(pg_schema, "PG_MIGRATIONS", pg_schema.PG_MIGRATIONS[:-1])
        patch.setattr(pg_schema, "PG_SCHEMA_VERSION", pg_schema.PG_SCHEMA_VERSION - 1)
        with PostgresStore(url, schema=schema, max_size=1) as old:
            old.commit(Changes(conversations=(inbox_record("c1"), inbox_record("c2")),
                               thread_refs=(("mid:taken@x", "c9"),)))  # fmt: skip
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(f'SELECT data FROM "{schema}".conversations WHERE id = %s', ("c1",))
        (data,) = row.fetchone() or ("",)
        conn.execute(
            f'UPDATE "{schema}".conversations SET data = %s WHERE id = %s', (_old_data(data), "c1")
        )
    with PostgresStore(url, schema=schema, max_size=1) as store:
        _check(store)
        assert store.conversation("c2") == inbox_record("c2", version=1)
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(f'SELECT data FROM "{schema}".conversations').fetchall()
    assert all(not json.loads(d)["summary"]["message_ids"] for (d,) in rows)
    assert all(not json.loads(d)["summary"]["external_ids"] for (d,) in rows)
