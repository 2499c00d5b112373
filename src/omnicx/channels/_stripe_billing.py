"""Stripe's billing objects into timeline events: invoices, disputes, subscriptions.

Shapes as Stripe sends them in ``data.object``: an ``Invoice`` for
``invoice.payment_failed`` (``amount_due``, ``customer``, ``customer_email``;
``payment_intent`` and ``subscription`` at the top level in older API
versions, under ``payments``/``parent.subscription_details`` in newer ones),
a ``Dispute`` for ``charge.dispute.created`` (``charge``, ``payment_intent``,
``reason``, ``evidence_details.due_by``; no customer, only
``evidence.customer_email_address`` when the shop filled it in), a
``Subscription`` for ``customer.subscription.*`` (``status``, ``items.data[]``
with each ``price``; ``current_period_end`` at the top level in older
versions, per item in newer ones).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from omnicx.channels import _ids
from omnicx.channels._wire import Wire
from omnicx.errors import PayloadError, PayloadReason
from omnicx.model import (
    Identifier,
    PaymentEvent,
    PaymentKind,
    SubscriptionChange,
    SubscriptionEvent,
)

# Stripe's zero-decimal currencies: "amount" is already in whole units.
_ZERO_DECIMAL = frozenset({
    "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga",
    "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf",
})  # fmt: skip
# Three-decimal currencies: amounts in thousandths.
_THREE_DECIMAL = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})

SUBSCRIPTION_TYPES = {
    f"customer.subscription.{change.value}": change for change in SubscriptionChange
}
"""``customer.subscription.*`` event types and what each records."""


def minor_to_decimal(amount: int, currency: str) -> Decimal:
    """Convert Stripe's integer minor units to a decimal amount in ``currency``."""
    code = currency.lower()
    exponent = 0 if code in _ZERO_DECIMAL else 3 if code in _THREE_DECIMAL else 2
    return Decimal(amount).scaleb(-exponent)


def minor(obj: Wire, key: str, *, required: bool = True) -> int | None:
    """Whole, non-negative minor units at ``key`` (None when absent and not required)."""
    value = obj.number(key)
    if value is None:
        if required:
            raise obj.missing(key)
        return None
    if value < 0 or value != int(value):
        raise PayloadError(
            PayloadReason.INVALID_VALUE, "expected whole minor units", field=obj.get(key).path
        )
    return int(value)


def invoice_failed(root: Wire, obj: Wire) -> tuple[tuple[Identifier, ...], PaymentEvent]:
    """``invoice.payment_failed``: a failed PAYMENT of the amount due, for the invoice's customer."""
    identifiers = (*_ids.external("stripe", obj.opt_text("customer") or ""),
                   *_email(obj.opt_text("customer_email")))  # fmt: skip
    invoice_id = obj.text("id")
    event = _payment(root, obj, identifiers, _invoice_payment(obj) or invoice_id,
                     kind=PaymentKind.PAYMENT, amount_key="amount_due", status="failed",
                     invoice_id=invoice_id, subscription_id=_invoice_subscription(obj))  # fmt: skip
    return identifiers, event


def dispute(root: Wire, obj: Wire) -> tuple[tuple[Identifier, ...], PaymentEvent]:
    """``charge.dispute.created``: a DISPUTE with its reason, amount and evidence deadline."""
    evidence = obj.get("evidence")
    email = evidence.opt_text("customer_email_address") if evidence.value is not None else None
    identifiers = (*_ids.external("stripe", obj.opt_text("customer") or ""), *_email(email))
    payment_id = obj.opt_text("payment_intent") or obj.opt_text("charge") or obj.text("id")
    details = obj.get("evidence_details")
    due_by = None
    if details.value is not None and details.has("due_by"):
        due_by = details.instant("due_by")
    event = _payment(root, obj, identifiers, payment_id, kind=PaymentKind.DISPUTE,
                     amount_key="amount", status=obj.opt_text("status") or "needs_response",
                     reason=obj.opt_text("reason"), due_by=due_by)  # fmt: skip
    return identifiers, event


def _payment(
    root: Wire,
    obj: Wire,
    identifiers: tuple[Identifier, ...],
    payment_id: str,
    *,
    kind: PaymentKind,
    amount_key: str,
    status: str,
    **details: Any,
) -> PaymentEvent:
    # The event's frame: its id and time from the Event, the money from the object.
    currency = obj.text("currency")
    return PaymentEvent(
        id=f"stripe:{root.text('id')}",
        at=root.instant("created"),
        customer_id=_owner(identifiers, payment_id),
        source="stripe",
        external_id=root.text("id"),
        payment_id=payment_id,
        kind=kind,
        amount=minor_to_decimal(minor(obj, amount_key) or 0, currency),
        currency=currency.upper(),
        system="stripe",
        status=status,
        charge_id=charge_id(obj),
        **details,
    )


def subscription(
    root: Wire, obj: Wire, change: SubscriptionChange
) -> tuple[tuple[Identifier, ...], SubscriptionEvent]:
    """``customer.subscription.*``: the subscription's status, price and dates after the change."""
    identifiers = _ids.external("stripe", obj.opt_text("customer") or "")
    subscription_id = obj.text("id")
    amount, currency, interval, item_end = _price(obj)
    currency = obj.opt_text("currency") or currency
    event = SubscriptionEvent(
        id=f"stripe:{root.text('id')}",
        at=root.instant("created"),
        customer_id=_owner(identifiers, subscription_id),
        source="stripe",
        external_id=root.text("id"),
        subscription_id=subscription_id,
        change=change,
        status=obj.text("status"),
        system="stripe",
        amount=None if amount is None or currency is None else minor_to_decimal(amount, currency),
        currency=None if currency is None else currency.upper(),
        interval=interval,
        trial_end=_opt_instant(obj, "trial_end"),
        period_end=_opt_instant(obj, "current_period_end") or item_end,
        cancel_at_period_end=obj.get("cancel_at_period_end").value is True,
    )
    return identifiers, event


def _price(obj: Wire) -> tuple[int | None, str | None, str | None, datetime | None]:
    # The recurring amount: each item's unit amount times its quantity. A
    # tiered or metered price has no unit amount: then the total is unknown.
    items = obj.get("items")
    if items.value is None:
        return None, None, None, None
    total: int | None = 0
    currency = interval = None
    period_end = None
    for item in items.items("data"):
        price = item.get("price")
        if price.value is None:
            total = None
            continue
        unit = minor(price, "unit_amount", required=False)
        quantity = minor(item, "quantity", required=False)
        total = None if unit is None or total is None else total + unit * (quantity or 1)
        currency = currency or price.opt_text("currency")
        recurring = price.get("recurring")
        if interval is None and recurring.value is not None:
            interval = recurring.opt_text("interval")
        period_end = period_end or _opt_instant(item, "current_period_end")
    return total, currency, interval, period_end


def charge_id(obj: Wire) -> str | None:
    """The charge an object names: a charge's own id, or its ``charge``/``latest_charge``."""
    if obj.opt_text("object") == "charge" or (obj.opt_text("id") or "").startswith("ch_"):
        return obj.text("id")
    found = obj.opt_text("charge") or obj.opt_text("latest_charge")
    if found:
        return found
    # A payment intent from before API version 2022-11-15 lists its charges.
    charges = obj.get("charges")
    for charge in charges.items("data") if charges.value is not None else ():
        return charge.text("id")
    return None


def _invoice_payment(obj: Wire) -> str | None:
    found = obj.opt_text("payment_intent")
    if found:
        return found
    for payment in obj.get("payments").items("data") if obj.has("payments") else ():
        inner = payment.get("payment")
        if inner.value is not None and inner.opt_text("payment_intent"):
            return inner.opt_text("payment_intent")
    return None


def _invoice_subscription(obj: Wire) -> str | None:
    found = obj.opt_text("subscription")
    if found or not obj.has("parent"):
        return found
    details = obj.child("parent").get("subscription_details")
    return None if details.value is None else details.opt_text("subscription")


def _email(raw: str | None) -> tuple[Identifier, ...]:
    return _ids.email(raw) if raw else ()


def _owner(identifiers: tuple[Identifier, ...], reference: str) -> str:
    # The customer's key until the desk resolves the profile; with none
    # (a dispute names only its charge), the host names the customer.
    return identifiers[0].key if identifiers else f"stripe:{reference}"


def _opt_instant(node: Wire, key: str) -> datetime | None:
    return node.instant(key) if node.has(key) else None
