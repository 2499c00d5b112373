"""What an enrichment webhook (commerce, payments) yields for a customer's profile."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

from omnicx._frozen import EMPTY_MAP, frozen_json, frozen_seq
from omnicx.channels._wire import Wire
from omnicx.errors import PayloadError, PayloadReason
from omnicx.model import Identifier, OrderEvent, PaymentEvent


@attrs.frozen(kw_only=True)
class Enrichment:
    """Timeline events and profile facts from one enrichment webhook.

    The events' ``customer_id`` is the ``key`` of the customer's external
    identifier (``external:shopify:customer:207119551``) until the host has
    resolved the omnicx customer; it then sets the real id with
    ``attrs.evolve``.

    Attributes:
        identifiers: the customer's identifiers the payload names (external
            id, email, phone), canonical.
        name: the customer's name, if given.
        events: order and payment events for the timeline.
        attributes: profile facts, JSON-compatible: ``order_count`` (int),
            ``lifetime_value`` (decimal string), ``currency``.
        event_id: the provider's id of the event the webhook reports
            (Shopify's ``X-Shopify-Event-Id``, Stripe's ``evt_...``): the
            same in every webhook about that event, the key to skip a
            duplicate by.
        delivery_id: the provider's id of this delivery (Shopify's
            ``X-Shopify-Webhook-Id``), kept on retries of it.
    """

    identifiers: tuple[Identifier, ...] = attrs.field(default=(), converter=frozen_seq)
    name: str | None = None
    events: tuple[OrderEvent | PaymentEvent, ...] = attrs.field(default=(), converter=frozen_seq)
    attributes: Mapping[str, Any] = attrs.field(default=EMPTY_MAP, converter=frozen_json)
    event_id: str | None = None
    delivery_id: str | None = None


def money(node: Wire, key: str) -> Decimal | None:
    """A decimal amount from a string or number field, or None when absent."""
    raw = (
        node.opt_text(key)
        if not isinstance(node.get(key).value, float)
        else repr(node.get(key).value)
    )
    if raw is None:
        return None
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite() or amount < 0:
        raise PayloadError(
            PayloadReason.INVALID_VALUE, "expected a non-negative amount", field=node.get(key).path
        )
    return amount
