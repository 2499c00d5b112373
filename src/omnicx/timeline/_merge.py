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
from omnicx.timeline._order import DEFAULT_ORDER, TimelineOrder, utc_micros

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
    merged = heapq.merge(*streams, key=order.key)
    burst: dict[DedupKey, Event] = {}
    instant: int | None = None
    for event in merged:
        micros = utc_micros(event.at)
        if micros != instant:
            if burst:
                yield from _flush(burst, order)
            instant = micros
        key = dedup_key(event)
        kept = burst.get(key)
        burst[key] = event if kept is None else keep_better(kept, event)
    if burst:
        yield from _flush(burst, order)


def _flush(burst: dict[DedupKey, Event], order: TimelineOrder) -> list[Event]:
    # The kept copy may not be the first one seen, so the burst is re-sorted.
    events = _in_order(burst, order) if len(burst) > 1 else list(burst.values())
    burst.clear()
    return events


def _in_order(kept: dict[DedupKey, Event], order: TimelineOrder) -> list[Event]:
    # The dedup key breaks ties between distinct events that share an id
    # (a host bug, but the order must still not depend on arrival).
    pairs = sorted(kept.items(), key=lambda pair: (order.key(pair[1]), pair[0]))
    return [event for _, event in pairs]


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
        key = dedup_key(event)
        previous = kept.get(key)
        kept[key] = event if previous is None else keep_better(previous, event)
    return tuple(_in_order(kept, order))
