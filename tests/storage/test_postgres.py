"""PostgresStore against a real server: the whole contract, migrations, host transactions."""

from __future__ import annotations

import os
import sys
import threading
from datetime import timedelta
from typing import Any

import attrs
import pytest

from omnicx.clock import FixedClock
from omnicx.desk import Desk
from omnicx.errors import ConflictError, SchemaVersionError, ValidationError
from omnicx.model import Agent, Channel, Priority
from omnicx.storage import AgentRecord, Changes, DeskStore, WaitingWork, waiting_order
from omnicx.testing import StoreContract, _erasure
from omnicx.testing._erasure import T0, write_and_erase

try:
    import psycopg
except ImportError:  # pragma: no cover - the extra is installed where these run
    if os.environ.get("OMNICX_REQUIRE_POSTGRES") == "1":
        raise
    pytest.skip("the postgres extra is not installed", allow_module_level=True)

from omnicx.storage import PostgresStore
from omnicx.storage._postgres import PG_DUE_QUERY, PG_WAITING_QUERY
from omnicx.storage._postgres_schema import PG_SCHEMA_VERSION


class PostgresCase:
    """Opens stores on the class's schema, emptied before each test."""

    @pytest.fixture(autouse=True)
    def _postgres(self, empty_postgres: dict[str, Any]) -> None:
        self.pg = empty_postgres

    def make_store(self) -> DeskStore:
        store = PostgresStore(self.pg["url"], schema=self.pg["schema"], max_size=2)
        self.pg["opened"].append(store)
        return store

    def sql(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.pg["url"], autocommit=True) as conn:
            rows = conn.execute(query.replace("{s}", f'"{self.pg["schema"]}"'), params)
            return rows.fetchall() if rows.description else []


class TestPostgresStore(PostgresCase, StoreContract):
    """The conformance suite every store passes."""


class TestPostgresOnly(PostgresCase):
    def test_several_processes_opening_at_once_migrate_once(self) -> None:
        self.sql("DROP SCHEMA IF EXISTS {s} CASCADE")
        failures: list[BaseException] = []

        def open_one() -> None:
            try:
                PostgresStore(self.pg["url"], schema=self.pg["schema"], max_size=1).close()
            except BaseException as error:  # pragma: no cover - reported below
                failures.append(error)

        threads = [threading.Thread(target=open_one) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        rows = self.sql("SELECT version FROM {s}.schema_migrations ORDER BY version")
        assert [v for (v,) in rows] == list(range(1, PG_SCHEMA_VERSION + 1))

    def test_a_newer_schema_is_refused(self) -> None:
        self.make_store()
        self.sql("INSERT INTO {s}.schema_migrations (version) VALUES (%s)", PG_SCHEMA_VERSION + 1)
        with pytest.raises(SchemaVersionError, match="newer than this omnicx") as raised:
            self.make_store()
        assert (raised.value.found, raised.value.supported) == (
            PG_SCHEMA_VERSION + 1,
            PG_SCHEMA_VERSION,
        )
        self.sql("DELETE FROM {s}.schema_migrations WHERE version > %s", PG_SCHEMA_VERSION)

    @pytest.mark.parametrize("schema", ["Public", "a-b", "1x", 'x";drop', ""])
    def test_a_bad_schema_name_is_refused(self, schema: str) -> None:
        with pytest.raises(ValidationError, match="schema"):
            PostgresStore(self.pg["url"], schema=schema)

    def test_a_connection_string_or_a_pool(self) -> None:
        with pytest.raises(ValidationError, match="either a connection string or a pool"):
            PostgresStore(schema=self.pg["schema"])

    def test_a_given_pool_serves_the_store_and_stays_open(self) -> None:
        from psycopg_pool import ConnectionPool

        with ConnectionPool(self.pg["url"], min_size=1, max_size=1, kwargs={"autocommit": True},
                            open=True) as pool:  # fmt: skip
            with PostgresStore(pool=pool, schema=self.pg["schema"]) as store:
                store.commit(Changes(receipts=(("k", {"customer_id": None}),)))
            assert not pool.closed
            assert PostgresStore(pool=pool, schema=self.pg["schema"]).receipt("k") == {
                "customer_id": None
            }

    def test_due_is_served_by_its_index(self) -> None:
        self.make_store()
        with psycopg.connect(self.pg["url"], autocommit=True) as conn:
            conn.execute("SET enable_seqscan = off")
            query = PG_DUE_QUERY.replace("{s}", f'"{self.pg["schema"]}"')
            plan = "\n".join(r[0] for r in conn.execute("EXPLAIN " + query, (T0, 10)))
        assert "conversations_due" in plan
        assert "Sort" not in plan

    @pytest.mark.parametrize("offered", [False, True])
    def test_waiting_work_is_served_by_its_index(self, offered: bool) -> None:
        self.make_store()
        with psycopg.connect(self.pg["url"], autocommit=True) as conn:
            conn.execute("SET enable_seqscan = off")
            query = PG_WAITING_QUERY.replace("{s}", f'"{self.pg["schema"]}"')
            plan = "\n".join(r[0] for r in conn.execute("EXPLAIN " + query, (offered, 10)))
        assert "waiting_order" in plan
        assert "Sort" not in plan

    def test_waiting_work_merges_offered_and_not_in_order(self) -> None:
        store: Any = self.make_store()
        work = [
            WaitingWork(id=f"c{i}", channel=Channel.EMAIL, arrived_at=T0 + timedelta(minutes=i),
                        priority=(Priority.HIGH, Priority.NORMAL)[i % 2],
                        offered_to="a" if i % 3 == 0 else None)
            for i in range(12)
        ]  # fmt: skip
        store.commit(Changes(waiting=tuple(work)))
        expected = sorted(work, key=waiting_order)
        assert [w.id for w in store.waiting_work()] == [w.id for w in expected]
        assert [w.id for w in store.waiting_work(limit=5)] == [w.id for w in expected[:5]]

    def test_two_new_agents_of_one_id_race_and_one_loses(self) -> None:
        first: Any = self.make_store()
        second: Any = self.make_store()
        first.commit(Changes(agents=(AgentRecord(agent=Agent(id="a", capacity=2)),)))
        with pytest.raises(ConflictError, match=r"agent 'a' changed .*stored 1"):
            second.commit(
                Changes(agents=(AgentRecord(agent=Agent(id="a")),), receipts=(("k", {}),))
            )
        assert (first.agent("a").agent.capacity, first.receipt("k")) == (2, None)

    def test_work_done_that_was_never_stored_deletes_nothing(self) -> None:
        store: Any = self.make_store()
        gone = WaitingWork(id="c1", channel=Channel.EMAIL, arrived_at=T0)
        store.commit(Changes(waiting_done=(gone,)))
        store.commit(Changes(waiting=(gone,)))
        with pytest.raises(ConflictError, match="waiting work for conversation 'c1'"):
            store.commit(Changes(waiting_done=(gone,)))
        assert store.waiting("c1") is not None

    def test_erasure_leaves_no_erased_value_in_any_text_column(self) -> None:
        store = self.make_store()
        write_and_erase(Desk(store=store, clock=FixedClock(T0)))
        columns = self.sql(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = %s AND data_type = 'text'",
            self.pg["schema"],
        )
        assert len(columns) > 10
        values = [*_erasure.ERASED, *_erasure.KEPT]
        probes = " UNION ALL ".join(
            f'SELECT %s::int FROM {{s}}."{table}" WHERE strpos("{column}", %s) > 0'
            for table, column in columns
            for _ in values
        )
        params = [p for _ in columns for i, value in enumerate(values) for p in (i, value)]
        found = {values[i] for (i,) in self.sql(probes, *params)}
        assert [v for v in _erasure.ERASED if v in found] == []
        assert [v for v in _erasure.KEPT if v not in found] == []

    def _host_write(self, conn: Any, value: str) -> Any:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS {s}.host_orders (id TEXT PRIMARY KEY)".replace(
                "{s}", f'"{self.pg["schema"]}"'
            )
        )
        conn.execute(
            "INSERT INTO {s}.host_orders VALUES (%s)".replace("{s}", f'"{self.pg["schema"]}"'),
            (value,),
        )

    def test_a_host_rollback_leaves_nothing_of_omnicx(self) -> None:
        self.make_store()  # migrated beforehand
        event = _ada_message()
        with psycopg.connect(self.pg["url"]) as conn:
            self._host_write(conn, "order-1")
            store = PostgresStore.on_connection(conn, schema=self.pg["schema"])
            receipt = Desk(store=store, clock=FixedClock(T0)).receive(event)
            assert store.conversation(receipt.conversation_id) is not None  # seen inside
            conn.rollback()
        store = self.make_store()
        assert (store.events(), store.receipt(receipt.key)) == ([], None)
        assert store.conversation(receipt.conversation_id) is None
        assert self.sql("SELECT count(*) FROM {s}.profiles") == [(0,)]

    def test_a_host_commit_keeps_both(self) -> None:
        self.make_store()
        event = _ada_message()
        with psycopg.connect(self.pg["url"]) as conn, conn.transaction():
            self._host_write(conn, "order-2")
            store = PostgresStore.on_connection(conn, schema=self.pg["schema"])
            receipt = Desk(store=store, clock=FixedClock(T0)).receive(event)
        assert ("order-2",) in self.sql("SELECT id FROM {s}.host_orders")
        again = Desk(store=self.make_store(), clock=FixedClock(T0)).receive(event)
        assert (again.replayed, again.conversation_id) == (True, receipt.conversation_id)

    def test_a_conflict_inside_a_host_transaction_rolls_back_only_omnicx(self) -> None:
        store = self.make_store()
        store.commit(Changes(receipts=(("in:x", {"customer_id": None}),)))
        with psycopg.connect(self.pg["url"]) as conn:
            self._host_write(conn, "order-3")
            hosted = PostgresStore.on_connection(conn, schema=self.pg["schema"])
            from omnicx.errors import ConflictError

            with pytest.raises(ConflictError):
                hosted.commit(
                    Changes(receipts=(("in:x", {"customer_id": None}),), new_receipts=("in:x",))
                )
            conn.commit()
        assert ("order-3",) in self.sql("SELECT id FROM {s}.host_orders")


def _ada_message() -> Any:
    from omnicx.channels import MessageReceived
    from omnicx.identity import email_identifier

    message = _erasure._email("host-1@example.com", T0, name="Ada")
    return MessageReceived(
        message=message, sender=(email_identifier("ada.host@example.com"),), sender_name="Ada"
    )


def test_omnicx_imports_without_the_postgres_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import omnicx.storage

    monkeypatch.setitem(sys.modules, "psycopg", None)
    monkeypatch.delitem(sys.modules, "omnicx.storage._postgres")
    with pytest.raises(ImportError, match=r"omnicx\[postgres\]"):
        omnicx.storage.__getattr__("PostgresStore")
    with pytest.raises(AttributeError):
        omnicx.storage.__getattr__("Nope")


def test_records_stay_plain_values() -> None:
    # The store writes what Changes holds; nothing of the connection leaks into it.
    assert attrs.has(Changes)
