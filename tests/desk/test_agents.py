"""Agents and assignment inside the desk: each rule of DOMAIN.md section 10 as a scenario."""

from __future__ import annotations

from datetime import timedelta

import pytest

from omnicx import FixedClock
from omnicx.channels import MessageReceived
from omnicx.desk import (
    AgentAtCapacityError,
    Desk,
    OfferNotOpenError,
    OutboxKind,
    UnknownAgentError,
)
from omnicx.errors import ConflictError, NotFoundError, ValidationError
from omnicx.identity import email_identifier, phone_identifier
from omnicx.model import (
    Agent,
    AgentStatus,
    Author,
    AuthorKind,
    Channel,
    CustomEvent,
    Direction,
    Message,
)
from omnicx.privacy import erase_customer
from omnicx.routing import AssignmentPolicy, RuleEngine, Strategy, load_rules
from omnicx.storage import DeskStore, MemoryStore

from .conftest import T0

RULES = RuleEngine.compile(
    load_rules(
        {
            "mode": "accumulate",
            "rules": [
                {"id": "all", "then": {"queue": "support"}, "stop": False},
                {"id": "refund", "when": {"field": "message.text", "op": "contains",
                 "value": "refund"}, "then": {"skills": ["refunds"]}, "stop": False},
                {"id": "es", "when": {"field": "message.text", "op": "contains",
                 "value": "hola"}, "then": {"language": "es"}, "stop": False},
                {"id": "urgent", "when": {"field": "message.text", "op": "contains",
                 "value": "urgent"}, "then": {"priority": "urgent"}},
            ]
        }
    )
)  # fmt: skip


@pytest.fixture
def store(every_store: DeskStore) -> DeskStore:
    """Every store kind, PostgreSQL too."""
    return every_store


def desk_with(store: DeskStore, clock: FixedClock, **policy: object) -> Desk:
    return Desk(store=store, clock=clock, rules=RULES, assignment=AssignmentPolicy(**policy))  # type: ignore[arg-type]


def online(agent_id: str, **fields: object) -> Agent:
    base: dict[str, object] = {"status": AgentStatus.ONLINE, "queues": {"support"}, "capacity": 4}
    base.update(fields)
    return Agent(id=agent_id, **base)  # type: ignore[arg-type]


def inbound(n: int, text: str = "hello", channel: Channel = Channel.EMAIL) -> MessageReceived:
    message = Message(
        id=f"{channel.name}:{n}", channel=channel, direction=Direction.INBOUND,
        author=Author(kind=AuthorKind.CUSTOMER), sent_at=T0 + timedelta(seconds=n), text=text,
        external_id=str(n),
    )  # fmt: skip
    sender = (
        phone_identifier(f"+1415555{n:04d}") if channel is Channel.VOICE
        else email_identifier(f"c{n}@example.com")
    )  # fmt: skip
    return MessageReceived(message=message, sender=(sender,), sender_name=f"C{n}")


def offers(receipt_outbox: object) -> list[tuple[str, str | None]]:
    return [
        (item.conversation_id, item.target)
        for item in receipt_outbox  # type: ignore[attr-defined]
        if item.kind is OutboxKind.OFFER
    ]


def test_without_assignment_the_desk_keeps_no_agents(store: DeskStore, clock: FixedClock) -> None:
    desk = Desk(store=store, clock=clock, rules=RULES)
    receipt = desk.receive(inbound(1))
    assert offers(receipt.outbox) == []
    with pytest.raises(ValidationError, match="assignment=AssignmentPolicy"):
        desk.put_agent(online("a"))


def test_new_work_is_offered_at_once_and_accepted(store: DeskStore, clock: FixedClock) -> None:
    desk = desk_with(store, clock)
    desk.put_agent(online("a"))
    receipt = desk.receive(inbound(1))
    assert offers(receipt.outbox) == [(receipt.conversation_id, "a")]
    assert receipt.assignee is None
    assert desk.agent("a").holding == {receipt.conversation_id: 1}
    accepted = desk.accept(receipt.conversation_id, agent_id="a")
    assert accepted.assignee == "a"
    assert desk.agent("a").load == 1
    assert store.waiting(receipt.conversation_id) is None  # type: ignore[attr-defined]
    names = [e.name for e in desk.store.events(conversation_id=receipt.conversation_id)
             if isinstance(e, CustomEvent)]  # fmt: skip
    assert names == ["offered"]
    # A retried accept returns the first receipt; a second offer is not open.
    assert desk.accept(receipt.conversation_id, agent_id="a").replayed
    with pytest.raises(OfferNotOpenError):
        desk.accept(receipt.conversation_id, agent_id="b")


def test_offline_and_away_agents_get_nothing(store: DeskStore, clock: FixedClock) -> None:
    desk = desk_with(store, clock)
    desk.put_agent(online("a", status=AgentStatus.OFFLINE))
    desk.put_agent(online("b", status=AgentStatus.AWAY))
    receipt = desk.receive(inbound(1))
    assert offers(receipt.outbox) == []
    made = desk.set_presence("a", AgentStatus.ONLINE)
    assert [(r.conversation_id, r.outbox[0].target) for r in made] == [
        (receipt.conversation_id, "a")
    ]


def test_skill_missing(store: DeskStore, clock: FixedClock) -> None:
    desk = desk_with(store, clock, skills_based=True)
    desk.put_agent(online("a"))
    desk.put_agent(online("b", skills={"refunds"}))
    receipt = desk.receive(inbound(1, "a refund please"))
    assert offers(receipt.outbox) == [(receipt.conversation_id, "b")]
    desk.put_agent(online("b", status=AgentStatus.OFFLINE, skills={"refunds"}))
    assert offers(desk.receive(inbound(2, "another refund")).outbox) == []


def test_language_missing(store: DeskStore, clock: FixedClock) -> None:
    desk = desk_with(store, clock)
    desk.put_agent(online("a", languages={"en"}))
    receipt = desk.receive(inbound(1, "hola"))
    assert offers(receipt.outbox) == []
    desk.put_agent(online("b", languages={"es"}))
    assert desk.store.waiting(receipt.conversation_id).offered_to == "b"  # type: ignore[attr-defined]


def test_capacity_weights_and_voice(store: DeskStore, clock: FixedClock) -> None:
    # Chat weighs 2, email 1, voice the whole capacity.
    desk = desk_with(store, clock)
    desk.put_agent(online("a", capacity=3))
    chat = desk.receive(inbound(1, channel=Channel.CHAT))
    email = desk.receive(inbound(2))
    third = desk.receive(inbound(3, channel=Channel.CHAT))
    assert offers(chat.outbox) == [(chat.conversation_id, "a")]
    assert offers(email.outbox) == [(email.conversation_id, "a")]
    assert offers(third.outbox) == []
    assert desk.agent("a").load == 3
    desk.put_agent(online("v", capacity=5))
    call = desk.receive(inbound(4, channel=Channel.VOICE))
    assert desk.agent("v").holding == {third.conversation_id: 2}
    assert store.waiting(call.conversation_id).offered_to is None  # type: ignore[attr-defined]
    desk.decline(third.conversation_id, agent_id="v")
    assert desk.agent("v").holding == {call.conversation_id: 5}


def test_priority_then_original_age(store: DeskStore, clock: FixedClock) -> None:
    desk = desk_with(store, clock)
    first = desk.receive(inbound(1)).conversation_id
    second = desk.receive(inbound(2)).conversation_id
    urgent = desk.receive(inbound(3, "urgent")).conversation_id
    made = desk.put_agent(online("a", capacity=1))
    assert [r.conversation_id for r in made] == [urgent]
    desk.decline(urgent, agent_id="a")  # declined: offered the next oldest
    assert desk.store.waiting(first).offered_to == "a"  # type: ignore[attr-defined]
    desk.put_agent(online("b", capacity=1))
    # The declined urgent item keeps its place at the head of the line.
    assert desk.store.waiting(urgent).offered_to == "b"  # type: ignore[attr-defined]
    assert desk.store.waiting(second).offered_to is None  # type: ignore[attr-defined]


def test_declined_is_never_offered_again_to_who_declined(
    store: DeskStore, clock: FixedClock
) -> None:
    desk = desk_with(store, clock)
    desk.put_agent(online("a"))
    cid = desk.receive(inbound(1)).conversation_id
    receipt = desk.decline(cid, agent_id="a")
    assert offers(receipt.outbox) == []
    assert desk.agent("a").load == 0
    work = desk.store.waiting(cid)  # type: ignore[attr-defined]
    assert work.declined_by == {"a"}
    assert work.offered_to is None
    assert desk.tick().receipts == ()
    assert desk.decline(cid, agent_id="a").replayed  # a retry, not a second decline
    with pytest.raises(OfferNotOpenError):
        desk.accept(cid, agent_id="a")
    desk.put_agent(online("b"))
    assert desk.store.waiting(cid).offered_to == "b"  # type: ignore[attr-defined]


def test_offer_timeout_counts_as_declined(store: DeskStore) -> None:
    clock = FixedClock(T0)
    desk = desk_with(store, clock, offer_timeout=timedelta(seconds=30))
    desk.put_agent(online("a"))
    cid = desk.receive(inbound(1)).conversation_id
    desk.put_agent(online("b"))
    clock.set(T0 + timedelta(seconds=31))
    with pytest.raises(OfferNotOpenError):
        desk.accept(cid, agent_id="a")
    report = desk.tick()
    assert offers([i for r in report.receipts for i in r.outbox]) == [(cid, "b")]
    assert desk.agent("a").load == 0
    assert desk.store.waiting(cid).declined_by == {"a"}  # type: ignore[attr-defined]


def test_rate_limit(store: DeskStore) -> None:
    clock = FixedClock(T0)
    desk = desk_with(store, clock, max_offers_per_minute=2, auto_accept=True)
    desk.put_agent(online("a", capacity=10))
    got = [offers(desk.receive(inbound(n)).outbox) for n in range(1, 5)]
    assert [len(g) for g in got] == [1, 1, 0, 0]
    clock.set(T0 + timedelta(minutes=1, seconds=5))
    assert len(desk.tick().receipts) == 2


def test_round_robin_and_least_loaded(clock: FixedClock) -> None:
    for strategy, expected in (
        (Strategy.ROUND_ROBIN, ["a", "b", "c", "a", "b", "c"]),
        (Strategy.LEAST_LOADED, ["a", "b", "c", "a", "b", "c"]),
    ):
        desk = desk_with(MemoryStore(), clock, strategy=strategy, auto_accept=True)
        for agent_id in "abc":
            desk.put_agent(online(agent_id, capacity=10))
        got = [offers(desk.receive(inbound(n)).outbox)[0][1] for n in range(1, 7)]
        assert got == expected
    # Least-loaded fills the emptiest; round robin goes on in turn.
    for strategy, expected in ((Strategy.ROUND_ROBIN, "b"), (Strategy.LEAST_LOADED, "c")):
        desk = desk_with(MemoryStore(), clock, strategy=strategy, auto_accept=True)
        desk.put_agent(online("a", capacity=10))
        desk.put_agent(online("b", capacity=10))
        desk.receive(inbound(1))
        desk.receive(inbound(2))
        desk.receive(inbound(3))
        desk.put_agent(online("c", capacity=10))
        assert offers(desk.receive(inbound(4)).outbox)[0][1] == expected


def test_release_on_solve_offers_the_next(store: DeskStore, clock: FixedClock) -> None:
    desk = desk_with(store, clock, auto_accept=True)
    desk.put_agent(online("a", capacity=1))
    first = desk.receive(inbound(1))
    second = desk.receive(inbound(2))
    assert first.assignee == "a"  # push mode: the receipt names who took it
    assert desk.conversation(first.conversation_id).conversation.assignee == "a"
    assert offers(second.outbox) == []
    solved = desk.solve(first.conversation_id, actor_id="a")
    assert offers(solved.outbox) == [(second.conversation_id, "a")]
    assert desk.agent("a").holding == {second.conversation_id: 1}


def test_reassign_and_unassign_move_capacity(store: DeskStore, clock: FixedClock) -> None:
    desk = desk_with(store, clock, auto_accept=True)
    desk.put_agent(online("a", capacity=2))
    cid = desk.receive(inbound(1)).conversation_id
    desk.put_agent(online("b", capacity=1, status=AgentStatus.AWAY))
    desk.assign(cid, agent_id="b", actor_id="lead")
    assert desk.agent("a").load == 0
    assert desk.agent("b").load == 1
    other = desk.receive(inbound(2)).conversation_id  # goes to a
    with pytest.raises(AgentAtCapacityError) as raised:
        desk.assign(other, agent_id="b", actor_id="lead")
    assert raised.value.limit == 1
    assert isinstance(raised.value, ConflictError)
    with pytest.raises(UnknownAgentError) as unknown:
        desk.assign(other, agent_id="nobody", actor_id="lead")
    assert isinstance(unknown.value, NotFoundError)
    assert desk.conversation(other).conversation.assignee == "a"
    # Unassigned, it waits again and goes to whoever has room (a).
    receipt = desk.assign(cid, agent_id=None, actor_id="lead")
    assert offers(receipt.outbox) == [(cid, "a")]
    assert desk.agent("b").load == 0
    assert desk.agent("a").load == 2


def test_unknown_agent(store: DeskStore, clock: FixedClock) -> None:
    desk = desk_with(store, clock)
    with pytest.raises(UnknownAgentError, match="agent"):
        desk.set_presence("ghost", AgentStatus.ONLINE)
    desk.put_agent(online("a"))
    assert [r.id for r in desk.agents()] == ["a"]


def test_erased_customers_work_is_never_offered(store: DeskStore, clock: FixedClock) -> None:
    desk = desk_with(store, clock)
    receipt = desk.receive(inbound(1))
    erase_customer(store, receipt.customer_id, now=T0, actor="dpo", reason="request")
    assert desk.put_agent(online("a")) == ()
    assert store.waiting(receipt.conversation_id) is None  # type: ignore[attr-defined]


def test_the_policy_and_store_are_checked_when_built(clock: FixedClock) -> None:
    with pytest.raises(ValidationError, match=r"Desk\.assignment"):
        Desk(store=MemoryStore(), clock=clock, assignment="least")  # type: ignore[arg-type]


def test_with_sla_clocks_push_mode_assigns_and_solving_frees(
    store: DeskStore, clock: FixedClock
) -> None:
    from .test_tick import SLA

    desk = Desk(store=store, clock=clock, rules=RULES, sla=SLA,
                assignment=AssignmentPolicy(auto_accept=True))  # fmt: skip
    desk.put_agent(online("a", capacity=1))
    cid = desk.receive(inbound(1)).conversation_id
    assert desk.conversation(cid).conversation.assignee == "a"
    assert desk.sla_report(cid) is not None
    desk.solve(cid, actor_id="a")
    assert desk.agent("a").load == 0
