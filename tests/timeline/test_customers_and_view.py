"""Customer merge/unmerge of timelines, filtered views, cursors and the agent context slice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicx.errors import ValidationError
from omnicx.model import (
    Author,
    AuthorKind,
    Channel,
    Direction,
    Message,
    MessageEvent,
    NoteEvent,
)
from omnicx.testing.strategies import events
from omnicx.timeline import (
    DEFAULT_ORDER,
    TimelineQuery,
    build_timeline,
    combine_timelines,
    decode_cursor,
    encode_cursor,
    page,
    since_last_agent_reply,
    split_timeline,
)

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def note(id: str, minute: int, customer: str = "c1", conversation: str | None = None) -> NoteEvent:
    return NoteEvent(
        id=id,
        at=T0 + timedelta(minutes=minute),
        customer_id=customer,
        conversation_id=conversation,
        author=Author(kind=AuthorKind.AGENT),
        text=id,
    )


def message(
    id: str, minute: int, kind: AuthorKind, *, direction: Direction, public: bool = True
) -> MessageEvent:
    at = T0 + timedelta(minutes=minute)
    return MessageEvent(
        id=id,
        at=at,
        customer_id="c1",
        conversation_id="k1",
        message=Message(
            id=id,
            channel=Channel.EMAIL,
            direction=direction,
            author=Author(kind=kind),
            sent_at=at,
            public=public,
        ),
    )


def test_combine_reattributes_to_the_survivor_and_split_undoes_it() -> None:
    """Merging two customers interleaves their events under the survivor; splitting restores both."""
    a = [note("a1", 0, "A"), note("a2", 2, "A")]
    b = [note("b1", 1, "B")]
    combined = combine_timelines({"B": b, "A": a}, "A")
    assert [e.id for e in combined.events] == ["a1", "b1", "a2"]
    assert {e.customer_id for e in combined.events} == {"A"}
    assert combined.origins == {"a1": "A", "a2": "A", "b1": "B"}
    after = [*combined.events, note("new", 3, "A")]
    split = split_timeline(after, combined.origins, unknown_to="A")
    assert split == {"A": (a[0], a[1], note("new", 3, "A")), "B": (b[0],)}


def test_combine_and_split_refuse_empty_ids() -> None:
    """An empty survivor or fallback owner is a validation error, not a silent bucket."""
    with pytest.raises(ValidationError, match=r"^survivor_id: must not be empty$"):
        combine_timelines({}, " ")
    with pytest.raises(ValidationError, match=r"^unknown_to: must not be empty$"):
        split_timeline([], {}, unknown_to="")


@given(st.dictionaries(st.sampled_from(["A", "B", "C"]), st.lists(events(), max_size=5)))
def test_combine_does_not_depend_on_mapping_order(timelines) -> None:  # type: ignore[no-untyped-def]
    """Combining gives the same timeline and origins whatever order the customers come in."""
    forward = combine_timelines(timelines, "S")
    backward = combine_timelines(dict(reversed(list(timelines.items()))), "S")
    assert forward == backward


def test_query_filters() -> None:
    """Channel, kind, conversation and time filters each narrow the view."""
    out = message("m1", 1, AuthorKind.AGENT, direction=Direction.OUTBOUND)
    n = note("n1", 2, conversation="k2")
    evs = [out, n]
    assert [e.id for e in evs if TimelineQuery(channels=frozenset({"email"})).matches(e)] == ["m1"]
    assert [e.id for e in evs if TimelineQuery(kinds=frozenset({"note"})).matches(e)] == ["n1"]
    by_conv = TimelineQuery(conversation_ids=frozenset({"k2"}))
    assert [e.id for e in evs if by_conv.matches(e)] == ["n1"]
    window = TimelineQuery(since=T0 + timedelta(minutes=2), until=T0 + timedelta(minutes=3))
    assert [e.id for e in evs if window.matches(e)] == ["n1"]
    before = TimelineQuery(until=T0 + timedelta(minutes=2))
    assert [e.id for e in evs if before.matches(e)] == ["m1"]


def test_query_rejects_unknown_kinds_with_a_suggestion() -> None:
    """A typo in a kind is reported with the closest known tag."""
    with pytest.raises(ValidationError) as info:
        TimelineQuery(kinds=frozenset({"mesage", "order"}))
    assert str(info.value) == "kinds: unknown event kind 'mesage' (did you mean 'message'?)"


def test_pages_stay_stable_while_events_arrive() -> None:
    """Events added between page reads neither repeat nor shift the next page."""
    timeline = [note(f"e{i}", i) for i in range(5)]
    first = page(timeline, limit=2)
    assert [e.id for e in first.events] == ["e0", "e1"]
    # A late event before the cursor and a new one at the end arrive.
    grown = build_timeline([*timeline, note("late", 0), note("e9", 9)])
    second = page(grown, cursor=first.next_cursor, limit=2)
    assert [e.id for e in second.events] == ["e2", "e3"]
    third = page(grown, cursor=second.next_cursor, limit=5)
    assert [e.id for e in third.events] == ["e4", "e9"]
    assert third.next_cursor is None


def test_newest_first_pages() -> None:
    """Pages can run backwards from the newest event, with the same stability."""
    timeline = [note(f"e{i}", i) for i in range(4)]
    first = page(timeline, limit=3, newest_first=True)
    assert [e.id for e in first.events] == ["e3", "e2", "e1"]
    rest = page([*timeline, note("e5", 5)], cursor=first.next_cursor, newest_first=True)
    assert [e.id for e in rest.events] == ["e0"]


def test_cursor_round_trip_and_errors() -> None:
    """A cursor decodes to its key; junk, wrong shapes and bad limits are refused."""
    key = DEFAULT_ORDER.key(note("x", 0))
    assert decode_cursor(encode_cursor(key)) == key
    for bad in ["!!", "bm90IGpzb24", encode_cursor((1, 2, 3, 4, 5))]:  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match=r"^cursor: not a timeline cursor$"):
            decode_cursor(bad)
    with pytest.raises(ValidationError, match=r"^limit: must be >= 1, got 0$"):
        page([], limit=0)


def test_since_last_agent_reply() -> None:
    """Only events after the last public human agent reply are the agent's context."""
    inbound = message("q1", 0, AuthorKind.CUSTOMER, direction=Direction.INBOUND)
    reply = message("r1", 1, AuthorKind.AGENT, direction=Direction.OUTBOUND)
    private = message("p1", 2, AuthorKind.AGENT, direction=Direction.OUTBOUND, public=False)
    bot = message("b1", 3, AuthorKind.BOT, direction=Direction.OUTBOUND)
    follow = message("q2", 4, AuthorKind.CUSTOMER, direction=Direction.INBOUND)
    timeline = [inbound, reply, private, bot, follow]
    assert since_last_agent_reply(timeline) == (private, bot, follow)
    assert since_last_agent_reply([inbound]) == (inbound,)
    assert since_last_agent_reply([inbound, reply]) == ()
