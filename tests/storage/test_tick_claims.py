"""Several tick runners on one store: each piece of due work done, and emitted, once.

On PostgreSQL ``Desk.tick`` claims each due conversation with ``FOR UPDATE
SKIP LOCKED`` (``PostgresStore.claim_due``), so runners split the due list
and never compute the same conversation; on SQLite they read the same list
and each conversation's version check lets one of them commit.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs

from omnicx import FixedClock
from omnicx.channels import MessageReceived
from omnicx.desk import Desk
from omnicx.identity import email_identifier
from omnicx.model import (
    Author,
    AuthorKind,
    Channel,
    Direction,
    Message,
    Status,
    StatusChanged,
)
from omnicx.storage import Changes, DeskStore
from omnicx.testing import _processes as procs
from omnicx.testing._store_contract import _record

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
OPTIONS = {"auto_solve_after": HOUR, "csat_delay": HOUR}
CONVERSATIONS = 60


def _inbound(n: int) -> MessageReceived:
    message = Message(
        id=f"email:{n}", channel=Channel.EMAIL, direction=Direction.INBOUND,
        author=Author(kind=AuthorKind.CUSTOMER), sent_at=T0, text="hello", external_id=str(n),
    )  # fmt: skip
    return MessageReceived(message=message, sender=(email_identifier(f"c{n}@example.com"),))


def _pending_conversations(store: DeskStore) -> list[str]:
    # Each is auto-solved an hour after the reply, then surveyed an hour later.
    desk = Desk(store=store, clock=FixedClock(T0), **OPTIONS)  # type: ignore[arg-type]
    ids = []
    for n in range(CONVERSATIONS):
        cid = desk.receive(_inbound(n)).conversation_id
        desk.reply(cid, agent_id="a1", text="Does this help?")
        ids.append(cid)
    return ids


def _tick_in_four_processes(factory: procs.StoreFactory, store: DeskStore) -> list[dict[str, Any]]:
    ids = _pending_conversations(store)
    runs = procs.run_tick_runners(factory, 4, T0 + timedelta(days=1), OPTIONS)
    assert [r["failures"] for r in runs] == [[]] * 4
    emitted = Counter(item for r in runs for item in r["emitted"])
    assert emitted == Counter({(cid, "csat_request"): 1 for cid in ids})
    written = Counter(e for r in runs for e in r["events"])
    assert set(written.values()) == {1}
    solves = [e for e in store.events() if isinstance(e, StatusChanged)
              and e.status is Status.SOLVED]  # fmt: skip
    assert sorted(e.conversation_id or "" for e in solves) == sorted(ids)
    assert {e.id for e in solves} <= set(written)
    assert store.due(T0 + timedelta(days=1), limit=10) == []
    return runs


def test_four_tick_runners_on_one_postgres_schema(empty_postgres: dict[str, Any]) -> None:
    """4 processes tick one schema at once: each survey emitted once, no runner ever raced."""
    factory = procs.PostgresFactory(empty_postgres["url"], empty_postgres["schema"])
    store = factory()
    empty_postgres["opened"].append(store)
    runs = _tick_in_four_processes(factory, store)
    # Claimed, not raced: no runner computed a conversation another committed.
    assert [r["skipped"] for r in runs] == [0] * 4


def test_four_tick_runners_on_one_sqlite_file(tmp_path: Path) -> None:
    """The same on SQLite: the version check alone keeps each effect to one runner."""
    from omnicx.storage import SqliteStore

    path = str(tmp_path / "desk.sqlite3")
    with SqliteStore(path) as store:
        _tick_in_four_processes(procs.SqliteFactory(path), store)


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
