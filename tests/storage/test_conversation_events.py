"""``SqliteStore.conversation_events``: the log one conversation at a time, read in pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omnicx.errors import ValidationError
from omnicx.model import CustomEvent, Event
from omnicx.storage import Changes, SqliteStore

START = datetime(2026, 3, 2, 9, tzinfo=UTC)


def _event(n: int, conversation: str | None) -> Event:
    return CustomEvent(
        id=f"e{n}",
        at=START + timedelta(minutes=n),
        customer_id="p1",
        conversation_id=conversation,
        source="test",
        name="n",
    )


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "", "c-1", None]), max_size=30), st.integers(1, 8))
def test_every_conversation_once_in_append_order_whatever_the_page(
    conversations: list[str | None], batch: int
) -> None:
    """Pages of any size give each conversation's events, in append order, in id order;
    events without a conversation are left out."""
    events = [_event(n, c) for n, c in enumerate(conversations)]
    with SqliteStore() as store:
        if events:
            store.commit(Changes(events=tuple(events)))
        got = list(store.conversation_events(batch=batch))
        loose = list(store.events_without_conversation(batch=batch))
    want: dict[str, list[Event]] = {}
    for event in events:
        if event.conversation_id is not None:
            want.setdefault(event.conversation_id, []).append(event)
    assert got == [want[c] for c in sorted(want)]
    # The rest, in pages of at most ``batch``, in append order.
    assert all(0 < len(page) <= batch for page in loose)
    assert [e for page in loose for e in page] == [e for e in events if e.conversation_id is None]


def test_a_bad_batch_is_refused() -> None:
    """The page size is a whole number from 1 up."""
    with SqliteStore() as store:
        for batch in (0, -1, True, 2.5):
            with pytest.raises(ValidationError, match="batch: expected a whole number from 1 up"):
                list(store.conversation_events(batch=batch))  # type: ignore[arg-type]
            with pytest.raises(ValidationError, match="batch: expected a whole number from 1 up"):
                store.events_without_conversation(batch=batch)  # type: ignore[arg-type]
