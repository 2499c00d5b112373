"""Merging event streams into one timeline, lazily or all at once.

``merge_streams`` is the streaming k-way merge (memory bound by the number
of sources and the largest same-instant burst, not by the number of events);
``build_timeline`` materialises a timeline from events in any order.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from omnicx.model import Event
from omnicx.timeline._dedup import DedupKey, dedup_key, keep_better
from omnicx.timeline._order import DEFAULT_ORDER, EventKey, TimelineOrder

K = TypeVar("K", bound=tuple[Any, ...])
T = TypeVar("T")
_NOTHING = object()


def merge_streams(
    *streams: Iterable[Event], order: TimelineOrder = DEFAULT_ORDER
) -> Iterator[Event]:
    """Merge per-source streams, each already in ``order``, into one lazy stream.

    Copies (same ``dedup_key``) that share an instant collapse into the most
    complete one: a redelivered webhook carries the provider's timestamp, so
    its copies meet in the same instant. Copies at different instants pass
    through; ``build_timeline`` collapses those too, at the cost of holding
    the whole timeline.

    Memory is bounded by the number of sources and the largest burst of
    events at one instant, not by the number of events. A stream that is not
    sorted in ``order`` yields a timeline that is not sorted either; sort it
    with ``build_timeline``.
    """
    key_of = order.key
    decorated = [((key_of(e), e) for e in stream) for stream in streams]
    burst: dict[DedupKey, tuple[EventKey, Event]] = {}
    # The burst arrives in key order; it only needs re-sorting when a later
    # copy replaced an earlier one or two distinct events share a key.
    shuffled = False
    previous: EventKey | None = None
    for key, event in _heap_merge(decorated, drop_repeats=False):
        if previous is None or key[0] != previous[0]:
            if burst:
                yield from _flush(burst, shuffled)
            shuffled = False
        elif key == previous:
            shuffled = True
        previous = key
        copy = dedup_key(event)
        kept = burst.get(copy)
        if kept is None:
            burst[copy] = (key, event)
        elif keep_better(kept[1], event) is not kept[1]:
            burst[copy] = (key, event)
            shuffled = True
    if burst:
        yield from _flush(burst, shuffled)


def _flush(burst: dict[DedupKey, tuple[EventKey, Event]], shuffled: bool = True) -> list[Event]:
    # The dedup key breaks ties between distinct events that share an id (a
    # host bug, but the order must still not depend on arrival).
    if shuffled and len(burst) > 1:
        ranked = sorted((key, copy, event) for copy, (key, event) in burst.items())
        events = [event for _, _, event in ranked]
    else:
        events = [event for _, event in burst.values()]
    burst.clear()
    return events


def _heap_merge(
    streams: Iterable[Iterable[tuple[K, T]]], *, drop_repeats: bool
) -> Iterator[tuple[K, T]]:
    # heapq.merge's loop, inlined with the repeat check: one generator instead
    # of two is most of the cost per pair. Entries are [key, stream number,
    # pair, next]; the stream number keeps equal keys from comparing payloads.
    heap: list[list[Any]] = []
    for number, stream in enumerate(streams):
        pull = iter(stream).__next__
        try:
            pair = pull()
        except StopIteration:
            continue
        heap.append([pair[0], number, pair, pull])
    heapq.heapify(heap)
    last: object = _NOTHING
    replace = heapq.heapreplace
    while len(heap) > 1:
        entry = heap[0]
        if not drop_repeats or entry[0] != last:
            last = entry[0]
            yield entry[2]
        try:
            pair = entry[3]()
        except StopIteration:
            heapq.heappop(heap)
            continue
        entry[0] = pair[0]
        entry[2] = pair
        replace(heap, entry)
    if heap:
        # One source left: hand it over without the heap.
        entry = heap[0]
        pair, pull = entry[2], entry[3]
        while True:
            if not drop_repeats or pair[0] != last:
                last = pair[0]
                yield pair
            try:
                pair = pull()
            except StopIteration:
                return


def merge_keyed(
    *streams: Iterable[tuple[K, T]],
) -> Iterator[tuple[K, T]]:
    """Merge streams of ``(sort key, payload)`` pairs sorted by key: the fast path.

    For bulk work (backfills, exports) a host that stores each event's
    ``TimelineOrder.key`` next to the row merges on the stored keys without
    building event objects; keys compare as plain tuples and payloads are
    never compared. Pairs with equal keys are the same event delivered twice:
    one is kept, which is as good as any since the key includes the event id. Memory is bounded by ``BLOCK`` pairs per source.
    """
    return _heap_merge(streams, drop_repeats=True)


def build_timeline(
    events: Iterable[Event], order: TimelineOrder = DEFAULT_ORDER
) -> tuple[Event, ...]:
    """Sort and de-duplicate events arriving in any order into one timeline.

    Idempotent and order-independent: ``build_timeline(a + b)`` equals
    ``build_timeline(b + a)`` and ``build_timeline(t + t) == t`` for a built
    ``t``. Copies collapse whatever their instants; the kept copy takes its own
    place, so an event that arrived late lands where it belongs.
    """
    kept: dict[DedupKey, Event] = {}
    for event in events:
        copy = dedup_key(event)
        previous = kept.get(copy)
        kept[copy] = event if previous is None else keep_better(previous, event)
    return tuple(_flush({copy: (order.key(e), e) for copy, e in kept.items()}))
