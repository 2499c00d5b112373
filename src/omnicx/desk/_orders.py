"""Orders on the desk: folding order events into the order index, and attaching orders.

The desk keeps one ``Order`` per ``(system, order_id)`` in the store's
order index. Every ``OrderEvent`` an enrichment records folds into it
(``omnicx.timeline.fold_order``); an order is attached to a conversation
explicitly (``Desk.attach_order``) or when an inbound message quotes its
number (``mentioned_orders``, limited to the sender's own orders).
"""

from __future__ import annotations

import attrs

from omnicx.channels import Enrichment
from omnicx.desk._unit import Unit, member_ids
from omnicx.errors import NotFoundError, ValidationError
from omnicx.identity import current_profile
from omnicx.model import Event, Message, Order, OrderEvent
from omnicx.timeline import fold_order, mentioned_orders

_NO_CUSTOMER = (
    "the enrichment names no customer (a Stripe dispute names only its charge): "
    "pass customer_id= with the customer the host found for it"
)


def owner(unit: Unit, enrichment: Enrichment, customer_id: str | None) -> str | None:
    """The live customer an enrichment belongs to without identity resolution, or None.

    ``customer_id`` when the host names one (followed through merges);
    else, for an enrichment with no identifiers (a Shopify refund), the
    customer of the order its events name.

    Raises:
        NotFoundError: the customer, or the order a refund names, is unknown.
        ValidationError: at ``customer_id``, nothing names the customer.
    """
    if customer_id is not None:
        return current_profile(unit.staged, customer_id).id
    if enrichment.identifiers:
        return None
    for event in enrichment.events:
        if isinstance(event, OrderEvent):
            system = _system(event)
            order = unit.order(system, event.order_id)
            if order is None:
                raise NotFoundError("order", f"{system}:{event.order_id}")
            return current_profile(unit.staged, order.customer_id).id
    raise ValidationError.single("customer_id", _NO_CUSTOMER)


def record_events(unit: Unit, events: tuple[Event, ...], customer_id: str) -> None:
    """Append the events for ``customer_id``; fold each order event into its order."""
    for event in events:
        event = attrs.evolve(event, customer_id=customer_id)
        unit.events.append(event)
        if isinstance(event, OrderEvent):
            order = unit.order(_system(event), event.order_id)
            unit.put_order(fold_order(order, attrs.evolve(event, system=_system(event))))


def attach(unit: Unit, order: Order, conversation_id: str) -> Order:
    """``order`` attached to ``conversation_id``, staged (unchanged if it already was)."""
    if conversation_id in order.conversation_ids:
        return order
    attached = attrs.evolve(order, conversation_ids=order.conversation_ids | {conversation_id})
    unit.put_order(attached)
    return attached


def attach_mentioned(unit: Unit, customer_id: str, conversation_id: str, message: Message) -> None:
    """Attach to the conversation each of the customer's orders the message quotes."""
    if not message.text:
        return
    profile = current_profile(unit.staged, customer_id)
    orders = unit.orders_of(member_ids(unit.staged, profile))
    for order in mentioned_orders(message.text, orders):
        attach(unit, order, conversation_id)


def customer_orders(unit: Unit, customer_id: str) -> list[Order]:
    """The customer's orders, merged profiles included, by system then order id."""
    profile = current_profile(unit.staged, customer_id)
    return unit.orders_of(member_ids(unit.staged, profile))


def _system(event: OrderEvent) -> str:
    return event.system or event.source or "commerce"
