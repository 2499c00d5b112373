"""Shopify webhooks: ``orders/create`` and ``customers/create`` into profile enrichment.

Shopify POSTs the resource as JSON, names it in ``X-Shopify-Topic`` and signs
the raw body in ``X-Shopify-Hmac-Sha256`` (base64 HMAC-SHA256 with the app's
client secret).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs

from omnicx.channels import _ids
from omnicx.channels._enrichment import Enrichment, money
from omnicx.channels._request import Headers, WebhookRequest
from omnicx.channels._signatures import verify_shopify
from omnicx.channels._wire import Wire, entry_point, load_json, unsupported
from omnicx.errors import PayloadError, PayloadReason
from omnicx.model import Identifier, OrderEvent

_TOPIC = "X-Shopify-Topic"
_SYSTEM = "shopify:customer"


@attrs.frozen(kw_only=True)
class ShopifyWebhook:
    """Verify and parse Shopify ``orders/create`` and ``customers/create`` webhooks.

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
        """The order event and customer facts, chosen by ``X-Shopify-Topic``."""
        topic = (request.headers.get(_TOPIC) or "").strip()
        root = load_json(request.body)
        if topic == "orders/create":
            return self._order(root, request.headers)
        if topic == "customers/create":
            return self._customer(root, root)
        raise unsupported("unsupported Shopify topic", _TOPIC)

    def _customer(self, node: Wire, root: Wire) -> Enrichment:
        identifiers: list[Identifier] = [*_ids.external(_SYSTEM, node.text("id"))]
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

    def _order(self, root: Wire, headers: Headers) -> Enrichment:
        order_id = root.text("id")
        if not root.has("customer"):
            raise PayloadError(
                PayloadReason.MISSING_FIELD, "an order without a customer", field="customer"
            )
        customer = self._customer(root.child("customer"), root)
        if not customer.identifiers:
            raise PayloadError(
                PayloadReason.INVALID_VALUE, "unusable customer id", field="customer.id"
            )
        total = money(root, "total_price")
        items = 0
        for line in root.items("line_items"):
            quantity = line.number("quantity") or 0
            items += max(0, int(quantity))
        event = OrderEvent(
            id=f"shopify:order:{order_id}:created",
            at=root.iso_instant("created_at"),
            customer_id=customer.identifiers[0].key,
            source="shopify",
            external_id=headers.get("X-Shopify-Webhook-Id") or f"order:{order_id}",
            order_id=(root.opt_text("name") or "").strip() or order_id,
            system="shopify",
            total=total,
            currency=root.opt_text("currency"),
            status=root.opt_text("financial_status") or "created",
            item_count=items,
        )
        # The order carries the customer's totals as of this order.
        return attrs.evolve(
            customer,
            events=(event,),
            attributes={**customer.attributes, **_with_total(customer, total)},
        )


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
