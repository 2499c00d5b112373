"""Shopify's order, refund and customer resources into enrichment.

Payload shapes are Shopify's REST resources as its webhooks send them: an
``Order`` for every ``orders/*`` topic, a ``Refund`` (with ``order_id``, its
``transactions`` and ``refund_line_items``, and no customer) for
``refunds/create``, a ``Customer`` for ``customers/*``. A guest checkout's
order has no ``customer``: the buyer is known by the order's ``email``
(or ``contact_email``) and ``phone`` (or the billing address's phone).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs

from omnicx.channels import _ids
from omnicx.channels._enrichment import Enrichment, money
from omnicx.channels._wire import Wire, parse_instant
from omnicx.errors import PayloadError, PayloadReason
from omnicx.model import Identifier, OrderChange, OrderEvent

SYSTEM = "shopify:customer"

ORDER_TOPICS = {
    "orders/create": OrderChange.CREATED,
    "orders/paid": OrderChange.PAID,
    "orders/updated": OrderChange.UPDATED,
    "orders/cancelled": OrderChange.CANCELLED,
    "orders/fulfilled": OrderChange.FULFILLED,
}
"""The order topics, and what each records."""

CUSTOMER_TOPICS = frozenset({"customers/create", "customers/update"})
REFUND_TOPIC = "refunds/create"


def customer_facts(node: Wire, root: Wire) -> Enrichment:
    """Identifiers, name and totals of a Shopify ``Customer`` resource."""
    identifiers: list[Identifier] = [*_ids.external(SYSTEM, node.text("id"))]
    if node.has("email"):
        verified = node.get("verified_email").value is True
        identifiers.extend(_ids.email(node.text("email"), verified=verified))
    if node.has("phone"):
        identifiers.extend(_ids.phone(node.text("phone")))
    names = [node.opt_text("first_name"), node.opt_text("last_name")]
    attributes: dict[str, object] = {}
    count = node.number("orders_count")
    if count is None and node.has("number_of_orders"):  # newer API versions
        count = node.number("number_of_orders")
    if count is not None:
        attributes["order_count"] = int(count)
    spent = money(node, "total_spent")
    currency = node.opt_text("currency") or root.opt_text("currency")
    if spent is None and node.has("amount_spent"):  # newer API versions: a money object
        amount = node.child("amount_spent")
        spent = money(amount, "amount")
        currency = amount.opt_text("currency_code") or currency
    if spent is not None:
        attributes["lifetime_value"] = str(spent)
    if currency:
        attributes["currency"] = currency
    tags = _tags(node.get("tags"))
    if tags:
        attributes["tags"] = tags
    return Enrichment(
        identifiers=tuple(identifiers),
        name=" ".join(n for n in names if n) or None,
        attributes=attributes,
    )


def order_enrichment(root: Wire, change: OrderChange, delivery: str | None) -> Enrichment:
    """An ``orders/*`` webhook: the order event and the buyer (customer or guest)."""
    order_id = root.text("id")
    if root.has("customer"):
        buyer = customer_facts(root.child("customer"), root)
        buyer = attrs.evolve(buyer, identifiers=(*buyer.identifiers, *_guest_ids(root, buyer)))
    else:
        buyer = _guest(root)
    if not buyer.identifiers:
        field = "customer.id" if root.has("customer") else "email"
        raise PayloadError(
            PayloadReason.MISSING_FIELD,
            "an order with no usable customer id, email or phone",
            field=field,
        )
    placed = root.iso_instant("created_at")
    updated = _opt_instant(root, "updated_at") or placed
    cancelled = _opt_instant(root, "cancelled_at")
    total = money(root, "total_price")
    fulfillment = root.opt_text("fulfillment_status")
    at = {OrderChange.CREATED: placed, OrderChange.CANCELLED: cancelled or updated}.get(
        change, updated
    )
    suffix = "created" if change is OrderChange.CREATED else f"{change.value}:{_stamp(updated)}"
    event = OrderEvent(
        id=f"shopify:order:{order_id}:{suffix}",
        at=at,
        customer_id=buyer.identifiers[0].key,
        source="shopify",
        external_id=delivery or f"order:{order_id}:{suffix}",
        order_id=order_id,
        order_number=_number(root),
        system="shopify",
        change=change,
        total=total,
        currency=root.opt_text("currency"),
        status=_status(root, cancelled, fulfillment),
        financial_status=root.opt_text("financial_status"),
        fulfillment_status=fulfillment,
        placed_at=placed,
        updated_at=updated,
        item_count=_items(root),
        cancel_reason=root.opt_text("cancel_reason"),
    )
    facts = _with_total(buyer, total) if change is OrderChange.CREATED else {}
    return attrs.evolve(buyer, events=(event,), attributes={**buyer.attributes, **facts})


def refund_enrichment(root: Wire, delivery: str | None) -> Enrichment:
    """A ``refunds/create`` webhook: a refund event of its order, with no identifiers.

    A Shopify refund names only its order (``order_id``): the desk finds
    the customer through the order it already recorded (``Desk.enrich``).
    """
    refund_id = root.text("id")
    order_id = root.text("order_id")
    at = root.iso_instant("created_at")
    amount, currency = _refunded(root)
    event = OrderEvent(
        id=f"shopify:refund:{refund_id}",
        at=at,
        customer_id=f"shopify:order:{order_id}",  # until the desk resolves the order's customer
        source="shopify",
        external_id=delivery or f"refund:{refund_id}",
        order_id=order_id,
        system="shopify",
        change=OrderChange.REFUNDED,
        status="",
        refund_id=refund_id,
        refunded=amount,
        currency=currency,
    )
    return Enrichment(events=(event,))


def _guest(root: Wire) -> Enrichment:
    # A guest checkout: the buyer is the order's contact email and phone.
    billing = root.get("billing_address")
    names: list[str | None] = [None, None]
    if billing.value is not None:
        billing.obj()
        names = [billing.opt_text("first_name"), billing.opt_text("last_name")]
    return Enrichment(
        identifiers=_guest_ids(root, Enrichment()),
        name=" ".join(n for n in names if n) or None,
    )


def _guest_ids(root: Wire, known: Enrichment) -> tuple[Identifier, ...]:
    # Contact details typed at checkout are unverified; a customer's own win.
    found: list[Identifier] = []
    email = root.opt_text("email") or root.opt_text("contact_email")
    if email:
        found.extend(_ids.email(email))
    phone = root.opt_text("phone")
    billing = root.get("billing_address")
    if phone is None and billing.value is not None:
        phone = billing.opt_text("phone")
    if phone:
        found.extend(_ids.phone(phone))
    kinds = {i.kind for i in known.identifiers}
    return tuple(i for i in found if i.kind not in kinds)


def _status(root: Wire, cancelled: datetime | None, fulfillment: str | None) -> str:
    if cancelled is not None:
        return "cancelled"
    if fulfillment == "fulfilled":
        return "fulfilled"
    return "closed" if root.has("closed_at") else "open"


def _number(root: Wire) -> str | None:
    # ``name`` is what the customer sees ("#1001", or with the shop's
    # prefix/suffix); ``order_number`` the bare number.
    name = (root.opt_text("name") or "").strip()
    if name:
        return name
    number = root.opt_text("order_number")
    return f"#{number}" if number and number.strip() else None


def _items(root: Wire) -> int:
    items = 0
    for line in root.items("line_items"):
        quantity = line.number("quantity") or 0
        items += max(0, min(int(quantity), 10**9))
    return items


def _refunded(root: Wire) -> tuple[Decimal | None, str | None]:
    # The money returned is the refund's successful refund transactions.
    total: Decimal | None = None
    currency = None
    for transaction in root.items("transactions"):
        if transaction.opt_text("kind") != "refund" or transaction.opt_text("status") != "success":
            continue
        amount = money(transaction, "amount")
        if amount is not None:
            total = amount if total is None else total + amount
        currency = currency or transaction.opt_text("currency")
    return total, currency


def _opt_instant(node: Wire, key: str) -> datetime | None:
    text = node.opt_text(key)
    if text is None or not text.strip():
        return None
    return parse_instant(text, field=node.get(key).path)


def _stamp(at: datetime) -> str:
    return at.strftime("%Y%m%dT%H%M%S%fZ")


def _tags(node: Wire) -> list[str]:
    # Shopify sends a customer's tags as one comma-separated string
    # ("VIP, wholesale"); some apps send a list.
    value = node.value
    if isinstance(value, str):
        parts = value.split(",")
    elif isinstance(value, list):
        parts = [item for item in value if isinstance(item, str)]
    else:
        return []
    return [tag.strip() for tag in parts if tag.strip()]


def _with_total(customer: Enrichment, total: Decimal | None) -> dict[str, object]:
    # Some API versions leave the customer's totals out of order payloads: then
    # this order alone is what is known.
    facts: dict[str, object] = {}
    if "order_count" not in customer.attributes:
        facts["order_count"] = 1
    if "lifetime_value" not in customer.attributes and total is not None:
        facts["lifetime_value"] = str(total)
    return facts
