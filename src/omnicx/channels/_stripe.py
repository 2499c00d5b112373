"""Stripe webhooks: payment, refund and dispute events into the timeline.

Stripe POSTs an Event object (``{"id": "evt_...", "type": "charge.succeeded",
"created": <unix>, "data": {"object": {...}}}``) signed in ``Stripe-Signature``
with a timestamp, so verification takes ``now`` and refuses replays.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import attrs

from omnicx.channels import _ids
from omnicx.channels._enrichment import Enrichment
from omnicx.channels._request import WebhookRequest
from omnicx.channels._signatures import verify_stripe
from omnicx.channels._wire import Wire, entry_point, load_json, unsupported
from omnicx.errors import PayloadError, PayloadReason
from omnicx.model import PaymentEvent, PaymentKind

# Stripe's zero-decimal currencies: "amount" is already in whole units.
_ZERO_DECIMAL = frozenset({
    "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga",
    "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf",
})  # fmt: skip
# Three-decimal currencies: amounts in thousandths.
_THREE_DECIMAL = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})

_KINDS = {
    "charge.succeeded": (PaymentKind.PAYMENT, "succeeded"),
    "charge.failed": (PaymentKind.PAYMENT, "failed"),
    "payment_intent.succeeded": (PaymentKind.PAYMENT, "succeeded"),
    "payment_intent.payment_failed": (PaymentKind.PAYMENT, "failed"),
    "charge.refunded": (PaymentKind.REFUND, "succeeded"),
    "refund.created": (PaymentKind.REFUND, "pending"),
    "charge.dispute.created": (PaymentKind.DISPUTE, "open"),
}


def minor_to_decimal(amount: int, currency: str) -> Decimal:
    """Convert Stripe's integer minor units to a decimal amount in ``currency``."""
    code = currency.lower()
    exponent = 0 if code in _ZERO_DECIMAL else 3 if code in _THREE_DECIMAL else 2
    return Decimal(amount).scaleb(-exponent)


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
        """A payment, refund or dispute event for the customer the object names."""
        root = load_json(request.body)
        event_id = root.text("id")
        kind_name = root.text("type")
        if kind_name not in _KINDS:
            raise unsupported("unsupported Stripe event type", "type")
        kind, status = _KINDS[kind_name]
        obj = root.child("data").child("object")
        currency = obj.text("currency")
        minor = _amount(obj, "amount_refunded" if kind_name == "charge.refunded" else "amount")
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
            amount=minor_to_decimal(minor, currency),
            currency=currency.upper(),
            system="stripe",
            status=obj.opt_text("status") or status,
        )
        return Enrichment(identifiers=tuple(identifiers), events=(event,))


def _amount(obj: Wire, key: str) -> int:
    value = obj.number(key)
    if value is None:
        raise obj.missing(key)
    if value < 0 or value != int(value):
        raise PayloadError(
            PayloadReason.INVALID_VALUE, "expected whole minor units", field=obj.get(key).path
        )
    return int(value)
