"""What is known of one order: the fold of its order events, kept per order."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs

from omnicx._frozen import frozen_seq, frozen_set
from omnicx.model._checks import MONEY_FIX, aware, non_empty, non_negative, of_type


@attrs.frozen(kw_only=True)
class OrderRefund:
    """One refund of an order: its id, when it was issued and how much it returned."""

    id: str = attrs.field(validator=non_empty)
    at: datetime = attrs.field(validator=aware)
    amount: Decimal | None = attrs.field(
        default=None,
        validator=[of_type(Decimal, "a Decimal or None", MONEY_FIX, optional=True), non_negative],
    )


@attrs.frozen(kw_only=True)
class Order:
    """One order as support sees it, folded from its ``OrderEvent``s.

    ``omnicx.timeline.fold_order`` builds it; a store keeps one per
    ``(system, order_id)``; routing facts and order mentions read it.

    Attributes:
        system: the commerce system (``"shopify"``).
        order_id: the system's stable id.
        customer_id: the omnicx customer who placed it.
        order_number: the number the customer quotes (``#1001``), once known.
        status: one of ``omnicx.model.ORDER_STATUSES`` (``""`` until an order
            event says: a refund can arrive first).
        financial_status: the system's payment state, as it spells it.
        fulfillment_status: the system's shipping state (None: nothing shipped).
        total: the order's value in ``currency``.
        placed_at: when it was placed.
        updated_at: the system's last-change time of the newest change applied.
        refunds: its refunds, in the order they were recorded (one per refund id).
        conversation_ids: the conversations that discuss it (``Desk.attach_order``
            or a message quoting its number).
    """

    system: str = attrs.field(validator=non_empty)
    order_id: str = attrs.field(validator=non_empty)
    customer_id: str = attrs.field(validator=non_empty)
    order_number: str | None = None
    status: str = ""
    financial_status: str | None = None
    fulfillment_status: str | None = None
    total: Decimal | None = attrs.field(
        default=None,
        validator=[of_type(Decimal, "a Decimal or None", MONEY_FIX, optional=True), non_negative],
    )
    currency: str | None = None
    placed_at: datetime | None = attrs.field(default=None, validator=aware)
    updated_at: datetime | None = attrs.field(default=None, validator=aware)
    refunds: tuple[OrderRefund, ...] = attrs.field(default=(), converter=frozen_seq)
    conversation_ids: frozenset[str] = attrs.field(default=frozenset(), converter=frozen_set)

    @property
    def key(self) -> tuple[str, str]:
        """``(system, order_id)``: what a store keys it by."""
        return (self.system, self.order_id)
