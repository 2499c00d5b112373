"""Two workers at once on one durable store: each message once, one customer per person.

Both workers receive every message, in the same order (each a redelivery
of the other's, arriving at once), each retrying lost races with
``retry_on_conflict``.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from omnicx.channels import MessageReceived
from omnicx.clock import FixedClock
from omnicx.desk import Desk
from omnicx.errors import ConflictError, StoreBusyError
from omnicx.identity import current_profile, email_identifier, match_key
from omnicx.model import MessageEvent, StatusChanged
from omnicx.storage import DeskStore, SqliteStore, retry_on_conflict
from omnicx.testing import _erasure
from omnicx.testing._erasure import T0

EMAILS = ("ann@race.example", "bo@race.example", "cy@race.example")


def _messages() -> list[MessageReceived]:
    found = []
    for n in range(24):
        email = EMAILS[n % len(EMAILS)]
        message = _erasure._email(f"w{n}@race.example", T0 + timedelta(minutes=n), name="Ann")
        found.append(
            MessageReceived(message=message, sender=(email_identifier(email),), sender_name="Ann")
        )
    return found


def _race(open_store: Callable[[], DeskStore]) -> DeskStore:
    messages = _messages()
    failures: list[BaseException] = []
    start = threading.Barrier(2)

    def worker(order: list[MessageReceived]) -> None:
        store = open_store()
        desk = Desk(store=store, clock=FixedClock(T0 + timedelta(hours=1)))
        start.wait()
        try:
            for event in order:
                retry_on_conflict(
                    lambda event=event: desk.receive(event),  # type: ignore[misc]
                    attempts=50,
                    retry_on=(ConflictError, StoreBusyError, sqlite3.OperationalError),
                    sleep=lambda _: None,
                )
        except BaseException as error:  # pragma: no cover - reported below
            failures.append(error)

    threads = [
        threading.Thread(target=worker, args=(messages,)),
        threading.Thread(target=worker, args=(messages,)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    return open_store()


def _check(store: DeskStore) -> None:
    events = store.events()
    stored = Counter(e.message.id for e in events if isinstance(e, MessageEvent))
    assert sorted(stored) == sorted(m.message.id for m in _messages())
    assert set(stored.values()) == {1}
    created = {e.conversation_id for e in events if isinstance(e, StatusChanged)}
    assert {e.conversation_id for e in events} <= created
    for email in EMAILS:
        link = store.link(match_key(email_identifier(email)))
        assert link is not None
        assert len({current_profile(store, p).id for p in link.profile_ids}) == 1


def test_two_workers_on_one_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "desk.sqlite3"
    SqliteStore(path).close()
    _check(_race(lambda: SqliteStore(path)))


def test_two_workers_on_one_postgres_schema(empty_postgres: dict[str, Any]) -> None:
    from omnicx.storage import PostgresStore

    def open_store() -> DeskStore:
        store = PostgresStore(empty_postgres["url"], schema=empty_postgres["schema"], max_size=1)
        empty_postgres["opened"].append(store)
        return store

    open_store()
    _check(_race(open_store))
