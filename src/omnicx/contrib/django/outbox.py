"""Where the outbox goes: a Django signal, and the host's sender function.

omnicx never sends anything. After a view's desk call commits (on the
database's ``on_commit``, so nothing goes out for a rolled-back request),
every outbox item is handed to the host twice over:

- the ``outbox_ready`` signal, with ``items`` (a list of JSON-ready dicts);
- the ``OMNICX["SENDER"]`` function, called once per item with its dict:
  plain JSON data, so a Celery task's ``delay`` fits as it is.

Whoever sends an item calls ``mark_sent(item["id"])`` once the provider took
it: a redelivered webhook then leaves it out (``Desk.handed_over``). Until
then a replayed receipt offers it again, so a sender keys its work by the
item's ``id``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.dispatch import Signal

from omnicx import serde
from omnicx.contrib.django.desk import get_desk, get_settings
from omnicx.desk import Outgoing, Receipt

__all__ = ["dispatch", "mark_sent", "outbox_ready", "outgoing_data", "outgoing_from_data"]

outbox_ready = Signal()
"""Sent with ``items=[dict, ...]`` (``outgoing_data`` of each) after a view's desk call commits."""


def outgoing_data(item: Outgoing) -> dict[str, Any]:
    """An outbox item as JSON-ready data (what the signal and the sender receive)."""
    data: dict[str, Any] = serde.to_dict(item)
    return data


def outgoing_from_data(data: Any) -> Outgoing:
    """The outbox item back from ``outgoing_data``'s dict (in a task worker).

    Raises:
        ValidationError: the data is not an outbox item, with the field's path.
    """
    return serde.from_dict(Outgoing, data)


def dispatch(receipts: Iterable[Receipt], *, using: str | None = None) -> list[dict[str, Any]]:
    """Hand every receipt's outbox to the signal and the sender once ``using`` commits.

    ``using`` defaults to the store's database alias (a store on Django's
    ORM has ``using``); outside a transaction, or with a store of its own
    (``SqliteStore``), the items go at once. Returns the items' data.
    """
    items = [outgoing_data(item) for receipt in receipts for item in receipt.outbox]
    if not items:
        return items
    alias = using or getattr(get_desk().store, "using", None)
    if isinstance(alias, str):
        transaction.on_commit(lambda: _send(items), using=alias)
    else:
        # A store outside Django's databases committed already, in the desk call.
        _send(items)
    return items


def _send(items: list[dict[str, Any]]) -> None:
    outbox_ready.send(sender=Outgoing, items=items)
    sender = get_settings().sender
    if sender is not None:
        for item in items:
            sender(item)


def mark_sent(*outgoing_ids: str) -> None:
    """Record that these outbox items went out (``Desk.handed_over``)."""
    get_desk().handed_over(*outgoing_ids)
