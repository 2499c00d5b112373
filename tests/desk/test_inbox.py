"""Desk.inbox, inbox_counts and search: the store's queries, checked at the desk."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from omnicx import FixedClock
from omnicx.channels import MessageReceived
from omnicx.desk import Desk, FieldSchema
from omnicx.errors import ValidationError
from omnicx.identity import email_identifier
from omnicx.model import Author, AuthorKind, Channel, Direction, Message, Priority, Status
from omnicx.storage import ANY_BOT, NO_BOT, UNASSIGNED, DeskStore, InboxFilter, InboxSort

from .conftest import T0

MINUTE = timedelta(minutes=1)


def inbound(n: int, who: str, text: str, at: datetime) -> MessageReceived:
    message = Message(
        id=f"email:{n}", channel=Channel.EMAIL, direction=Direction.INBOUND,
        author=Author(kind=AuthorKind.CUSTOMER), sent_at=at, text=text, external_id=str(n),
    )  # fmt: skip
    return MessageReceived(message=message, sender=(email_identifier(who),))


@pytest.fixture
def store(every_store: DeskStore) -> DeskStore:
    """Every store kind, PostgreSQL too."""
    return every_store


@pytest.fixture
def desk(store: DeskStore, clock: FixedClock) -> Desk:
    fields = FieldSchema.from_data({"plan": {"type": "choice", "choices": ["free", "pro"]},
                                    "seats": "int"})  # fmt: skip
    return Desk(store=store, clock=clock, fields=fields)


def test_every_write_stamps_updated_at_with_the_desk_clock(desk: Desk, clock: FixedClock) -> None:
    """``updated_at`` is the instant of the call that last wrote the record; LAST_UPDATE follows."""
    first = desk.receive(inbound(1, "ada@example.com", "hello", T0)).conversation_id
    clock.set(T0 + MINUTE)
    second = desk.receive(inbound(2, "bo@example.com", "hi", T0 + MINUTE)).conversation_id
    assert desk.conversation(first).updated_at == T0
    by_update = [r.id for r in desk.inbox(sort=InboxSort.LAST_UPDATE).records]
    assert by_update == [second, first]
    clock.set(T0 + 2 * MINUTE)
    desk.set_priority(first, Priority.HIGH, actor_id="ann")
    assert desk.conversation(first).updated_at == T0 + 2 * MINUTE
    assert [r.id for r in desk.inbox(sort=InboxSort.LAST_UPDATE).records] == [first, second]
    since = InboxFilter(updated_from=T0 + 2 * MINUTE)
    assert [r.id for r in desk.inbox(since).records] == [first]
    assert [r.id for r in desk.inbox().records] == [first, second]


def test_field_filters_are_checked_against_the_schema(desk: Desk) -> None:
    """An undeclared field or a value of the wrong type is refused at ``filter.fields.<name>``."""
    desk.receive(inbound(1, "ada@example.com", "hello", T0))
    for fields, path in (({"plann": "pro"}, "filter.fields.plann"),
                         ({"plan": "gold"}, "filter.fields.plan"),
                         ({"seats": "many"}, "filter.fields.seats")):  # fmt: skip
        for call in (desk.inbox, desk.inbox_counts):
            with pytest.raises(ValidationError) as caught:
                call(InboxFilter(fields=fields))
            assert caught.value.paths == (path,)
        with pytest.raises(ValidationError) as caught:
            desk.search("hello", filter=InboxFilter(fields=fields))
        assert caught.value.paths == (path,)
    assert "did you mean 'plan'" in str(_refusal(desk, {"plann": "pro"}))
    assert len(desk.inbox(InboxFilter(fields={"plan": None})).records) == 1
    with pytest.raises(ValidationError) as caught:
        desk.inbox({"queue": "billing"})  # type: ignore[arg-type]
    assert caught.value.paths == ("filter",)


def _refusal(desk: Desk, fields: dict[str, object]) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        desk.inbox(InboxFilter(fields=fields))  # type: ignore[arg-type]
    return caught.value


def test_bad_filters_report_every_problem_at_once() -> None:
    """Every mistake of an InboxFilter is reported together, each at its name."""
    with pytest.raises(ValidationError) as caught:
        InboxFilter(
            queue="",
            status="opened",
            priority=set(),
            assignee=3,  # type: ignore[arg-type]
            channel="email",  # type: ignore[arg-type]
            fields={"plan": ["pro"]},  # type: ignore[dict-item]
            created_from=T0,
            created_before=T0,
            updated_from=datetime(2026, 3, 2),  # naive on purpose
        )
    assert caught.value.paths == (
        "queue", "assignee", "status", "priority", "channel", "fields.plan", "created_before",
        "updated_from",
    )  # fmt: skip
    assert InboxFilter(status="open").status == frozenset({Status.OPEN})


def test_counts_and_search_through_the_desk(desk: Desk, clock: FixedClock) -> None:
    """Badges count the open work; search finds customers' and agents' words, not notes."""
    ada = desk.receive(inbound(1, "ada@example.com", "My parcel never came", T0)).conversation_id
    bo = desk.receive(inbound(2, "bo@example.com", "Refund please", T0)).conversation_id
    clock.set(T0 + MINUTE)
    desk.reply(bo, agent_id="ann", text="Your refund is on its way", then=Status.PENDING)
    desk.note(ada, agent_id="ann", text="carrier says refund")
    counts = desk.inbox_counts(InboxFilter(status={s for s in Status if s.is_active}))
    assert dict(counts.by_status) == {Status.NEW: 1, Status.PENDING: 1}
    assert [r.id for r in desk.search("REFUND")] == [bo]
    assert [r.id for r in desk.search("way")] == [bo]
    assert [r.id for r in desk.search("parcel", filter=InboxFilter(assignee=UNASSIGNED))] == [ada]
    assert desk.search("carrier") == []


def test_bot_filters_refuse_what_they_cannot_mean() -> None:
    """``bot`` takes a bot id, ANY_BOT, NO_BOT or None; not booleans, nor a bot with UNASSIGNED."""
    for bad in (True, False, "", 3):
        with pytest.raises(ValidationError) as caught:
            InboxFilter(bot=bad)  # type: ignore[arg-type]
        assert caught.value.paths == ("bot",), bad
    with pytest.raises(ValidationError) as caught:
        InboxFilter(bot=True)  # type: ignore[arg-type]
    assert "pass ANY_BOT" in str(caught.value)
    for bot in ("returns-bot", ANY_BOT):
        with pytest.raises(ValidationError) as caught:
            InboxFilter(assignee=UNASSIGNED, bot=bot)
        assert caught.value.paths == ("bot",)
        assert "UNASSIGNED" in str(caught.value)
    assert InboxFilter(assignee=UNASSIGNED, bot=NO_BOT).bot is NO_BOT
    assert InboxFilter(assignee="a1", bot="returns-bot").bot == "returns-bot"


def test_a_bots_conversation_is_in_its_view_until_the_handoff(
    desk: Desk, clock: FixedClock
) -> None:
    """Given to a bot, a conversation leaves the unassigned view; the handoff brings it back."""
    ada = desk.receive(inbound(1, "ada@example.com", "My parcel never came", T0)).conversation_id
    bo = desk.receive(inbound(2, "bo@example.com", "Refund please", T0)).conversation_id
    desk.assign(bo, agent_id="ann", actor_id="ann")
    clock.set(T0 + MINUTE)
    desk.give_to_bot(bo, bot_id="returns-bot", actor_id="ann")  # ann lets go
    unassigned = InboxFilter(assignee=UNASSIGNED)
    assert [r.id for r in desk.inbox(unassigned).records] == [ada]
    assert [r.id for r in desk.inbox(InboxFilter(bot="returns-bot")).records] == [bo]
    assert [r.id for r in desk.inbox(InboxFilter(bot=NO_BOT)).records] == [ada]
    assert desk.inbox_counts(InboxFilter(bot=ANY_BOT)).total == 1
    assert desk.inbox_counts(unassigned).total == 1
    assert [r.id for r in desk.search("refund", filter=InboxFilter(bot=ANY_BOT))] == [bo]
    assert desk.search("refund", filter=unassigned) == []
    clock.set(T0 + 2 * MINUTE)
    desk.hand_off(bo, bot_id="returns-bot")
    assert [r.id for r in desk.inbox(unassigned).records] == [ada, bo]
    assert desk.inbox(InboxFilter(bot=ANY_BOT)).records == ()
