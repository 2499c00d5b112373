"""The desk's inbox, badges and search: the store's answers, cut to what an actor may see."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from omnicx import FixedClock
from omnicx.channels import MessageReceived
from omnicx.desk import Desk
from omnicx.errors import NotFoundError, ValidationError
from omnicx.identity import email_identifier
from omnicx.model import Author, AuthorKind, Channel, Direction, Message, Status
from omnicx.privacy import BUILTIN_ROLES, Actor, PermissionDenied, Role
from omnicx.routing import RuleEngine, load_rules
from omnicx.storage import DeskStore, InboxFilter, InboxQuery, MemoryStore, SqliteStore

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ACTORS = {
    "ann": Actor(id="ann", role=BUILTIN_ROLES["agent"], queues=frozenset({"billing"})),
    "lea": Actor(id="lea", role=BUILTIN_ROLES["lead"]),
    "nobody": Actor(id="nobody", role=Role(name="none")),
}
RULES = RuleEngine.compile(
    load_rules(
        {
            "rules": [
                {"id": "bills", "when": {"field": "message.text", "op": "contains", "value": "invoice"},
                 "then": {"queue": "billing"}},
                {"id": "sales", "when": {"field": "message.text", "op": "contains", "value": "price"},
                 "then": {"queue": "sales"}},
            ]
        }
    )
)  # fmt: skip


def _inbound(n: int, text: str) -> MessageReceived:
    message = Message(
        id=f"email:{n}", channel=Channel.EMAIL, direction=Direction.INBOUND,
        author=Author(kind=AuthorKind.CUSTOMER), sent_at=T0, text=text, external_id=str(n),
    )  # fmt: skip
    return MessageReceived(message=message, sender=(email_identifier(f"c{n}@example.com"),))


def _desk(store: DeskStore, **options: object) -> tuple[Desk, dict[str, str]]:
    desk = Desk(store=store, clock=FixedClock(T0), rules=RULES, **options)  # type: ignore[arg-type]
    ids = {
        "billing": desk.receive(_inbound(1, "Your invoice is wrong")).conversation_id,
        "sales": desk.receive(_inbound(2, "What is the price?")).conversation_id,
        "none": desk.receive(_inbound(3, "Hello there, a question")).conversation_id,
    }
    return desk, ids


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest) -> DeskStore:
    return MemoryStore() if request.param == "memory" else SqliteStore()


def test_an_actor_sees_only_their_queues_and_unqueued_conversations(store: DeskStore) -> None:
    """ann (billing only) gets billing and queue-less conversations; lea gets all."""
    desk, ids = _desk(store, actors=ACTORS)
    assert desk.conversation(ids["none"]).conversation.queue is None
    assert {r.id for r in desk.inbox(actor_id="ann").items} == {ids["billing"], ids["none"]}
    assert {r.id for r in desk.inbox(actor_id="lea").items} == set(ids.values())
    asked = InboxQuery(where=InboxFilter(queues={"sales"}))
    assert desk.inbox(asked, actor_id="ann").items == ()
    only_billing = InboxQuery(where=InboxFilter(queues={"billing", "sales"}))
    assert [r.id for r in desk.inbox(only_billing, actor_id="ann").items] == [ids["billing"]]


def test_counts_and_search_are_cut_the_same_way(store: DeskStore) -> None:
    """Badges and search results never show another queue's conversations."""
    desk, ids = _desk(store, actors=ACTORS)
    everything = {("billing", Status.NEW): 1, ("sales", Status.NEW): 1, (None, Status.NEW): 1}
    assert desk.inbox_counts(actor_id="lea") == everything
    assert desk.inbox_counts(actor_id="ann") == {("billing", Status.NEW): 1, (None, Status.NEW): 1}
    assert desk.inbox_counts(InboxFilter(queues="sales"), actor_id="ann") == {}
    assert [r.id for r in desk.search("invoice", actor_id="ann")] == [ids["billing"]]
    assert [r.id for r in desk.search("hello", actor_id="ann")] == [ids["none"]]
    assert desk.search("price", actor_id="ann") == []
    assert [r.id for r in desk.search("price", actor_id="lea")] == [ids["sales"]]
    with pytest.raises(ValidationError, match=r"^text: has no words"):
        desk.search("!!", actor_id="ann", where=InboxFilter(queues="sales"))


def test_a_narrowed_inbox_pages_with_the_callers_cursor(store: DeskStore) -> None:
    """next_cursor continues the query the caller passed, not the narrowed one."""
    desk, ids = _desk(store, actors=ACTORS)
    first = desk.inbox(InboxQuery(limit=1), actor_id="ann")
    assert first.next_cursor is not None
    second = desk.inbox(InboxQuery(limit=1, cursor=first.next_cursor), actor_id="ann")
    assert second.next_cursor is None
    assert {first.items[0].id, second.items[0].id} == {ids["billing"], ids["none"]}


def test_who_is_looking_must_be_known_and_allowed(store: DeskStore) -> None:
    """With actors set: no actor id, an unknown one, or a role without view is refused."""
    desk, _ = _desk(store, actors=ACTORS)
    with pytest.raises(ValidationError, match=r"^actor_id: is required when Desk.actors is set"):
        desk.inbox()
    with pytest.raises(NotFoundError, match="no actor with id 'ghost'"):
        desk.inbox_counts(actor_id="ghost")
    with pytest.raises(PermissionDenied, match="role none does not allow view"):
        desk.search("invoice", actor_id="nobody")


def test_without_actors_the_host_sees_everything(store: DeskStore) -> None:
    """No actor directory: the store's answers as they are."""
    desk, ids = _desk(store)
    assert {r.id for r in desk.inbox().items} == set(ids.values())
    assert sum(desk.inbox_counts().values()) == 3
