"""Shopify and Stripe webhooks into timeline events and customer attributes."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.channels.requests import request

from omnicx.channels import (
    SHOPIFY_TOPICS,
    ShopifyWebhook,
    StripeWebhook,
    WebhookRequest,
    minor_to_decimal,
    sign_shopify,
    sign_stripe,
)
from omnicx.errors import PayloadError, SignatureError
from omnicx.model import Identifier, OrderEvent, PaymentEvent, PaymentKind

SHOPIFY = ShopifyWebhook(secret="shp-secret")
STRIPE = StripeWebhook(secret="whsec_test")
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)

# Shopify's documented orders/create sample, trimmed to the fields used.
ORDER: dict[str, Any] = {
    "id": 820982911946154508,
    "name": "#9999",
    "email": "jon@example.com",
    "created_at": "2026-03-02T07:00:00-05:00",
    "currency": "USD",
    "total_price": "403.00",
    "financial_status": "paid",
    "line_items": [{"quantity": 1}, {"quantity": 2}],
    "customer": {
        "id": 115310627314723954,
        "email": "John@Example.com",
        "verified_email": True,
        "phone": "+16135550135",
        "first_name": "John",
        "last_name": "Smith",
        "orders_count": 4,
        "total_spent": "1021.50",
    },
}
CUSTOMER_KEY = "external:shopify:customer:115310627314723954"


def shopify(payload: dict[str, Any], topic: str) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(payload).encode()
    return raw, {
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": sign_shopify("shp-secret", raw),
        "X-Shopify-Webhook-Id": "b54557e4",
    }


def test_shopify_order_created() -> None:
    """orders/create: an OrderEvent, the customer's identifiers, order count and lifetime value."""
    raw, headers = shopify(ORDER, "orders/create")
    SHOPIFY.verify(request(raw, headers), now=NOW)
    result = SHOPIFY.parse(request(raw, headers))
    assert result.identifiers == (
        Identifier.external("shopify:customer", "115310627314723954"),
        Identifier.email("john@example.com", verified=True),
        Identifier.phone("+16135550135"),
    )
    assert result.name == "John Smith"
    assert result.attributes == {"order_count": 4, "lifetime_value": "1021.50", "currency": "USD"}
    assert result.events == (
        OrderEvent(
            id="shopify:order:820982911946154508:created",
            at=NOW,
            customer_id=CUSTOMER_KEY,
            source="shopify",
            external_id="b54557e4",
            order_id="820982911946154508",
            order_number="#9999",
            system="shopify",
            total=Decimal("403.00"),
            currency="USD",
            status="open",
            financial_status="paid",
            placed_at=NOW,
            updated_at=NOW,
            item_count=3,
        ),
    )


def test_shopify_order_without_customer_totals() -> None:
    """Newer API versions omit the customer's totals: this order alone counts."""
    customer = {"id": 1, "email": None}
    raw, headers = shopify({**ORDER, "customer": customer}, "orders/create")
    assert SHOPIFY.parse(request(raw, headers)).attributes == {
        "order_count": 1,
        "lifetime_value": "403.00",
        "currency": "USD",
    }


def test_shopify_customer_created_new_api_shape() -> None:
    """customers/create with number_of_orders and amount_spent (newer API versions)."""
    payload = {
        "id": "gid://shopify/Customer/77",
        "email": "a@example.com",
        "number_of_orders": "2",
        "amount_spent": {"amount": "50.10", "currency_code": "EUR"},
    }
    raw, headers = shopify(payload, "customers/create")
    result = SHOPIFY.parse(request(raw, headers))
    assert result.identifiers[0] == Identifier.external("shopify:customer", "77")
    assert result.attributes == {"order_count": 2, "lifetime_value": "50.10", "currency": "EUR"}
    assert result.events == ()


@pytest.mark.parametrize(
    ("tags", "expected"),
    [("VIP, wholesale", ("VIP", "wholesale")), (" , ", None), (["vip", 3], ("vip",)), ("", None)],
)
def test_shopify_customer_tags_become_a_list(tags: object, expected: tuple[str] | None) -> None:
    """Shopify's comma-separated tags become a list attribute (read back as a tuple)."""
    raw, headers = shopify({"id": 9, "email": "t@example.com", "tags": tags}, "customers/create")
    assert SHOPIFY.parse(request(raw, headers)).attributes.get("tags") == expected


@pytest.mark.parametrize(
    ("payload", "topic", "message"),
    [
        (ORDER, "orders/edited", "X-Shopify-Topic: unsupported Shopify topic"),
        (
            {**ORDER, "customer": None, "email": None},
            "orders/create",
            "email: an order with no usable customer id, email or phone",
        ),
        (
            {**ORDER, "total_price": "-1"},
            "orders/create",
            "total_price: expected a non-negative amount",
        ),
        (
            {**ORDER, "total_price": "abc"},
            "orders/create",
            "total_price: expected a non-negative amount",
        ),
        (
            {**ORDER, "email": None, "customer": {"id": "has space"}},
            "orders/create",
            "customer.id: an order with no usable customer id, email or phone",
        ),
        (
            {**ORDER, "created_at": "yesterday"},
            "orders/create",
            "created_at: expected an ISO 8601 timestamp with an offset",
        ),
    ],
)
def test_shopify_bad_payloads(payload: dict[str, Any], topic: str, message: str) -> None:
    """Unsupported topics and wrong fields are PayloadErrors with their field."""
    raw, headers = shopify(payload, topic)
    with pytest.raises(PayloadError) as info:
        SHOPIFY.parse(request(raw, headers))
    assert str(info.value) == message


def test_shopify_signature_fails_on_change() -> None:
    """A changed body fails X-Shopify-Hmac-Sha256."""
    raw, headers = shopify(ORDER, "orders/create")
    with pytest.raises(SignatureError) as info:
        SHOPIFY.verify(request(raw.replace(b"403.00", b"4.00"), headers), now=NOW)
    assert info.value.header == "X-Shopify-Hmac-Sha256"


def stripe_event(kind: str, obj: dict[str, Any]) -> bytes:
    return json.dumps(
        {
            "id": "evt_1",
            "object": "event",
            "type": kind,
            "created": int(NOW.timestamp()),
            "data": {"object": obj},
        }
    ).encode()


CHARGE = {
    "id": "ch_1",
    "object": "charge",
    "amount": 2000,
    "amount_refunded": 500,
    "currency": "usd",
    "customer": "cus_9",
    "payment_intent": "pi_1",
    "billing_details": {"email": "Pay@Example.com"},
    "status": "succeeded",
}


def test_stripe_charge_succeeded() -> None:
    """charge.succeeded: a PaymentEvent in major units, customer and billing email identifiers."""
    raw = stripe_event("charge.succeeded", CHARGE)
    STRIPE.verify(
        request(raw, {"Stripe-Signature": sign_stripe("whsec_test", raw, int(NOW.timestamp()))}),
        now=NOW + timedelta(seconds=30),
    )
    result = STRIPE.parse(request(raw))
    assert result.identifiers == (
        Identifier.external("stripe", "cus_9"),
        Identifier.email("pay@example.com"),
    )
    assert result.events == (
        PaymentEvent(
            id="stripe:evt_1",
            at=NOW,
            customer_id="external:stripe:cus_9",
            source="stripe",
            external_id="evt_1",
            payment_id="pi_1",
            kind=PaymentKind.PAYMENT,
            amount=Decimal("20.00"),
            currency="USD",
            system="stripe",
            status="succeeded",
            charge_id="ch_1",
        ),
    )


def test_stripe_refund_and_dispute() -> None:
    """charge.refunded uses amount_refunded as a REFUND; disputes are DISPUTE."""
    (refund,) = STRIPE.parse(request(stripe_event("charge.refunded", CHARGE))).events
    assert isinstance(refund, PaymentEvent)
    assert (refund.kind, refund.amount) == (PaymentKind.REFUND, Decimal("5.00"))
    dispute_obj = {
        "id": "dp_1",
        "amount": 1000,
        "currency": "jpy",
        "charge": "ch_1",
        "status": "needs_response",
        "customer": "cus_9",
    }
    (dispute,) = STRIPE.parse(request(stripe_event("charge.dispute.created", dispute_obj))).events
    assert isinstance(dispute, PaymentEvent)
    assert (dispute.kind, dispute.amount, dispute.payment_id, dispute.status) == (
        PaymentKind.DISPUTE,
        Decimal("1000"),
        "ch_1",
        "needs_response",
    )


def test_stripe_replay_is_refused() -> None:
    """A signature older than the tolerance is a replay."""
    raw = stripe_event("charge.succeeded", CHARGE)
    header = {"Stripe-Signature": sign_stripe("whsec_test", raw, int(NOW.timestamp()))}
    with pytest.raises(SignatureError, match="replay tolerance"):
        STRIPE.verify(request(raw, header), now=NOW + timedelta(minutes=10))


@pytest.mark.parametrize(
    ("kind", "obj", "message"),
    [
        ("customer.created", CHARGE, "type: unsupported Stripe event type"),
        (
            "charge.succeeded",
            {**CHARGE, "amount": 1.5},
            "data.object.amount: expected whole minor units",
        ),
        (
            "charge.succeeded",
            {**CHARGE, "customer": None, "billing_details": {}},
            "data.object.customer: no customer or email",
        ),
        (
            "charge.succeeded",
            {k: v for k, v in CHARGE.items() if k != "currency"},
            "data.object.currency: required field is missing",
        ),
    ],
)
def test_stripe_bad_payloads(kind: str, obj: dict[str, Any], message: str) -> None:
    """Unsupported types and wrong fields are PayloadErrors."""
    with pytest.raises(PayloadError) as info:
        STRIPE.parse(request(stripe_event(kind, obj)))
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [(1999, "usd", "19.99"), (500, "JPY", "500"), (1234, "kwd", "1.234")],
)
def test_minor_units(amount: int, currency: str, expected: str) -> None:
    """Zero- and three-decimal currencies convert with their own exponent."""
    assert minor_to_decimal(amount, currency) == Decimal(expected)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=15,
)


def _refuse_or_parse(
    parse: Callable[[WebhookRequest], object], body: bytes, headers: dict[str, str]
) -> None:
    with contextlib.suppress(PayloadError):
        parse(request(body, headers))


@given(value=_JSON, topic=st.sampled_from([*SHOPIFY_TOPICS, "other"]))
def test_shopify_arbitrary_json_parses_or_refuses(value: object, topic: str) -> None:
    """Arbitrary JSON under any topic either parses or raises PayloadError."""
    _refuse_or_parse(SHOPIFY.parse, json.dumps(value).encode(), {"X-Shopify-Topic": topic})


@given(
    customer=st.dictionaries(
        st.sampled_from(
            [
                "id",
                "email",
                "phone",
                "orders_count",
                "total_spent",
                "amount_spent",
                "number_of_orders",
            ]
        ),
        _JSON,
    ),
    order=st.dictionaries(
        st.sampled_from(["id", "name", "created_at", "total_price", "line_items", "currency"]),
        _JSON,
    ),
)
def test_shopify_near_valid_orders_parse_or_refuse(
    customer: dict[str, object], order: dict[str, object]
) -> None:
    """Orders with arbitrary values in the fields read either parse or raise PayloadError."""
    payload = {**ORDER, **order, "customer": {**ORDER["customer"], **customer}}
    _refuse_or_parse(
        SHOPIFY.parse, json.dumps(payload).encode(), {"X-Shopify-Topic": "orders/create"}
    )


@given(
    obj=st.dictionaries(
        st.sampled_from(
            [
                "id",
                "amount",
                "amount_refunded",
                "currency",
                "customer",
                "receipt_email",
                "billing_details",
                "payment_intent",
                "status",
            ]
        ),
        _JSON,
    ),
    kind=st.sampled_from(["charge.succeeded", "charge.refunded", "refund.created"]),
)
def test_stripe_near_valid_events_parse_or_refuse(obj: dict[str, object], kind: str) -> None:
    """Events with arbitrary values in the fields read either parse or raise PayloadError."""
    _refuse_or_parse(STRIPE.parse, stripe_event(kind, {**CHARGE, **obj}), {})
