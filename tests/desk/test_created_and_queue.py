"""The desk records a conversation's creation, and queue moves apart from assignments."""

from __future__ import annotations

from datetime import timedelta

import pytest

from omnicx import FixedClock
from omnicx.channels import MessageReceived
from omnicx.desk import Desk
from omnicx.identity import email_identifier
from omnicx.metrics import compute_metrics
from omnicx.model import (
    Assigned,
    Author,
    AuthorKind,
    Channel,
    ConversationCreated,
    Direction,
    Message,
    QueueChanged,
    StatusChanged,
)
from omnicx.routing import RuleEngine, load_rules
from omnicx.sla import Match, Policy, SlaEngine
from omnicx.storage import DeskStore

from .conftest import T0

RULES = RuleEngine.compile(
    load_rules({"rules": [{"id": "all", "then": {"queue": "support"}}]})
)  # fmt: skip


@pytest.fixture
def store(every_store: DeskStore) -> DeskStore:
    """Every store kind, PostgreSQL too."""
    return every_store


def _arrived(desk: Desk, text: str = "hello") -> str:
    message = Message(id="chat:1", channel=Channel("chat"), direction=Direction.INBOUND,
                      author=Author(kind=AuthorKind.CUSTOMER), sent_at=T0, text=text)  # fmt: skip
    receipt = desk.receive(
        MessageReceived(message=message, sender=(email_identifier("ada@example.com"),))
    )
    assert receipt.conversation_id is not None
    return receipt.conversation_id


def test_a_new_conversation_starts_with_its_creation_event(store: DeskStore) -> None:
    """ConversationCreated comes first, with the channel, then the status and the message."""
    desk = Desk(store=store, clock=FixedClock(T0))
    cid = _arrived(desk)
    events = store.events(conversation_id=cid)
    created = events[0]
    assert isinstance(created, ConversationCreated)
    assert (created.at, created.channel, created.queue) == (T0, Channel("chat"), None)
    assert isinstance(events[1], StatusChanged)
    assert events[1].previous is None


def test_moving_queue_keeps_the_agent(store: DeskStore) -> None:
    """move_to_queue records QueueChanged and leaves the assignee; metrics see both."""
    clock = FixedClock(T0)
    desk = Desk(store=store, clock=clock, rules=RULES)
    cid = _arrived(desk)
    desk.assign(cid, agent_id="ann", actor_id="ann")
    clock.advance(timedelta(minutes=1))
    desk.move_to_queue(cid, "billing", actor_id="lead")
    record = desk.conversation(cid)
    assert (record.conversation.queue, record.conversation.assignee) == ("billing", "ann")
    events = store.events(conversation_id=cid)
    moves = [e for e in events if isinstance(e, QueueChanged)]
    assert [(m.previous, m.queue) for m in moves] == [(None, "support"), ("support", "billing")]
    assert all(e.queue is None for e in events if isinstance(e, Assigned))
    facts = compute_metrics(events, now=clock.now(), by=["queue", "agent"])
    assert list(facts.groups) == [("billing", "ann")]
    before = len(store.events(conversation_id=cid))
    desk.move_to_queue(cid, "billing", actor_id="lead")  # already there: nothing happens
    assert len(store.events(conversation_id=cid)) == before


def test_assigning_with_a_queue_records_the_move_apart(store: DeskStore) -> None:
    """assign(queue=...) records a QueueChanged and an Assigned without a queue."""
    desk = Desk(store=store, clock=FixedClock(T0))
    cid = _arrived(desk)
    desk.assign(cid, agent_id="ann", actor_id="lead", queue="vip")
    events = store.events(conversation_id=cid)
    assert [type(e) for e in events[-2:]] == [QueueChanged, Assigned]
    assert desk.conversation(cid).conversation.queue == "vip"


def test_sla_policies_match_on_the_queue_a_move_sets(store: DeskStore) -> None:
    """A policy for a queue applies once the conversation moves there, agent or not."""
    billing = Policy(name="billing", when=Match(queue=["billing"]))
    desk = Desk(store=store, clock=FixedClock(T0), sla=SlaEngine(policies=[billing]))
    cid = _arrived(desk)
    desk.move_to_queue(cid, "billing", actor_id="lead")
    report = desk.sla_report(cid)
    assert report is not None
    assert report.policy is not None
    assert report.policy.name == "billing"
