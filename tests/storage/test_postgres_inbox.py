"""PostgresStore's inbox queries: the same answers as the in-memory scan, from indexes.

For random conversations, filters and messages the SQL gives what
``MemoryStore`` gives (pages of any size, counts, search); each query is a
range of an index; a schema written before the inbox columns is filled in
by its migration; erased words leave the search index.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omnicx import serde
from omnicx.clock import FixedClock
from omnicx.desk import Desk
from omnicx.model import Channel, Priority, Status
from omnicx.storage import (
    ANY_BOT,
    MAX_LIMIT,
    NO_BOT,
    UNASSIGNED,
    Changes,
    ConversationRecord,
    InboxFilter,
    InboxSort,
    MemoryStore,
)
from omnicx.testing._erasure import write_and_erase
from omnicx.testing._inbox_data import T0, inbox_record, message_event, walk_inbox

try:
    import psycopg
except ImportError:  # pragma: no cover - the extra is installed where these run
    if os.environ.get("OMNICX_REQUIRE_POSTGRES") == "1":
        raise
    pytest.skip("the postgres extra is not installed", allow_module_level=True)

from omnicx.storage import PostgresStore
from omnicx.storage import _postgres_schema as schema_module
from omnicx.storage._postgres import pg_inbox_query, pg_search_query

_M = timedelta(minutes=1)


class _Sql:
    """Runs SQL on the test's schema (``{s}`` in a query names it)."""

    def __init__(self, url: str, schema: str) -> None:
        self.url, self.schema = url, schema

    def __call__(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.url, autocommit=True) as conn:
            rows = conn.execute(query.replace("{s}", f'"{self.schema}"'), params)
            return rows.fetchall() if rows.description else []


@pytest.fixture
def pg(empty_postgres: dict[str, Any]) -> Iterator[tuple[PostgresStore, _Sql]]:
    """A store on the emptied class schema, and SQL run on it."""
    sql = _Sql(empty_postgres["url"], empty_postgres["schema"])
    store = PostgresStore(sql.url, schema=sql.schema, max_size=1)
    yield store, sql
    store.close()


def _empty(sql: _Sql) -> None:
    sql("TRUNCATE {s}.conversations, {s}.events, {s}.message_search RESTART IDENTITY")


# -- the same answers as the scan ----------------------------------------------

_instants = st.builds(
    lambda minutes, micros: timedelta(minutes=minutes, microseconds=micros),
    st.integers(0, 4),
    st.sampled_from([0, 1, 500_000]),
)
_field_values = st.sampled_from([None, "v", 0, 1, 1.0, 1.5, True, False, float("inf")])


@st.composite
def _records(draw: st.DrawFn) -> list[ConversationRecord]:
    return [
        inbox_record(
            f"c{i:02}" if i % 3 else f"C{i:02}",  # upper case sorts first, by code point
            customer_id=draw(st.sampled_from(["p1", "p2"])),
            created=draw(_instants),
            updated=draw(st.none() | _instants),
            status=draw(st.sampled_from(list(Status))),
            priority=draw(st.sampled_from(list(Priority))),
            queue=draw(st.sampled_from([None, "a", "b"])),
            assignee=draw(st.sampled_from([None, "x", "y"])),
            tags=draw(st.frozensets(st.sampled_from(["t1", "t2"]))),
            channel=draw(st.sampled_from([Channel.EMAIL, Channel.SMS])),
            fields=draw(st.dictionaries(st.sampled_from(["f", "g"]), _field_values, max_size=2)),
            bot=draw(st.sampled_from([None, None, "r", "s"])),
        )
        for i in range(draw(st.integers(0, 9)))
    ]


@st.composite
def _filters(draw: st.DrawFn) -> InboxFilter:
    def maybe(strategy: st.SearchStrategy[Any]) -> Any:
        return draw(st.none() | strategy)

    start = maybe(_instants)
    assignee = draw(st.sampled_from([None, "x", UNASSIGNED]))
    # A bot with UNASSIGNED matches nothing, which the filter refuses.
    bots = [None, NO_BOT] if assignee is UNASSIGNED else [None, "r", "q", ANY_BOT, NO_BOT]
    return InboxFilter(
        queue=maybe(st.sampled_from(["a", "b"])),
        status=maybe(st.frozensets(st.sampled_from(list(Status)), min_size=1)),
        priority=maybe(st.sampled_from(list(Priority))),
        assignee=assignee,
        bot=draw(st.sampled_from(bots)),
        tag=maybe(st.just("t1")),
        channel=maybe(st.just(Channel.SMS)),
        customer_id=maybe(st.just("p1")),
        fields=draw(st.dictionaries(st.sampled_from(["f", "g"]), _field_values, max_size=1)),
        created_from=None if start is None else T0 + start,
        updated_before=maybe(_instants.map(lambda t: T0 + t + _M)),
    )


_WORDS = ["order", "Café", "cafe", "NEAR", "x*y", '"q"', "naïve", "e\u0301t", "ΣΑΣ", "σας",
          "Straße", "İx", "a" * 300]  # fmt: skip
_texts = st.lists(st.sampled_from(_WORDS), max_size=4).map(" ".join)


_some = settings(
    max_examples=25, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)  # fmt: skip


@_some
@given(
    records=_records(),
    f=_filters(),
    sort=st.sampled_from(list(InboxSort)),
    limit=st.integers(1, 4),
    messages=st.lists(st.tuples(st.integers(0, 8), _texts), max_size=5),
    query=_texts,
)
def test_postgres_answers_as_the_scan_does(
    pg: tuple[PostgresStore, _Sql],
    records: list[ConversationRecord],
    f: InboxFilter,
    sort: InboxSort,
    limit: int,
    messages: list[tuple[int, str]],
    query: str,
) -> None:
    """Pages of any size, counts and search: SQL over indexes and the scan agree."""
    store, sql = pg
    _empty(sql)
    memory = MemoryStore()
    events = tuple(
        message_event(f"e{n}", records[i % len(records)], text)
        for n, (i, text) in enumerate(messages)
        if records
    )
    for each in (memory, store):
        each.commit(Changes(conversations=tuple(records)))
        each.commit(Changes(events=events))
    whole = [r.id for r in memory.inbox(f, sort=sort, limit=MAX_LIMIT).records]
    assert walk_inbox(store, f, sort, limit) == whole
    assert store.inbox_counts(f) == memory.inbox_counts(f)
    for where in (None, f):
        assert [r.id for r in store.search(query, filter=where, limit=MAX_LIMIT)] == [
            r.id for r in memory.search(query, filter=where, limit=MAX_LIMIT)
        ]


# -- from indexes ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("f", "sort", "index"),
    [
        (InboxFilter(), InboxSort.PRIORITY_THEN_AGE, "conversations_priority"),
        (InboxFilter(status=Status.OPEN), InboxSort.LAST_UPDATE, "conversations_updated"),
        (InboxFilter(queue="q"), InboxSort.PRIORITY_THEN_AGE, "conversations_queue_priority"),
        (InboxFilter(queue="q"), InboxSort.LAST_UPDATE, "conversations_queue_updated"),
        (InboxFilter(assignee="a"), InboxSort.PRIORITY_THEN_AGE, "conversations_assignee"),
        (InboxFilter(bot="faq-bot"), InboxSort.PRIORITY_THEN_AGE, "conversations_bot"),
    ],
)
def test_an_inbox_page_is_a_range_of_its_index(
    pg: tuple[PostgresStore, _Sql], f: InboxFilter, sort: InboxSort, index: str
) -> None:
    store, sql = pg
    records = [
        inbox_record(
            f"c{i}", created=i * _M, queue="q", assignee="a", status=Status.OPEN, bot="faq-bot"
        )
        for i in range(3)
    ]
    store.commit(Changes(conversations=tuple(records)))
    cursor = store.inbox(f, sort=sort, limit=1).next_cursor
    query, params = pg_inbox_query(f, sort, cursor, 51)
    plan = _plan(sql, query, params)
    assert index in plan
    assert "Index Cond" in plan  # the cursor bounds the scan
    assert "Sort" not in plan


def test_search_reads_the_gin_index(pg: tuple[PostgresStore, _Sql]) -> None:
    _, sql = pg
    found = pg_search_query("where's my order", InboxFilter(queue="q"), 20)
    assert found is not None
    plan = _plan(sql, *found)
    assert "message_search_terms" in plan
    assert pg_search_query(" * ", None, 20) is None


def _plan(sql: _Sql, query: str, params: list[Any]) -> str:
    sql("ANALYZE {s}.conversations")
    with psycopg.connect(sql.url, autocommit=True) as conn:
        conn.execute("SET enable_seqscan = off")
        conn.execute("SET enable_sort = off")
        rows = conn.execute("EXPLAIN " + query.replace("{s}", f'"{sql.schema}"'), params)
        return "\n".join(row[0] for row in rows)


# -- migration and erasure -------------------------------------------------------


def test_a_schema_from_before_the_inbox_is_filled_in(
    pg: tuple[PostgresStore, _Sql], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Migration 3 copies the inbox columns of stored records and indexes stored messages."""
    store, sql = pg
    store.close()
    sql("DROP SCHEMA {s} CASCADE")
    with monkeypatch.context() as patch:
        patch.setattr(schema_module, "PG_MIGRATIONS", schema_module.PG_MIGRATIONS[:2])
        patch.setattr(schema_module, "PG_SCHEMA_VERSION", 2)
        PostgresStore(sql.url, schema=store.schema).close()
    records = [
        inbox_record("c1", created=0 * _M, updated=9 * _M, queue="q", priority=Priority.HIGH,
                     tags={"vip"}, fields={"plan": "pro"}),
        inbox_record("c2", created=1 * _M, status=Status.OPEN, assignee="a"),
    ]  # fmt: skip
    for record in records:
        sql(
            "INSERT INTO {s}.conversations (id, customer_id, created_at, version, data)"
            " VALUES (%s, %s, %s, 1, %s)",
            record.id, record.conversation.customer_id, record.conversation.created_at,
            json.dumps(serde.to_dict(record)),
        )  # fmt: skip
    for event in (message_event("e1", records[0], "Where is my Café order?"),
                  message_event("e2", records[1], "order lost")):  # fmt: skip
        sql(
            "INSERT INTO {s}.events (id, customer_id, conversation_id, data)"
            " VALUES (%s, %s, %s, %s)",
            event.id, event.customer_id, event.conversation_id,
            json.dumps(serde.event_to_dict(event)),
        )  # fmt: skip
    upgraded = PostgresStore(sql.url, schema=store.schema, max_size=1)
    try:
        assert [r.id for r in upgraded.inbox(InboxFilter()).records] == ["c1", "c2"]
        assert [r.id for r in upgraded.inbox(InboxFilter(tag="vip")).records] == ["c1"]
        assert [r.id for r in upgraded.inbox(InboxFilter(fields={"plan": "pro"})).records] == ["c1"]
        assert [r.id for r in upgraded.inbox(InboxFilter(), sort=InboxSort.LAST_UPDATE).records] == [
            "c1", "c2",
        ]  # fmt: skip
        assert [r.id for r in upgraded.search("order")] == ["c2", "c1"]
        assert [r.id for r in upgraded.search("cafe")] == ["c1"]
        assert upgraded.inbox_counts(InboxFilter(assignee="a")).total == 1
        nullable = sql(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = %s"
            " AND table_name = 'conversations' AND is_nullable = 'YES'",
            store.schema,
        )
        assert sorted(c for (c,) in nullable) == ["assignee", "bot", "due_at", "queue"]
    finally:
        upgraded.close()


def test_erased_words_leave_the_search_index(pg: tuple[PostgresStore, _Sql]) -> None:
    store, sql = pg
    write_and_erase(Desk(store=store, clock=FixedClock(T0)))
    words = {w for (w,) in sql("SELECT unnest(tsvector_to_array(terms)) FROM {s}.message_search")}
    assert "order" in words  # the other customer's
    assert {"lovelace", "447400555123", "adaville"} & words == set()
