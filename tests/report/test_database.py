"""``omnicx report --db``: the store is read in pages, one conversation at a time, and
gives the dashboard of the same events read from a JSON-lines file."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from omnicx import serde
from omnicx.cli import _report, main
from omnicx.report import DashboardCollector
from omnicx.storage import Changes, SqliteStore


class _SpyConnection:
    """Forwards to a store's connection, noting each query on the events and its rows."""

    def __init__(self, db: Any, pages: list[int]) -> None:
        self._db, self._pages = db, pages

    def execute(self, sql: str, parameters: Any = ()) -> Any:
        cursor = self._db.execute(sql, parameters)
        if "FROM events" not in sql:
            return cursor
        rows = cursor.fetchall()
        self._pages.append(len(rows))
        return _Rows(rows)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)


class _Rows:
    def __init__(self, rows: list[Any]) -> None:
        self._rows = rows

    def fetchall(self) -> list[Any]:
        return self._rows


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A week of the demo desk's events (several channels, reopens, surveys)."""
    db = tmp_path_factory.mktemp("db") / "desk.sqlite3"
    assert main(["demo", "--db", str(db), "--colour", "never"]) == 0
    return db


def _file_of(db: Path, path: Path) -> Path:
    with SqliteStore(db) as store:
        events = store.events()
    events.sort(key=lambda event: event.at)  # what the file of a store's export holds
    path.write_text("".join(json.dumps(serde.event_to_dict(e)) + "\n" for e in events))
    return path


def test_the_store_is_read_in_pages_and_gives_the_files_dashboard(
    database: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages of 7 rows, never ``events()`` (the whole log at once); every figure equals
    the dashboard of the same events read from a file."""
    pages: list[int] = []

    class SpyStore(SqliteStore):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._db = _SpyConnection(self._db, pages)  # type: ignore[assignment]

        def events(self, **_: Any) -> Any:
            raise AssertionError("the whole log was loaded")

    with SqliteStore(database) as store:
        stored = sum(e.conversation_id is not None for e in store.events())
        loose = sum(e.conversation_id is None for e in store.events())
    monkeypatch.setattr(_report, "SqliteStore", SpyStore)
    from_db = DashboardCollector()
    _report.collect_database(database, from_db, now=None, batch=7)
    assert pages
    assert max(pages) <= 7
    assert sum(pages) == stored + loose  # every event, once
    assert len(pages) == stored // 7 + 1 + loose // 7 + 1
    monkeypatch.undo()
    from_file = DashboardCollector()
    _report.collect_file(_file_of(database, tmp_path / "events.jsonl"), from_file, now=None,
                         progress=None)  # fmt: skip
    assert from_db.latest == from_file.latest
    assert from_db.earliest == from_file.earliest
    assert from_db.latest is not None
    assert from_db.dashboard(from_db.latest) == from_file.dashboard(from_file.latest)


def test_now_leaves_later_events_out_alike(database: Path, tmp_path: Path) -> None:
    """--now cuts the store's events where it cuts the file's."""
    with SqliteStore(database) as store:
        instants = sorted(e.at for e in store.events())
    now = instants[len(instants) // 2]
    from_db, from_file = DashboardCollector(), DashboardCollector()
    _report.collect_database(database, from_db, now=now, batch=50)
    _report.collect_file(_file_of(database, tmp_path / "events.jsonl"), from_file, now=now,
                         progress=None)  # fmt: skip
    assert from_db.dashboard(now) == from_file.dashboard(now)


def test_calls_on_no_conversation_count_alike(tmp_path: Path) -> None:
    """A call on the timeline only (no conversation) is read from the store too."""
    from tests.metrics.test_calls import stream

    db = tmp_path / "calls.sqlite3"
    with SqliteStore(db) as store:
        store.commit(Changes(events=tuple(stream())))
    from_db, from_file = DashboardCollector(), DashboardCollector()
    _report.collect_database(db, from_db, now=None, batch=3)
    _report.collect_file(_file_of(db, tmp_path / "events.jsonl"), from_file, now=None,
                         progress=None)  # fmt: skip
    figures = from_db.dashboard(datetime(2026, 4, 1, tzinfo=UTC)).calls
    assert figures.report.inbound == 5
    assert figures == from_file.dashboard(datetime(2026, 4, 1, tzinfo=UTC)).calls
