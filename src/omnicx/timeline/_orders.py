"""Orders on the timeline: folding order events into one ``Order``, and orders a message quotes."""

from __future__ import annotations

import re
from collections.abc import Iterable

import attrs

from omnicx.model import Order, OrderChange, OrderEvent, OrderRefund


def fold_order(order: Order | None, event: OrderEvent) -> Order:
    """``order`` with ``event`` applied (a new ``Order`` when ``order`` is None).

    Commerce webhooks arrive late, twice and out of order, so the fold is
    idempotent and order-independent for what it keeps:

    - A refund adds itself once per ``refund_id`` (its order's other facts
      stay as they were).
    - Any other change applies when its ``updated_at`` (else ``at``) is not
      older than the newest change applied; an older one only fills facts
      still unknown (the order number, when it was placed).
    - The customer is the event's: after a merge the survivor's id wins.
    """
    if order is None:
        order = Order(system=event.system or event.source or "commerce",
                      order_id=event.order_id, customer_id=event.customer_id)  # fmt: skip
    order = attrs.evolve(
        order,
        customer_id=event.customer_id,
        order_number=order.order_number or event.order_number,
        placed_at=order.placed_at or event.placed_at,
    )
    if event.change is OrderChange.REFUNDED:
        refund_id = event.refund_id or event.id
        if any(r.id == refund_id for r in order.refunds):
            return order
        refund = OrderRefund(id=refund_id, at=event.at, amount=event.refunded)
        return attrs.evolve(order, refunds=(*order.refunds, refund),
                            currency=order.currency or event.currency)  # fmt: skip
    changed = event.updated_at or event.at
    if order.updated_at is not None and changed < order.updated_at:
        return order
    return attrs.evolve(
        order,
        order_number=event.order_number or order.order_number,
        status=event.status or order.status,
        financial_status=event.financial_status,
        fulfillment_status=event.fulfillment_status,
        total=event.total if event.total is not None else order.total,
        currency=event.currency or order.currency,
        placed_at=event.placed_at or order.placed_at,
        updated_at=changed,
    )


# "#1001", "order 1001", "Order #1001", "order no. 1001", "order number: 1001".
_QUOTED_NUMBER = re.compile(
    r"(?:#|\border\b[\s:]*(?:(?:no|nr|num|number)\b\.?[\s:]*)?#?)\s*(\d{2,})(?!\d)",
    re.IGNORECASE,
)


def mentioned_orders(text: str, orders: Iterable[Order]) -> tuple[Order, ...]:
    """The orders among ``orders`` whose number ``text`` quotes, in the given order.

    A number counts when the text writes the order's number as the system
    names it (``#1001``, ``SHOP-1001``) as a word of its own, or its digits
    after ``#`` or the word "order" (``order 1001``, ``order no. 1001``).
    Only the given orders are candidates (the customer's own), so a bare
    number elsewhere in the text (a price, a phone) never matches.
    """
    quoted = set(_QUOTED_NUMBER.findall(text))
    folded = text.casefold()
    found = []
    for order in orders:
        number = (order.order_number or "").strip()
        if not number:
            continue
        digits = "".join(ch for ch in number if ch.isdigit())
        if (digits and digits in quoted and _digits_only(number)) or _as_word(number, folded):
            found.append(order)
    return tuple(found)


def _digits_only(number: str) -> bool:
    # "#1001" and "1001" are the digits; "SHOP-1001" must be quoted whole.
    return number.lstrip("#").isdigit()


def _as_word(number: str, folded: str) -> bool:
    pattern = r"(?<![\w#])" + re.escape(number.casefold()) + r"(?!\w)"
    return re.search(pattern, folded) is not None
