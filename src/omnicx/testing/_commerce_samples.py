"""Signed sample webhooks of every Shopify topic and Stripe event type omnicx parses.

The payloads follow the providers' own shapes (Shopify's REST ``Order``,
``Refund`` and ``Customer`` resources; Stripe's ``Event`` around a
``Charge``, ``Invoice``, ``Dispute`` or ``Subscription``), trimmed to the
fields that matter plus a few neighbours a parser must ignore. Hosts use
them to test their webhook endpoints; omnicx's tests and the channel fuzz
benchmark mutate them.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from omnicx.channels import WebhookRequest, sign_shopify, sign_stripe

_CUSTOMER: dict[str, Any] = {
    "id": 115310627314723954, "email": "mary@example.com", "verified_email": True,
    "phone": "+14155550100", "first_name": "Mary", "last_name": "Somerville",
    "orders_count": 3, "total_spent": "450.00", "currency": "USD",
    "tags": "VIP, wholesale", "state": "enabled",
    "created_at": "2026-01-10T09:00:00-05:00", "updated_at": "2026-03-02T07:00:00-05:00",
}  # fmt: skip

_ORDER: dict[str, Any] = {
    "id": 820982911946154508, "admin_graphql_api_id": "gid://shopify/Order/820982911946154508",
    "name": "#1001", "order_number": 1001, "email": "mary@example.com", "phone": None,
    "created_at": "2026-03-02T07:00:00-05:00", "updated_at": "2026-03-02T07:00:00-05:00",
    "processed_at": "2026-03-02T07:00:00-05:00", "cancelled_at": None, "cancel_reason": None,
    "closed_at": None, "currency": "USD", "total_price": "199.00", "subtotal_price": "189.00",
    "total_tax": "10.00", "financial_status": "pending", "fulfillment_status": None,
    "line_items": [{"id": 866550311766439020, "title": "Walnut desk", "quantity": 2,
                    "price": "94.50", "sku": "DESK-W"}],
    "billing_address": {"first_name": "Mary", "last_name": "Somerville", "phone": "+14155550100",
                        "city": "London", "country_code": "GB"},
    "customer": _CUSTOMER,
}  # fmt: skip

_LATER = "2026-03-02T09:30:00-05:00"


def _order(**changes: Any) -> dict[str, Any]:
    return {**_ORDER, **changes}


_SHOPIFY: dict[str, dict[str, Any]] = {
    "orders/create": _ORDER,
    "orders/paid": _order(financial_status="paid", updated_at="2026-03-02T07:05:00-05:00"),
    "orders/updated": _order(financial_status="paid", updated_at="2026-03-02T08:00:00-05:00",
                             note="Leave at the door"),
    "orders/fulfilled": _order(financial_status="paid", fulfillment_status="fulfilled",
                               updated_at=_LATER),
    "orders/cancelled": _order(financial_status="refunded", cancelled_at=_LATER,
                               cancel_reason="customer", updated_at=_LATER),
    "refunds/create": {
        "id": 929361463, "order_id": 820982911946154508,
        "created_at": "2026-03-03T10:00:00-05:00", "processed_at": "2026-03-03T10:00:00-05:00",
        "note": "Scratched top", "restock": True, "user_id": 548380009,
        "refund_line_items": [{"id": 104689539, "quantity": 1, "line_item_id": 866550311766439020,
                               "subtotal": 94.5, "total_tax": 5.0}],
        "transactions": [{"id": 389404469, "order_id": 820982911946154508, "kind": "refund",
                          "gateway": "bogus", "status": "success", "amount": "99.50",
                          "currency": "USD", "created_at": "2026-03-03T10:00:00-05:00"}],
        "order_adjustments": [],
    },
    "customers/create": _CUSTOMER,
    "customers/update": {**_CUSTOMER, "orders_count": 4, "total_spent": "649.00",
                         "updated_at": _LATER},
}  # fmt: skip

_GUEST: dict[str, Any] = _order(
    id=820982911946154600, name="#1002", order_number=1002, customer=None,
    email="grace@example.com", phone="+14155550199", total_price="42.00",
    billing_address={"first_name": "Grace", "last_name": "Hopper", "phone": "+14155550199"},
)  # fmt: skip

_EVENT_CREATED = 1772452800  # 2026-03-02T12:00:00Z

_SUBSCRIPTION: dict[str, Any] = {
    "id": "sub_1MowQVLkdIwHu7ixeRlqHVzs", "object": "subscription",
    "customer": "cus_NffrFeUfNV2Hib", "status": "active", "currency": "usd",
    "cancel_at_period_end": False, "created": 1772000000, "trial_end": None,
    "current_period_start": 1772000000, "current_period_end": 1774592000,
    "items": {"object": "list", "data": [{
        "id": "si_NcLYdDxLHxlFo7", "object": "subscription_item", "quantity": 2,
        "current_period_end": 1774592000,
        "price": {"id": "price_1Mr6rdLkdIwHu7ixwPmiybbR", "object": "price", "currency": "usd",
                  "unit_amount": 1500, "recurring": {"interval": "month", "interval_count": 1}},
    }]},
    "pause_collection": None,
}  # fmt: skip


def _subscription(**changes: Any) -> dict[str, Any]:
    return {**_SUBSCRIPTION, **changes}


_STRIPE: dict[str, dict[str, Any]] = {
    "charge.succeeded": {
        "id": "ch_3MmlLrLkdIwHu7ix0snN0B15", "object": "charge", "amount": 1999,
        "amount_refunded": 0, "currency": "usd", "customer": "cus_NffrFeUfNV2Hib",
        "payment_intent": "pi_3MmlLrLkdIwHu7ix0uke3Ezy", "receipt_email": "mary@example.com",
        "billing_details": {"email": "mary@example.com", "name": "Mary Somerville"},
        "status": "succeeded", "paid": True,
    },
    "invoice.payment_failed": {
        "id": "in_1MtHbELkdIwHu7ixl4OzzPMv", "object": "invoice",
        "customer": "cus_NffrFeUfNV2Hib", "customer_email": "mary@example.com",
        "amount_due": 3000, "amount_paid": 0, "amount_remaining": 3000, "currency": "usd",
        "status": "open", "attempt_count": 2, "billing_reason": "subscription_cycle",
        "next_payment_attempt": 1772712000,
        "parent": {"type": "subscription_details",
                   "subscription_details": {"subscription": "sub_1MowQVLkdIwHu7ixeRlqHVzs"}},
        "payments": {"object": "list", "data": [{"payment": {
            "type": "payment_intent", "payment_intent": "pi_3MtHbELkdIwHu7ix1Yv1a2Bc"}}]},
    },
    "charge.dispute.created": {
        "id": "du_1MtJUT2eZvKYlo2CNaw2HvEv", "object": "dispute", "amount": 1999,
        "charge": "ch_3MmlLrLkdIwHu7ix0snN0B15", "currency": "usd", "created": 1772452700,
        "evidence": {"customer_email_address": "mary@example.com", "customer_name": None,
                     "product_description": None},
        "evidence_details": {"due_by": 1773964799, "has_evidence": False, "past_due": False,
                             "submission_count": 0},
        "is_charge_refundable": True, "livemode": False, "metadata": {},
        "payment_intent": "pi_3MmlLrLkdIwHu7ix0uke3Ezy", "reason": "product_not_received",
        "status": "needs_response",
    },
    "customer.subscription.created": _subscription(status="trialing", trial_end=1773000000),
    "customer.subscription.updated": _subscription(cancel_at_period_end=True),
    "customer.subscription.deleted": _subscription(status="canceled", ended_at=1772452800),
    "customer.subscription.paused": _subscription(status="paused"),
    "customer.subscription.resumed": _subscription(),
    "customer.subscription.trial_will_end": _subscription(status="trialing",
                                                          trial_end=1772712000),
}  # fmt: skip


def shopify_payloads() -> dict[str, dict[str, Any]]:
    """One payload per Shopify topic, all about order #1001 of customer 115310627314723954.

    A fresh copy on each call: change it freely.
    """
    return copy.deepcopy(_SHOPIFY)


def guest_order() -> dict[str, Any]:
    """A guest checkout's ``orders/create`` payload: no ``customer``, only an email and phone."""
    return copy.deepcopy(_GUEST)


def stripe_objects() -> dict[str, dict[str, Any]]:
    """One ``data.object`` per Stripe event type (one customer throughout); a fresh copy."""
    return copy.deepcopy(_STRIPE)


def stripe_event(kind: str, obj: Mapping[str, Any], *, event_id: str = "") -> dict[str, Any]:
    """A Stripe ``Event`` of ``type`` ``kind`` around ``obj``."""
    suffix = kind.replace(".", "_")
    return {
        "id": event_id or f"evt_1Mt{suffix}", "object": "event", "api_version": "2025-03-31",
        "type": kind, "created": _EVENT_CREATED, "livemode": False, "pending_webhooks": 1,
        "data": {"object": dict(obj)},
    }  # fmt: skip


RECEIVED_AT = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
"""When the Shopify samples are received unless a test says otherwise."""


def shopify_request(
    topic: str, payload: Mapping[str, Any], *, secret: str, received_at: datetime = RECEIVED_AT
) -> WebhookRequest:
    """``payload`` as Shopify POSTs it under ``topic``, signed with ``secret``."""
    body = json.dumps(payload).encode()
    headers = {
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": sign_shopify(secret, body),
        "X-Shopify-Webhook-Id": f"b54557e4-{topic.replace('/', '-')}",
        "X-Shopify-Event-Id": f"98880550-{topic.replace('/', '-')}",
        "X-Shopify-Triggered-At": RECEIVED_AT.isoformat(),
        "X-Shopify-Shop-Domain": "omnicx-demo.myshopify.com",
    }
    return WebhookRequest(body=body, headers=headers, received_at=received_at)


def stripe_request(event: Mapping[str, Any], *, secret: str, now: datetime) -> WebhookRequest:
    """``event`` as Stripe POSTs it, signed with ``secret`` at ``now`` and received then."""
    body = json.dumps(event).encode()
    signature = sign_stripe(secret, body, int(now.timestamp()))
    return WebhookRequest(body=body, headers={"Stripe-Signature": signature}, received_at=now)


def shopify_samples(secret: str) -> list[WebhookRequest]:
    """Every Shopify topic's sample (``shopify_payloads``) and the guest order, signed."""
    samples = [shopify_request(t, p, secret=secret) for t, p in _SHOPIFY.items()]
    return [*samples, shopify_request("orders/create", _GUEST, secret=secret)]


def stripe_samples(secret: str, *, now: datetime) -> list[WebhookRequest]:
    """Every Stripe event type's sample (``stripe_objects``), signed at ``now``."""
    return [
        stripe_request(stripe_event(kind, obj), secret=secret, now=now)
        for kind, obj in _STRIPE.items()
    ]
