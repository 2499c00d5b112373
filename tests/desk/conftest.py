"""Fixtures the desk tests share: every store kind, and a clock at the tests' T0."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from omnicx import FixedClock
from omnicx.storage import DeskStore, MemoryStore, SqliteStore

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
"""Monday 2 March 2026, 09:00 UTC: where the desk tests' clocks start."""


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest) -> DeskStore:
    return MemoryStore() if request.param == "memory" else SqliteStore()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)
