"""The timeline's total order: instant, source rank, source sequence, event id.

Two events at the same instant must never swap places between two renders of
the same timeline, so the key is a pure function of the event and of a
``TimelineOrder`` the host configures once: no arrival order, no position in
a list, nothing that differs between two deliveries of the same events.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

import attrs

from omnicx._frozen import EMPTY_MAP, frozen_map
from omnicx.model import CallEvent, Channel, Event, MessageEvent

EventKey = tuple[int, int, str, int, str]
"""A sort key: (UTC microseconds since 1970, source rank, source, sequence, event id)."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
UNRANKED = 1_000_000
"""The rank of a source ``TimelineOrder.ranks`` does not name: after every ranked one."""


def utc_micros(at: datetime) -> int:
    """Return an aware datetime as whole microseconds since 1970-01-01 UTC (exact)."""
    return (at - _EPOCH) // _MICROSECOND


def _no_sequence(_event: Event) -> int:
    return 0


@attrs.frozen(kw_only=True)
class TimelineOrder:
    """How events that share an instant are ordered.

    Attributes:
        ranks: source name -> rank; a lower rank sorts first at equal instants
            (e.g. ``{"shopify": 0, "email": 1}`` puts an order before the email
            that confirms it). Unnamed sources get ``UNRANKED`` and then sort
            by source name.
        sequence: reads the source's own sequence number from an event (a
            Kafka offset, a provider's monotonic counter kept in metadata).
            It must depend on the event only, never on arrival order; the
            default gives 0 so ties fall through to the event id.
    """

    ranks: Mapping[str, int] = attrs.field(default=EMPTY_MAP, converter=frozen_map)
    sequence: Callable[[Event], int] = _no_sequence

    def key(self, event: Event) -> EventKey:
        """Return the event's sort key; keys of distinct event ids never compare equal."""
        # Hot path of every merge: utc_micros() inlined, the default sequence skipped.
        source = event.source
        sequence = self.sequence
        return (
            (event.at - _EPOCH) // _MICROSECOND,
            self.ranks.get(source, UNRANKED),
            source,
            0 if sequence is _no_sequence else sequence(event),
            event.id,
        )


DEFAULT_ORDER = TimelineOrder()
"""Order by instant, then source name, then event id: no ranks, no sequence."""


def event_channel(event: Event) -> Channel | None:
    """Return the channel an event happened on, or None for events without one.

    A message's own channel; a call is ``Channel.VOICE``; notes, status
    changes, orders and the like belong to no channel.
    """
    if isinstance(event, MessageEvent):
        return event.message.channel
    if isinstance(event, CallEvent):
        return Channel.VOICE
    return None
