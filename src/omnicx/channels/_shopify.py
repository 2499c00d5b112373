"""Shopify webhooks: orders, refunds and customers into profile enrichment.

Shopify POSTs the resource as JSON, names it in ``X-Shopify-Topic`` and signs
the raw body in ``X-Shopify-Hmac-Sha256`` (base64 HMAC-SHA256 with the app's
client secret). The resources are read in ``_shopify_orders``.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from omnicx.channels import _shopify_orders as resources
from omnicx.channels._enrichment import Enrichment
from omnicx.channels._request import WebhookRequest
from omnicx.channels._signatures import verify_shopify
from omnicx.channels._wire import entry_point, load_json, unsupported

_TOPIC = "X-Shopify-Topic"

TOPICS = (*resources.ORDER_TOPICS, resources.REFUND_TOPIC, *sorted(resources.CUSTOMER_TOPICS))
"""Every ``X-Shopify-Topic`` ``ShopifyWebhook`` parses."""


@attrs.frozen(kw_only=True)
class ShopifyWebhook:
    """Verify and parse Shopify order, refund and customer webhooks (``TOPICS``).

    Attributes:
        secret: the app's client secret (never shown).
        region: default region for national-format customer phones.
    """

    secret: str = attrs.field(repr=False)
    region: str | None = None

    def verify(self, request: WebhookRequest, *, now: datetime) -> None:
        """Check ``X-Shopify-Hmac-Sha256`` over the raw body (Shopify signs no timestamp)."""
        verify_shopify(self.secret, request.body, request.headers)

    @entry_point()
    def parse(self, request: WebhookRequest) -> Enrichment:
        """The order or refund event and the customer's facts, chosen by ``X-Shopify-Topic``.

        The result carries Shopify's event id (``X-Shopify-Event-Id``) and
        delivery id (``X-Shopify-Webhook-Id``) when the request has them.
        """
        topic = (request.headers.get(_TOPIC) or "").strip()
        root = load_json(request.body)
        delivery = _header_id(request, "X-Shopify-Webhook-Id")
        change = resources.ORDER_TOPICS.get(topic)
        if change is not None:
            found = resources.order_enrichment(root, change, delivery)
        elif topic == resources.REFUND_TOPIC:
            found = resources.refund_enrichment(root, delivery)
        elif topic in resources.CUSTOMER_TOPICS:
            found = resources.customer_facts(root, root)
        else:
            raise unsupported("unsupported Shopify topic", _TOPIC)
        return attrs.evolve(
            found, event_id=_header_id(request, "X-Shopify-Event-Id"), delivery_id=delivery
        )


def _header_id(request: WebhookRequest, name: str) -> str | None:
    # An id header as sent, None when absent or blank.
    value = (request.headers.get(name) or "").strip()
    return value or None
