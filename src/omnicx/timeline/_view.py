"""What an agent sees: filtered timeline pages and the recent context.

Pages are addressed by an opaque cursor that encodes the sort key of the last
event shown. The next page starts strictly after that key, so events that
arrive meanwhile never shift or repeat a page: a newer event appears on a
later page, an older late arrival simply is not on the pages already read.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Sequence
from datetime import datetime

import attrs

from omnicx._frozen import frozen_seq, frozen_set_or_none
from omnicx.errors import Problem, ValidationError, suggest
from omnicx.model import EVENT_TYPES, Event, MessageEvent
from omnicx.timeline._order import DEFAULT_ORDER, EventKey, TimelineOrder, event_channel

_KINDS = tuple(sorted(cls.TAG for cls in EVENT_TYPES))


def _check_kinds(_instance: object, _attribute: object, value: frozenset[str] | None) -> None:
    problems = [
        Problem("kinds", f"unknown event kind {kind!r}{suggest(kind, _KINDS)}")
        for kind in sorted(value or ())
        if kind not in _KINDS
    ]
    if problems:
        raise ValidationError(problems)


@attrs.frozen(kw_only=True)
class TimelineQuery:
    """Which events a view shows; every filter left None lets everything through.

    Attributes:
        channels: channel names; events without a channel (notes, orders,
            status changes) are left out when this is set.
        kinds: event wire tags (``"message"``, ``"order"``...).
        conversation_ids: events of these conversations only.
        since: inclusive lower bound on ``event.at``.
        until: exclusive upper bound on ``event.at``.
    """

    channels: frozenset[str] | None = attrs.field(default=None, converter=frozen_set_or_none)
    kinds: frozenset[str] | None = attrs.field(
        default=None, converter=frozen_set_or_none, validator=_check_kinds
    )
    conversation_ids: frozenset[str] | None = attrs.field(
        default=None, converter=frozen_set_or_none
    )
    since: datetime | None = None
    until: datetime | None = None

    def matches(self, event: Event) -> bool:
        """True when ``event`` passes every filter."""
        if self.kinds is not None and event.TAG not in self.kinds:
            return False
        if self.channels is not None:
            channel = event_channel(event)
            if channel is None or channel.name not in self.channels:
                return False
        if self.conversation_ids is not None and event.conversation_id not in self.conversation_ids:
            return False
        if self.since is not None and event.at < self.since:
            return False
        return self.until is None or event.at < self.until


ALL_EVENTS = TimelineQuery()
"""A query without filters."""


@attrs.frozen(kw_only=True)
class Page:
    """One page of a timeline view.

    Attributes:
        events: the page, in timeline order (newest first if asked).
        next_cursor: pass it back for the next page; None on the last page.
    """

    events: tuple[Event, ...] = attrs.field(converter=frozen_seq)
    next_cursor: str | None


def encode_cursor(key: EventKey) -> str:
    """Return the opaque cursor for a position just after ``key``."""
    raw = json.dumps(list(key), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> EventKey:
    """Return the sort key a cursor encodes.

    Raises:
        ValidationError: the cursor was not made by ``encode_cursor``.
    """
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        micros, rank, source, sequence, event_id = json.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        raise ValidationError.single("cursor", "not a timeline cursor") from None
    parts = (micros, rank, sequence)
    if not all(type(p) is int for p in parts) or not (
        isinstance(source, str) and isinstance(event_id, str)
    ):
        raise ValidationError.single("cursor", "not a timeline cursor")
    return (micros, rank, source, sequence, event_id)


def _first(pair: tuple[EventKey, Event]) -> EventKey:
    return pair[0]


def page(
    events: Iterable[Event],
    query: TimelineQuery = ALL_EVENTS,
    *,
    cursor: str | None = None,
    limit: int = 50,
    newest_first: bool = False,
    order: TimelineOrder = DEFAULT_ORDER,
) -> Page:
    """Return one page of the events that match ``query``.

    ``events`` is a timeline from ``build_timeline`` (sorting is done here, so
    a store may return it in any order). A cursor is only meaningful with the
    same ``order`` and direction that produced it.

    Raises:
        ValidationError: ``limit`` is below 1, or ``cursor`` is malformed.
    """
    if limit < 1:
        raise ValidationError.single("limit", f"must be >= 1, got {limit}")
    after = decode_cursor(cursor) if cursor is not None else None
    keyed = sorted(((order.key(e), e) for e in events if query.matches(e)), key=_first)
    if newest_first:
        keyed.reverse()
    if after is not None:
        keyed = [p for p in keyed if (p[0] < after if newest_first else p[0] > after)]
    chosen = keyed[:limit]
    more = len(keyed) > limit
    return Page(
        events=tuple(e for _, e in chosen),
        next_cursor=encode_cursor(chosen[-1][0]) if more else None,
    )


def since_last_agent_reply(timeline: Sequence[Event]) -> tuple[Event, ...]:
    """Return the events after the last public human agent reply.

    ``timeline`` must be in timeline order. With no agent reply yet, the whole
    timeline is returned: everything is news to the agent. Bot replies,
    automations and private messages do not count (``Message.is_public_human_reply``).
    """
    for index in range(len(timeline) - 1, -1, -1):
        event = timeline[index]
        if isinstance(event, MessageEvent) and event.message.is_public_human_reply:
            return tuple(timeline[index + 1 :])
    return tuple(timeline)
