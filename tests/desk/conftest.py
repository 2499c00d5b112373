"""Fixtures the desk tests share: every store kind, and a clock at the tests' T0.

``store`` is the in-process stores; a module that overrides ``store`` with
``every_store`` runs on PostgreSQL too (a server as tests/conftest.py finds).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from omnicx import FixedClock
from omnicx.storage import DeskStore, MemoryStore, SqliteStore

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
"""Monday 2 March 2026, 09:00 UTC: where the desk tests' clocks start."""


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest) -> DeskStore:
    return MemoryStore() if request.param == "memory" else SqliteStore()


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def every_store(request: pytest.FixtureRequest) -> Iterator[DeskStore]:
    """Every store kind, PostgreSQL too (a schema of its own per test, dropped afterwards)."""
    if request.param == "memory":
        yield MemoryStore()
        return
    if request.param == "sqlite":
        yield SqliteStore()
        return
    import psycopg

    from omnicx.storage import PostgresStore

    url = request.getfixturevalue("postgres_url")
    schema = f"omnicx_desk_{os.getpid()}_{next(_schemas)}"
    try:
        with PostgresStore(url, schema=schema, max_size=1) as pg:
            yield pg
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


_schemas = itertools.count(1)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)
