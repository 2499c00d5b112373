"""Routing facts from the customer's orders: the last order, open orders, recent refunds.

Pure functions over ``omnicx.model.Order`` values and ``now``; the routing
context's ``customer.last_order.*``, ``customer.orders``,
``customer.open_orders`` and ``customer.recent_refunds`` fields read them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from omnicx.model import Order

RECENT_REFUNDS = timedelta(days=30)
"""How far back ``customer.recent_refunds`` counts refunds."""

_DAY = 86400.0


def last_order(orders: Iterable[Order]) -> Order | None:
    """The most recently placed order (ties by system and id), or None.

    An order known only from a refund (never placed, as far as the store
    knows) does not count.
    """
    placed = [o for o in orders if o.placed_at is not None]
    return max(placed, key=lambda o: (o.placed_at, o.key), default=None)


def open_orders(orders: Iterable[Order]) -> int:
    """How many orders are still in flight (status ``open``)."""
    return sum(1 for o in orders if o.status == "open")


def recent_refunds(
    orders: Iterable[Order], now: datetime, window: timedelta = RECENT_REFUNDS
) -> int:
    """How many refunds were issued in ``window`` up to ``now`` (``now - window <= at <= now``)."""
    start = now - window
    return sum(1 for o in orders for r in o.refunds if start <= r.at <= now)


def age_days(order: Order | None, now: datetime) -> float | None:
    """Days from the order's placing to ``now`` (fractional; negative if placed later)."""
    if order is None or order.placed_at is None:
        return None
    return (now - order.placed_at).total_seconds() / _DAY
