"""Stripe webhooks: payment, refund, dispute, invoice and subscription events into the timeline.

Stripe POSTs an Event object (``{"id": "evt_...", "type": "charge.succeeded",
"created": <unix>, "data": {"object": {...}}}``) signed in ``Stripe-Signature``
with a timestamp, so verification takes ``now`` and refuses replays.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import attrs

from omnicx.channels import _ids
from omnicx.channels import _stripe_billing as billing
from omnicx.channels._enrichment import Enrichment
from omnicx.channels._request import WebhookRequest
from omnicx.channels._signatures import verify_stripe
from omnicx.channels._stripe_billing import minor_to_decimal
from omnicx.channels._wire import Wire, entry_point, load_json, unsupported
from omnicx.errors import PayloadError, PayloadReason
from omnicx.model import Identifier, PaymentEvent, PaymentKind, SubscriptionEvent

_KINDS = {
    "charge.succeeded": (PaymentKind.PAYMENT, "succeeded"),
    "charge.failed": (PaymentKind.PAYMENT, "failed"),
    "payment_intent.succeeded": (PaymentKind.PAYMENT, "succeeded"),
    "payment_intent.payment_failed": (PaymentKind.PAYMENT, "failed"),
    "charge.refunded": (PaymentKind.REFUND, "succeeded"),
    "refund.created": (PaymentKind.REFUND, "pending"),
}

EVENT_TYPES = (
    *_KINDS,
    "charge.dispute.created",
    "invoice.payment_failed",
    *billing.SUBSCRIPTION_TYPES,
)
"""Every Stripe event ``type`` ``StripeWebhook`` parses."""


@attrs.frozen(kw_only=True)
class StripeWebhook:
    """Verify and parse Stripe payment events.

    Attributes:
        secret: the endpoint's signing secret (``whsec_...``, never shown).
        tolerance: how old a signed timestamp may be (Stripe's default: 5 minutes).
    """

    secret: str = attrs.field(repr=False)
    tolerance: timedelta = timedelta(minutes=5)

    def verify(self, request: WebhookRequest, *, now: datetime) -> None:
        """Check ``Stripe-Signature`` at ``now``; a stale timestamp is a replay."""
        verify_stripe(self.secret, request.body, request.headers, now=now, tolerance=self.tolerance)

    @entry_point()
    def parse(self, request: WebhookRequest) -> Enrichment:
        """A payment, refund, dispute or subscription event for the customer the object names.

        A dispute names no customer (only its charge, and the email when the
        shop added it as evidence): its ``identifiers`` can be empty, and the
        host passes the customer to ``Desk.enrich``.
        """
        root = load_json(request.body)
        event_id = root.text("id")
        kind_name = root.text("type")
        obj = root.child("data").child("object")
        billed = _billing(root, obj, kind_name)
        if billed is not None:
            return billed
        if kind_name not in _KINDS:
            raise unsupported("unsupported Stripe event type", "type")
        kind, status = _KINDS[kind_name]
        currency = obj.text("currency")
        amount = billing.minor(
            obj, "amount_refunded" if kind_name == "charge.refunded" else "amount"
        )
        identifiers = [*_ids.external("stripe", obj.opt_text("customer") or "")]
        email = obj.opt_text("receipt_email")
        if email is None and obj.has("billing_details"):
            email = obj.get("billing_details").opt_text("email")
        if email:
            identifiers.extend(_ids.email(email))
        if not identifiers:
            raise PayloadError(
                PayloadReason.MISSING_FIELD, "no customer or email", field="data.object.customer"
            )
        payment_id = obj.opt_text("payment_intent") or obj.opt_text("charge") or obj.text("id")
        event = PaymentEvent(
            id=f"stripe:{event_id}",
            at=root.instant("created"),
            customer_id=identifiers[0].key,
            source="stripe",
            external_id=event_id,
            payment_id=payment_id,
            kind=kind,
            amount=minor_to_decimal(amount or 0, currency),
            currency=currency.upper(),
            system="stripe",
            status=obj.opt_text("status") or status,
            charge_id=billing.charge_id(obj),
        )
        return Enrichment(identifiers=tuple(identifiers), events=(event,), event_id=event_id)


def _billing(root: Wire, obj: Wire, kind_name: str) -> Enrichment | None:
    # Invoices, disputes and subscriptions: each has its own object shape.
    found: tuple[tuple[Identifier, ...], PaymentEvent | SubscriptionEvent]
    change = billing.SUBSCRIPTION_TYPES.get(kind_name)
    if change is not None:
        found = billing.subscription(root, obj, change)
    elif kind_name == "invoice.payment_failed":
        found = billing.invoice_failed(root, obj)
    elif kind_name == "charge.dispute.created":
        found = billing.dispute(root, obj)
    else:
        return None
    identifiers, event = found
    attributes = {}
    if isinstance(event, SubscriptionEvent):
        attributes["subscription_status"] = event.status
    return Enrichment(
        identifiers=identifiers, events=(event,), attributes=attributes, event_id=root.text("id")
    )
