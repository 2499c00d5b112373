"""Bots on the desk: ownership, bot messages, every kind of handoff, and the human clocks."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omnicx import FixedClock, InvalidTransition
from omnicx.channels import MessageReceived
from omnicx.desk import Desk, HandoffPolicy, OutboxKind
from omnicx.identity import email_identifier
from omnicx.model import (
    Author,
    AuthorKind,
    BotOwned,
    Channel,
    Direction,
    HandedOff,
    HandoffReason,
    Message,
    MessageEvent,
    Priority,
)
from omnicx.routing import AssignmentPolicy, RuleEngine, asks_for_person, load_rules
from omnicx.sla import ClockState, Metric, Policy, SlaEngine, Target
from omnicx.storage import DeskStore, MemoryStore

from .conftest import T0

RULES = RuleEngine.compile(load_rules({"rules": [
    {"id": "chat-bot", "when": {"field": "channel", "op": "eq", "value": "chat"},
     "then": {"bot": "returns-bot", "queue": "returns"}},
    {"id": "angry", "when": {"all": [
        {"field": "conversation.owned_by_bot", "op": "eq", "value": True},
        {"field": "message.text", "op": "contains", "value": "lawyer"}]},
     "then": {"handoff": True, "queue": "legal"}},
    {"id": "long", "when": {"field": "conversation.bot_turns", "op": "gte", "value": 5},
     "then": {"handoff": True}},
], "mode": "accumulate"}))  # fmt: skip
HOUR = 3600
SLA = SlaEngine(policies=[Policy(name="std", targets={
    Metric.FIRST_REPLY: {p: Target(seconds=HOUR, business=False) for p in Priority},
    Metric.RESOLUTION: {p: Target(seconds=8 * HOUR, business=False) for p in Priority},
})])  # fmt: skip


def inbound(n: int, text: str, at: datetime, channel: Channel = Channel.CHAT) -> MessageReceived:
    message = Message(id=f"{channel.name}:{n}", channel=channel, direction=Direction.INBOUND,
                      author=Author(kind=AuthorKind.CUSTOMER), sent_at=at, text=text,
                      external_id=str(n))  # fmt: skip
    return MessageReceived(message=message, sender=(email_identifier("ada@example.com"),),
                           sender_name="Ada Lovelace")  # fmt: skip


@pytest.fixture
def desk(store: DeskStore, clock: FixedClock) -> Desk:
    return Desk(store=store, clock=clock, rules=RULES, sla=SLA)


def _clock(desk: Desk, cid: str, metric: Metric) -> tuple[ClockState, datetime | None, int]:
    report = desk.sla_report(cid)
    assert report is not None
    (status,) = [t for t in report.targets if t.metric is metric]
    return status.state, status.due, status.elapsed


def test_a_rule_gives_a_new_conversation_to_a_bot(desk: Desk) -> None:
    """The ``bot`` action makes the conversation bot-owned, with a BotOwned event."""
    receipt = desk.receive(inbound(1, "where is my parcel?", T0))
    record = desk.conversation(receipt.conversation_id)
    owner = record.conversation.bot
    assert owner is not None
    assert (owner.id, owner.turns, owner.since) == ("returns-bot", 0, T0)
    assert receipt.queue == "returns"
    (given_,) = [e for e in desk.timeline(receipt.customer_id) if isinstance(e, BotOwned)]
    assert given_.bot == "returns-bot"
    assert given_.at > T0  # just after the message


def test_an_email_with_no_bot_rule_stays_with_people(desk: Desk) -> None:
    receipt = desk.receive(inbound(1, "where is my parcel?", T0, channel=Channel.EMAIL))
    assert desk.conversation(receipt.conversation_id).conversation.bot is None


def test_bot_messages_are_bot_messages_and_count_turns(desk: Desk, clock: FixedClock) -> None:
    cid = desk.receive(inbound(1, "where is my parcel?", T0)).conversation_id
    clock.advance(seconds=10)
    receipt = desk.bot_reply(cid, bot_id="returns-bot", text="It left on Monday.")
    (item,) = receipt.outbox
    assert (item.kind, item.text, item.channel) == (OutboxKind.BOT_REPLY, "It left on Monday.",
                                                    Channel.CHAT)  # fmt: skip
    (sent,) = [e for e in desk.store.events(conversation_id=cid)
               if isinstance(e, MessageEvent) and e.message.direction is Direction.OUTBOUND]  # fmt: skip
    assert sent.message.author.kind is AuthorKind.BOT
    assert not sent.message.is_public_human_reply
    owner = desk.conversation(cid).conversation.bot
    assert owner is not None
    assert owner.turns == 1


def test_a_bot_reply_does_not_stop_the_human_first_reply_clock(
    desk: Desk, clock: FixedClock
) -> None:
    """The first reply clock waits (paused) through the bot's turns and runs from the handoff."""
    cid = desk.receive(inbound(1, "where is my parcel?", T0)).conversation_id
    clock.advance(minutes=1)
    desk.bot_reply(cid, bot_id="returns-bot", text="It left on Monday.")
    clock.advance(minutes=30)
    assert _clock(desk, cid, Metric.FIRST_REPLY) == (ClockState.PAUSED, None, 0)
    assert _clock(desk, cid, Metric.RESOLUTION) == (ClockState.PAUSED, None, 0)
    handoff_at = clock.advance(minutes=29)
    desk.hand_off(cid, bot_id="returns-bot", summary="parcel lost")
    state, due, elapsed = _clock(desk, cid, Metric.FIRST_REPLY)
    assert (state, due, elapsed) == (ClockState.ACTIVE, handoff_at + timedelta(hours=1), 0)
    assert _clock(desk, cid, Metric.RESOLUTION)[1] == handoff_at + timedelta(hours=8)
    clock.advance(minutes=20)
    desk.reply(cid, agent_id="a1", text="I'm on it.")
    assert _clock(desk, cid, Metric.FIRST_REPLY)[0] is ClockState.ACHIEVED
    assert _clock(desk, cid, Metric.FIRST_REPLY)[2] == 20 * 60


def test_without_a_bot_the_same_messages_breach(store: DeskStore, clock: FixedClock) -> None:
    """The control: the same hour with no bot owner breaches the first reply target."""
    desk = Desk(store=store, clock=clock, sla=SLA)
    cid = desk.receive(inbound(1, "where is my parcel?", T0)).conversation_id
    clock.advance(minutes=61)
    desk.tick()
    assert _clock(desk, cid, Metric.FIRST_REPLY)[0] is ClockState.BREACHED


def test_a_customer_asking_for_a_person_hands_off_with_the_transcript(
    desk: Desk, clock: FixedClock
) -> None:
    cid = desk.receive(inbound(1, "dónde está mi pedido", T0)).conversation_id
    clock.advance(minutes=1)
    desk.bot_reply(cid, bot_id="returns-bot", text="Salió el lunes.")
    clock.advance(minutes=1)
    receipt = desk.receive(inbound(2, "Quiero hablar con alguien, por favor", clock.now()))
    assert (receipt.queue, receipt.status) == ("returns", "open")
    assert "bot-handoff" in receipt.tags
    (handoff,) = desk.handoffs(cid)
    assert (handoff.reason, handoff.bot, handoff.turns) == (HandoffReason.CUSTOMER,
                                                            "returns-bot", 1)  # fmt: skip
    lines = handoff.transcript.lines
    assert [(line.author.kind, line.text) for line in lines] == [
        (AuthorKind.CUSTOMER, "dónde está mi pedido"),
        (AuthorKind.BOT, "Salió el lunes."),
        (AuthorKind.CUSTOMER, "Quiero hablar con alguien, por favor"),
    ]
    assert handoff.transcript.render().splitlines()[1] == "Bot: Salió el lunes."
    assert desk.conversation(cid).conversation.bot is None
    with pytest.raises(InvalidTransition, match="no bot owns this conversation"):
        desk.bot_reply(cid, bot_id="returns-bot", text="more")


def test_a_rule_hands_off_to_its_queue(desk: Desk, clock: FixedClock) -> None:
    """A rule reads ``conversation.owned_by_bot`` and hands off to the queue it names."""
    cid = desk.receive(inbound(1, "my parcel is late", T0)).conversation_id
    clock.advance(minutes=1)
    receipt = desk.receive(inbound(2, "I will call my lawyer", clock.now()))
    assert receipt.queue == "legal"
    assert "angry" in receipt.fired
    (handoff,) = desk.handoffs(cid)
    assert (handoff.reason, handoff.queue) == (HandoffReason.RULE, "legal")


def test_a_rule_reads_the_bot_s_turns(desk: Desk, clock: FixedClock) -> None:
    cid = desk.receive(inbound(1, "my parcel is late", T0)).conversation_id
    for n in range(5):
        clock.advance(minutes=1)
        desk.bot_reply(cid, bot_id="returns-bot", text=f"answer {n}")
    clock.advance(minutes=1)
    desk.receive(inbound(2, "still nothing", clock.now()))
    (handoff,) = desk.handoffs(cid)
    assert (handoff.reason, handoff.turns) == (HandoffReason.RULE, 5)


def test_after_max_turns_the_next_customer_message_hands_off(
    store: DeskStore, clock: FixedClock
) -> None:
    rules = RuleEngine.compile(load_rules({"rules": [{"id": "bot", "then": {"bot": "b"}}]}))
    desk = Desk(store=store, clock=clock, rules=rules, bots=HandoffPolicy(max_turns=2,
                queue="tier1", tag="from-bot"))  # fmt: skip
    cid = desk.receive(inbound(1, "hi", T0)).conversation_id
    desk.bot_reply(cid, bot_id="b", text="hello!", request_id="r1")
    desk.receive(inbound(2, "my order", clock.advance(minutes=1)))
    assert desk.handoffs(cid) == ()
    desk.bot_reply(cid, bot_id="b", text="which one?", request_id="r2")
    receipt = desk.receive(inbound(3, "1042", clock.advance(minutes=1)))
    (handoff,) = desk.handoffs(cid)
    assert (handoff.reason, handoff.turns, handoff.queue) == (HandoffReason.TURNS, 2, "tier1")
    assert receipt.tags == frozenset({"from-bot"})


def test_the_bot_or_an_agent_hands_off(desk: Desk, clock: FixedClock) -> None:
    cid = desk.receive(inbound(1, "refund over 500", T0)).conversation_id
    with pytest.raises(InvalidTransition, match="bot 'returns-bot' owns this conversation"):
        desk.hand_off(cid, bot_id="other-bot")
    receipt = desk.hand_off(cid, actor_id="a7", reason=HandoffReason.AGENT, queue="billing")
    assert receipt.queue == "billing"
    (handoff,) = desk.handoffs(cid)
    assert handoff.actor == Author(kind=AuthorKind.AGENT, id="a7")
    with pytest.raises(InvalidTransition, match="can't hand off in state people"):
        desk.hand_off(cid, bot_id="returns-bot")


def test_a_retried_handoff_is_one_handoff(desk: Desk, clock: FixedClock) -> None:
    cid = desk.receive(inbound(1, "refund", T0)).conversation_id
    first = desk.hand_off(cid, bot_id="returns-bot", request_id="h1")
    again = desk.hand_off(cid, bot_id="returns-bot", request_id="h1")
    assert again.replayed
    assert again.conversation_version == first.conversation_version
    assert len(desk.handoffs(cid)) == 1


def test_give_to_bot_releases_the_agent_and_the_bot_resolves(
    store: DeskStore, clock: FixedClock
) -> None:
    """An agent gives an email to a bot; the bot solves it: solved with the bot as actor."""
    desk = Desk(store=store, clock=clock, sla=SLA)
    cid = desk.receive(inbound(1, "password reset", T0, channel=Channel.EMAIL)).conversation_id
    desk.assign(cid, agent_id="a1", actor_id="a1")
    receipt = desk.give_to_bot(cid, bot_id="faq-bot", name="Faye", actor_id="a1")
    assert receipt.assignee is None
    again = desk.give_to_bot(cid, bot_id="faq-bot", name="Faye", actor_id="a1", request_id="x")
    assert again.assignee is None  # given again to the bot that has it: no second event
    assert len([e for e in desk.store.events(conversation_id=cid) if isinstance(e, BotOwned)]) == 1
    desk.bot_reply(cid, bot_id="faq-bot", text="Click Forgot password.")
    solved = desk.bot_resolve(cid, bot_id="faq-bot")
    assert solved.status == "solved"
    (item,) = [o for o in solved.outbox if o.kind is OutboxKind.CSAT_REQUEST]
    assert item.template == "csat"
    last = desk.store.events(conversation_id=cid)[-1]
    assert last.actor == Author(kind=AuthorKind.BOT, id="faq-bot", name="Faye")  # type: ignore[union-attr]


def test_a_bot_conversation_is_offered_to_no_agent(clock: FixedClock) -> None:
    """With assignment on, bot-owned work waits for nobody until the handoff."""
    from omnicx.model import Agent, AgentStatus

    store = MemoryStore()
    desk = Desk(store=store, clock=clock, rules=RULES, assignment=AssignmentPolicy())
    desk.put_agent(Agent(id="a1", name="Ann", status=AgentStatus.ONLINE, capacity=5,
                         queues=frozenset({"returns"})))  # fmt: skip
    receipt = desk.receive(inbound(1, "where is my parcel", T0))
    assert not [o for o in receipt.outbox if o.kind is OutboxKind.OFFER]
    assert store.waiting(receipt.conversation_id) is None
    handed = desk.hand_off(receipt.conversation_id, bot_id="returns-bot")
    assert [o.target for o in handed.outbox if o.kind is OutboxKind.OFFER] == ["a1"]


@pytest.mark.parametrize(
    "text",
    [
        "agent please", "Can I talk to a HUMAN?", "I want to speak to someone",
        "quiero un agente", "necesito hablar con alguién", "quero falar com alguém",
        "preciso de um atendente", "Ich möchte mit einem Mitarbeiter sprechen",
        "bitte einen echten Menschen",
    ],
)  # fmt: skip
def test_customers_ask_for_a_person_in_each_language(text: str) -> None:
    assert asks_for_person(text)


@pytest.mark.parametrize("text", ["where is my parcel", "the agents at the depot", "humanity"])
def test_other_words_are_no_ask(text: str) -> None:
    assert not asks_for_person(text)


@settings(max_examples=40, deadline=None)
@given(turns=st.integers(0, 4), delays=st.lists(st.integers(1, 600), min_size=1, max_size=4))
def test_the_first_reply_clock_starts_at_the_handoff_whatever_the_bot_did(
    turns: int, delays: list[int]
) -> None:
    """However many bot turns and however long, first reply elapses from the handoff only."""
    clock = FixedClock(T0)
    desk = Desk(store=MemoryStore(), clock=clock, rules=RULES, sla=SLA)
    cid = desk.receive(inbound(1, "hello", T0)).conversation_id
    for n in range(turns):
        clock.advance(seconds=delays[n % len(delays)])
        desk.bot_reply(cid, bot_id="returns-bot", text=f"turn {n}", request_id=f"t{n}")
    handoff_at = clock.advance(seconds=sum(delays))
    desk.hand_off(cid, bot_id="returns-bot")
    assert _clock(desk, cid, Metric.FIRST_REPLY)[1] == handoff_at + timedelta(hours=1)
    (handoff,) = desk.handoffs(cid)
    assert [line.author.kind for line in handoff.transcript.lines] == (
        [AuthorKind.CUSTOMER] + [AuthorKind.BOT] * turns
    )


def test_the_transcript_keeps_the_latest_lines(store: DeskStore, clock: FixedClock) -> None:
    desk = Desk(store=store, clock=clock, rules=RULES, bots=HandoffPolicy(transcript_lines=2))
    cid = desk.receive(inbound(1, "one", T0)).conversation_id
    for n in range(3):
        desk.bot_reply(cid, bot_id="returns-bot", text=f"bot {n}", request_id=f"b{n}")
        clock.advance(seconds=1)
    desk.hand_off(cid, bot_id="returns-bot")
    (handoff,) = desk.handoffs(cid)
    assert [line.text for line in handoff.transcript.lines] == ["bot 1", "bot 2"]
    assert handoff.transcript.omitted == 2
    assert handoff.transcript.render().startswith("(2 earlier messages left out)")


def test_policy_values_are_checked() -> None:
    from omnicx.errors import ValidationError

    with pytest.raises(ValidationError, match=r"HandoffPolicy.max_turns: expected a positive"):
        HandoffPolicy(max_turns=0)
    assert HandoffPolicy(phrases={}).asks_for_person("agent") is False
    assert HandedOff.TAG == "bot.handoff"


def test_erasure_scrubs_the_transcript_s_words(store: DeskStore, clock: FixedClock) -> None:
    from omnicx.privacy import erase_customer

    desk = Desk(store=store, clock=clock, rules=RULES)
    receipt = desk.receive(inbound(1, "my address is 1 Long Lane", T0))
    desk.bot_reply(receipt.conversation_id, bot_id="returns-bot", text="Thanks, Ada.")
    desk.hand_off(receipt.conversation_id, bot_id="returns-bot", summary="Ada moved house")
    erase_customer(store, receipt.customer_id, now=clock.now(), actor="dpo", reason="request")
    (handoff,) = [e for e in store.events() if isinstance(e, HandedOff)]
    assert handoff.summary == ""
    assert [(line.text, line.author.id) for line in handoff.transcript.lines] == [
        ("", None), ("", "returns-bot"),
    ]  # fmt: skip
    assert handoff.reason is HandoffReason.BOT
