"""Inbox queries: SQLite's indexed SQL answers exactly as the in-memory scan does.

For random conversations, filters and messages: paging with any page size
yields the one-query sequence; pages stay stable under writes between them
(a row not written is seen exactly once); counts and search agree.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
    SqliteStore,
    search_terms,
)
from omnicx.testing._inbox_data import T0, inbox_record, message_event, walk_inbox

# Whole seconds and fractions both: "...:00Z" sorts after "...:00.000001Z" as text.
_instants = st.builds(
    lambda minutes, micros: timedelta(minutes=minutes, microseconds=micros),
    st.integers(0, 4),
    st.sampled_from([0, 1, 500_000]),
)
_queues = st.sampled_from([None, "a", "b"])
_field_values = st.sampled_from([None, "v", "w", 0, 1, 1.0, 1.5, True, False])
_fields = st.dictionaries(st.sampled_from(["f", "g"]), _field_values, max_size=2)
_bots = st.sampled_from([None, None, "r", "s"])


@st.composite
def _records(draw: st.DrawFn) -> list[ConversationRecord]:
    n = draw(st.integers(0, 10))
    return [
        inbox_record(
            f"c{i:02}",
            customer_id=draw(st.sampled_from(["p1", "p2"])),
            created=draw(_instants),
            updated=draw(st.none() | _instants),
            status=draw(st.sampled_from(list(Status))),
            priority=draw(st.sampled_from(list(Priority))),
            queue=draw(_queues),
            assignee=draw(st.sampled_from([None, "x", "y"])),
            tags=draw(st.frozensets(st.sampled_from(["t1", "t2"]))),
            channel=draw(st.sampled_from([Channel.EMAIL, Channel.SMS])),
            fields=draw(_fields),
            bot=draw(_bots),
        )
        for i in range(n)
    ]


def _optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


@st.composite
def _filters(draw: st.DrawFn) -> InboxFilter:
    start = draw(_optional(_instants))
    end = draw(_optional(_instants.filter(lambda t: start is None or t > start)))
    assignee = draw(st.sampled_from([None, "x", UNASSIGNED]))
    # A bot with UNASSIGNED matches nothing, which the filter refuses.
    bots = [None, NO_BOT] if assignee is UNASSIGNED else [None, "r", "q", ANY_BOT, NO_BOT]
    return InboxFilter(
        queue=draw(_optional(st.sampled_from(["a", "b"]))),
        status=draw(_optional(st.frozensets(st.sampled_from(list(Status)), min_size=1))),
        priority=draw(_optional(st.sampled_from(list(Priority)))),
        assignee=assignee,
        bot=draw(st.sampled_from(bots)),
        tag=draw(_optional(st.just("t1"))),
        channel=draw(_optional(st.just(Channel.SMS))),
        customer_id=draw(_optional(st.just("p1"))),
        fields=draw(st.dictionaries(st.sampled_from(["f", "g"]), _field_values, max_size=1)),
        created_from=None if start is None else T0 + start,
        updated_before=None if end is None else T0 + end,
    )


_WORDS = [
    "order",
    "Café",
    "cafe",
    "NEAR",
    "and",
    "Ünïcode",
    "x*y",
    '"q"',
    "ÅSA",
    "naïve",
    "e\u0301t",
    "et",
    "a\u0332b",
    "ΣΑΣ",
    "σας",
    "Straße",
    "\u017ftra\u017f\u017fe",  # long s
    "İx",
]
_texts = st.lists(st.sampled_from(_WORDS), max_size=5).map(" ".join)


def _both() -> tuple[MemoryStore, SqliteStore]:
    return MemoryStore(), SqliteStore(":memory:")


def _stores() -> tuple[MemoryStore, SqliteStore, SqliteStore]:
    # Search reads both the index and the messages waiting for it.
    return MemoryStore(), SqliteStore(":memory:"), SqliteStore(":memory:", search_batch=3)


_fast = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_fast
@given(_records(), _filters(), st.sampled_from(list(InboxSort)), st.integers(1, 4))
def test_pages_join_into_the_one_query_and_both_stores_agree(
    records: list[ConversationRecord], f: InboxFilter, sort: InboxSort, limit: int
) -> None:
    """Any page size yields the single query's order; SQL and the scan agree, counts too."""
    memory, sqlite = _both()
    for store in (memory, sqlite):
        store.commit(Changes(conversations=tuple(records)))
    whole = [r.id for r in memory.inbox(f, sort=sort, limit=MAX_LIMIT).records]
    assert [r.id for r in sqlite.inbox(f, sort=sort, limit=MAX_LIMIT).records] == whole
    assert walk_inbox(memory, f, sort, limit) == whole
    assert walk_inbox(sqlite, f, sort, limit) == whole
    assert memory.inbox_counts(f) == sqlite.inbox_counts(f)
    assert memory.inbox_counts(f).total == len(whole)


@_fast
@given(
    _records(),
    _filters(),
    st.sampled_from(list(InboxSort)),
    st.integers(1, 3),
    st.lists(st.tuples(st.integers(0, 12), st.sampled_from(list(Priority)), _instants), max_size=6),
)
def test_rows_not_written_between_pages_are_seen_exactly_once(
    records: list[ConversationRecord],
    f: InboxFilter,
    sort: InboxSort,
    limit: int,
    writes: list[tuple[int, Priority, timedelta]],
) -> None:
    """Writes between pages (updates and inserts) never skip nor repeat an untouched row."""
    memory, sqlite = _both()
    walks = []
    for store in (memory, sqlite):
        store.commit(Changes(conversations=tuple(records)))
        seen, written, pending = [], set(), list(writes)
        page = store.inbox(f, sort=sort, limit=limit)
        seen += [r.id for r in page.records]
        while page.next_cursor is not None:
            if pending:
                index, priority, at = pending.pop()
                stored = store.conversation(f"c{index:02}")
                base = stored or inbox_record(f"c{index:02}", created=at)
                changed = attrs.evolve(
                    base,
                    conversation=attrs.evolve(base.conversation, priority=priority),
                    updated_at=T0 + at,
                )
                store.commit(Changes(conversations=(changed,)))
                written.add(changed.id)
            page = store.inbox(f, sort=sort, limit=limit, cursor=page.next_cursor)
            seen += [r.id for r in page.records]
        untouched = {r.id for r in records if r.id not in written}
        matching = {r.id for r in store.inbox(f, limit=MAX_LIMIT).records} & untouched
        counts = Counter(seen)
        assert {i for i in untouched if counts[i]} == matching
        assert all(counts[i] == 1 for i in matching)
        walks.append(seen)
    assert walks[0] == walks[1]


@_fast
@given(_records(), st.lists(st.tuples(st.integers(0, 9), _texts), max_size=8), _texts,
       st.none() | _filters())  # fmt: skip
def test_search_agrees_between_the_scan_and_fts5(
    records: list[ConversationRecord],
    messages: list[tuple[int, str]],
    query: str,
    f: InboxFilter | None,
) -> None:
    """The same conversations, in the same order, for any text and query."""
    if not records:
        return
    events = tuple(
        message_event(f"e{n}", records[index % len(records)], text)
        for n, (index, text) in enumerate(messages)
    )
    memory, *sqlite = _stores()
    for store in (memory, *sqlite):
        store.commit(Changes(conversations=tuple(records)))
        for event in events:
            store.commit(Changes(events=(event,)))
    found = [r.id for r in memory.search(query, filter=f, limit=MAX_LIMIT)]
    for store in sqlite:
        assert [r.id for r in store.search(query, filter=f, limit=MAX_LIMIT)] == found
    terms = set(search_terms(query))
    expected = {
        e.conversation_id for e in events if terms and terms <= set(search_terms(e.message.text))
    }
    if f is None:
        assert set(found) == expected


def test_search_terms_fold_case_and_diacritics_and_drop_syntax() -> None:
    """Words are letters and digits, lower case, without diacritics; the rest separates them."""
    assert search_terms('Café "NEAR" x*y (naïve) e\u0301t ÅSA 42') == (
        "cafe", "near", "x", "y", "naive", "et", "asa", "42",
    )  # fmt: skip
    assert search_terms(' * " - ') == ()
