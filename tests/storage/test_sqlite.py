"""SqliteStore specifics: file persistence, WAL, migrations, atomicity."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
import pytest

from omnicx.errors import ConflictError, OmnicxError
from omnicx.identity import ChangeSet, Link, Profile
from omnicx.model import Author, AuthorKind, Channel, Conversation, NoteEvent, Status
from omnicx.storage import SCHEMA_VERSION, Changes, ConversationRecord, SqliteStore, migrate
from omnicx.timeline import ConversationSummary

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _note(event_id: str) -> NoteEvent:
    return NoteEvent(
        id=event_id, at=T0, customer_id="p1", author=Author(kind=AuthorKind.AGENT), text="x"
    )


def test_data_survives_reopening_the_file(tmp_path: Path) -> None:
    """What one store commits, a store opened later on the same file reads."""
    path = tmp_path / "desk.sqlite3"
    with SqliteStore(path) as store:
        store.commit(Changes(events=(_note("e1"),), receipts=(("k", {"a": 1}),)))
        assert store.next_id("profile") == "p1"
    with SqliteStore(path) as again:
        assert [e.id for e in again.events()] == ["e1"]
        assert again.receipt("k") == {"a": 1}
        assert again.next_id("profile") == "p2"


def test_opens_in_wal_mode_with_the_current_schema(tmp_path: Path) -> None:
    """The file uses the WAL journal and records its schema version."""
    path = tmp_path / "desk.sqlite3"
    SqliteStore(path).close()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_migrate_is_idempotent_and_refuses_newer_schemas(tmp_path: Path) -> None:
    """Migrating twice is harmless; a database from a newer omnicx is refused."""
    db = sqlite3.connect(tmp_path / "x.sqlite3", isolation_level=None)
    assert migrate(db) == 0
    assert migrate(db) == SCHEMA_VERSION
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(OmnicxError, match="newer than this omnicx supports"):
        migrate(db)


def test_a_failing_migration_leaves_the_database_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A broken migration rolls back: no half-created schema remains."""
    from omnicx.storage import _schema

    monkeypatch.setattr(_schema, "MIGRATIONS", ("CREATE TABLE a (x); CREATE TABLE ??",))
    monkeypatch.setattr(_schema, "SCHEMA_VERSION", 1)
    db = sqlite3.connect(tmp_path / "x.sqlite3", isolation_level=None)
    with pytest.raises(sqlite3.OperationalError):
        _schema.migrate(db)
    assert db.execute("SELECT name FROM sqlite_master").fetchall() == []
    assert db.execute("PRAGMA user_version").fetchone()[0] == 0


def test_an_unserializable_value_fails_before_anything_is_written() -> None:
    """A value the converter refuses never reaches the database."""
    store = SqliteStore()
    bad = Profile(id="p1", created_at=T0, last_seen_at=T0, attributes={"x": object()})
    with pytest.raises(TypeError):
        store.commit(Changes(identity=ChangeSet(profiles=(bad,)), events=(_note("e1"),)))
    assert store.events() == []
    assert store.profile("p1") is None


def test_live_profiles_skip_tombstones() -> None:
    """live_profiles lists only profiles not merged away."""
    store = SqliteStore()
    alive = Profile(id="p1", created_at=T0, last_seen_at=T0)
    gone = Profile(id="p2", created_at=T0, last_seen_at=T0, merged_into="p1")
    store.apply(ChangeSet(profiles=(alive, gone)))
    assert store.live_profiles() == [alive]


def test_opening_an_older_database_migrates_it_and_keeps_its_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file written at schema 1 opens at the current schema with its rows intact."""
    from omnicx.storage import _schema

    path = tmp_path / "old.sqlite3"
    with monkeypatch.context() as patch:
        patch.setattr(_schema, "MIGRATIONS", _schema.MIGRATIONS[:1])
        patch.setattr(_schema, "SCHEMA_VERSION", 1)
        with SqliteStore(path) as old:
            old.commit(Changes(events=(_note("e1"),)))
    with SqliteStore(path) as store:
        assert [e.id for e in store.events()] == ["e1"]
        assert store.audit() == []
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_rows_read_again_decode_to_equal_values() -> None:
    """A profile read twice, and after an update, is the value last written."""
    store = SqliteStore()
    first = Profile(id="p1", created_at=T0, last_seen_at=T0)
    store.apply(ChangeSet(profiles=(first,)))
    assert store.profile("p1") == first
    assert store.profile("p1") == first
    later = Profile(id="p1", created_at=T0, last_seen_at=T0, names=("Ada",))
    store.apply(ChangeSet(profiles=(later,)))
    assert store.profile("p1") == later


def test_ids_are_never_handed_out_twice_across_stores_on_one_file(tmp_path: Path) -> None:
    """Two stores on one file take ids in reserved blocks: consecutive each, shared by none."""
    path = tmp_path / "desk.sqlite3"
    with SqliteStore(path) as one, SqliteStore(path) as two:
        taken = [store.next_id("c") for _ in range(200) for store in (one, two)]
    assert len(set(taken)) == len(taken)
    with SqliteStore(path) as again:
        later = int(again.next_id("c")[1:])
    assert later > max(int(i[1:]) for i in taken)


def test_one_store_hands_out_consecutive_ids(tmp_path: Path) -> None:
    """A single store's ids count up without gaps, as a reader would expect."""
    with SqliteStore(tmp_path / "desk.sqlite3") as store:
        assert [store.next_id("profile") for _ in range(100)] == [f"p{n}" for n in range(1, 101)]


def test_the_decoded_row_cache_stays_bounded() -> None:
    """Past its limit the cache drops the least recently used rows; reads stay right."""
    from omnicx.storage._decoded import DecodedRows

    store = SqliteStore()
    store._decoded = DecodedRows(max_entries=3)
    profiles = [Profile(id=f"p{i}", created_at=T0, last_seen_at=T0) for i in range(6)]
    store.apply(ChangeSet(profiles=tuple(profiles)))
    assert store.profile("p0") == profiles[0]
    for profile in profiles[3:]:
        assert store.profile(profile.id) == profile
    assert len(store._decoded) == 3
    assert {value.id for value in store._decoded._rows.values()} == {"p3", "p4", "p5"}


def _conversation(conversation_id: str, start: datetime, version: int = 0) -> ConversationRecord:
    conversation = Conversation(
        id=conversation_id, customer_id="p1", channel=Channel.EMAIL, created_at=start
    )
    summary = ConversationSummary(
        id=conversation_id,
        customer_id="p1",
        channel=Channel.EMAIL,
        status=Status.NEW,
        last_activity_at=start,
    )
    return ConversationRecord(conversation=conversation, summary=summary, version=version)


def test_a_conversation_whose_start_moves_back_is_reindexed() -> None:
    """A late message that moves a conversation's start back reorders the customer's list."""
    store = SqliteStore()
    store.commit(Changes(conversations=(_conversation("c1", T0),)))
    store.commit(Changes(conversations=(_conversation("c2", T0 + timedelta(hours=1)),)))
    earlier = _conversation("c2", T0 - timedelta(hours=1), version=1)
    store.commit(Changes(conversations=(earlier,)))
    assert [r.id for r in store.conversations_of(["p1"])] == ["c2", "c1"]
    assert store.conversation("c2") == attrs.evolve(earlier, version=2)
    with pytest.raises(ConflictError, match=r"read version 1, stored 2"):
        store.commit(Changes(conversations=(earlier,)))


def test_a_second_conflicting_conversation_writes_nothing() -> None:
    """When one record of a commit lost its race, the records before it are not written either."""
    store = SqliteStore()
    store.commit(Changes(conversations=(_conversation("c2", T0),)))
    fresh = _conversation("c1", T0)
    with pytest.raises(ConflictError, match=r"'c2' changed since it was read"):
        store.commit(Changes(conversations=(fresh, _conversation("c2", T0))))
    assert store.conversation("c1") is None


def test_opening_a_schema_2_database_keeps_event_order_and_thread_refs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Migration 3 rebuilds events and thread refs: order, ids and lookups survive, and
    events appended afterwards come after the old ones."""
    from omnicx.storage import _schema

    path = tmp_path / "v2.sqlite3"
    with monkeypatch.context() as patch:
        patch.setattr(_schema, "MIGRATIONS", _schema.MIGRATIONS[:2])
        patch.setattr(_schema, "SCHEMA_VERSION", 2)
        with SqliteStore(path) as old:
            old.commit(
                Changes(
                    events=(_note("e2"), _note("e1"), _note("e3")),
                    thread_refs=(("mid:a", "c1"), ("ext:email:b", "c2")),
                )
            )
    with SqliteStore(path) as store:
        store.commit(Changes(events=(_note("e0"),)))
        assert [e.id for e in store.events()] == ["e2", "e1", "e3", "e0"]
        assert store.conversation_for_ref("mid:a") == "c1"
        assert store.conversation_for_ref("ext:email:b") == "c2"
    db = sqlite3.connect(path)
    tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
    assert {"events_3", "thread_refs_3"}.isdisjoint(tables)
    assert {"events_customer", "events_conversation"} <= tables


def test_due_reads_the_due_index_in_its_order() -> None:
    """The due query is a range of the partial index: no scan, no sort of what it finds."""
    from omnicx.storage._sqlite import DUE_QUERY

    with SqliteStore() as store:
        plan = " ".join(
            row[3] for row in store._db.execute(f"EXPLAIN QUERY PLAN {DUE_QUERY}", (0, 5))
        )
    assert "USING INDEX conversations_due" in plan
    assert "TEMP B-TREE" not in plan
    assert "SCAN" not in plan


def test_the_commit_checks_reads_of_more_keys_than_one_query_binds(tmp_path: Path) -> None:
    """Links read are looked up in chunks: a moved one far down the list is still seen."""
    store = SqliteStore(tmp_path / "desk.sqlite3")
    read = {f"email:c{i}@example.com": None for i in range(1_200)}
    store.commit(Changes(links_read=read, refs_read={"mid:x": None}, new_receipts=("k1",)))
    moved = "email:c900@example.com"
    store.commit(Changes(identity=ChangeSet(links=(Link(key=moved, profile_ids=("p1",)),)),
                         links_read={moved: None}))  # fmt: skip
    with pytest.raises(ConflictError, match=r"c900@example\.com"):
        store.commit(Changes(links_read=read, receipts=(("k2", {}),), new_receipts=("k2",)))
    assert store.receipt("k2") is None
    store.commit(Changes(receipts=(("k3", {}),), new_receipts=("k3",)))
    with pytest.raises(ConflictError, match="'k3' was already recorded"):
        store.commit(Changes(new_receipts=("k3",)))
