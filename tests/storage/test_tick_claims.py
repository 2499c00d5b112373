"""Several tick runners on one store: each piece of due work done, and emitted, once.

``Desk.tick`` claims each due conversation with the store's ``claim_due``:
on PostgreSQL ``FOR UPDATE SKIP LOCKED`` (PostgresStore, and DjangoStore on
PostgreSQL), so runners split the due list; on SQLite the file's write
lock (SqliteStore's ``BEGIN IMMEDIATE``, DjangoStore's write that changes
nothing), so runners take turns. Either way no runner computes a
conversation another is working on: no due item fired twice, none missed,
no race lost.
"""

from __future__ import annotations

import copy
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest

from omnicx import FixedClock
from omnicx.desk import Desk
from omnicx.privacy import erase_customer
from omnicx.storage import Changes, MemoryStore
from omnicx.testing import _processes as procs
from omnicx.testing._store_contract import _record

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
NOW = T0 + timedelta(days=1)
OPTIONS = {"auto_solve_after": HOUR, "csat_delay": HOUR}
CONVERSATIONS = 60
# DjangoStore is slower per call: its runners share fewer conversations.
DJANGO_CONVERSATIONS = 24


def _check_runs(ids: list[str], runs: list[dict[str, Any]], outcome: dict[str, Any]) -> None:
    assert [r["failures"] for r in runs] == [[]] * len(runs)
    # Each conversation surveyed once: nothing fired twice, nothing missed.
    emitted = Counter(item for r in runs for item in r["emitted"])
    assert emitted == Counter({(cid, "csat_request"): 1 for cid in ids})
    written = Counter(e for r in runs for e in r["events"])
    assert set(written.values()) == {1}
    assert outcome["solved"] == sorted(ids)
    assert set(written) <= set(outcome["events"])
    assert outcome["due"] == []
    # Claimed, not raced: no runner computed a conversation another committed.
    assert [r["skipped"] for r in runs] == [0] * len(runs)


def _tick_in_four_processes(factory: procs.StoreFactory) -> None:
    ids = procs.open_pending(factory, CONVERSATIONS, T0, OPTIONS)
    runs = procs.run_tick_runners(factory, 4, NOW, OPTIONS)
    _check_runs(ids, runs, procs.tick_outcome(factory, NOW))


def _tick_through_django(factory: procs.DjangoFactory) -> None:
    # The parent's Django is pytest-django's: migrating, opening the work and
    # reading the outcome run in spawned processes set up like the runners.
    procs.in_process(factory.migrate)
    ids = procs.in_process(procs.open_pending, factory, DJANGO_CONVERSATIONS, T0, OPTIONS)
    runs = procs.run_tick_runners(factory, 4, NOW, OPTIONS)
    _check_runs(ids, runs, procs.in_process(procs.tick_outcome, factory, NOW))


def test_four_tick_runners_on_one_postgres_schema(empty_postgres: dict[str, Any]) -> None:
    """4 processes tick one schema at once: each survey emitted once, no runner ever raced."""
    _tick_in_four_processes(procs.PostgresFactory(empty_postgres["url"], empty_postgres["schema"]))


def test_four_tick_runners_on_one_sqlite_file(tmp_path: Path) -> None:
    """The same on one SQLite file: the claims take turns at the write lock."""
    _tick_in_four_processes(procs.SqliteFactory(str(tmp_path / "desk.sqlite3")))


def test_four_tick_runners_on_one_sqlite_file_through_django(tmp_path: Path) -> None:
    """4 spawned runners, each its own Django, on one SQLite file through DjangoStore."""
    database = procs.django_sqlite(tmp_path / "db.sqlite3")
    _tick_through_django(procs.DjangoFactory("host_settings", database))


def test_four_tick_runners_on_a_django_sqlite_file_without_immediate_transactions(
    tmp_path: Path,
) -> None:
    """The same with Django's default deferred transactions: the claim takes the lock itself."""
    database = procs.django_sqlite(tmp_path / "db.sqlite3")
    del database["OPTIONS"]["transaction_mode"]
    _tick_through_django(procs.DjangoFactory("host_settings", database))


def test_four_tick_runners_on_one_postgres_schema_through_django(
    django_postgres: tuple[str, str],
) -> None:
    """4 spawned runners, each its own Django, on one PostgreSQL schema through DjangoStore."""
    _tick_through_django(
        procs.DjangoFactory("host_settings", procs.django_postgres(*django_postgres))
    )


def test_a_claim_is_skipped_by_another_runner_not_waited_for(
    empty_postgres: dict[str, Any],
) -> None:
    """While one store holds a claim, a second store's claim takes the next record."""
    from omnicx.storage import PostgresStore

    def open_store() -> PostgresStore:
        store = PostgresStore(empty_postgres["url"], schema=empty_postgres["schema"], max_size=1)
        empty_postgres["opened"].append(store)
        return store

    first, second = open_store(), open_store()
    due = {"c1": T0, "c2": T0 + HOUR, "c3": None}
    first.commit(Changes(conversations=tuple(
        attrs.evolve(_record(cid, "p1"), due_at=at) for cid, at in due.items()
    )))  # fmt: skip
    now = T0 + 2 * HOUR
    with first.claim_due(now) as mine:
        assert mine is not None
        assert mine.id == "c1"
        with second.claim_due(now) as theirs:
            assert (theirs.id if theirs else None) == "c2"
            with second.claim_due(now, skip=["c2"]) as none_left:
                assert none_left is None
        # The claim's own commit is part of it; no one sees it before the claim ends.
        first.commit(Changes(conversations=(attrs.evolve(mine, due_at=None),)))
        assert [r.id for r in second.due(now, limit=5)] == ["c1", "c2"]
    assert [r.id for r in second.due(now, limit=5)] == ["c2"]


def test_every_store_omnicx_ships_claims_due_work() -> None:
    """``Desk.tick`` claims on each of them: none falls back to reading ``due`` alone."""
    from omnicx.contrib.django.store import DjangoStore
    from omnicx.storage import MemoryStore, PostgresStore, SqliteStore

    for store in (MemoryStore, SqliteStore, PostgresStore, DjangoStore):
        assert callable(getattr(store, "claim_due", None)), store.__name__


class _Undone(Exception):
    """Raised inside a claim to end it with an error."""


def test_a_failed_claim_on_memory_puts_every_table_back() -> None:
    """Desk calls, an erasure and identity writes inside a claim: its error undoes them all."""
    store = MemoryStore()
    ids = procs.open_pending(lambda: store, 3, T0, OPTIONS)

    def tables() -> dict[str, Any]:
        # The due heap's order and the id counters may differ: due() is compared instead.
        found = attrs.asdict(store, recurse=False)
        return copy.deepcopy({k: v for k, v in found.items() if k not in ("_due", "_counters")})

    before = tables()

    def claim_then_fail() -> None:
        with store.claim_due(NOW) as record:
            assert record is not None
            procs.open_pending(lambda: store, 2, T0 + HOUR, OPTIONS)  # customers, events, refs
            erase_customer(store, record.conversation.customer_id, now=NOW, actor="dpo",
                           reason="request")  # fmt: skip
            assert store.records[record.id].erased_at is not None
            raise _Undone

    with pytest.raises(_Undone):
        claim_then_fail()
    assert tables() == before
    assert [r.id for r in store.due(NOW, limit=10)] == ids
    # The next tick does each conversation, once.
    report = Desk(store=store, clock=FixedClock(NOW), **OPTIONS).tick()  # type: ignore[arg-type]
    assert sorted(r.conversation_id for r in report.receipts) == sorted(ids)
    assert Desk(store=store, clock=FixedClock(NOW), **OPTIONS).tick().receipts == ()  # type: ignore[arg-type]
