"""The order index every store keeps: one ``Order`` per ``(system, order_id)``.

The desk folds each order event into the stored ``Order``
(``omnicx.timeline.fold_order``) and writes it back in the same commit,
compare-and-set: ``Changes.orders_read`` holds what it read, and the commit
fails with ``ConflictError`` when the stored order differs, so two
webhooks about one order never lose each other's change.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from omnicx import serde
from omnicx.errors import ConflictError
from omnicx.model import Order
from omnicx.storage._records import Changes

_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def order_key(system: str, order_id: str) -> str:
    """The key a store files an order under: ``"<system>:<order_id>"``."""
    return f"{system}:{order_id}"


def dump_order(order: Order) -> str:
    """An order as the JSON text stores keep."""
    return str(_encode(serde.to_dict(order)))


def load_order(text: str) -> Order:
    """An order from the JSON text ``dump_order`` wrote."""
    return serde.from_dict(Order, json.loads(text))


def check_orders(changes: Changes, stored: Callable[[str], Order | None]) -> None:
    """Raise ``ConflictError`` if an order changed since the call read it.

    Stores call it inside the commit's transaction, with a reader of the
    stored order by ``order_key``.
    """
    for key, read in sorted(changes.orders_read.items()):
        if stored(key) != read:
            raise order_conflict(key)


def order_conflict(key: str) -> ConflictError:
    """The error for an order that changed since the call read it."""
    return ConflictError(f"order {key!r} changed since it was read; reload and retry")


def in_order(orders: Iterable[Order]) -> list[Order]:
    """Orders as every store returns them: by system, then order id."""
    return sorted(orders, key=lambda o: (o.system, o.order_id))
