"""Routing facts from orders: the fields rules read, against the pure functions they use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from omnicx.errors import ValidationError
from omnicx.model import Order, OrderRefund
from omnicx.routing import RECENT_REFUNDS, RoutingContext, RuleEngine, load_rules
from omnicx.routing._context import Facts, Signals, get_field

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)


def order(n: int, *, days_ago: float | None, status: str = "open", refunds: int = 0) -> Order:
    placed = None if days_ago is None else NOW - timedelta(days=days_ago)
    return Order(system="shopify", order_id=str(n), customer_id="p1", order_number=f"#{n}",
                 status=status, total=Decimal(n), currency="EUR", placed_at=placed,
                 financial_status="paid", fulfillment_status=None,
                 refunds=tuple(OrderRefund(id=f"{n}-{i}", at=NOW - timedelta(days=10 * i),
                                           amount=Decimal(1)) for i in range(refunds)))  # fmt: skip


def read(path: str, orders: list[Order]) -> object:
    return get_field(path)(Facts(RoutingContext(now=NOW, orders=orders), Signals()))


def test_every_order_field_reads_the_right_fact() -> None:
    """The last order is the latest placed; open orders and refunds in 30 days are counted."""
    orders = [order(100, days_ago=3.5, refunds=4), order(250, days_ago=1, status="fulfilled"),
              order(7, days_ago=None, status="", refunds=1)]  # fmt: skip
    assert read("customer.last_order.value", orders) == 250.0
    assert read("customer.last_order.number", orders) == "#250"
    assert read("customer.last_order.status", orders) == "fulfilled"
    assert read("customer.last_order.financial_status", orders) == "paid"
    assert read("customer.last_order.fulfillment_status", orders) is None
    assert read("customer.last_order.currency", orders) == "EUR"
    assert read("customer.last_order.age_days", orders) == pytest.approx(1.0)
    assert read("customer.orders", orders) == 3
    assert read("customer.open_orders", orders) == 1
    # Refunds 0, 10, 20 and 30 days ago (the window's edge) count, and the refund-only order's.
    assert timedelta(days=30) == RECENT_REFUNDS
    assert read("customer.recent_refunds", orders) == 5


def test_no_orders_read_as_null_and_zero() -> None:
    """Without orders the last order's fields are null; the counts are zero."""
    assert read("customer.last_order.value", []) is None
    assert read("customer.last_order.age_days", []) is None
    assert (read("customer.orders", []), read("customer.open_orders", [])) == (0, 0)
    assert read("customer.recent_refunds", []) == 0


def test_a_rule_comparing_the_status_to_an_unknown_value_is_refused() -> None:
    """customer.last_order.status has a closed set of values, checked at load time."""
    with pytest.raises(ValidationError) as caught:
        RuleEngine.compile(load_rules({"rules": [
            {"id": "x", "when": {"field": "customer.last_order.status", "op": "eq",
                                 "value": "shipped"}, "then": {"queue": "q"}}]}))  # fmt: skip
    assert "customer.last_order.status" in str(caught.value) or "value" in str(caught.value)
