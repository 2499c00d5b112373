"""DjangoStore passes the conformance suite on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from omnicx.contrib.django.store import DjangoStore
from omnicx.storage import DeskStore
from omnicx.testing import StoreContract


@pytest.mark.django_db(transaction=True)
class TestDjangoStoreOnSqlite(StoreContract):
    def make_store(self) -> DeskStore:
        return DjangoStore()


# Each test in a transaction rolled back afterwards (emptying every table per
# test would take most of the run): each commit is a savepoint of it, the way
# it is inside a host's transaction.atomic(); test_store.py covers commits in
# their own transactions on PostgreSQL. "default" too: Django sets up every
# other test database after it.
@pytest.mark.django_db(databases=["default", "postgres"])
class TestDjangoStoreOnPostgres(StoreContract):
    @pytest.fixture(autouse=True)
    def _server(self, postgres_url: str) -> None:
        """Skips (or fails, under OMNICX_REQUIRE_POSTGRES=1) with one reason when no server answers."""

    def make_store(self) -> DeskStore:
        return DjangoStore("postgres")
