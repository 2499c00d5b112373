"""The migrations that take growing id lists out of stored records.

A conversation record written before them lists its messages' ids in its
summary; after them, the thread-reference index holds every one of them
(one it already gave to another conversation stays there) and the record
lists none. A profile listed its observations' ids (its own and those of
the profiles merged into it); after them it counts its own, and the
observation rows, in the order the lists gave, are the list.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import attrs
import pytest

from omnicx import serde
from omnicx.identity import MergeRecord, Profile, observation_ids_of
from omnicx.storage import Changes, ConversationRecord, DeskStore, SqliteStore
from omnicx.storage import _schema as sqlite_schema
from omnicx.storage._sqlite import _inbox_columns
from omnicx.testing._inbox_data import T0, inbox_record

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


def _old_profile(profile_id: str, listed: list[str], **fields: Any) -> dict[str, Any]:
    data = serde.to_dict(Profile(id=profile_id, created_at=T0, last_seen_at=T0, **fields))
    del data["observed"]
    data["observation_ids"] = listed
    return data


def _old_identity() -> list[tuple[str, tuple[Any, ...]]]:
    """p1 saw o1, absorbed p2 (which saw o2) in m1, then saw o3: rows, as the old lists."""
    merge = serde.to_dict(
        MergeRecord(id="m1", at=T0, survivor_id="p1", absorbed_id="p2", evidence=(),
                    observation_id=None,
                    survivor_before=Profile(id="p1", created_at=T0, last_seen_at=T0),
                    absorbed_before=Profile(id="p2", created_at=T0, last_seen_at=T0))
    )  # fmt: skip
    for side, listed in (("survivor_before", ["o1"]), ("absorbed_before", ["o2"])):
        del merge[side]["observed"]
        merge[side]["observation_ids"] = listed
    observation = {"id": "o", "at": serde.to_dict(T0), "identifiers": [], "name": None,
                   "address": None, "attributes": {}}  # fmt: skip
    rows: list[tuple[str, tuple[Any, ...]]] = [
        ("observations", (oid, pid, json.dumps({**observation, "id": oid})))
        for oid, pid in (("o1", "p1"), ("o2", "p2"), ("o3", "p1"))
    ]
    rows += [
        ("profiles", ("p1", 2, json.dumps(_old_profile("p1", ["o1", "o2", "o3"],
                                                        merge_ids=("m1",))))),
        ("profiles", ("p2", 1, json.dumps(_old_profile("p2", ["o2"], merged_into="p1")))),
        ("merges", ("m1", json.dumps(merge))),
    ]  # fmt: skip
    return rows


def _check_identity(store: DeskStore, *, first: list[str]) -> None:
    p1, p2, m1 = store.profile("p1"), store.profile("p2"), store.merge("m1")
    assert p1 is not None
    assert p2 is not None
    assert m1 is not None
    assert (p1.observed, p2.observed) == (2, 1)
    assert (m1.survivor_before.observed, m1.absorbed_before.observed) == (1, 1)
    assert store.observation_ids("p1") == first
    assert observation_ids_of(store, m1.survivor_before) == ["o1"]
    assert sorted(observation_ids_of(store, p1)) == ["o1", "o2", "o3"]


_INSERT = {
    "observations": "INSERT INTO {t} (id, profile_id, data) VALUES ({m}, {m}, {m})",
    "profiles": "INSERT INTO {t} (id, version, data) VALUES ({m}, {m}, {m})",
    "merges": "INSERT INTO {t} (id, data) VALUES ({m}, {m})",
}


# Conversation rows as the schema before the record-ids migration holds them
# (the store of this release writes a later column, the bot's, too).
_OLD_CONVERSATION = (
    "INSERT INTO {t} (id, customer_id, created_at, version, data, {columns})"
    " VALUES ({m}, {m}, {m}, 1, {m}, {marks})"
)


def _old_conversation(record: ConversationRecord, columns: tuple[Any, ...]) -> tuple[Any, ...]:
    c = record.conversation
    data = json.dumps(serde.to_dict(attrs.evolve(record, version=1)), separators=(",", ":"))
    return (c.id, c.customer_id, serde.to_dict(c.created_at), data, *columns)


def _before_record_ids(migrations: tuple[str, ...]) -> int:
    # The schema version before the migration that moves records' message ids out.
    return next(i for i, script in enumerate(migrations) if "summary.message_ids" in script
                or "'summary' -> 'message_ids'" in script)  # fmt: skip


def test_sqlite_moves_listed_ids_into_the_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "desk.db"
    with monkeypatch.context() as patch:
        before = _before_record_ids(sqlite_schema.MIGRATIONS)
        patch.setattr(sqlite_schema, "MIGRATIONS", sqlite_schema.MIGRATIONS[:before])
        patch.setattr(sqlite_schema, "SCHEMA_VERSION", before)
        with SqliteStore(path) as old:
            old.commit(Changes(thread_refs=(("mid:taken@x", "c9"),)))
    db = sqlite3.connect(path)
    names = "queue, status, assignee, urgency, channel, created_us, updated_us"
    insert = _OLD_CONVERSATION.format(
        t="conversations", m="?", columns=names, marks="?, " * 6 + "?"
    )
    for record in (inbox_record("c1"), inbox_record("c2")):
        # The inbox columns of that schema: all of this release's but the bot's, the last.
        db.execute(insert, _old_conversation(record, _inbox_columns(record)[:-1]))
    (data,) = db.execute("SELECT data FROM conversations WHERE id = 'c1'").fetchone()
    db.execute("UPDATE conversations SET data = ? WHERE id = 'c1'", (_old_data(data),))
    for table, row in _old_identity():
        db.execute(_INSERT[table].format(t=table, m="?"), row)
    db.commit()
    db.close()
    with SqliteStore(path) as store:
        _check(store)
        # Rows in the order they were stored (rowid).
        _check_identity(store, first=["o1", "o3"])
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
        before = _before_record_ids(pg_schema.PG_MIGRATIONS)
        patch.setattr(pg_schema, "PG_MIGRATIONS", pg_schema.PG_MIGRATIONS[:before])
        patch.setattr(pg_schema, "PG_SCHEMA_VERSION", before)
        with PostgresStore(url, schema=schema, max_size=1) as old:
            old.commit(Changes(thread_refs=(("mid:taken@x", "c9"),)))
    with psycopg.connect(url, autocommit=True) as conn:
        names = "queue, status, urgency, assignee, channel, tags, fields, updated_at"
        insert = _OLD_CONVERSATION.format(t=f'"{schema}".conversations', m="%s", columns=names,
                                          marks="%s, " * 7 + "%s")  # fmt: skip
        for record in (inbox_record("c1"), inbox_record("c2")):
            conn.execute(insert, _old_conversation(record, pg_schema.pg_inbox_columns(record)))
        row = conn.execute(f'SELECT data FROM "{schema}".conversations WHERE id = %s', ("c1",))
        (data,) = row.fetchone() or ("",)
        conn.execute(
            f'UPDATE "{schema}".conversations SET data = %s WHERE id = %s', (_old_data(data), "c1")
        )
        for table, row in _old_identity():
            conn.execute(_INSERT[table].format(t=f'"{schema}".{table}', m="%s"), row)
    with PostgresStore(url, schema=schema, max_size=1) as store:
        _check(store)
        # Rows had no order there: they are numbered as the profile listed them.
        _check_identity(store, first=["o1", "o3"])
        assert store.conversation("c2") == inbox_record("c2", version=1)
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(f'SELECT data FROM "{schema}".conversations').fetchall()
    assert all(not json.loads(d)["summary"]["message_ids"] for (d,) in rows)
    assert all(not json.loads(d)["summary"]["external_ids"] for (d,) in rows)
