"""Commerce webhooks through the desk: the order index, routing facts and orders on conversations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest

from omnicx import FixedClock
from omnicx.channels import Enrichment, MessageReceived, ShopifyWebhook, StripeWebhook
from omnicx.desk import Desk
from omnicx.errors import NotFoundError, ValidationError
from omnicx.identity import email_identifier
from omnicx.model import Identifier, OrderEvent, PaymentEvent, PaymentKind, SubscriptionEvent
from omnicx.routing import RuleEngine, load_rules
from omnicx.storage import DeskStore
from omnicx.testing import (
    guest_order,
    shopify_payloads,
    shopify_request,
    stripe_event,
    stripe_objects,
    stripe_request,
)

from .test_desk import inbound as ada_writes

T0 = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)  # two days after order #1001 was placed
SHOPIFY = ShopifyWebhook(secret="shp")
STRIPE = StripeWebhook(secret="whsec")
MARY = (email_identifier("mary@example.com"),)

RULES = RuleEngine.compile(
    load_rules({"rules": [
        {"id": "refunded", "when": {"field": "customer.recent_refunds", "op": "gte", "value": 1},
         "then": {"queue": "refunds"}},
        {"id": "in-flight", "when": {"all": [
            {"field": "customer.open_orders", "op": "gte", "value": 1},
            {"field": "customer.last_order.value", "op": "gte", "value": 150},
            {"field": "customer.last_order.age_days", "op": "lt", "value": 7}]},
         "then": {"queue": "orders", "priority": "high"}},
        {"id": "shipped", "when": {"field": "customer.last_order.status", "op": "eq",
                                   "value": "fulfilled"},
         "then": {"queue": "after-sales"}},
        {"id": "rest", "then": {"queue": "general"}},
    ]})
)  # fmt: skip


def inbound(n: int, text: str, *, sender: tuple[Identifier, ...], **kw: Any) -> MessageReceived:
    # The buyer writes under their own name (another name on the address
    # would make it a shared one, which links nobody).
    name = "Grace Hopper" if "grace" in sender[0].value else "Mary Somerville"
    return attrs.evolve(ada_writes(n, text, sender=sender, **kw), sender_name=name)


def shop(topic: str, payload: dict[str, Any] | None = None) -> Enrichment:
    request = shopify_request(topic, payload or shopify_payloads()[topic], secret="shp")
    SHOPIFY.verify(request, now=request.received_at)
    return SHOPIFY.parse(request)


def stripe(kind: str, obj: dict[str, Any] | None = None) -> Enrichment:
    now = datetime(2026, 3, 2, 12, tzinfo=UTC)
    request = stripe_request(stripe_event(kind, obj or stripe_objects()[kind]),
                             secret="whsec", now=now)  # fmt: skip
    STRIPE.verify(request, now=now)
    return STRIPE.parse(request)


@pytest.fixture
def desk(store: DeskStore) -> Desk:
    return Desk(store=store, clock=FixedClock(T0), rules=RULES)


def test_order_events_fold_into_one_order_on_the_customer_s_timeline(desk: Desk) -> None:
    """create, paid, fulfilled: three events on the timeline, one order with the latest state."""
    customer = desk.enrich(shop("orders/create"), key="w1")
    assert desk.enrich(shop("orders/paid"), key="w2") == customer
    assert desk.enrich(shop("orders/fulfilled"), key="w3") == customer
    events = [e for e in desk.store.events(customer_ids=[customer]) if isinstance(e, OrderEvent)]
    assert [e.change.value for e in events] == ["created", "paid", "fulfilled"]
    (order,) = desk.orders(customer_id=customer)
    assert (order.order_number, order.status, order.financial_status) == (
        "#1001",
        "fulfilled",
        "paid",
    )
    assert (order.total, order.currency) == (Decimal("199.00"), "USD")
    assert order.placed_at == datetime(2026, 3, 2, 12, tzinfo=UTC)
    assert desk.enrich(shop("orders/paid"), key="w2") == customer  # a redelivery: nothing new
    assert desk.orders(customer_id=customer) == [order]


def test_an_older_change_arriving_late_does_not_undo_a_newer_one(desk: Desk) -> None:
    """orders/fulfilled before orders/paid (Shopify does not promise order): still fulfilled."""
    customer = desk.enrich(shop("orders/fulfilled"), key="w3")
    desk.enrich(shop("orders/paid"), key="w2")
    desk.enrich(shop("orders/create"), key="w1")
    (order,) = desk.orders(customer_id=customer)
    assert (order.status, order.fulfillment_status) == ("fulfilled", "fulfilled")
    assert len(desk.store.events(customer_ids=[customer])) == 3


def test_a_guest_order_joins_the_customer_who_writes_from_its_email(desk: Desk) -> None:
    """A guest checkout resolves by email; that customer's next email sees its order in routing."""
    customer = desk.enrich(shop("orders/create", guest_order()), key="g1")
    receipt = desk.receive(inbound(1, "hi", sender=(email_identifier("grace@example.com"),)))
    assert receipt.customer_id == customer
    assert receipt.queue == "general"  # 42.00 is under the in-flight threshold
    assert [o.order_number for o in desk.orders(customer_id=customer)] == ["#1002"]


def test_routing_reads_the_last_order_open_orders_and_recent_refunds(store: DeskStore) -> None:
    """An open order of 199 placed two days ago routes to orders; a refund then to refunds.

    Forty days on, the refund is no longer recent and the order no longer new.
    """
    clock = FixedClock(T0)
    desk = Desk(store=store, clock=clock, rules=RULES)
    desk.enrich(shop("orders/create"), key="w1")
    first = desk.receive(inbound(1, "where is it?", sender=MARY))
    assert (first.queue, first.priority, first.fired) == ("orders", "high", ("in-flight",))
    desk.enrich(shop("refunds/create"), key="r1")
    assert desk.receive(inbound(2, "and the rest?", sender=MARY)).fired == ("refunded",)
    clock.advance(timedelta(days=40))
    later = inbound(3, "hello again", sender=MARY, at=T0 + timedelta(days=40))
    assert desk.receive(later).fired == ("rest",)


def test_a_refund_goes_to_its_order_s_customer(desk: Desk) -> None:
    """refunds/create names only its order: the desk finds the customer through it."""
    customer = desk.enrich(shop("orders/create"), key="w1")
    assert desk.enrich(shop("refunds/create"), key="r1") == customer
    (order,) = desk.orders(customer_id=customer)
    assert [(r.id, r.amount) for r in order.refunds] == [("929361463", Decimal("99.50"))]
    (refund,) = [e for e in desk.store.events(customer_ids=[customer])
                 if isinstance(e, OrderEvent) and e.refund_id]  # fmt: skip
    assert refund.customer_id == customer


def test_a_refund_of_an_unknown_order_is_not_found(desk: Desk) -> None:
    """A refund arriving before any event of its order: NotFoundError, nothing written."""
    with pytest.raises(NotFoundError) as caught:
        desk.enrich(shop("refunds/create"), key="r1")
    assert (caught.value.kind, caught.value.id) == ("order", "shopify:820982911946154508")
    assert desk.store.events() == []


def test_a_dispute_naming_no_customer_needs_the_host_s_customer(desk: Desk) -> None:
    """A dispute without an email: ValidationError at customer_id, then recorded for the one given."""
    obj = {**stripe_objects()["charge.dispute.created"], "evidence": {}}
    dispute = stripe("charge.dispute.created", obj)
    with pytest.raises(ValidationError) as caught:
        desk.enrich(dispute, key="d1")
    assert [p.path for p in caught.value.problems] == ["customer_id"]
    customer = desk.receive(inbound(1, "hello", sender=MARY)).customer_id
    assert desk.enrich(dispute, key="d1", customer_id=customer) == customer
    (event,) = [
        e for e in desk.store.events(customer_ids=[customer]) if isinstance(e, PaymentEvent)
    ]
    assert (event.kind, event.reason) == (PaymentKind.DISPUTE, "product_not_received")
    with pytest.raises(NotFoundError):
        desk.enrich(dispute, key="d2", customer_id="nobody")


def test_stripe_and_shopify_meet_on_one_customer(desk: Desk) -> None:
    """The invoice's email is the Shopify customer's: one timeline; the subscription status sticks."""
    customer = desk.enrich(shop("customers/create"), key="c1")
    assert desk.enrich(stripe("invoice.payment_failed"), key="i1") == customer
    assert desk.enrich(stripe("customer.subscription.paused"), key="s1") == customer
    kinds = {type(e) for e in desk.store.events(customer_ids=[customer])}
    assert kinds == {PaymentEvent, SubscriptionEvent}
    assert desk.customer(customer).attributes["subscription_status"] == "paused"


def test_an_agent_attaches_an_order_to_a_conversation(desk: Desk) -> None:
    """attach_order links the customer's order; again changes nothing; another's is not found."""
    customer = desk.enrich(shop("orders/create"), key="w1")
    other = desk.enrich(shop("orders/create", guest_order()), key="g1")
    conversation = desk.receive(inbound(1, "a question", sender=MARY)).conversation_id
    assert desk.orders(conversation_id=conversation) == []
    order = desk.attach_order(conversation, "820982911946154508", actor_id="ann")
    assert order.conversation_ids == {conversation}
    assert desk.attach_order(conversation, "820982911946154508", actor_id="ann") == order
    assert desk.orders(conversation_id=conversation) == [order]
    assert [o.order_number for o in desk.orders(customer_id=customer)] == ["#1001"]
    with pytest.raises(NotFoundError):
        desk.attach_order(conversation, "820982911946154600", actor_id="ann")  # the guest's
    assert other != customer
    with pytest.raises(ValidationError):
        desk.orders()


def test_a_message_quoting_an_order_number_attaches_the_order(desk: Desk) -> None:
    """'#1001' in the customer's message attaches order #1001 to its conversation; a price does not."""
    desk.enrich(shop("orders/create"), key="w1")
    quiet = desk.receive(inbound(1, "I paid 1001 dollars", sender=MARY)).conversation_id
    assert desk.orders(conversation_id=quiet) == []
    receipt = desk.receive(inbound(2, "Where is order #1001?", sender=MARY))
    (order,) = desk.orders(conversation_id=receipt.conversation_id)
    assert order.order_number == "#1001"


def test_quoted_numbers_can_be_left_alone(store: DeskStore) -> None:
    """attach_quoted_orders=False: a quoted number attaches nothing."""
    desk = Desk(store=store, clock=FixedClock(T0), attach_quoted_orders=False)
    desk.enrich(shop("orders/create"), key="w1")
    receipt = desk.receive(inbound(1, "Where is order #1001?", sender=MARY))
    assert desk.orders(conversation_id=receipt.conversation_id) == []
