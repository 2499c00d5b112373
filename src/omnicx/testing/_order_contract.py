"""The order index's half of the store contract: by key, by customer, compare-and-set, erasure."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest

from omnicx.errors import ConflictError
from omnicx.model import AuthorKind, NoteEvent, Order, OrderRefund
from omnicx.model._message import Author
from omnicx.storage import Changes, DeskStore, Erasure
from omnicx.testing._erasure import T0


def _order(order_id: str, customer_id: str) -> Order:
    return Order(
        system="shopify",
        order_id=order_id,
        customer_id=customer_id,
        order_number=f"#{order_id}",
        status="open",
        total=Decimal("19.90"),
        currency="EUR",
        placed_at=T0,
        updated_at=T0,
        refunds=(OrderRefund(id="r1", at=T0, amount=Decimal("5.00")),),
        conversation_ids=frozenset({"c1"}),
    )


def _key(order: Order) -> str:
    return f"{order.system}:{order.order_id}"


class OrderContract:
    """How a store keeps ``Order`` values (``DeskStore.order``, ``orders``, ``Changes.orders``)."""

    def make_store(self) -> DeskStore:
        """Return a new, empty store. Override this."""
        raise NotImplementedError

    def _put(self, store: DeskStore, *orders: Order, read: dict[str, Order | None]) -> None:
        store.commit(Changes(orders=orders, orders_read=read))

    def test_orders_read_back_by_key_and_by_customer(self) -> None:
        """An order reads back equal by its key, and among its customer's, by system and id."""
        store = self.make_store()
        first, second, other = _order("2", "p1"), _order("10", "p1"), _order("3", "p2")
        self._put(store, first, second, other, read={_key(o): None for o in (first, second, other)})
        assert store.order("shopify", "2") == first
        assert store.order("shopify", "4") is None
        assert store.orders(["p1"]) == [second, first]
        assert store.orders(["p1", "p2", "p9"]) == [second, first, other]
        assert store.orders([]) == []

    def test_an_order_is_written_compare_and_set(self) -> None:
        """A write from the order read replaces it; from a stale read it conflicts, writing nothing."""
        store = self.make_store()
        order = _order("1", "p1")
        self._put(store, order, read={_key(order): None})
        paid = attrs.evolve(order, financial_status="paid", customer_id="p2")
        self._put(store, paid, read={_key(order): order})
        assert store.order("shopify", "1") == paid
        assert store.orders(["p1"]) == []
        assert store.orders(["p2"]) == [paid]
        note = NoteEvent(id="e-order", at=T0, customer_id="p2",
                         author=Author(kind=AuthorKind.AGENT, id="a1"))  # fmt: skip
        for stale in (None, order):
            with pytest.raises(ConflictError) as info:
                store.commit(Changes(orders=(attrs.evolve(paid, status="cancelled"),),
                                     orders_read={_key(order): stale}, events=(note,)))  # fmt: skip
            assert (
                str(info.value) == "order 'shopify:1' changed since it was read; reload and retry"
            )
        assert store.order("shopify", "1") == paid
        assert store.events(customer_ids=["p2"]) == []

    def test_erasure_deletes_the_customers_orders(self) -> None:
        """Erasing a customer deletes their orders; another customer's stay."""
        store = self.make_store()
        theirs, kept = _order("1", "p1"), _order("2", "p2")
        self._put(store, theirs, kept, read={_key(theirs): None, _key(kept): None})
        store.erase(Erasure(customer_ids=("p1",)))
        assert store.order("shopify", "1") is None
        assert store.orders(["p1", "p2"]) == [kept]
