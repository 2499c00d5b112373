"""The desk checks every agent action against the actor's role and visible queues."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from omnicx import FixedClock
from omnicx.channels import MessageReceived
from omnicx.desk import Desk
from omnicx.errors import NotFoundError
from omnicx.identity import email_identifier
from omnicx.model import Author, AuthorKind, Channel, Direction, Message, MessageEvent, Priority
from omnicx.privacy import BUILTIN_ROLES, Actor, PermissionDenied, RedactionPolicy
from omnicx.routing import RuleEngine, load_rules
from omnicx.storage import MemoryStore

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ACTORS = {
    "ann": Actor(id="ann", role=BUILTIN_ROLES["agent"], queues=frozenset({"billing"})),
    "rex": Actor(id="rex", role=BUILTIN_ROLES["read_only"]),
    "lea": Actor(id="lea", role=BUILTIN_ROLES["lead"]),
    "adm": Actor(id="adm", role=BUILTIN_ROLES["admin"]),
}
RULES = RuleEngine.compile(load_rules({"rules": [{"id": "all", "then": {"queue": "general"}}]}))


def _desk(**options: object) -> Desk:
    return Desk(store=MemoryStore(), clock=FixedClock(T0), rules=RULES, actors=ACTORS, **options)  # type: ignore[arg-type]


def _inbound(text: str = "hello", channel: str = "email") -> MessageReceived:
    message = Message(
        id=f"{channel}:1", channel=Channel(channel), direction=Direction.INBOUND,
        author=Author(kind=AuthorKind.CUSTOMER), sent_at=T0, text=text, external_id="1",
    )  # fmt: skip
    return MessageReceived(message=message, sender=(email_identifier("ada@example.com"),))


def test_actions_on_an_invisible_queue_are_refused_and_change_nothing() -> None:
    """An agent limited to billing can't reply to a conversation in general."""
    desk = _desk()
    receipt = desk.receive(_inbound())
    with pytest.raises(
        PermissionDenied,
        match="actor 'ann' may not reply conversation 'c1': queue 'general' is not visible",
    ):
        desk.reply(receipt.conversation_id, agent_id="ann", text="hi")
    assert desk.conversation(receipt.conversation_id).version == 1


@pytest.mark.parametrize(
    ("call", "refused_for"),
    [
        (lambda d, c, a: d.reply(c, agent_id=a, text="x"), {"rex"}),
        (lambda d, c, a: d.note(c, agent_id=a, text="x"), {"rex"}),
        (lambda d, c, a: d.assign(c, agent_id=a, actor_id=a), {"rex"}),
        (lambda d, c, a: d.set_priority(c, Priority.HIGH, actor_id=a), {"rex"}),
        (lambda d, c, a: d.tag(c, actor_id=a, add=["x"]), {"rex"}),
        (lambda d, c, a: d.solve(c, actor_id=a), {"rex"}),
    ],
)
def test_role_matrix_on_desk_actions(call, refused_for) -> None:  # type: ignore[no-untyped-def]
    """Read-only actors are refused every write; agents, leads and admins may act."""
    for actor in ("rex", "lea", "adm"):
        desk = _desk()
        conversation = desk.receive(_inbound()).conversation_id
        if actor in refused_for:
            with pytest.raises(PermissionDenied):
                call(desk, conversation, actor)
        else:
            assert call(desk, conversation, actor).conversation_id == conversation


def test_unknown_actor_is_not_found() -> None:
    """With an actor directory, an id it doesn't know is refused by name."""
    desk = _desk()
    conversation = desk.receive(_inbound()).conversation_id
    with pytest.raises(NotFoundError, match="no actor with id 'ghost'"):
        desk.solve(conversation, actor_id="ghost")


def test_rules_changes_and_unmerges_need_their_permission() -> None:
    """Only roles with edit_rules may swap rules; unmerging needs unmerge."""
    desk = _desk()
    with pytest.raises(PermissionDenied, match="edit_rules"):
        desk.replace_rules(None, actor_id="lea", reason="x")
    desk.replace_rules(None, actor_id="adm", reason="x")
    assert desk.rules is None
    with pytest.raises(NotFoundError, match="no merge with id 'm9'"):
        desk.unmerge("m9", actor_id="adm", reason="x")


def test_redaction_applies_per_channel_before_storing() -> None:
    """Card numbers in an SMS are masked in the store; the agent's reply is sent as written."""
    policy = RedactionPolicy()
    desk = _desk(redaction={"sms": policy})
    receipt = desk.receive(_inbound("my card is 4242 4242 4242 4242", channel="sms"))
    stored = [e for e in desk.store.events() if isinstance(e, MessageEvent)]
    assert stored[0].message.text == "my card is [card ••••4242]"
    email = desk.receive(_inbound("card 4242 4242 4242 4242", channel="email"))
    (kept,) = [
        e for e in desk.timeline(email.customer_id)
        if isinstance(e, MessageEvent) and e.message.id == "email:1"
    ]  # fmt: skip
    assert "4242 4242" in kept.message.text
    reply = desk.reply(receipt.conversation_id, agent_id="adm", text="IBAN DE89370400440532013000")
    assert reply.outbox[0].text == "IBAN DE89370400440532013000"
    (sent,) = [
        e for e in desk.store.events(conversation_id=receipt.conversation_id)
        if isinstance(e, MessageEvent) and e.message.direction is Direction.OUTBOUND
    ]  # fmt: skip
    assert sent.message.text == "IBAN [iban ••••3000]"


def test_tags_and_priority_are_their_own_permissions() -> None:
    """A triage seat may tag but not solve; a status-only seat may solve but not tag."""
    from omnicx.model import Status
    from omnicx.privacy import Action, Role

    tagger = Role(name="tagger", actions=frozenset({Action.VIEW, Action.TAG}))
    closer = Role(name="closer", actions=frozenset({Action.VIEW, Action.CHANGE_STATUS}))
    actors = {"tia": Actor(id="tia", role=tagger), "cal": Actor(id="cal", role=closer)}
    desk = Desk(store=MemoryStore(), clock=FixedClock(T0), rules=RULES, actors=actors)
    conversation = desk.receive(_inbound()).conversation_id
    assert desk.tag(conversation, actor_id="tia", add=["refund"]).tags == {"refund"}
    for refused in (
        lambda: desk.solve(conversation, actor_id="tia"),
        lambda: desk.set_priority(conversation, Priority.HIGH, actor_id="tia"),
        lambda: desk.tag(conversation, actor_id="cal", add=["vip"]),
        lambda: desk.set_priority(conversation, Priority.HIGH, actor_id="cal"),
    ):
        with pytest.raises(PermissionDenied):
            refused()
    assert desk.solve(conversation, actor_id="cal").status == Status.SOLVED.value
    assert desk.conversation(conversation).conversation.tags == {"refund"}
