"""Combining and splitting timelines when customers merge and unmerge.

When identity resolution merges customers, the desk calls
``combine_timelines`` with every merged customer's events and the survivor's
id, and stores the returned ``origins`` next to the merge record. When the
merge is undone, it calls ``split_timeline`` with the same ``origins`` to
hand every event back to the customer it came from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs

from omnicx._frozen import frozen_map, frozen_seq
from omnicx.errors import ValidationError
from omnicx.model import Event
from omnicx.timeline._merge import build_timeline
from omnicx.timeline._order import DEFAULT_ORDER, TimelineOrder


@attrs.frozen(kw_only=True)
class CombinedTimeline:
    """The result of ``combine_timelines``.

    Attributes:
        events: one timeline, every event attributed to the survivor.
        origins: event id -> the customer id it had before the merge; keep it
            with the merge record to undo the merge with ``split_timeline``.
    """

    events: tuple[Event, ...] = attrs.field(converter=frozen_seq)
    origins: Mapping[str, str] = attrs.field(converter=frozen_map)


def combine_timelines(
    timelines: Mapping[str, Iterable[Event]],
    survivor_id: str,
    order: TimelineOrder = DEFAULT_ORDER,
) -> CombinedTimeline:
    """Combine several customers' timelines into the survivor's.

    Args:
        timelines: customer id -> that customer's events.
        survivor_id: the id the merged customer keeps.

    An event found under two customers (a copy delivered to both before the
    merge) keeps the origin of the lowest customer id, so the result does not
    depend on the mapping's order.

    Raises:
        ValidationError: ``survivor_id`` is empty.
    """
    if not survivor_id.strip():
        raise ValidationError.single("survivor_id", "must not be empty")
    origins: dict[str, str] = {}
    moved: list[Event] = []
    for customer_id in sorted(timelines):
        for event in timelines[customer_id]:
            origins.setdefault(event.id, customer_id)
            moved.append(
                event
                if event.customer_id == survivor_id
                else attrs.evolve(event, customer_id=survivor_id)
            )
    events = build_timeline(moved, order)
    kept = {event.id for event in events}
    return CombinedTimeline(
        events=events,
        origins={event_id: c for event_id, c in origins.items() if event_id in kept},
    )


def split_timeline(
    events: Iterable[Event],
    origins: Mapping[str, str],
    *,
    unknown_to: str,
    order: TimelineOrder = DEFAULT_ORDER,
) -> dict[str, tuple[Event, ...]]:
    """Split a merged timeline back into one timeline per customer.

    Args:
        events: the survivor's timeline.
        origins: event id -> customer id, as ``combine_timelines`` returned it
            (or any mapping the host keeps).
        unknown_to: the customer that keeps events not in ``origins``, i.e.
            those that arrived after the merge (usually the survivor).

    Returns:
        customer id -> that customer's timeline, events re-attributed.

    Raises:
        ValidationError: ``unknown_to`` is empty.
    """
    if not unknown_to.strip():
        raise ValidationError.single("unknown_to", "must not be empty")
    buckets: dict[str, list[Event]] = {}
    for event in events:
        owner = origins.get(event.id, unknown_to)
        if event.customer_id != owner:
            event = attrs.evolve(event, customer_id=owner)
        buckets.setdefault(owner, []).append(event)
    return {owner: build_timeline(items, order) for owner, items in sorted(buckets.items())}
