"""Arrival order does not decide the outcome (docs/timeline.md, "Arrival order").

The same stream, delivered in order and then with every message delivered
1-3 times and shuffled within windows of 100, leaves equal final states:
customers, conversations (routing and SLA state included) and timelines.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.desk._arrival import CONTINUITY, bursty, feed, in_order, redelivered
from tests.desk.conftest import T0

from omnicx import FixedClock
from omnicx.channels import MessageReceived
from omnicx.desk import Desk
from omnicx.metrics import compute_metrics
from omnicx.model import (
    Author,
    AuthorKind,
    Channel,
    CustomEvent,
    Direction,
    Identifier,
    Message,
    MessageEvent,
    Priority,
    ThreadRefs,
)
from omnicx.routing import RuleEngine, load_rules
from omnicx.sla import Metric, Policy, SlaEngine, Target
from omnicx.storage import DeskStore, MemoryStore, SqliteStore
from omnicx.timeline import ThreadingPolicy

RULES = RuleEngine.compile(
    load_rules(
        {
            "mode": "accumulate",
            "rules": [
                {
                    "id": "refund",
                    "when": {"field": "message.text", "op": "contains", "value": "refund"},
                    "then": {
                        "queue": "billing",
                        "priority": "high",
                        "add_tags": ["refund"],
                        "sla_policy": "fast",
                    },
                },
                {
                    "id": "broken",
                    "when": {"field": "message.text", "op": "contains", "value": "broken"},
                    "then": {"queue": "returns", "skills": ["returns"]},
                },
                {
                    "id": "invoice",
                    "when": {"field": "message.text", "op": "contains", "value": "invoice"},
                    "then": {"queue": "billing", "add_tags": ["invoice"]},
                },
                {
                    "id": "sms",
                    "when": {"field": "channel", "op": "eq", "value": "sms"},
                    "then": {"add_tags": ["sms"]},
                },
                {
                    "id": "chat",
                    "when": {"field": "channel", "op": "eq", "value": "chat"},
                    "then": {"add_tags": ["chat"]},
                },
            ],
        }
    )
)


def _targets(hours: float) -> dict[Metric, dict[Priority, Target]]:
    return {
        Metric.FIRST_REPLY: {
            p: Target(seconds=int(hours * 3600), warn_percent=50) for p in Priority
        },
        Metric.RESOLUTION: {p: Target(seconds=int(hours * 8 * 3600)) for p in Priority},
    }


SLA = SlaEngine(
    policies=(Policy(name="fast", when=lambda _facts: False, targets=_targets(0.5)),),
    default=Policy(name="standard", targets=_targets(2)),
)


def _desk(store: DeskStore, clock: FixedClock) -> Desk:
    return Desk(store=store, clock=clock, rules=RULES, sla=SLA,
                threading=ThreadingPolicy(continuity_hours=CONTINUITY.total_seconds() / 3600))  # fmt: skip


def _compare(stream: list[MessageReceived], store_kind: Callable[[], DeskStore], seed: int) -> None:
    ordered = in_order(stream)
    shuffled = redelivered(stream, seed=seed)
    end = max(d.at for d in (*ordered, *shuffled)) + timedelta(days=2)
    one, other = store_kind(), store_kind()
    first = feed(_desk, one, ordered, end=end)
    second = feed(_desk, other, shuffled, end=end)
    assert first.differences(second) == []
    assert first == second
    # Metrics fold the timelines: the late messages count from their own instants.
    by = ("channel", "queue")
    assert compute_metrics(one.events(), now=end, by=by) == compute_metrics(
        other.events(), now=end, by=by
    )


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    customers=st.integers(1, 4),
    bursts=st.integers(1, 3),
)
def test_redelivered_and_shuffled_stream_leaves_the_in_order_state(
    seed: int, customers: int, bursts: int
) -> None:
    """In order vs 1-3 copies shuffled within windows of 100: equal final states (MemoryStore)."""
    stream = bursty(random.Random(seed), start=T0, customers=customers, bursts=bursts)
    _compare(stream, MemoryStore, seed)


def test_a_larger_stream_on_sqlite_leaves_the_in_order_state() -> None:
    """The same property once on SqliteStore, over a few hundred messages."""
    stream = bursty(random.Random(17), start=T0, customers=40, bursts=3)
    assert len(stream) > 300
    _compare(stream, SqliteStore, 17)


# -- the exact cases, one by one ---------------------------------------------


def _chat(number: int, text: str, at: datetime, **extra: Any) -> MessageReceived:
    message = Message(
        id=f"chat:k{number}", channel=Channel.CHAT, direction=Direction.INBOUND,
        author=Author(kind=AuthorKind.CUSTOMER), sent_at=at, text=text,
        external_id=f"k{number}", thread=ThreadRefs(provider_thread_id="session-1"),
    )  # fmt: skip
    return MessageReceived(message=message, sender=(ADA,), **extra)


ADA = Identifier.email("ada@example.com", verified=True)


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_a_burst_routes_and_clocks_on_its_earliest_message(order: tuple[int, int]) -> None:
    """Two chat messages of one burst: routing and the SLA start follow the earlier, in either order."""
    burst = [
        _chat(1, "refund please", T0),
        _chat(2, "the item arrived broken", T0 + timedelta(minutes=5)),
    ]
    clock = FixedClock(T0 + timedelta(minutes=6))
    desk = _desk(MemoryStore(), clock)
    for i in order:
        clock.advance(minutes=1)
        receipt = desk.receive(burst[i])
    record = desk.conversation(receipt.conversation_id)
    conversation = record.conversation
    # The refund message decided (queue, SLA policy); the later one added nothing of its own.
    assert (conversation.queue, conversation.skills, conversation.sla_policy) == (
        "billing",
        frozenset(),
        "fast",
    )
    assert (conversation.priority, conversation.tags) == (Priority.HIGH, {"refund", "chat"})
    assert (conversation.created_at, record.first_message) == (T0, "chat:k1")
    report = desk.sla_report(receipt.conversation_id)
    assert report is not None
    first_reply = next(t for t in report.targets if t.metric is Metric.FIRST_REPLY)
    # The fast policy's 30 minutes, from the earlier message.
    assert first_reply.due == T0 + timedelta(minutes=30)


def test_after_an_agent_acted_a_late_earlier_message_does_not_move_the_work() -> None:
    """Routing decides again only until an agent acts; the clocks still fold from the earliest."""
    clock = FixedClock(T0 + timedelta(minutes=6))
    desk = _desk(MemoryStore(), clock)
    late = desk.receive(_chat(2, "the item arrived broken", T0 + timedelta(minutes=5)))
    clock.advance(minutes=1)
    desk.reply(late.conversation_id, agent_id="sam", text="Sorry! Photos?", then=None)
    clock.advance(minutes=1)
    desk.receive(_chat(1, "refund please", T0))
    conversation = desk.conversation(late.conversation_id).conversation
    assert (conversation.queue, conversation.skills) == ("returns", {"returns"})
    assert conversation.created_at == T0
    report = desk.sla_report(late.conversation_id)
    assert report is not None
    first_reply = next(t for t in report.targets if t.metric is Metric.FIRST_REPLY)
    # Answered at 09:07, timed from 09:00 (the late message), not 09:05.
    assert (first_reply.state.value, first_reply.elapsed) == ("achieved", 7 * 60)


def _mail(number: int, at: datetime, **extra: Any) -> MessageReceived:
    message = Message(
        id=f"email:e{number}", channel=Channel.EMAIL, direction=Direction.INBOUND,
        author=Author(kind=AuthorKind.CUSTOMER), sent_at=at, text="hello there",
        external_id=f"e{number}",
        thread=ThreadRefs(message_id=f"e{number}@mail.example", subject=f"Question {number}"),
    )  # fmt: skip
    return MessageReceived(message=message, sender=(ADA,), **extra)


@pytest.mark.parametrize("stamped", [True, False])
def test_a_sender_clock_30_days_fast_does_not_hold_its_conversation_open(stamped: bool) -> None:
    """Sent times are bounded by the receipt: the adapter's received-at, else the desk's clock."""
    clock = FixedClock(T0 + timedelta(seconds=20))
    desk = _desk(MemoryStore(), clock)
    ahead = _mail(1, T0 + timedelta(days=30), received_at=T0 if stamped else None)
    first = desk.receive(ahead)
    (event,) = [e for e in desk.timeline(first.customer_id) if isinstance(e, MessageEvent)]
    bound = T0 if stamped else clock.now()
    assert event.message.sent_at == bound
    assert event.message.metadata["claimed_sent_at"] == (T0 + timedelta(days=30)).isoformat()
    # Three hours later, past the two-hour window: a conversation of its own.
    clock.set(T0 + timedelta(hours=3))
    second = desk.receive(_mail(2, T0 + timedelta(hours=3)))
    assert second.conversation_id != first.conversation_id
    assert second.thread_reason == "no_match"


def _whatsapp(number: int, at: datetime, *, quoting: str | None = None) -> MessageReceived:
    # As WhatsAppAdapter parses it: a quoted message's context.id becomes In-Reply-To.
    message = Message(
        id=f"whatsapp:wamid.in{number}", channel=Channel.WHATSAPP, direction=Direction.INBOUND,
        author=Author(kind=AuthorKind.CUSTOMER), sent_at=at, text="hello there",
        external_id=f"wamid.in{number}",
        thread=ThreadRefs(in_reply_to=(quoting,) if quoting else ()),
    )  # fmt: skip
    return MessageReceived(message=message, sender=(Identifier.phone("+16315551234"),))


def test_a_whatsapp_reply_quoting_the_desks_message_threads_into_its_conversation() -> None:
    """The wamid a send got back (``record_sent``) is what a quoted reply's context.id names."""
    clock = FixedClock(T0)
    desk = _desk(MemoryStore(), clock)
    first = desk.receive(_whatsapp(1, T0))
    desk.reply(first.conversation_id, agent_id="sam", text="Your order ships today")
    desk.record_sent(first.conversation_id, channel=Channel.WHATSAPP, external_id="wamid.out1")
    # Two days later a new question: a new conversation (past the window).
    clock.set(T0 + timedelta(days=2))
    other = desk.receive(_whatsapp(2, clock.now()))
    assert other.conversation_id != first.conversation_id
    # Then the customer quotes the desk's message: it goes where that message is.
    clock.advance(minutes=10)
    quoted = desk.receive(_whatsapp(3, clock.now(), quoting="wamid.out1"))
    assert (quoted.conversation_id, quoted.thread_reason) == (first.conversation_id, "in_reply_to")


def _breaches(desk: Desk, customer_id: str) -> list[tuple[str, datetime]]:
    return [
        (str(e.data["metric"]), e.at)
        for e in desk.timeline(customer_id)
        if isinstance(e, CustomEvent) and e.name == "sla.breach"
    ]


def test_a_re_fold_announces_a_breach_it_makes_due_and_keeps_one_announced() -> None:
    """The earlier start makes the first reply breach at 11:00, announced when learnt; once only."""
    clock = FixedClock(T0 + timedelta(hours=1, minutes=56))
    desk = _desk(MemoryStore(), clock)
    later = desk.receive(_chat(2, "hello there", T0 + timedelta(hours=1, minutes=55)))
    assert _breaches(desk, later.customer_id) == []
    clock.set(T0 + timedelta(hours=2, minutes=30))
    receipt = desk.receive(_chat(1, "hello there", T0))
    assert receipt.conversation_id == later.conversation_id
    # Due at 11:00 from the earlier message: past already, announced now, at its instant.
    assert _breaches(desk, later.customer_id) == [("first_reply", T0 + timedelta(hours=2))]
    clock.set(T0 + timedelta(hours=5))
    desk.tick()
    desk.receive(_chat(1, "hello there", T0))
    assert _breaches(desk, later.customer_id) == [("first_reply", T0 + timedelta(hours=2))]
