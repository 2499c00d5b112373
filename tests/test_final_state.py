"""``omnicx.testing.final_state``: a desk's outcome named by the stream's own ids."""

from __future__ import annotations

import random

from tests.desk._arrival import bursty, feed, in_order
from tests.desk.conftest import T0

from omnicx import FixedClock
from omnicx.desk import Desk
from omnicx.routing import RuleEngine, load_rules
from omnicx.storage import MemoryStore, SqliteStore


def _stream() -> list:  # type: ignore[type-arg]
    return bursty(random.Random(5), start=T0, customers=3, bursts=2)


def _desk(store, clock: FixedClock) -> Desk:  # type: ignore[no-untyped-def]
    return Desk(store=store, clock=clock)


def test_states_do_not_depend_on_the_ids_a_store_minted() -> None:
    """Other conversation, customer and event ids, other store: the same final state."""
    deliveries = in_order(_stream())
    end = deliveries[-1].at
    plain = feed(_desk, MemoryStore(), deliveries, end=end)
    shifted = MemoryStore()
    for kind in ("c", "cus", "p", "e"):
        for _ in range(7):
            shifted.next_id(kind)
    assert feed(_desk, shifted, deliveries, end=end) == plain
    assert feed(_desk, SqliteStore(), deliveries, end=end) == plain
    assert len(plain.customers) == 3
    assert plain.conversations
    assert plain.timelines


def test_a_different_outcome_is_a_different_state_and_says_where() -> None:
    """Conversations routed elsewhere, or a message missing, show in ``differences``."""
    deliveries = in_order(_stream())
    end = deliveries[-1].at
    state = feed(_desk, MemoryStore(), deliveries, end=end)
    elsewhere = RuleEngine.compile(load_rules({"rules": [{"id": "all", "then": {"queue": "x"}}]}))

    def routed(store, clock: FixedClock) -> Desk:  # type: ignore[no-untyped-def]
        return Desk(store=store, clock=clock, rules=elsewhere)

    other = feed(routed, MemoryStore(), deliveries, end=end)
    assert other != state
    lines = state.differences(other, limit=100)
    assert len(lines) == len(state.conversations)
    assert all(line.endswith("queue None != 'x'") for line in lines)
    fewer = feed(_desk, MemoryStore(), deliveries[1:], end=end)
    assert fewer != state
    assert any("only in the first" in line for line in state.differences(fewer))
