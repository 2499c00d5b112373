"""De-duplication: which events are copies of one another, and which copy to keep.

Webhooks are delivered at least once and the same email may arrive through
two inboxes, so a timeline meets the same event more than once. Copies are
recognised by a *dedup key*; among copies the most complete one is kept, and
ties are broken by the copy's canonical JSON, so the choice never depends on
which copy arrived first.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from omnicx.model import Event, MessageEvent
from omnicx.serde import event_to_dict

DedupKey = tuple[str, ...]
"""What identifies an event across deliveries; see ``dedup_key``."""

# Fields that a copy may legitimately differ in without being another event:
# omnicx's own id is minted per delivery, and customer or conversation ids
# change when identities merge or threading re-runs.
_NOT_CONTENT = ("id", "customer_id", "conversation_id")


def dedup_key(event: Event) -> DedupKey:
    """Return the key under which copies of ``event`` collapse into one.

    - A message with a provider id: ``("channel", channel name, external id)``,
      from ``Message.external_id`` or else the event's ``external_id``.
    - Any other event with an ``external_id``: ``("source", source, kind tag,
      external id)``; the tag keeps an order and a payment of one system apart.
    - Otherwise a content key: ``("content", canonical JSON)`` of the event
      without its omnicx id, customer id and conversation id.
    """
    if isinstance(event, MessageEvent):
        external = event.message.external_id or event.external_id
        if external:
            return ("channel", event.message.channel.name, external)
    if event.external_id:
        return ("source", event.source, event.TAG, event.external_id)
    data = event_to_dict(event)
    for name in _NOT_CONTENT:
        data.pop(name, None)
    return ("content", _canonical(data))


def _canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)


def _filled(value: Any) -> int:
    # Counts the non-empty leaves of a JSON-ready value: a copy that carries
    # the subject, the attachments or the agent id scores higher.
    if isinstance(value, dict):
        return sum(_filled(v) for v in value.values())
    if isinstance(value, list):
        return sum(_filled(v) for v in value)
    return 0 if value is None or value in ("", False) else 1


def completeness(event: Event) -> int:
    """Return how many non-empty fields ``event`` carries (higher is more complete)."""
    return _filled(event_to_dict(event))


def _preference(event: Event) -> tuple[int, str]:
    return (-completeness(event), _canonical(event_to_dict(event)))


def best_copy(copies: Iterable[Event]) -> Event:
    """Return the copy to keep: most complete, then least canonical JSON.

    The result is the same for any order of ``copies``.

    Raises:
        ValueError: ``copies`` is empty.
    """
    candidates = list(copies)
    if not candidates:
        raise ValueError("best_copy() needs at least one event")
    if len(candidates) == 1:
        return candidates[0]
    return min(candidates, key=_preference)


def keep_better(kept: Event, other: Event) -> Event:
    """Return whichever of two copies ``best_copy`` would keep."""
    if kept is other or kept == other:
        return kept
    return min((kept, other), key=_preference)
