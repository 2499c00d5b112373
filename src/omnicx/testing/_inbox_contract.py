"""The inbox half of the store contract: filters, sorts, cursors, counts, search.

``StoreContract`` includes these tests; they say what ``DeskStore.inbox``,
``inbox_counts`` and ``search`` return for one small, fixed set of
conversations, so every store answers the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import attrs
import pytest

from omnicx.clock import FixedClock
from omnicx.desk import Desk
from omnicx.errors import ValidationError
from omnicx.model import (
    Author,
    AuthorKind,
    BotOwner,
    Channel,
    Direction,
    NoteEvent,
    Priority,
    Status,
)
from omnicx.storage import (
    ANY_BOT,
    MAX_LIMIT,
    NO_BOT,
    UNASSIGNED,
    Changes,
    ConversationRecord,
    DeskStore,
    InboxFilter,
    InboxSort,
)
from omnicx.testing import _erasure
from omnicx.testing._inbox_data import T0, inbox_record, message_event, walk_inbox

_M = timedelta(minutes=1)


def _six() -> tuple[ConversationRecord, ...]:
    # Ties on purpose: c1 and c5 share priority, creation and update instants.
    return (
        inbox_record("c1", customer_id="p1", created=0 * _M, updated=50 * _M, queue="billing",
                     priority=Priority.URGENT, tags={"vip"},
                     fields={"plan": "pro", "seats": 5, "trial": False}),
        inbox_record("c2", customer_id="p2", created=10 * _M, updated=20 * _M, queue="billing",
                     status=Status.OPEN, assignee="a1", channel=Channel.SMS,
                     fields={"plan": "free", "seats": 5.0}),
        inbox_record("c3", customer_id="p1", created=5 * _M, queue="support",
                     status=Status.PENDING, priority=Priority.HIGH, assignee="a2",
                     tags={"vip", "refund"}, channel=Channel.CHAT, fields={"trial": True}),
        inbox_record("c4", customer_id="p3", created=20 * _M, updated=60 * _M,
                     status=Status.SOLVED, priority=Priority.LOW, tags={"refund"},
                     fields={"seats": 1}),
        inbox_record("c5", customer_id="p2", created=0 * _M, updated=50 * _M, queue="billing",
                     priority=Priority.URGENT, fields={"plan": None}),
        inbox_record("c6", customer_id="p3", created=30 * _M, updated=30 * _M, queue="support",
                     status=Status.OPEN, assignee="a1", channel=Channel.WHATSAPP,
                     fields={"seats": True}),
    )  # fmt: skip


BY_PRIORITY = ["c1", "c5", "c3", "c2", "c6", "c4"]
BY_UPDATE = ["c4", "c5", "c1", "c6", "c2", "c3"]

# Each filter and what it lists, most urgent then oldest first.
FILTERS: tuple[tuple[InboxFilter, list[str]], ...] = (
    (InboxFilter(), BY_PRIORITY),
    (InboxFilter(queue="billing"), ["c1", "c5", "c2"]),
    (InboxFilter(queue="nowhere"), []),
    (InboxFilter(status=Status.NEW), ["c1", "c5"]),
    (InboxFilter(status={Status.PENDING, Status.SOLVED}), ["c3", "c4"]),
    (InboxFilter(status="open"), ["c2", "c6"]),
    (InboxFilter(priority=Priority.URGENT), ["c1", "c5"]),
    (InboxFilter(priority={Priority.HIGH, Priority.LOW}), ["c3", "c4"]),
    (InboxFilter(assignee="a1"), ["c2", "c6"]),
    (InboxFilter(assignee=UNASSIGNED), ["c1", "c5", "c4"]),
    (InboxFilter(tag="vip"), ["c1", "c3"]),
    (InboxFilter(tag="refund"), ["c3", "c4"]),
    (InboxFilter(channel=Channel.EMAIL), ["c1", "c5", "c4"]),
    (InboxFilter(channel=Channel.SMS), ["c2"]),
    (InboxFilter(customer_id="p1"), ["c1", "c3"]),
    (InboxFilter(fields={"plan": "pro"}), ["c1"]),
    (InboxFilter(fields={"seats": 5}), ["c1", "c2"]),
    (InboxFilter(fields={"seats": 1}), ["c4"]),
    (InboxFilter(fields={"seats": True}), ["c6"]),
    (InboxFilter(fields={"trial": False}), ["c1"]),
    (InboxFilter(fields={"trial": True}), ["c3"]),
    (InboxFilter(fields={"plan": None}), ["c5", "c3", "c6", "c4"]),
    (InboxFilter(fields={"plan": "pro", "seats": 5}), ["c1"]),
    (InboxFilter(created_from=T0 + 5 * _M, created_before=T0 + 20 * _M), ["c3", "c2"]),
    (InboxFilter(updated_from=T0 + 30 * _M, updated_before=T0 + 60 * _M), ["c1", "c5", "c6"]),
    (InboxFilter(updated_before=T0 + 10 * _M), ["c3"]),
    (InboxFilter(queue="billing", status=Status.NEW, assignee=UNASSIGNED), ["c1", "c5"]),
)


def _with_bots() -> tuple[ConversationRecord, ...]:
    # Two bots' conversations, one a bot owns with an agent assigned too, and two of people.
    return (
        inbox_record("b1", created=0 * _M, updated=10 * _M, queue="billing",
                     priority=Priority.URGENT, bot="returns-bot"),
        inbox_record("b2", created=5 * _M, status=Status.OPEN, bot="faq-bot"),
        inbox_record("b3", created=1 * _M, updated=20 * _M, queue="support",
                     priority=Priority.HIGH, assignee="a1", bot="returns-bot"),
        inbox_record("h1", created=2 * _M, status=Status.OPEN),
        inbox_record("h2", created=3 * _M, priority=Priority.HIGH, assignee="a1"),
    )  # fmt: skip


def _ids(records: Sequence[ConversationRecord]) -> list[str]:
    return [r.id for r in records]


class InboxContract:
    """Inbox queries every ``DeskStore`` answers alike; part of ``StoreContract``."""

    def make_store(self) -> DeskStore:
        """Return a new, empty store. Override this."""
        raise NotImplementedError

    def _inbox_store(self) -> DeskStore:
        store = self.make_store()
        store.commit(Changes(conversations=_six()))
        return store

    def test_inbox_filters_by_every_criterion(self) -> None:
        """Each ``InboxFilter`` criterion lists exactly the conversations it names."""
        store = self._inbox_store()
        got = [_ids(store.inbox(f, limit=MAX_LIMIT).records) for f, _ in FILTERS]
        assert got == [expected for _, expected in FILTERS]

    def test_inbox_sorts_by_priority_then_age_or_by_last_update(self) -> None:
        """Most urgent then oldest first (ties by id); or latest update first (ties: id descending)."""
        store = self._inbox_store()
        assert _ids(store.inbox(InboxFilter()).records) == BY_PRIORITY
        assert _ids(store.inbox(InboxFilter(), sort=InboxSort.LAST_UPDATE).records) == BY_UPDATE
        page = store.inbox(InboxFilter(), sort=InboxSort.LAST_UPDATE)
        assert page.next_cursor is None
        assert page.records[0] == attrs.evolve(_six()[3], version=1)

    def test_inbox_pages_through_in_order(self) -> None:
        """Any page size yields the one-query order; the last page has no cursor."""
        store = self._inbox_store()
        for sort, expected in ((InboxSort.PRIORITY_THEN_AGE, BY_PRIORITY),
                               (InboxSort.LAST_UPDATE, BY_UPDATE)):  # fmt: skip
            for limit in (1, 2, 4, 5, 6, 7):
                assert walk_inbox(store, InboxFilter(), sort, limit) == expected
            assert walk_inbox(store, InboxFilter(queue="billing"), sort, 1) == [
                i for i in expected if i in {"c1", "c2", "c5"}
            ]
        first = store.inbox(InboxFilter(), limit=6)
        assert first.next_cursor is None

    def test_inbox_cursor_is_stable_under_writes(self) -> None:
        """Rows written between pages may move; rows not written are neither skipped nor repeated."""
        store = self._inbox_store()
        first = store.inbox(InboxFilter(), limit=2)
        assert _ids(first.records) == ["c1", "c5"]
        c2, c6 = (store.conversation(i) for i in ("c2", "c6"))
        assert c2 is not None
        assert c6 is not None
        moved = attrs.evolve(c6.conversation, priority=Priority.URGENT)
        store.commit(Changes(conversations=(
            inbox_record("c0", created=-10 * _M, priority=Priority.URGENT),  # before the cursor
            inbox_record("c7", created=1 * _M, priority=Priority.URGENT),  # after it
            attrs.evolve(c2, conversation=attrs.evolve(c2.conversation, tags={"late"})),
            attrs.evolve(c6, conversation=moved),
        )))  # fmt: skip
        rest = []
        cursor = first.next_cursor
        while cursor is not None:
            page = store.inbox(InboxFilter(), limit=2, cursor=cursor)
            rest += _ids(page.records)
            cursor = page.next_cursor
        assert rest == ["c7", "c6", "c3", "c2", "c4"]

        first = store.inbox(InboxFilter(), sort=InboxSort.LAST_UPDATE, limit=2)
        assert _ids(first.records) == ["c4", "c5"]
        c3 = store.conversation("c3")
        assert c3 is not None
        store.commit(Changes(conversations=(
            attrs.evolve(c3, updated_at=T0 + 70 * _M),  # to the front: before the cursor
            inbox_record("c8", updated=55 * _M),
        )))  # fmt: skip
        page = store.inbox(
            InboxFilter(), sort=InboxSort.LAST_UPDATE, limit=10, cursor=first.next_cursor
        )
        assert _ids(page.records) == ["c1", "c6", "c2", "c7", "c0"]

    def test_inbox_refuses_bad_cursors_and_limits(self) -> None:
        """A cursor not made by this sort, or a limit outside 1..MAX_LIMIT, is a ValidationError."""
        store = self._inbox_store()
        cursor = store.inbox(InboxFilter(), limit=1).next_cursor
        assert cursor is not None
        bad: list[tuple[dict[str, object], str]] = [
            ({"cursor": "not a cursor"}, "cursor"),
            ({"cursor": ""}, "cursor"),
            ({"cursor": "W10"}, "cursor"),
            ({"cursor": cursor, "sort": InboxSort.LAST_UPDATE}, "cursor"),
            ({"cursor": cursor[:-3]}, "cursor"),
            ({"limit": 0}, "limit"),
            ({"limit": MAX_LIMIT + 1}, "limit"),
        ]
        for kwargs, path in bad:
            with pytest.raises(ValidationError) as caught:
                store.inbox(InboxFilter(), **kwargs)  # type: ignore[arg-type]
            assert caught.value.paths == (path,), kwargs
        with pytest.raises(ValidationError) as caught:
            store.search("x", limit=0)
        assert caught.value.paths == ("limit",)

    def test_inbox_counts_per_queue_and_status(self) -> None:
        """Counts cover what the filter matches, by (queue, status), with totals per side."""
        store = self._inbox_store()
        counts = store.inbox_counts(InboxFilter())
        assert dict(counts.cells) == {
            ("billing", Status.NEW): 2,
            ("billing", Status.OPEN): 1,
            ("support", Status.PENDING): 1,
            ("support", Status.OPEN): 1,
            (None, Status.SOLVED): 1,
        }
        assert counts.total == 6
        assert dict(counts.by_queue) == {"billing": 3, "support": 2, None: 1}
        assert dict(counts.by_status) == {
            Status.NEW: 2, Status.OPEN: 2, Status.PENDING: 1, Status.SOLVED: 1,
        }  # fmt: skip
        active = store.inbox_counts(InboxFilter(status={s for s in Status if s.is_active}))
        assert active.total == 5
        assert store.inbox_counts(InboxFilter(queue="nowhere")).total == 0
        assert dict(store.inbox_counts(InboxFilter(assignee="a1")).by_queue) == {
            "billing": 1, "support": 1,
        }  # fmt: skip

    def test_inbox_keeps_bots_conversations_apart(self) -> None:
        """``UNASSIGNED`` lists what nobody holds, no agent and no bot; ``bot`` lists bots' work."""
        store = self.make_store()
        store.commit(Changes(conversations=_with_bots()))
        cases = [
            (InboxFilter(assignee=UNASSIGNED), ["h1"]),
            (InboxFilter(assignee=UNASSIGNED, bot=NO_BOT), ["h1"]),
            (InboxFilter(bot=ANY_BOT), ["b1", "b3", "b2"]),
            (InboxFilter(bot=NO_BOT), ["h2", "h1"]),
            (InboxFilter(bot="returns-bot"), ["b1", "b3"]),
            (InboxFilter(bot="nobody-bot"), []),
            (InboxFilter(bot="returns-bot", queue="billing"), ["b1"]),
            (InboxFilter(assignee="a1"), ["b3", "h2"]),
            (InboxFilter(assignee="a1", bot=NO_BOT), ["h2"]),
        ]
        got = [(f, _ids(store.inbox(f, limit=MAX_LIMIT).records)) for f, _ in cases]
        assert got == cases
        for sort in InboxSort:
            assert walk_inbox(store, InboxFilter(bot="returns-bot"), sort, 1) == (
                ["b1", "b3"] if sort is InboxSort.PRIORITY_THEN_AGE else ["b3", "b1"]
            )
        assert store.inbox_counts(InboxFilter(assignee=UNASSIGNED)).total == 1
        assert dict(store.inbox_counts(InboxFilter(bot=ANY_BOT)).by_queue) == {
            "billing": 1, "support": 1, None: 1,
        }  # fmt: skip
        assert store.inbox_counts(InboxFilter(bot=NO_BOT)).total == 2
        # A handoff (the bot lets go) puts a conversation in the people's queue;
        # a bot taking one takes it out.
        b2, h1 = store.conversation("b2"), store.conversation("h1")
        assert b2 is not None
        assert h1 is not None
        owner = BotOwner(id="faq-bot", since=T0)
        store.commit(Changes(conversations=(
            attrs.evolve(b2, conversation=attrs.evolve(b2.conversation, bot=None)),
            attrs.evolve(h1, conversation=attrs.evolve(h1.conversation, bot=owner)),
        )))  # fmt: skip
        assert _ids(store.inbox(InboxFilter(assignee=UNASSIGNED)).records) == ["b2"]
        assert _ids(store.inbox(InboxFilter(bot="faq-bot")).records) == ["h1"]
        assert store.inbox_counts(InboxFilter(bot="faq-bot")).total == 1
        assert _ids(store.search("order", filter=InboxFilter(bot=ANY_BOT))) == []

    def test_search_finds_whole_words_in_any_message(self) -> None:
        """Every word must be in one message; case and diacritics do not matter; notes do not count."""
        store = self._inbox_store()
        c1, c2, c3 = _six()[:3]
        note = NoteEvent(id="n1", at=T0, customer_id="p3", conversation_id="c4",
                         author=Author(kind=AuthorKind.AGENT, id="a1"), text="order refund")  # fmt: skip
        store.commit(Changes(events=(
            message_event("e1", c1, "Where is my order? The Café was closed."),
            message_event("e2", c2, 'Refund "please" NEAR the end * now (asap)'),
            message_event("e3", c3, "ORDER arrived broken"),
            message_event("e4", c1, "We shipped your order", direction=Direction.OUTBOUND),
            note,
        )))  # fmt: skip
        cases = {
            "order": ["c1", "c3"],
            "Order ARRIVED": ["c3"],
            "order closed": ["c1"],
            "order broken closed": [],
            "cafe": ["c1"],
            "CAFÉ": ["c1"],
            "orde": [],
            "": [],
            "   ?! ": [],
        }
        got = {text: _ids(store.search(text)) for text in cases}
        assert got == cases
        assert _ids(store.search("order", filter=InboxFilter(queue="support"))) == ["c3"]
        assert _ids(store.search("order", limit=1)) == ["c1"]
        assert _ids(store.search("refund")) == ["c2"]

    def test_search_text_is_never_query_syntax(self) -> None:
        """Quotes, ``*``, ``NEAR``, ``-``, ``:``, parentheses and operators are plain text."""
        store = self._inbox_store()
        c1, c2 = _six()[:2]
        store.commit(Changes(events=(
            message_event("e1", c1, "order ORDER and the text: column"),
            message_event("e2", c2, 'Refund "please" NEAR the end * now (asap)'),
        )))  # fmt: skip
        cases = {
            '"please" NEAR': ["c2"],
            "NEAR(refund please)": ["c2"],
            "refund*": ["c2"],
            "*": [],
            '"': [],
            '"unbalanced': [],
            "refund -please": ["c2"],
            "refund OR order": [],
            "AND": ["c1"],
            "NOT": [],
            "text:order": ["c1"],
            "column:order": ["c1"],
            "{text}: order": ["c1"],
            "^order": ["c1"],
            "ask+": [],
            "(asap)": ["c2"],
            "'": [],
            "\\": [],
            "\x00 order": ["c1"],
        }
        assert {text: _ids(store.search(text)) for text in cases} == cases

    def test_erasure_removes_search_hits(self) -> None:
        """After ``erase_customer`` no word of her messages finds anything; others' still do."""
        store = self.make_store()
        run = _erasure.write_and_erase(Desk(store=store, clock=FixedClock(T0)))
        assert store.search("Lovelace") == []
        assert store.search(_erasure.ADA_PHONE) == []
        assert [r.conversation.customer_id for r in store.search("order")] == [run.kept_id]
        assert [r.conversation.customer_id for r in store.search("Bo")] == [run.kept_id]
