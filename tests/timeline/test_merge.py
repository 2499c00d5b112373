"""Ordering, de-duplication and merging of timeline events."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicx.model import (
    Author,
    AuthorKind,
    CallEvent,
    Channel,
    Direction,
    Message,
    MessageEvent,
    NoteEvent,
    OrderEvent,
)
from omnicx.testing.strategies import events
from omnicx.timeline import (
    DEFAULT_ORDER,
    UNRANKED,
    TimelineOrder,
    best_copy,
    build_timeline,
    completeness,
    dedup_key,
    event_channel,
    merge_keyed,
    merge_streams,
    utc_micros,
)

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
CUSTOMER = Author(kind=AuthorKind.CUSTOMER, id="c1")


def note(id: str, at: datetime = T0, source: str = "desk", **kw: object) -> NoteEvent:
    return NoteEvent(id=id, at=at, customer_id="c1", source=source, author=CUSTOMER, **kw)  # type: ignore[arg-type]


def msg_event(id: str, ext: str | None, text: str = "hi", at: datetime = T0) -> MessageEvent:
    message = Message(
        id=f"m-{id}",
        channel=Channel.WHATSAPP,
        direction=Direction.INBOUND,
        author=CUSTOMER,
        sent_at=at,
        text=text,
        external_id=ext,
    )
    return MessageEvent(id=id, at=at, customer_id="c1", source="whatsapp", message=message)


def test_utc_micros_is_exact_across_offsets() -> None:
    """The same instant written in two time zones gives the same integer key."""
    paris = T0.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Paris"))
    assert utc_micros(paris) == utc_micros(T0) == 1714564800000000


def test_equal_instants_order_by_rank_then_source_then_sequence_then_id() -> None:
    """Ties at one instant follow source rank, source name, sequence, event id."""
    order = TimelineOrder(
        ranks={"shopify": 0, "email": 1},
        sequence=lambda e: int(e.external_id or 0),
    )
    a = note("z", source="email")
    b = note("y", source="shopify")
    c = note("b", source="zz")
    d = note("a", source="aa")
    e1 = note("q", source="email", external_id="2")
    e2 = note("r", source="email", external_id="1")
    got = [e.id for e in sorted([a, b, c, d, e1, e2], key=order.key)]
    assert got == ["y", "z", "r", "q", "a", "b"]
    assert order.key(c)[1] == UNRANKED


def test_event_channel() -> None:
    """Messages carry their channel, calls are voice, other events have none."""
    call = CallEvent(id="1", at=T0, customer_id="c", direction=Direction.INBOUND)
    assert event_channel(msg_event("1", "w")) == Channel.WHATSAPP
    assert event_channel(call) == Channel.VOICE
    assert event_channel(note("1")) is None


def test_dedup_keys() -> None:
    """Messages key on channel + provider id, others on source + kind + id, the rest on content."""
    assert dedup_key(msg_event("1", "wamid.1")) == ("channel", "whatsapp", "wamid.1")
    order = OrderEvent(
        id="1", at=T0, customer_id="c", source="shopify", order_id="o", external_id="9"
    )
    assert dedup_key(order) == ("source", "shopify", "order", "9")
    # Without ids, two deliveries with different omnicx ids share the content key.
    assert dedup_key(note("1", text="x")) == dedup_key(note("2", text="x"))
    assert dedup_key(note("1", text="x")) != dedup_key(note("1", text="y"))
    assert dedup_key(msg_event("1", None))[0] == "content"


def test_best_copy_keeps_the_most_complete_whatever_the_order() -> None:
    """A redelivery with more fields filled wins, in either order."""
    thin = msg_event("1", "w1", text="")
    full = msg_event("2", "w1", text="hello")
    assert completeness(full) > completeness(thin)
    assert best_copy([thin, full]) == best_copy([full, thin]) == full
    with pytest.raises(ValueError, match=r"best_copy\(\) needs at least one event"):
        best_copy([])


def test_build_timeline_places_a_late_event_and_drops_redeliveries() -> None:
    """A late arrival lands at its instant; a redelivered webhook appears once."""
    first = note("1", at=T0, text="a")
    second = note("2", at=T0 + timedelta(minutes=1), text="b")
    late = note("3", at=T0 + timedelta(seconds=30), text="c")
    again = attrs.evolve(first, id="9")
    assert build_timeline([first, second, late, again]) == (first, late, second)


def test_merge_streams_is_lazy_and_dedups_within_an_instant() -> None:
    """The merge pulls from its sources on demand and collapses same-instant copies."""
    pulled: list[str] = []

    def source(items: list[NoteEvent]):  # type: ignore[no-untyped-def]
        for item in items:
            pulled.append(item.id)
            yield item

    a = [note(f"a{i}", at=T0 + timedelta(seconds=2 * i)) for i in range(1000)]
    b = [note(f"b{i}", at=T0 + timedelta(seconds=2 * i + 1)) for i in range(1000)]
    merged = merge_streams(source(a), source(b))
    head = [next(merged).id for _ in range(3)]
    assert head == ["a0", "b0", "a1"]
    assert len(pulled) < 10
    copy = msg_event("x1", "w", text="")
    better = msg_event("x2", "w", text="full")
    out = list(merge_streams([copy, note("n", text="x")], [better]))
    assert [e.id for e in out] == ["n", "x2"]


def test_merge_keyed_merges_precomputed_keys_and_drops_exact_repeats() -> None:
    """The fast path merges (key, payload) pairs and keeps one of equal keys."""
    s1 = [((1, 0, "a", 0, "e1"), "p1"), ((3, 0, "a", 0, "e3"), "p3")]
    s2 = [((2, 0, "b", 0, "e2"), "p2"), ((3, 0, "a", 0, "e3"), "p3")]
    assert [p for _, p in merge_keyed(s1, s2)] == ["p1", "p2", "p3"]


def test_merge_keyed_never_compares_payloads_and_handles_empty_sources() -> None:
    """Equal keys with unorderable payloads merge fine; empty and lone sources pass through."""
    same = (5, 0, "a", 0, "e5")
    s1 = [((1, 0, "a", 0, "e1"), {"row": 1}), (same, {"row": 5})]
    s2 = [(same, {"row": 5}), (same, {"row": 5}), ((9, 0, "a", 0, "e9"), {"row": 9})]
    out = list(merge_keyed(s1, [], s2))
    assert [p["row"] for _, p in out] == [1, 5, 9]
    assert list(merge_keyed()) == []


@given(st.lists(events(), max_size=12), st.randoms(use_true_random=False))
def test_build_timeline_is_order_independent_and_idempotent(evs, rnd) -> None:  # type: ignore[no-untyped-def]
    """Any arrival order gives the same timeline, and merging it with itself changes nothing."""
    built = build_timeline(evs)
    shuffled = list(evs)
    rnd.shuffle(shuffled)
    assert build_timeline(shuffled) == built
    assert build_timeline(built + built) == built
    keys = [DEFAULT_ORDER.key(e) for e in built]
    assert keys == sorted(keys)


@given(st.lists(events(), max_size=12), st.integers(1, 4), st.randoms(use_true_random=False))
def test_streaming_merge_agrees_with_build_for_any_split(evs, k, rnd) -> None:  # type: ignore[no-untyped-def]
    """Splitting a timeline into k sorted sources and merging them gives it back, even with repeats."""
    built = build_timeline(evs)
    sources: list[list[object]] = [[] for _ in range(k)]
    for event in built:
        for target in rnd.sample(range(k), rnd.randint(1, k)):
            sources[target].append(event)
    assert tuple(merge_streams(*sources)) == built  # type: ignore[arg-type]


def test_merging_is_stable_under_equal_timestamps() -> None:
    """Many events at one instant keep one order whatever the source order."""
    evs = [note(f"e{i}", source=random.Random(i).choice(["a", "b", "c"])) for i in range(50)]
    forward = build_timeline(evs)
    backward = build_timeline(list(reversed(evs)))
    assert forward == backward
