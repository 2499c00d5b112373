"""Folding order events: redelivered, late and out-of-order changes give one order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from omnicx.model import Order, OrderChange, OrderEvent
from omnicx.timeline import fold_order, mentioned_orders

T0 = datetime(2026, 3, 2, 12, tzinfo=UTC)


def change(minutes: int, status: str, *, financial: str = "paid") -> OrderEvent:
    at = T0 + timedelta(minutes=minutes)
    return OrderEvent(id=f"o:{minutes}", at=at, customer_id="p1", order_id="1", system="shopify",
                      change=OrderChange.UPDATED, status=status, financial_status=financial,
                      total=Decimal(minutes), placed_at=T0, updated_at=at,
                      order_number="#1001" if minutes % 2 else None)  # fmt: skip


def refund(n: int) -> OrderEvent:
    return OrderEvent(id=f"r:{n}", at=T0 + timedelta(hours=n), customer_id="p1", order_id="1",
                      system="shopify", change=OrderChange.REFUNDED, status="",
                      refund_id=f"r{n}", refunded=Decimal(n))  # fmt: skip


def fold(events: list[OrderEvent]) -> Order | None:
    order = None
    for event in events:
        order = fold_order(order, event)
    return order


_EVENTS = st.lists(
    st.one_of(
        st.builds(change, st.integers(0, 500), st.sampled_from(["open", "fulfilled", "cancelled"])),
        st.builds(refund, st.integers(1, 5)),
    ),
    min_size=1,
    max_size=8,
)


@given(events=_EVENTS, data=st.data())
def test_any_arrival_order_and_redelivery_gives_the_same_order(
    events: list[OrderEvent], data: st.DataObject
) -> None:
    """The fold keeps the newest change and every refund once, whatever the order of arrival."""
    shuffled = data.draw(st.permutations(events + events[:2]))
    first, second = fold(events), fold(shuffled)
    assert first is not None
    assert second is not None
    assert {r.id for r in first.refunds} == {r.id for r in second.refunds}
    assert len(second.refunds) == len({r.id for r in second.refunds})
    changes = [e for e in events if e.change is not OrderChange.REFUNDED]
    if changes:
        newest = max(e.updated_at for e in changes if e.updated_at is not None)
        assert first.updated_at == second.updated_at == newest
        assert {(e.status, e.total) for e in changes if e.updated_at == newest} >= {
            (second.status, second.total)
        }
        numbered = any(e.order_number for e in changes)
        assert (second.order_number == "#1001") is numbered
    else:
        assert second.status == ""
        assert second.placed_at is None


def test_a_refund_first_then_the_order() -> None:
    """A refund before any order event: the order exists with it, then fills in."""
    order = fold([refund(1), change(3, "open")])
    assert order is not None
    assert (order.status, order.total, order.order_number) == ("open", Decimal(3), "#1001")
    assert [r.amount for r in order.refunds] == [Decimal(1)]


def test_quoted_numbers_match_only_the_customer_s_orders_as_written() -> None:
    """'#1001', 'order 1001', 'Order no. 1001', a prefixed name whole; not prices or longer numbers."""
    plain = Order(system="shopify", order_id="1", customer_id="p", order_number="#1001")
    prefixed = Order(system="shopify", order_id="2", customer_id="p", order_number="SHOP-77")
    unnumbered = Order(system="shopify", order_id="3", customer_id="p")
    orders = [plain, prefixed, unnumbered]
    cases = {
        "where is #1001?": [plain], "order 1001 is late": [plain],
        "Order no. 1001 please": [plain], "order number: 1001": [plain],
        "I paid 1001 dollars": [], "#10011": [], "shop-77 arrived broken": [prefixed],
        "SHOP-771": [], "77": [], "#1001 and SHOP-77": [plain, prefixed],
    }  # fmt: skip
    for text, expected in cases.items():
        assert list(mentioned_orders(text, orders)) == expected, text
