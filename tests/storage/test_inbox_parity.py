"""SqliteStore's indexed inbox and FTS5 search answer as MemoryStore's plain scans do.

MemoryStore is the reference: it filters, sorts and scans in Python. The
SQLite store reads indexed columns and a full-text index kept in sync on
commit; for random data both must return the same pages, cursors, counts
and search results.
"""

from __future__ import annotations

from datetime import timedelta

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from omnicx.model import Author, AuthorKind, Channel, Direction, Message, MessageEvent
from omnicx.storage import (
    Changes,
    ConversationRecord,
    DeskStore,
    Erasure,
    InboxFilter,
    InboxQuery,
    InboxSort,
    MemoryStore,
    SqliteStore,
)
from omnicx.testing._erasure import T0
from omnicx.testing._store_contract import inbox_filters, inbox_records

_VOCABULARY = ("Refund", "refund", "ORDER", "late", "Straße", "strasse", "café", "x_1", "42")


def _messages(records: list[ConversationRecord]) -> st.SearchStrategy[list[MessageEvent]]:
    if not records:
        return st.just([])
    text = st.lists(st.sampled_from(_VOCABULARY), max_size=5).map(" ".join)
    one = st.tuples(st.sampled_from([r.id for r in records]), text)

    def build(pairs: list[tuple[str, str]]) -> list[MessageEvent]:
        events = []
        for n, (conversation_id, body) in enumerate(pairs):
            message = Message(
                id=f"m{n}", channel=Channel.EMAIL, direction=Direction.INBOUND,
                author=Author(kind=AuthorKind.CUSTOMER), sent_at=T0 + timedelta(minutes=n),
                text=body,
            )  # fmt: skip
            events.append(
                MessageEvent(
                    id=f"m{n}",
                    at=message.sent_at,
                    customer_id="p1",
                    conversation_id=conversation_id,
                    message=message,
                )
            )
        return events

    return st.lists(one, max_size=12).map(build)


def _pages(store: DeskStore, query: InboxQuery) -> list[tuple[list[str], str | None]]:
    pages = []
    while True:
        page = store.inbox(query)
        pages.append(([r.id for r in page.items], page.next_cursor))
        if page.next_cursor is None:
            return pages
        query = InboxQuery(where=query.where, sort=query.sort, limit=query.limit,
                           cursor=page.next_cursor)  # fmt: skip


@settings(max_examples=80)
@given(
    st.data(),
    inbox_records(),
    inbox_filters(),
    st.sampled_from(InboxSort),
    st.integers(1, 4),
    st.lists(st.sampled_from(_VOCABULARY), min_size=1, max_size=3),
)
def test_sqlite_answers_as_the_memory_store_does(
    data: st.DataObject,
    records: list[ConversationRecord],
    where: InboxFilter,
    sort: InboxSort,
    limit: int,
    search: list[str],
) -> None:
    """Pages (items and cursors), counts and search results are identical."""
    events = data.draw(_messages(records))
    memory, sqlite = MemoryStore(), SqliteStore()
    for store in (memory, sqlite):
        store.commit(Changes(conversations=tuple(records), events=tuple(events)))
    query = InboxQuery(where=where, sort=sort, limit=limit)
    assert _pages(sqlite, query) == _pages(memory, query)
    assert sqlite.inbox_counts(where) == memory.inbox_counts(where)
    assert sqlite.inbox_counts() == memory.inbox_counts()
    text = " ".join(search)
    for filtered in (None, where):
        expected = [r.id for r in memory.search(text, where=filtered, limit=5)]
        assert [r.id for r in sqlite.search(text, where=filtered, limit=5)] == expected
    if events:
        # Rewritten and dropped events, overlapping on purpose.
        ids = st.sampled_from([e.id for e in events])
        dropped, rewritten = data.draw(st.sets(ids)), data.draw(st.sets(ids))
        quiet = tuple(
            attrs.evolve(e, message=attrs.evolve(e.message, text="late"))
            for e in events if e.id in rewritten
        )  # fmt: skip
        for store in (memory, sqlite):
            store.erase(Erasure(events=quiet, drop_events=tuple(sorted(dropped))))
        for words in (text, "late"):
            assert [r.id for r in sqlite.search(words)] == [r.id for r in memory.search(words)]
        # 'integrity-check' raises if the index no longer matches what was deleted.
        sqlite._db.execute("INSERT INTO message_words (message_words) VALUES ('integrity-check')")
