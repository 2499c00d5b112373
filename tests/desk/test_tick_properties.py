"""Tick's promise: how often it runs, and in what batches, changes nothing that is kept."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.desk.test_tick import SLA, T0, inbound

from omnicx import FixedClock, serde
from omnicx.desk import Desk, TickReport
from omnicx.model import Event, Status
from omnicx.sla import customer_facts
from omnicx.storage import DeskStore, MemoryStore, SqliteStore

HOUR = timedelta(hours=1)
END = T0 + 30 * HOUR
PLANS = ("none", "pending", "snooze", "solve")

conversations = st.lists(
    st.tuples(st.integers(0, 120), st.sampled_from(PLANS), st.integers(1, 20)),
    min_size=1,
    max_size=4,
)
ticks = st.lists(st.tuples(st.integers(181, 30 * 60), st.integers(1, 5)), max_size=6)


def _run(
    make: Callable[[], DeskStore],
    plan: list[tuple[int, str, int]],
    periods: tuple[int, int],
    schedule: list[tuple[int, int]],
) -> tuple[Desk, list[str], list[tuple[Any, ...]]]:
    clock = FixedClock(T0)
    desk = Desk(store=make(), clock=clock, sla=SLA, auto_solve_after=periods[0] * HOUR,
                csat_delay=periods[1] * HOUR)  # fmt: skip
    ids = []
    for n, (minutes, _, _) in sorted(enumerate(plan), key=lambda p: p[1][0]):
        clock.set(T0 + timedelta(minutes=minutes))
        at = T0 + timedelta(minutes=minutes)
        ids.append((n, desk.receive(inbound(n, at=at, who=f"c{n}@example.com")).conversation_id))
    conversation = dict(ids)
    clock.set(T0 + 3 * HOUR)
    for n, (_, what, hours) in enumerate(plan):
        if what == "pending":
            desk.reply(conversation[n], agent_id="a1", text="done?")
        elif what == "snooze":
            desk.snooze(conversation[n], until=T0 + (3 + hours) * HOUR, actor_id="a1")
        elif what == "solve":
            desk.solve(conversation[n], actor_id="a1")
    sent: list[tuple[Any, ...]] = []

    def tick(limit: int) -> TickReport:
        report = desk.tick(limit=limit)
        sent.extend((o.kind, o.conversation_id, o.target) for o in report.outbox)
        return report

    for minutes, limit in sorted(schedule):
        clock.set(T0 + timedelta(minutes=minutes))
        while tick(limit).more:
            pass
    clock.set(END)
    while tick(2).more:
        pass
    return desk, [conversation[n] for n in range(len(plan))], sorted(sent, key=repr)


def _kept(event: Event) -> tuple[Any, ...]:
    # Everything but the id, which names the call that wrote it.
    data = serde.event_to_dict(event)
    data.pop("id")
    return (event.at, repr(sorted(data.items())))


def _same_end(make: Callable[[], DeskStore], plan: Any, periods: Any, schedule: Any) -> None:
    often, ids, sent_often = _run(make, plan, periods, schedule)
    once, _, sent_once = _run(make, plan, periods, [])
    assert sent_often == sent_once
    for conversation_id in ids:
        a, b = often.conversation(conversation_id), once.conversation(conversation_id)
        assert (a.conversation, a.sla_state, a.timers, a.due_at) == (
            b.conversation, b.sla_state, b.timers, b.due_at
        )  # fmt: skip
        events = often.store.events(conversation_id=conversation_id)
        assert sorted(map(_kept, events)) == sorted(
            map(_kept, once.store.events(conversation_id=conversation_id))
        )
        # And what a replay of the kept timeline says.
        customer = customer_facts(often.customer(a.conversation.customer_id))
        assert often.sla_report(conversation_id) == SLA.status(events, END, customer)
        assert a.due_at is None or a.due_at > END
        if a.conversation.status is Status.PENDING:
            assert a.due_at is not None


@settings(max_examples=60)
@given(conversations, st.tuples(st.integers(1, 12), st.integers(1, 6)), ticks)
def test_ticking_often_or_once_ends_the_same_in_memory(
    plan: list[tuple[int, str, int]], periods: tuple[int, int], schedule: list[tuple[int, int]]
) -> None:
    """Ticks at random instants and limits give the timeline, state and outbox of one tick."""
    _same_end(MemoryStore, plan, periods, schedule)


@settings(max_examples=15)
@given(conversations, st.tuples(st.integers(1, 12), st.integers(1, 6)), ticks)
def test_ticking_often_or_once_ends_the_same_in_sqlite(
    plan: list[tuple[int, str, int]], periods: tuple[int, int], schedule: list[tuple[int, int]]
) -> None:
    """The same on the SQLite store."""
    _same_end(SqliteStore, plan, periods, schedule)
