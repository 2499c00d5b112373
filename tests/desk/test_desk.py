"""The desk pipeline: each call atomic, idempotent, and refusing what it must."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from omnicx import FixedClock
from omnicx.channels import MessageReceived
from omnicx.desk import CollisionError, Desk, OutboxKind
from omnicx.errors import ConflictError, InvalidTransition, NotFoundError
from omnicx.identity import Profile, email_identifier, phone_identifier
from omnicx.model import (
    Author,
    AuthorKind,
    Channel,
    Direction,
    Identifier,
    Message,
    NoteEvent,
    Priority,
    Status,
    SurveyKind,
    SurveyResponse,
    ThreadRefs,
)
from omnicx.routing import RuleEngine, load_rules
from omnicx.sla import Metric, Policy, SlaEngine, Target
from omnicx.storage import DeskStore

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
RULES = RuleEngine.compile(
    load_rules(
        {
            "rules": [
                {
                    "id": "refund",
                    "when": {"field": "message.text", "op": "contains_any", "value": ["refund"]},
                    "then": {"queue": "billing", "priority": "high", "add_tags": ["refund"],
                             "auto_reply": {"template": "ack"}, "notify": ["lead"]},
                },
                {"id": "rest", "then": {"queue": "general"}},
            ]
        }
    )
)  # fmt: skip
SLA = SlaEngine(
    policies=[
        Policy(
            name="std",
            targets={
                Metric.FIRST_REPLY: {p: Target(seconds=3600, business=False) for p in Priority}
            },
        )
    ]
)


@pytest.fixture
def desk(store: DeskStore, clock: FixedClock) -> Desk:
    return Desk(store=store, clock=clock, rules=RULES, sla=SLA)


def inbound(
    n: int,
    text: str = "hello",
    *,
    channel: str = "email",
    at: datetime = T0,
    sender: tuple[Identifier, ...] = (email_identifier("ada@example.com"),),
    thread: ThreadRefs | None = None,
) -> MessageReceived:
    message = Message(
        id=f"{channel}:{n}",
        channel=Channel(channel),
        direction=Direction.INBOUND,
        author=Author(kind=AuthorKind.CUSTOMER),
        sent_at=at,
        text=text,
        external_id=str(n),
        thread=thread or ThreadRefs(),
    )
    return MessageReceived(message=message, sender=sender, sender_name="Ada")


def test_receive_creates_customer_conversation_and_routes(desk: Desk) -> None:
    """A first message makes a customer and a conversation, routed by the rules."""
    receipt = desk.receive(inbound(1, "I want a refund"))
    assert (receipt.identity, receipt.thread_reason, receipt.fired) == (
        "new",
        "no_match",
        ("refund",),
    )
    assert (receipt.queue, receipt.priority, receipt.status) == ("billing", "high", "new")
    assert receipt.tags == frozenset({"refund"})
    kinds = [o.kind for o in receipt.outbox]
    assert kinds == [OutboxKind.AUTO_REPLY, OutboxKind.NOTIFICATION]
    assert receipt.outbox[0].to == "ada@example.com"
    assert receipt.outbox[0].template == "ack"
    first_reply = next(line for line in receipt.sla if line.metric == "first_reply")
    assert (first_reply.state, first_reply.due) == ("active", T0 + timedelta(hours=1))


def test_same_webhook_twice_changes_nothing(desk: Desk, store: DeskStore) -> None:
    """A redelivered message returns the first receipt, replayed, and stores nothing new."""
    first = desk.receive(inbound(1))
    events = store.events()
    again = desk.receive(inbound(1))
    assert again.replayed
    assert again.conversation_id == first.conversation_id
    assert store.events() == events


def test_customer_switching_channel_continues_the_conversation(
    desk: Desk, clock: FixedClock
) -> None:
    """Same person (shared email) on WhatsApp within the window: same conversation."""
    first = desk.receive(inbound(1))
    clock.advance(hours=2)
    sender = (phone_identifier("+14155550100"), email_identifier("ada@example.com"))
    second = desk.receive(inbound(2, channel="whatsapp", at=clock.now(), sender=sender))
    assert (second.customer_id, second.conversation_id) == (
        first.customer_id,
        first.conversation_id,
    )
    assert second.thread_reason == "continuity"
    timeline = desk.timeline(first.customer_id)
    assert [e.message.channel.name for e in timeline if hasattr(e, "message")] == [
        "email",
        "whatsapp",
    ]


def test_reply_fulfils_first_reply_and_waits_on_the_customer(desk: Desk, clock: FixedClock) -> None:
    """A public agent reply achieves first reply, moves to pending and goes to the outbox."""
    first = desk.receive(inbound(1))
    clock.advance(minutes=20)
    receipt = desk.reply(first.conversation_id, agent_id="a1", text="Hi", seen_version=1)
    assert receipt.status == "pending"
    assert receipt.conversation_version == 2
    (out,) = receipt.outbox
    assert (out.kind, out.to, out.text, out.channel) == (
        OutboxKind.AGENT_REPLY, "ada@example.com", "Hi", Channel.EMAIL
    )  # fmt: skip
    first_reply = next(line for line in receipt.sla if line.metric == "first_reply")
    assert first_reply.state == "achieved"


def test_private_reply_sends_nothing_and_keeps_status(desk: Desk) -> None:
    """A private message to colleagues is recorded, not sent, and changes no status."""
    first = desk.receive(inbound(1))
    receipt = desk.reply(first.conversation_id, agent_id="a1", text="fyi", public=False)
    assert receipt.outbox == ()
    assert receipt.status == "new"


def test_reply_collision_names_who_and_when(desk: Desk, clock: FixedClock) -> None:
    """Another agent replied since this one loaded the conversation: refused with who/when."""
    first = desk.receive(inbound(1))
    clock.advance(minutes=5)
    desk.reply(first.conversation_id, agent_id="bob", text="mine", seen_version=1)
    with pytest.raises(CollisionError) as caught:
        desk.reply(first.conversation_id, agent_id="ann", text="also mine", seen_version=1)
    assert caught.value.agent_id == "bob"
    assert str(caught.value) == (
        "agent 'bob' replied to conversation 'c1' at 2026-03-02T09:05:00+00:00 "
        "since you loaded it; reload it before acting"
    )
    assert isinstance(caught.value, ConflictError)


def test_claim_collision(desk: Desk) -> None:
    """A claim by someone else since loading refuses a second claim."""
    first = desk.receive(inbound(1))
    claimed = desk.assign(first.conversation_id, agent_id="bob", actor_id="bob", seen_version=1)
    assert claimed.assignee == "bob"
    with pytest.raises(CollisionError, match="agent 'bob' claimed"):
        desk.assign(first.conversation_id, agent_id="ann", actor_id="ann", seen_version=1)


def test_lost_race_is_a_conflict_and_writes_nothing(store: DeskStore, clock: FixedClock) -> None:
    """Two desks acting on one conversation: the second commit loses and changes nothing."""
    desk = Desk(store=store, clock=clock)
    first = desk.receive(inbound(1))
    record = store.conversation(first.conversation_id)
    assert record is not None
    desk.tag(first.conversation_id, actor_id="a1", add=["x"])
    from omnicx.storage import Changes

    with pytest.raises(ConflictError, match="changed since it was read"):
        store.commit(Changes(conversations=(record,)))
    current = store.conversation(first.conversation_id)
    assert current is not None
    assert current.conversation.tags == frozenset({"x"})


def test_solve_requests_csat_and_survey_is_recorded(desk: Desk, store: DeskStore) -> None:
    """Solving puts a survey request in the outbox; the answer joins the timeline."""
    first = desk.receive(inbound(1))
    solved = desk.solve(first.conversation_id, actor_id="a1")
    assert solved.status == "solved"
    assert [o.kind for o in solved.outbox] == [OutboxKind.CSAT_REQUEST]
    desk.record_survey(first.conversation_id, survey=SurveyKind.CSAT, score=4)
    (answer,) = [e for e in store.events() if isinstance(e, SurveyResponse)]
    assert (answer.score, answer.scale_max) == (4, 5)


def test_reply_to_solved_within_window_reopens(desk: Desk, clock: FixedClock) -> None:
    """A customer reply referencing a solved conversation within the window reopens it."""
    thread = ThreadRefs(message_id="one@mail.example")
    first = desk.receive(inbound(1, thread=thread))
    desk.solve(first.conversation_id, actor_id="a1")
    clock.advance(days=2)
    reply = ThreadRefs(message_id="two@mail.example", in_reply_to=("one@mail.example",))
    receipt = desk.receive(inbound(2, at=clock.now(), thread=reply))
    assert (receipt.conversation_id, receipt.status) == (first.conversation_id, "open")
    assert receipt.thread_reason == "in_reply_to"


def test_closed_conversation_gets_a_linked_follow_up(desk: Desk, clock: FixedClock) -> None:
    """A reply to a closed conversation starts a new one linked with follow_up_of."""
    thread = ThreadRefs(message_id="one@mail.example")
    first = desk.receive(inbound(1, thread=thread))
    desk.solve(first.conversation_id, actor_id="a1")
    desk.set_status(first.conversation_id, Status.CLOSED, actor_id="a1")
    clock.advance(hours=1)
    reply = ThreadRefs(in_reply_to=("one@mail.example",))
    receipt = desk.receive(inbound(2, at=clock.now(), thread=reply))
    assert receipt.conversation_id != first.conversation_id
    follow_up = desk.conversation(receipt.conversation_id).conversation
    assert follow_up.follow_up_of == first.conversation_id


def test_illegal_status_move_is_refused_and_changes_nothing(desk: Desk, store: DeskStore) -> None:
    """The lifecycle refuses closed -> open; the store keeps the closed conversation."""
    first = desk.receive(inbound(1))
    desk.solve(first.conversation_id, actor_id="a1")
    desk.set_status(first.conversation_id, Status.CLOSED, actor_id="a1")
    with pytest.raises(InvalidTransition, match="can't reopen a conversation in state closed"):
        desk.reopen(first.conversation_id, actor_id="a1")
    record = store.conversation(first.conversation_id)
    assert record is not None
    assert record.conversation.status is Status.CLOSED


def test_note_mentions_notify_and_priority_and_tags_are_recorded(
    desk: Desk, store: DeskStore
) -> None:
    """Notes notify @-mentioned agents; priority and tag changes are events."""
    first = desk.receive(inbound(1))
    noted = desk.note(first.conversation_id, agent_id="a1", text="see this", mentions=["b2", "c3"])
    assert [o.target for o in noted.outbox] == ["agent:b2", "agent:c3"]
    assert (
        desk.set_priority(first.conversation_id, Priority.URGENT, actor_id="a1").priority
        == "urgent"
    )
    unchanged = desk.set_priority(first.conversation_id, Priority.URGENT, actor_id="a1")
    assert unchanged.priority == "urgent"
    tagged = desk.tag(first.conversation_id, actor_id="a1", add=["x", "y"], remove=["x"])
    assert tagged.tags == frozenset({"y"})
    assert any(isinstance(e, NoteEvent) and e.mentions == {"b2", "c3"} for e in store.events())


def test_agent_action_with_request_id_is_idempotent(desk: Desk, store: DeskStore) -> None:
    """A double click with the same request id sends once."""
    first = desk.receive(inbound(1))
    one = desk.reply(first.conversation_id, agent_id="a1", text="Hi", request_id="r-1")
    count = len(store.events())
    two = desk.reply(first.conversation_id, agent_id="a1", text="Hi", request_id="r-1")
    assert two.replayed
    assert two.conversation_version == one.conversation_version
    assert len(store.events()) == count


def test_unknown_conversation_is_not_found(desk: Desk) -> None:
    """Acting on a conversation that does not exist names it."""
    with pytest.raises(NotFoundError, match="no conversation with id 'nope'"):
        desk.solve("nope", actor_id="a1")


def test_desk_without_rules_or_sla(store: DeskStore, clock: FixedClock) -> None:
    """Routing and SLAs are optional: the receipt says nothing about them."""
    desk = Desk(store=store, clock=clock)
    receipt = desk.receive(inbound(1))
    assert (receipt.fired, receipt.sla, receipt.queue) == ((), (), None)
    assert desk.sla_report(receipt.conversation_id) is None
    assert desk.explain(inbound(2)) is None


def test_explain_and_sla_report(desk: Desk) -> None:
    """explain traces the rules for a message; sla_report shows every clock."""
    receipt = desk.receive(inbound(1, "refund please"))
    trace = desk.explain(inbound(2, "refund please"))
    assert trace is not None
    assert "refund: matched" in str(trace)
    report = desk.sla_report(receipt.conversation_id)
    assert report is not None
    assert {t.metric for t in report.targets} >= {Metric.FIRST_REPLY}


def test_to_customer_lifts_known_attributes() -> None:
    """vip, tier, language, timezone and lifetime value leave attributes for fields."""
    profile = Profile(
        id="p1",
        created_at=T0,
        last_seen_at=T0,
        attributes={"vip": True, "tier": "gold", "language": "de", "lifetime_value": "120.5",
                    "timezone": 3},
    )  # fmt: skip
    customer = profile.to_customer()
    assert (customer.vip, customer.tier, customer.language) == (True, "gold", "de")
    assert str(customer.lifetime_value) == "120.5"
    assert customer.timezone is None
    bad = Profile(id="p2", created_at=T0, last_seen_at=T0,
                  attributes={"lifetime_value": "lots"}).to_customer()  # fmt: skip
    assert bad.lifetime_value is None


def test_delivery_updates_land_on_the_sent_message(desk: Desk, store: DeskStore) -> None:
    """Once the host records the provider id, delivery updates join the conversation, once."""
    from omnicx.channels import DeliveryState, DeliveryUpdate
    from omnicx.model import CustomEvent

    first = desk.receive(inbound(1))
    update = DeliveryUpdate(
        channel=Channel.EMAIL, external_id="prov-9", state=DeliveryState.READ, at=T0
    )
    assert desk.delivery(update) is None
    desk.record_sent(first.conversation_id, channel=Channel.EMAIL, external_id="prov-9")
    receipt = desk.delivery(update)
    assert receipt is not None
    assert receipt.conversation_id == first.conversation_id
    again = desk.delivery(update)
    assert again is not None
    assert again.replayed
    (event,) = [e for e in store.events() if isinstance(e, CustomEvent)]
    assert event.name == "delivery.read"
