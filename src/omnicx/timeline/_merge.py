"""Merging event streams into one timeline, lazily or all at once.

``merge_streams`` is the streaming k-way merge (memory bound by the number
of sources and the largest same-instant burst, not by the number of events);
``build_timeline`` materialises a timeline from events in any order.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from typing import TypeVar

from omnicx.model import Event
from omnicx.timeline._dedup import DedupKey, dedup_key, keep_better
from omnicx.timeline._order import DEFAULT_ORDER, EventKey, TimelineOrder

T = TypeVar("T")


def merge_streams(
    *streams: Iterable[Event], order: TimelineOrder = DEFAULT_ORDER
) -> Iterator[Event]:
    """Merge per-source streams, each already in ``order``, into one lazy stream.

    Copies (same ``dedup_key``) that share an instant collapse into the most
    complete one: a redelivered webhook carries the provider's timestamp, so
    its copies meet in the same instant. Copies at different instants pass
    through; ``build_timeline`` collapses those too, at the cost of holding
    the whole timeline.

    A stream that is not sorted in ``order`` yields a timeline that is not
    sorted either; sort it with ``build_timeline``.
    """
    key_of = order.key
    # Decorate once: (key, stream number, position, event). The key's first
    # element is the instant, and the position keeps equal keys from ever
    # comparing two events; tuples then compare in C inside heapq.
    decorated = [
        ((key_of(e), n, i, e) for i, e in enumerate(stream)) for n, stream in enumerate(streams)
    ]
    burst: dict[DedupKey, tuple[EventKey, Event]] = {}
    instant: int | None = None
    for key, _, _, event in heapq.merge(*decorated):
        if key[0] != instant:
            if burst:
                yield from _flush(burst)
            instant = key[0]
        copy = dedup_key(event)
        kept = burst.get(copy)
        if kept is None:
            burst[copy] = (key, event)
        else:
            better = keep_better(kept[1], event)
            burst[copy] = kept if better is kept[1] else (key, event)
    if burst:
        yield from _flush(burst)


def _flush(burst: dict[DedupKey, tuple[EventKey, Event]]) -> list[Event]:
    # The kept copy may not be the first one seen, so the burst is re-sorted;
    # the dedup key breaks ties between distinct events that share an id
    # (a host bug, but the order must still not depend on arrival).
    if len(burst) == 1:
        events = [event for _, event in burst.values()]
    else:
        ranked = sorted((key, copy, event) for copy, (key, event) in burst.items())
        events = [event for _, _, event in ranked]
    burst.clear()
    return events


def merge_keyed(*streams: Iterable[tuple[tuple[object, ...], T]]) -> Iterator[tuple[object, T]]:
    """Merge streams of ``(sort key, payload)`` pairs sorted by key: the fast path.

    For bulk work (backfills, exports) a host that stores each event's
    ``TimelineOrder.key`` next to the row merges on the stored keys without
    building event objects; keys compare as plain tuples. Pairs with equal
    keys are the same event delivered twice: only the first is kept, which is
    the same as any other since the key includes the event id.
    """
    last: tuple[object, ...] | None = None
    for pair in heapq.merge(*streams):
        if pair[0] != last:
            last = pair[0]
            yield pair


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
