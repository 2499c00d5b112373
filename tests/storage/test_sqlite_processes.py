"""SqliteStore with several processes: first opens at once, bounded busy waits, odd text."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omnicx.channels import MessageReceived
from omnicx.clock import FixedClock
from omnicx.desk import Desk
from omnicx.desk._demo import DEMO_RULES, demo_sla
from omnicx.errors import OmnicxError, StoreBusyError, StoreError, ValidationError
from omnicx.identity import email_identifier
from omnicx.model import Author, AuthorKind, NoteEvent
from omnicx.routing import RuleEngine, load_rules
from omnicx.storage import SCHEMA_VERSION, Changes, SqliteStore
from omnicx.testing import _erasure

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _note(event_id: str, text: str = "x") -> NoteEvent:
    return NoteEvent(
        id=event_id, at=T0, customer_id="p1", author=Author(kind=AuthorKind.AGENT), text=text
    )


def _open_and_commit(path: str, n: int, start: Any, results: Any) -> None:
    # Every process waits at the barrier, then all open the new file at once.
    try:
        start.wait(timeout=30)
        with SqliteStore(path, busy_timeout=20) as store:
            store.commit(Changes(events=(_note(f"e{n}"),)))
            store.next_id("profile")
        results.put((n, "ok"))
    except BaseException as error:  # reported to the test
        results.put((n, f"{type(error).__name__}: {error}"))


def test_eight_processes_open_one_new_file_at_once(tmp_path: Path) -> None:
    """8 processes open a file that does not exist yet, at once: each migrates or waits, each commits."""
    path = str(tmp_path / "new.sqlite3")
    context = multiprocessing.get_context("fork")
    start = context.Barrier(8)
    results = context.Queue()
    workers = [
        context.Process(target=_open_and_commit, args=(path, n, start, results)) for n in range(8)
    ]
    for worker in workers:
        worker.start()
    outcomes = dict(results.get(timeout=60) for _ in workers)
    for worker in workers:
        worker.join(timeout=60)
    assert outcomes == dict.fromkeys(range(8), "ok")
    with SqliteStore(path) as store:
        assert sorted(e.id for e in store.events()) == sorted(f"e{n}" for n in range(8))
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_commit_waits_boundedly_then_raises_a_typed_error_naming_the_file(
    tmp_path: Path,
) -> None:
    """Another connection holds the write lock: the commit ends in StoreBusyError, writes nothing."""
    path = tmp_path / "busy.sqlite3"
    store = SqliteStore(path, busy_timeout=0.05)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    with pytest.raises(StoreBusyError) as caught:
        store.commit(Changes(events=(_note("e1"),), receipts=(("k", {"a": 1}),)))
    error = caught.value
    assert isinstance(error, OmnicxError)
    assert str(path) in str(error)
    assert error.where == str(path)
    assert "busy_timeout" in str(error)
    assert error.timeout == 0.05
    assert error.what == "taking the write lock (BEGIN IMMEDIATE)"
    assert 0.04 <= error.waited < 5
    holder.execute("ROLLBACK")
    assert store.events() == []
    assert store.receipt("k") is None
    # The lock released, the same store commits as usual.
    store.commit(Changes(events=(_note("e1"),)))
    assert [e.id for e in store.events()] == ["e1"]


def test_busy_timeout_is_checked() -> None:
    """A negative or non-number busy timeout is refused, naming the option."""
    for bad in (-1, "5", True):
        with pytest.raises(ValidationError, match="busy_timeout"):
            SqliteStore(busy_timeout=bad)  # type: ignore[arg-type]


def test_a_file_that_is_not_a_database_is_a_typed_error(tmp_path: Path) -> None:
    """Junk where the database should be: an OmnicxError naming the file, not a raw sqlite3 error."""
    path = tmp_path / "junk.sqlite3"
    path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(OmnicxError, match=r"junk\.sqlite3"):
        SqliteStore(path)
    missing = tmp_path / "no such folder" / "desk.sqlite3"
    with pytest.raises(StoreError, match="unable to open") as caught:
        SqliteStore(missing)
    assert caught.value.where == str(missing)


def test_text_with_a_lone_surrogate_is_refused_naming_the_field_and_writes_nothing() -> None:
    """A lone surrogate has no UTF-8 form: ValidationError at the field, not UnicodeEncodeError."""
    store = SqliteStore()
    with pytest.raises(ValidationError) as caught:
        store.commit(Changes(events=(_note("e1", "hi \ud800 there"),), receipts=(("k", {}),)))
    assert caught.value.paths == ("text",)
    assert store.events() == []
    assert store.receipt("k") is None
    # A well-formed pair (an emoji written as two escapes, joined by the parser) is stored.
    store.commit(Changes(events=(_note("e2", "hi \U0001f600"),)))
    assert [e.text for e in store.events() if isinstance(e, NoteEvent)] == ["hi \U0001f600"]


def test_the_ends_of_the_date_range_round_trip_through_the_store() -> None:
    """Instants in year 1 and year 9999 are stored and read back unchanged."""
    store = SqliteStore()
    early = attrs.evolve(_note("e1"), at=datetime(1, 1, 1, tzinfo=UTC))
    late = attrs.evolve(_note("e2"), at=datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC))
    store.commit(Changes(events=(early, late)))
    assert store.events() == [early, late]


def _desk(store: SqliteStore, now: datetime = T0) -> Desk:
    return Desk(store=store, clock=FixedClock(now), rules=RuleEngine.compile(load_rules(DEMO_RULES)),
                sla=demo_sla())  # fmt: skip


def _received(text: str = "Hello", sent_at: datetime = T0) -> MessageReceived:
    message = attrs.evolve(_erasure._email("odd-1@odd.example", sent_at), text=text)
    return MessageReceived(message=message, sender=(email_identifier("odd@odd.example"),))


def _nothing_stored(store: SqliteStore) -> None:
    assert store.events() == []
    assert store.live_profiles() == []
    assert store.receipt("in:email:odd-1@odd.example") is None


def test_receive_refuses_a_lone_surrogate_in_a_message_before_writing() -> None:
    """Desk.receive of a message whose text holds "\\ud800": ValidationError at message.text."""
    store = SqliteStore()
    with pytest.raises(ValidationError) as caught:
        _desk(store).receive(_received("broken \ud800 text"))
    assert caught.value.paths == ("message.text",)
    _nothing_stored(store)
    assert _desk(store).receive(_received("fixed text")).customer_id


@pytest.mark.parametrize(
    "sent_at",
    [datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, tzinfo=UTC)],
    ids=["year-1", "year-9999"],
)
def test_receive_refuses_a_message_dated_at_the_ends_of_the_range(sent_at: datetime) -> None:
    """A sent time in year 1 or 9999 (a parser accepts it) is refused up front, not an OverflowError."""
    store = SqliteStore()
    with pytest.raises(ValidationError) as caught:
        _desk(store).receive(_received(sent_at=sent_at))
    assert caught.value.paths == ("message.sent_at",)
    assert "1900" in str(caught.value)
    _nothing_stored(store)


@pytest.mark.parametrize("year", [1900, 8999])
def test_receive_takes_messages_dated_inside_the_supported_range(year: int) -> None:
    """The supported range's own ends go through the whole pipeline, SLA included."""
    sent_at = datetime(year, 6, 1, 9, 0, tzinfo=UTC)
    store = SqliteStore()
    desk = _desk(store, now=sent_at)
    receipt = desk.receive(_received(sent_at=sent_at))
    desk.tick()
    assert [e.at for e in store.events(customer_ids=[receipt.customer_id])][-1] >= sent_at


def test_receive_with_a_lone_surrogate_on_postgres_is_refused_the_same_way(
    postgres_url: str,
) -> None:
    """PostgreSQL takes UTF-8 only: the same ValidationError at message.text, nothing written."""
    import psycopg

    from omnicx.storage import PostgresStore

    schema = f"omnicx_test_surrogate_{os.getpid()}"
    store = PostgresStore(postgres_url, schema=schema)
    try:
        desk = Desk(store=store, clock=FixedClock(T0))
        with pytest.raises(ValidationError) as caught:
            desk.receive(_received("broken \ud800 text"))
        assert caught.value.paths == ("message.text",)
        assert store.events() == []
        assert store.live_profiles() == []
        assert store.receipt("in:email:odd-1@odd.example") is None
        assert desk.receive(_received("fixed text")).customer_id
    finally:
        store.close()
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_memory_store_keeps_a_lone_surrogate_as_written() -> None:
    """MemoryStore holds Python strings: the text reads back unchanged."""
    from omnicx.storage import MemoryStore

    store = MemoryStore()
    receipt = Desk(store=store, clock=FixedClock(T0)).receive(_received("kept \ud800 text"))
    texts = [getattr(e, "message", None) for e in store.events(customer_ids=[receipt.customer_id])]
    assert "kept \ud800 text" in [m.text for m in texts if m is not None]


def test_opening_a_file_another_connection_holds_exclusively_is_a_typed_error(
    tmp_path: Path,
) -> None:
    """The file locked for the whole wait: StoreBusyError naming it; once free, the open works."""
    path = tmp_path / "held.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE host (x)")
    holder.execute("BEGIN EXCLUSIVE")
    with pytest.raises(StoreBusyError) as caught:
        SqliteStore(path, busy_timeout=0.05)
    assert caught.value.where == str(path)
    holder.execute("COMMIT")
    with SqliteStore(path, busy_timeout=0.05) as store:
        store.commit(Changes(events=(_note("e1"),)))
        assert [e.id for e in store.events()] == ["e1"]


@settings(max_examples=60, deadline=None)
@given(
    text=st.lists(st.one_of(st.characters(), st.characters(categories=("Cs",))), max_size=12).map(
        "".join
    )
)
def test_any_text_is_stored_exactly_or_refused_with_nothing_written(text: str) -> None:
    """Whatever str a parser hands over: read back unchanged, or ValidationError and no row."""
    store = SqliteStore()
    changes = Changes(events=(_note("e1", text),), receipts=(("k", {"t": text}),))
    if any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        with pytest.raises(ValidationError, match="lone surrogate"):
            store.commit(changes)
        assert store.events() == []
        assert store.receipt("k") is None
    else:
        store.commit(changes)
        assert [e.text for e in store.events() if isinstance(e, NoteEvent)] == [text]
        assert store.receipt("k") == {"t": text}
