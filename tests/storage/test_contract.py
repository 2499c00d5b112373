"""omnicx's own stores pass the conformance suite hosts run on theirs."""

from __future__ import annotations

from pathlib import Path

import pytest

from omnicx.storage import DeskStore, MemoryStore, SqliteStore
from omnicx.testing import StoreContract


class TestMemoryStore(StoreContract):
    def make_store(self) -> DeskStore:
        return MemoryStore()


class TestSqliteStore(StoreContract):
    @pytest.fixture(autouse=True)
    def _tmp(self, tmp_path: Path) -> None:
        self.path = tmp_path / "desk.sqlite3"

    def make_store(self) -> DeskStore:
        return SqliteStore(self.path)


def test_the_contract_base_demands_a_store() -> None:
    """A subclass that forgets make_store fails loudly, not silently."""
    with pytest.raises(NotImplementedError):
        StoreContract().make_store()


class TestSqliteStoreIndexingEachCommit(TestSqliteStore):
    """The same suite with every message added to the search index at its commit."""

    def make_store(self) -> DeskStore:
        return SqliteStore(self.path, search_batch=1)
