"""The PostgreSQL server the PostgresStore tests run against, if one answers.

``OMNICX_TEST_POSTGRES`` names it (default: a local server with trust
authentication, database ``test``). Without a server the tests skip with
one reason; ``OMNICX_REQUIRE_POSTGRES=1`` (CI) turns that skip into a
failure. Each test class gets its own schema, dropped afterwards, and each
test starts from empty tables.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from typing import Any

import pytest

TABLES = (
    "profiles, links, merges, observations, conversations, thread_refs, events, receipts, audit,"
    " agents, waiting, message_search, orders, listening"
)
_numbers = itertools.count(1)


@pytest.fixture(scope="class")
def postgres_schema(postgres_url: str) -> Iterator[str]:
    """A schema of its own for one test class, dropped when the class is done."""
    import psycopg

    name = f"omnicx_test_{os.getpid()}_{next(_numbers)}"
    yield name
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


@pytest.fixture
def empty_postgres(postgres_url: str, postgres_schema: str) -> Iterator[dict[str, Any]]:
    """The class's schema with every table emptied; closes the stores a test opened."""
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        found = conn.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = %s"
            " AND table_name = 'events'",
            (postgres_schema,),
        ).fetchone()
        if found is not None:
            tables = ", ".join(f'"{postgres_schema}".{t.strip()}' for t in TABLES.split(","))
            conn.execute(f"TRUNCATE {tables} RESTART IDENTITY")
    opened: list[Any] = []
    yield {"url": postgres_url, "schema": postgres_schema, "opened": opened}
    for store in opened:
        store.close()


@pytest.fixture
def django_postgres(postgres_url: str) -> Iterator[tuple[str, str]]:
    """The server's URL and a new, empty schema of the test's own, dropped afterwards."""
    import psycopg

    name = f"omnicx_django_{os.getpid()}_{next(_numbers)}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{name}"')
    yield postgres_url, name
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
