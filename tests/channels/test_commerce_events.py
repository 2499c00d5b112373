"""Every Shopify topic and Stripe event type: typed events, guest buyers, and no crash."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from omnicx.channels import (
    SHOPIFY_TOPICS,
    STRIPE_EVENT_TYPES,
    Enrichment,
    ShopifyWebhook,
    StripeWebhook,
    WebhookRequest,
)
from omnicx.errors import PayloadError, SignatureError
from omnicx.model import (
    Identifier,
    OrderChange,
    OrderEvent,
    PaymentEvent,
    PaymentKind,
    SubscriptionChange,
    SubscriptionEvent,
)
from omnicx.testing import (
    check_mutations,
    guest_order,
    shopify_payloads,
    shopify_request,
    shopify_samples,
    stripe_event,
    stripe_objects,
    stripe_request,
    stripe_samples,
)

SECRET = "shp-secret"
SHOPIFY_PAYLOADS = shopify_payloads()
STRIPE_OBJECTS = stripe_objects()
GUEST_ORDER = guest_order()
SHOPIFY = ShopifyWebhook(secret=SECRET)
STRIPE = StripeWebhook(secret="whsec_test")
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
PLACED = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
LATER = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)


def shopify(topic: str, payload: dict[str, Any] | None = None) -> Enrichment:
    request = shopify_request(topic, payload or SHOPIFY_PAYLOADS[topic], secret=SECRET)
    SHOPIFY.verify(request, now=request.received_at)
    return SHOPIFY.parse(request)


def stripe(kind: str, obj: dict[str, Any] | None = None) -> Enrichment:
    request = stripe_request(stripe_event(kind, obj or STRIPE_OBJECTS[kind]),
                             secret="whsec_test", now=NOW)  # fmt: skip
    STRIPE.verify(request, now=NOW)
    return STRIPE.parse(request)


def only_order(result: Enrichment) -> OrderEvent:
    (event,) = result.events
    assert isinstance(event, OrderEvent)
    return event


def test_every_sample_topic_is_one_shopify_parses() -> None:
    """The samples cover exactly the topics ShopifyWebhook documents."""
    assert set(SHOPIFY_PAYLOADS) == set(SHOPIFY_TOPICS)
    assert set(STRIPE_OBJECTS) <= set(STRIPE_EVENT_TYPES)
    assert {k for k in STRIPE_EVENT_TYPES if k.startswith("customer.subscription.")} == {
        f"customer.subscription.{c.value}" for c in SubscriptionChange
    }


@pytest.mark.parametrize(
    ("topic", "change", "status", "financial", "fulfillment", "at"),
    [
        ("orders/create", OrderChange.CREATED, "open", "pending", None, PLACED),
        ("orders/paid", OrderChange.PAID, "open", "paid", None,
         datetime(2026, 3, 2, 12, 5, tzinfo=UTC)),
        ("orders/updated", OrderChange.UPDATED, "open", "paid", None,
         datetime(2026, 3, 2, 13, 0, tzinfo=UTC)),
        ("orders/fulfilled", OrderChange.FULFILLED, "fulfilled", "paid", "fulfilled", LATER),
        ("orders/cancelled", OrderChange.CANCELLED, "cancelled", "refunded", None, LATER),
    ],
)  # fmt: skip
def test_order_topics(
    topic: str,
    change: OrderChange,
    status: str,
    financial: str,
    fulfillment: str | None,
    at: datetime,
) -> None:
    """Each orders/* topic: its change, status, Shopify's two statuses, value and times."""
    event = only_order(shopify(topic))
    assert (event.change, event.status, event.financial_status, event.fulfillment_status) == (
        change, status, financial, fulfillment,
    )  # fmt: skip
    assert (event.order_id, event.order_number) == ("820982911946154508", "#1001")
    assert (event.total, event.currency, event.item_count) == (Decimal("199.00"), "USD", 2)
    assert (event.at, event.placed_at) == (at, PLACED)
    assert event.updated_at == (PLACED if change is OrderChange.CREATED else at)
    assert event.customer_id == "external:shopify:customer:115310627314723954"
    assert event.cancel_reason == ("customer" if change is OrderChange.CANCELLED else None)


def test_order_updates_get_distinct_ids_and_redeliveries_the_same() -> None:
    """Two updates of one order are two events; the same update delivered twice is one."""
    first = only_order(shopify("orders/updated"))
    later = {**SHOPIFY_PAYLOADS["orders/updated"], "updated_at": "2026-03-02T11:00:00Z"}
    assert only_order(shopify("orders/updated", later)).id != first.id
    assert only_order(shopify("orders/updated")).id == first.id


def test_guest_checkout_is_known_by_email_and_phone() -> None:
    """An order without a customer: the buyer's contact email and phone, unverified."""
    result = shopify("orders/create", GUEST_ORDER)
    assert result.identifiers == (
        Identifier.email("grace@example.com"),
        Identifier.phone("+14155550199"),
    )
    assert result.name == "Grace Hopper"
    event = only_order(result)
    assert event.customer_id == Identifier.email("grace@example.com").key
    assert (event.order_number, event.total) == ("#1002", Decimal("42.00"))


def test_guest_phone_from_the_billing_address_and_contact_email() -> None:
    """No order email or phone: ``contact_email`` and the billing address's phone."""
    payload = {**GUEST_ORDER, "email": None, "phone": None, "contact_email": "g@example.com"}
    assert shopify("orders/create", payload).identifiers == (
        Identifier.email("g@example.com"),
        Identifier.phone("+14155550199"),
    )


def test_an_order_of_a_customer_adds_the_contact_email_only_when_new() -> None:
    """The customer's own (verified) email wins; the order's contact details fill gaps."""
    assert [i.kind.value for i in shopify("orders/create").identifiers] == [
        "external", "email", "phone",
    ]  # fmt: skip
    other = {**SHOPIFY_PAYLOADS["orders/create"], "customer": {"id": 5}}
    assert shopify("orders/create", other).identifiers == (
        Identifier.external("shopify:customer", "5"),
        Identifier.email("mary@example.com"),
        Identifier.phone("+14155550100"),
    )


def test_refund_names_its_order_and_amount() -> None:
    """refunds/create: a REFUNDED order event with the successful refund transactions' sum."""
    result = shopify("refunds/create")
    assert result.identifiers == ()
    event = only_order(result)
    assert (event.change, event.order_id, event.refund_id) == (
        OrderChange.REFUNDED, "820982911946154508", "929361463",
    )  # fmt: skip
    assert (event.refunded, event.currency, event.status) == (Decimal("99.50"), "USD", "")
    assert event.id == "shopify:refund:929361463"
    assert event.at == datetime(2026, 3, 3, 15, 0, tzinfo=UTC)


def test_refund_ignores_failed_transactions() -> None:
    """Only ``kind: refund`` transactions with ``status: success`` count."""
    refund = dict(SHOPIFY_PAYLOADS["refunds/create"])
    good = refund["transactions"][0]
    refund["transactions"] = [good, {**good, "status": "failure"}, {**good, "kind": "sale"}]
    assert only_order(shopify("refunds/create", refund)).refunded == Decimal("99.50")
    refund["transactions"] = []
    assert only_order(shopify("refunds/create", refund)).refunded is None


def test_customers_update_reads_like_create() -> None:
    """customers/update: the same identifiers and facts as customers/create."""
    result = shopify("customers/update")
    assert result.attributes["order_count"] == 4
    assert result.attributes["lifetime_value"] == "649.00"
    assert result.events == ()


def test_shopify_event_and_delivery_ids_are_typed_fields() -> None:
    """``X-Shopify-Event-Id`` and ``X-Shopify-Webhook-Id`` land on the result, blank as None."""
    for topic in ("orders/paid", "refunds/create", "customers/update"):
        result = shopify(topic)
        assert result.event_id == f"98880550-{topic.replace('/', '-')}"
        assert result.delivery_id == f"b54557e4-{topic.replace('/', '-')}"
    request = shopify_request("orders/paid", SHOPIFY_PAYLOADS["orders/paid"], secret=SECRET)
    bare = WebhookRequest(
        body=request.body,
        headers={k: v for k, v in request.headers.items() if not k.endswith("-Id")}
        | {"X-Shopify-Event-Id": "  "},
        received_at=request.received_at,
    )
    result = SHOPIFY.parse(bare)
    assert (result.event_id, result.delivery_id) == (None, None)
    assert only_order(result).external_id is not None


@pytest.mark.parametrize(
    ("kind", "change", "charge"),
    [
        ("charge.succeeded", {}, "ch_3MmlLrLkdIwHu7ix0snN0B15"),
        ("charge.dispute.created", {}, "ch_3MmlLrLkdIwHu7ix0snN0B15"),
        ("payment_intent.succeeded", {"latest_charge": "ch_latest"}, "ch_latest"),
        ("payment_intent.succeeded", {"charges": {"data": [{"id": "ch_old"}]}}, "ch_old"),
        ("payment_intent.succeeded", {}, None),
        ("invoice.payment_failed", {"charge": "ch_invoice"}, "ch_invoice"),
    ],
)
def test_stripe_charge_id_next_to_the_payment_intent(
    kind: str, change: dict[str, Any], charge: str | None
) -> None:
    """The charge is kept when a payment intent names the payment, in each API version's place."""
    obj = STRIPE_OBJECTS.get(kind) or _payment_intent()
    result = stripe(kind, {**obj, **change})
    (event,) = result.events
    assert isinstance(event, PaymentEvent)
    assert event.charge_id == charge
    assert result.event_id == event.external_id


def _payment_intent() -> dict[str, Any]:
    return {"id": "pi_3MtwBwLkdIwHu7ix28a3tqPa", "object": "payment_intent", "amount": 2000,
            "currency": "usd", "customer": "cus_NffrFeUfNV2Hib", "status": "succeeded"}  # fmt: skip


def test_invoice_payment_failed() -> None:
    """invoice.payment_failed: a failed PAYMENT of amount_due, naming invoice and subscription."""
    result = stripe("invoice.payment_failed")
    assert result.identifiers == (
        Identifier.external("stripe", "cus_NffrFeUfNV2Hib"),
        Identifier.email("mary@example.com"),
    )
    (event,) = result.events
    assert isinstance(event, PaymentEvent)
    assert (event.kind, event.status, event.amount, event.currency) == (
        PaymentKind.PAYMENT, "failed", Decimal("30.00"), "USD",
    )  # fmt: skip
    assert event.payment_id == "pi_3MtHbELkdIwHu7ix1Yv1a2Bc"
    assert (event.invoice_id, event.subscription_id) == (
        "in_1MtHbELkdIwHu7ixl4OzzPMv", "sub_1MowQVLkdIwHu7ixeRlqHVzs",
    )  # fmt: skip


def test_invoice_of_an_older_api_version() -> None:
    """Older API versions put ``payment_intent`` and ``subscription`` on the invoice itself."""
    obj = {k: v for k, v in STRIPE_OBJECTS["invoice.payment_failed"].items()
           if k not in ("parent", "payments")}  # fmt: skip
    (event,) = stripe("invoice.payment_failed",
                      {**obj, "payment_intent": "pi_old", "subscription": "sub_old"}).events  # fmt: skip
    assert isinstance(event, PaymentEvent)
    assert (event.payment_id, event.subscription_id) == ("pi_old", "sub_old")
    (bare,) = stripe("invoice.payment_failed", obj).events
    assert isinstance(bare, PaymentEvent)
    assert (bare.payment_id, bare.subscription_id) == ("in_1MtHbELkdIwHu7ixl4OzzPMv", None)


def test_dispute_created() -> None:
    """charge.dispute.created: reason, amount, evidence deadline; the evidence email identifies."""
    result = stripe("charge.dispute.created")
    assert result.identifiers == (Identifier.email("mary@example.com"),)
    (event,) = result.events
    assert isinstance(event, PaymentEvent)
    assert (event.kind, event.reason, event.amount, event.status) == (
        PaymentKind.DISPUTE, "product_not_received", Decimal("19.99"), "needs_response",
    )  # fmt: skip
    assert event.payment_id == "pi_3MmlLrLkdIwHu7ix0uke3Ezy"
    assert event.due_by == datetime(2026, 3, 19, 23, 59, 59, tzinfo=UTC)


def test_dispute_without_an_email_names_no_customer() -> None:
    """A dispute names only its charge: no identifiers, the host names the customer."""
    obj = {**STRIPE_OBJECTS["charge.dispute.created"], "evidence": {}, "payment_intent": None}
    result = stripe("charge.dispute.created", obj)
    assert result.identifiers == ()
    (event,) = result.events
    assert isinstance(event, PaymentEvent)
    assert event.customer_id == "stripe:ch_3MmlLrLkdIwHu7ix0snN0B15"


@pytest.mark.parametrize("change", list(SubscriptionChange))
def test_subscription_events(change: SubscriptionChange) -> None:
    """customer.subscription.*: status, recurring amount, interval and dates after the change."""
    kind = f"customer.subscription.{change.value}"
    result = stripe(kind)
    (event,) = result.events
    assert isinstance(event, SubscriptionEvent)
    obj = STRIPE_OBJECTS[kind]
    assert (event.change, event.status, event.subscription_id) == (
        change, obj["status"], "sub_1MowQVLkdIwHu7ixeRlqHVzs",
    )  # fmt: skip
    assert (event.amount, event.currency, event.interval) == (Decimal("30.00"), "USD", "month")
    assert event.period_end == datetime.fromtimestamp(1774592000, tz=UTC)
    expected_trial = obj["trial_end"] and datetime.fromtimestamp(obj["trial_end"], tz=UTC)
    assert event.trial_end == (expected_trial or None)
    assert event.cancel_at_period_end is (change is SubscriptionChange.UPDATED)
    assert result.attributes == {"subscription_status": obj["status"]}
    assert result.identifiers == (Identifier.external("stripe", "cus_NffrFeUfNV2Hib"),)


def test_subscription_of_a_newer_api_version_and_a_tiered_price() -> None:
    """The period end per item (newer versions); a price without unit amount: amount unknown."""
    obj = {**STRIPE_OBJECTS["customer.subscription.updated"], "current_period_end": None}
    (event,) = stripe("customer.subscription.updated", obj).events
    assert isinstance(event, SubscriptionEvent)
    assert event.period_end == datetime.fromtimestamp(1774592000, tz=UTC)
    item = obj["items"]["data"][0]
    tiered = {**item, "price": {**item["price"], "unit_amount": None}}
    obj = {**obj, "items": {"data": [tiered]}}
    (event,) = stripe("customer.subscription.updated", obj).events
    assert isinstance(event, SubscriptionEvent)
    assert (event.amount, event.interval) == (None, "month")


@pytest.mark.parametrize(
    ("kind", "obj", "message"),
    [
        ("invoice.payment_failed", {"id": "in_1", "currency": "usd", "amount_due": -1},
         "data.object.amount_due: expected whole minor units"),
        ("customer.subscription.updated", {"id": "sub_1", "customer": "cus_1"},
         "data.object.status: required field is missing"),
        ("charge.dispute.created", {"id": "du_1", "currency": "usd", "amount": 5,
                                    "evidence_details": {"due_by": 10**20}},
         "data.object.evidence_details.due_by: timestamp out of range"),
    ],
)  # fmt: skip
def test_stripe_billing_bad_payloads(kind: str, obj: dict[str, Any], message: str) -> None:
    """Wrong fields of the billing objects are PayloadErrors naming their path."""
    body = json.dumps(stripe_event(kind, obj)).encode()
    with pytest.raises(PayloadError) as info:
        STRIPE.parse(WebhookRequest(body=body, received_at=NOW))
    assert str(info.value) == message


def _shopify_attempt(request: WebhookRequest) -> object:
    with contextlib.suppress(SignatureError):
        SHOPIFY.verify(request, now=request.received_at)
    return SHOPIFY.parse(request)


def _stripe_attempt(request: WebhookRequest) -> object:
    with contextlib.suppress(SignatureError):
        STRIPE.verify(request, now=NOW)
    return STRIPE.parse(request)


@pytest.mark.parametrize("index", range(len(shopify_samples(SECRET))))
def test_shopify_samples_survive_every_mutation(index: int) -> None:
    """Each Shopify sample, mutated every way: it parses or raises PayloadError."""
    sample = shopify_samples(SECRET)[index]
    assert isinstance(_shopify_attempt(sample), Enrichment)
    check_mutations(_shopify_attempt, [sample])


@pytest.mark.parametrize("index", range(len(stripe_samples("whsec_test", now=NOW))))
def test_stripe_samples_survive_every_mutation(index: int) -> None:
    """Each Stripe sample, mutated every way: it parses or raises PayloadError."""
    sample = stripe_samples("whsec_test", now=NOW)[index]
    assert isinstance(_stripe_attempt(sample), Enrichment)
    check_mutations(_stripe_attempt, [sample])
