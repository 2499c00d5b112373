"""Inbox query values: validation with paths, and cursors that refuse damage."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicx.errors import ValidationError
from omnicx.model import Channel, Conversation, Priority, Status
from omnicx.storage import ConversationRecord, InboxFilter, InboxQuery, InboxSort
from omnicx.storage._search import index_form, query_words, words
from omnicx.timeline import ConversationSummary

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _record(conversation_id: str) -> ConversationRecord:
    conversation = Conversation(
        id=conversation_id, customer_id="p1", channel=Channel.EMAIL, created_at=T0
    )
    summary = ConversationSummary(
        id=conversation_id,
        customer_id="p1",
        channel=Channel.EMAIL,
        status=Status.NEW,
        last_activity_at=T0,
    )
    return ConversationRecord(conversation=conversation, summary=summary)


def test_single_values_stand_for_sets_of_one() -> None:
    """One queue, status or channel is a set of one; tags likewise."""
    where = InboxFilter(queues="billing", statuses=Status.OPEN, channels=Channel.SMS, tags="vip")
    assert where.queues == {"billing"}
    assert where.statuses == {Status.OPEN}
    assert where.channels == {Channel.SMS}
    assert where.tags == {"vip"}
    assert InboxFilter(tags=None).tags == frozenset()
    with pytest.raises(ValidationError, match=r"^tags: must be a set of tags, got int$"):
        InboxFilter(tags=0)  # type: ignore[arg-type]


def test_every_problem_of_a_filter_is_reported_with_its_path() -> None:
    """Wrong kinds, empty sets, naive times and backwards ranges, all at once."""
    with pytest.raises(ValidationError) as caught:
        InboxFilter(
            statuses={"open"},  # type: ignore[arg-type]
            priorities=frozenset(),
            created_from=datetime(2026, 3, 1),  # naive on purpose
            updated_from=T0,
            updated_before=T0,
        )
    assert str(caught.value).splitlines() == [
        "statuses: must hold only Status values, got str",
        "priorities: is empty and would match nothing; pass None for any Priority values",
        "created_from: naive datetime; pass a timezone-aware one (tzinfo=UTC)",
    ]
    with pytest.raises(ValidationError, match=r"^updated_before: must be later than updated_from$"):
        InboxFilter(updated_from=T0, updated_before=T0)


def test_query_limits_and_kinds_are_checked() -> None:
    """The page size is 1 to 500; sort and filter must be their own types."""
    for limit in (0, 501, True, 2.5):
        with pytest.raises(ValidationError, match=r"^limit: must be a whole number from 1 to 500"):
            InboxQuery(limit=limit)  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as caught:
        InboxQuery(where={}, sort="last_update")  # type: ignore[arg-type]
    assert caught.value.paths == ("where", "sort")


def test_a_cursor_round_trips_to_the_key_it_names() -> None:
    """cursor_after names a record's sort key; a query with it starts after that key."""
    for sort in InboxSort:
        query = InboxQuery(sort=sort)
        cursor = query.cursor_after(_record("c7"))
        assert InboxQuery(sort=sort, cursor=cursor).after == query.sort_key(_record("c7"))
        assert "=" not in cursor


@pytest.mark.parametrize(
    "cursor",
    ["", "!!!", "bm90IGpzb24", base64.urlsafe_b64encode(b"[1,2]").decode(), "\u00e9t\u00e9"],
)
def test_garbled_cursors_are_refused(cursor: str) -> None:
    """Anything but a cursor an inbox page issued is a ValidationError on ``cursor``."""
    with pytest.raises(ValidationError) as caught:
        InboxQuery(cursor=cursor)
    assert caught.value.paths == ("cursor",)
    assert "start again without a cursor" in str(caught.value)


def test_an_edited_cursor_is_refused() -> None:
    """Changing the position inside a cursor, without its check, is refused."""
    cursor = InboxQuery().cursor_after(_record("c7"))
    body = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    body[2][2] = "c9"
    edited = base64.urlsafe_b64encode(json.dumps(body).encode()).decode()
    with pytest.raises(ValidationError, match=r"^cursor: the cursor was altered"):
        InboxQuery(cursor=edited)


@given(st.text(max_size=40))
def test_damaged_cursors_are_refused_or_name_a_valid_key(noise: str) -> None:
    """Any text as a cursor either decodes to a well-formed key or raises ValidationError."""
    cursor = InboxQuery().cursor_after(_record("c7"))
    for candidate in (noise, cursor[: len(noise)], cursor + noise):
        try:
            after = InboxQuery(cursor=candidate).after
        except ValidationError as error:
            paths = error.paths
        else:
            paths = ("cursor",)
            assert after is not None
        assert paths == ("cursor",)


def test_the_plain_page_cuts_at_the_limit_and_says_whether_more_follow() -> None:
    """Three records, pages of two: two then one, the second without a cursor."""
    records = [_record(f"c{n}") for n in range(3)]
    first = InboxQuery(limit=2).page(records)
    assert [r.id for r in first.items] == ["c0", "c1"]
    assert first.next_cursor is not None
    second = InboxQuery(limit=2, cursor=first.next_cursor).page(records)
    assert [r.id for r in second.items] == ["c2"]
    assert second.next_cursor is None
    assert InboxQuery(limit=3).page(records).next_cursor is None


def test_priority_ranks_order_the_inbox() -> None:
    """Urgent sorts before low: the key negates the rank."""
    urgent, low = _record("c1"), _record("c2")
    urgent = urgent.__class__(
        conversation=Conversation(
            id="c1", customer_id="p1", channel=Channel.EMAIL, created_at=T0 + timedelta(days=1),
            priority=Priority.URGENT,
        ),
        summary=urgent.summary,
    )  # fmt: skip
    assert [r.id for r in InboxQuery().page([low, urgent]).items] == ["c1", "c2"]


def test_words_are_case_folded_normalized_runs_of_word_characters() -> None:
    """Search words: NFKC (full-width ORDER is order), casefold, ``\\w+``; hex in the index."""
    assert words("Straße \uff2f\uff32\uff24\uff25\uff32 #42, refund_request!") == [
        "strasse",
        "order",
        "42",
        "refund_request",
    ]
    assert index_form("Hi hi") == "6869 6869"
    assert query_words("Order order ORDER") == {"order"}
    with pytest.raises(ValidationError, match=r"^text: must be a str, got int$"):
        query_words(3)
