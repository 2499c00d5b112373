"""Desk.tick: everything due by now, each at its own instant, once, from the due index."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
import pytest

from omnicx import FixedClock
from omnicx.channels import MessageReceived
from omnicx.desk import Desk, OutboxKind, TickReport
from omnicx.errors import ConflictError, InvalidTransition, ValidationError
from omnicx.identity import email_identifier
from omnicx.model import (
    Author,
    AuthorKind,
    Channel,
    CustomEvent,
    Direction,
    Message,
    Priority,
    Status,
    StatusChanged,
)
from omnicx.privacy import erase_customer
from omnicx.sla import Escalation, Metric, Policy, SlaEngine, Target
from omnicx.storage import Changes, DeskStore, MemoryStore, SqliteStore

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
# First reply in an hour: warned at 30 minutes, escalated at 80%, breached at 60.
SLA = SlaEngine(
    policies=[
        Policy(
            name="std",
            targets={
                Metric.FIRST_REPLY: {
                    p: Target(seconds=3600, business=False, warn_percent=50) for p in Priority
                }
            },
            escalations=(Escalation(percent=80, action="team-lead"),),
        )
    ]
)


@pytest.fixture
def desk(store: DeskStore, clock: FixedClock) -> Desk:
    return Desk(store=store, clock=clock, sla=SLA)


def inbound(n: int, at: datetime = T0, who: str = "ada@example.com") -> MessageReceived:
    message = Message(
        id=f"email:{n}", channel=Channel.EMAIL, direction=Direction.INBOUND,
        author=Author(kind=AuthorKind.CUSTOMER), sent_at=at, text="hello", external_id=str(n),
    )  # fmt: skip
    return MessageReceived(message=message, sender=(email_identifier(who),), sender_name="Ada")


def sla_events(report: TickReport) -> list[tuple[str, datetime]]:
    return [(e.name, e.at) for e in report.events if isinstance(e, CustomEvent)]


def test_sla_thresholds_fire_at_their_own_instants_however_late_the_tick(
    desk: Desk, clock: FixedClock
) -> None:
    """A tick four hours late stamps warning, escalation and breach at 9:30, 9:48, 10:00."""
    receipt = desk.receive(inbound(1))
    assert desk.conversation(receipt.conversation_id).due_at == T0 + 30 * timedelta(minutes=1)
    clock.set(T0 + 4 * HOUR)
    report = desk.tick()
    assert sla_events(report) == [
        ("sla.warning", T0 + timedelta(minutes=30)),
        ("sla.escalation", T0 + timedelta(minutes=48)),
        ("sla.breach", T0 + HOUR),
    ]
    assert [(o.kind, o.target) for o in report.outbox] == [(OutboxKind.ESCALATION, "team-lead")]
    assert [o.id for o in report.outbox] == [f"tick:{receipt.conversation_id}@1/1"]
    assert (report.skipped, report.more, report.now) == (0, False, T0 + 4 * HOUR)
    lines = {line.metric: line.state for line in report.receipts[0].sla}
    assert lines[Metric.FIRST_REPLY.value] == "breached"
    assert desk.conversation(receipt.conversation_id).due_at is None
    timeline = desk.timeline(receipt.customer_id)
    assert [e.name for e in timeline if isinstance(e, CustomEvent)] == [
        "sla.warning", "sla.escalation", "sla.breach"
    ]  # fmt: skip
    # Idempotent: the same now again does nothing.
    assert desk.tick() == TickReport(now=T0 + 4 * HOUR)


def test_nothing_fires_before_its_instant(desk: Desk, clock: FixedClock) -> None:
    """A second before the warning nothing is due; at the instant the warning alone fires."""
    receipt = desk.receive(inbound(1))
    clock.set(T0 + timedelta(minutes=30) - timedelta(seconds=1))
    assert desk.tick().receipts == ()
    clock.set(T0 + timedelta(minutes=30))
    assert sla_events(desk.tick()) == [("sla.warning", T0 + timedelta(minutes=30))]
    record = desk.conversation(receipt.conversation_id)
    assert record.due_at == T0 + timedelta(minutes=48)


def test_a_message_after_the_warning_records_it_once(desk: Desk, clock: FixedClock) -> None:
    """Whoever runs the clocks past a threshold (a message here) writes it; tick adds nothing."""
    receipt = desk.receive(inbound(1))
    clock.set(T0 + timedelta(minutes=40))
    desk.receive(inbound(2, at=T0 + timedelta(minutes=40)))
    assert desk.tick().receipts == ()
    names = [e.name for e in desk.timeline(receipt.customer_id) if isinstance(e, CustomEvent)]
    assert names == ["sla.warning"]


def test_snoozed_conversation_wakes_at_its_instant(desk: Desk, clock: FixedClock) -> None:
    """Snooze puts it on hold; tick opens it again at the snooze's end, not at tick time."""
    conversation = desk.receive(inbound(1)).conversation_id
    desk.reply(conversation, agent_id="a1", text="looking", then=Status.OPEN)
    until = T0 + 3 * HOUR
    snoozed = desk.snooze(conversation, until=until, actor_id="a1")
    assert snoozed.status == "on_hold"
    assert desk.conversation(conversation).conversation.snoozed_until == until
    assert desk.conversation(conversation).due_at == until
    clock.set(until - timedelta(seconds=1))
    assert desk.tick().receipts == ()
    clock.set(until + 5 * HOUR)
    report = desk.tick()
    (woke,) = [e for e in report.events if isinstance(e, StatusChanged)]
    assert (woke.previous, woke.status, woke.at) == (Status.ON_HOLD, Status.OPEN, until)
    assert woke.actor.kind is AuthorKind.AUTOMATION
    record = desk.conversation(conversation)
    assert (record.conversation.status, record.conversation.snoozed_until) == (Status.OPEN, None)
    assert record.due_at is None


def test_a_customer_message_ends_a_snooze(desk: Desk, clock: FixedClock) -> None:
    """The customer writing while snoozed opens it at once; the wake never comes."""
    conversation = desk.receive(inbound(1)).conversation_id
    desk.snooze(conversation, until=T0 + 3 * HOUR, actor_id="a1")
    clock.set(T0 + HOUR)
    assert desk.receive(inbound(2, at=T0 + HOUR)).status == "open"
    assert desk.conversation(conversation).conversation.snoozed_until is None
    clock.set(T0 + 4 * HOUR)
    assert not [e for e in desk.tick().events if isinstance(e, StatusChanged)]


def test_snooze_refuses_what_it_must(desk: Desk, clock: FixedClock) -> None:
    """A naive or past instant is a ValidationError; a solved conversation can't snooze."""
    conversation = desk.receive(inbound(1)).conversation_id
    with pytest.raises(ValidationError, match="timezone-aware"):
        desk.snooze(conversation, until=datetime(2026, 3, 3), actor_id="a1")
    with pytest.raises(ValidationError, match="after now"):
        desk.snooze(conversation, until=T0, actor_id="a1")
    desk.solve(conversation, actor_id="a1")
    with pytest.raises(InvalidTransition):
        desk.snooze(conversation, until=T0 + HOUR, actor_id="a1")
    # Snoozing again while on hold moves only the instant.
    other = desk.receive(inbound(9, who="bo@example.com")).conversation_id
    desk.snooze(other, until=T0 + HOUR, actor_id="a1")
    receipt = desk.snooze(other, until=T0 + 2 * HOUR, actor_id="a1")
    assert receipt.status == "on_hold"
    assert desk.conversation(other).conversation.snoozed_until == T0 + 2 * HOUR


def test_pending_conversation_is_auto_solved_at_the_end_of_the_period(
    store: DeskStore, clock: FixedClock
) -> None:
    """Zendesk-style: pending for the period, solved by automation at its end, surveyed."""
    desk = Desk(store=store, clock=clock, auto_solve_after=timedelta(days=2))
    conversation = desk.receive(inbound(1)).conversation_id
    clock.set(T0 + timedelta(minutes=5))
    assert desk.reply(conversation, agent_id="a1", text="done?").status == "pending"
    deadline = T0 + timedelta(minutes=5, days=2)
    assert desk.conversation(conversation).due_at == deadline
    clock.set(deadline + timedelta(days=1))
    report = desk.tick()
    (solved,) = [e for e in report.events if isinstance(e, StatusChanged)]
    assert (solved.status, solved.at, solved.actor.kind) == (
        Status.SOLVED, deadline, AuthorKind.AUTOMATION
    )  # fmt: skip
    assert [o.kind for o in report.outbox] == [OutboxKind.CSAT_REQUEST]
    assert desk.conversation(conversation).due_at is None


def test_a_customer_reply_stops_the_auto_solve(store: DeskStore, clock: FixedClock) -> None:
    """Back to open before the deadline: the timer goes, nothing is solved later."""
    desk = Desk(store=store, clock=clock, auto_solve_after=timedelta(days=2))
    conversation = desk.receive(inbound(1)).conversation_id
    desk.reply(conversation, agent_id="a1", text="done?")
    clock.set(T0 + timedelta(days=1))
    desk.receive(inbound(2, at=T0 + timedelta(days=1)))
    assert desk.conversation(conversation).due_at is None
    clock.set(T0 + timedelta(days=5))
    assert desk.tick().receipts == ()


def test_delayed_csat_goes_out_when_due_and_not_after_a_reopen(
    store: DeskStore, clock: FixedClock
) -> None:
    """With csat_delay the solve sends nothing; tick sends the survey at solve + delay."""
    desk = Desk(store=store, clock=clock, csat_delay=HOUR)
    first = desk.receive(inbound(1)).conversation_id
    second = desk.receive(inbound(2, who="bo@example.com")).conversation_id
    assert desk.solve(first, actor_id="a1").outbox == ()
    desk.solve(second, actor_id="a1")
    clock.set(T0 + timedelta(minutes=30))
    desk.reopen(second, actor_id="a1")
    clock.set(T0 + HOUR - timedelta(seconds=1))
    assert desk.tick().receipts == ()
    clock.set(T0 + 2 * HOUR)
    report = desk.tick()
    assert [(o.kind, o.conversation_id, o.template) for o in report.outbox] == [
        (OutboxKind.CSAT_REQUEST, first, "csat")
    ]
    assert desk.tick().receipts == ()


def test_auto_solve_then_delayed_survey_in_one_late_tick(
    store: DeskStore, clock: FixedClock
) -> None:
    """Work that falls due during a tick's own catch-up is done in the same tick, in order."""
    desk = Desk(store=store, clock=clock, auto_solve_after=HOUR, csat_delay=HOUR)
    conversation = desk.receive(inbound(1)).conversation_id
    desk.reply(conversation, agent_id="a1", text="done?")
    clock.set(T0 + timedelta(days=1))
    report = desk.tick()
    assert [o.kind for o in report.outbox] == [OutboxKind.CSAT_REQUEST]
    assert [e.at for e in report.events if isinstance(e, StatusChanged)] == [T0 + HOUR]
    assert desk.conversation(conversation).due_at is None


def test_limit_leaves_the_rest_for_the_next_tick(desk: Desk, clock: FixedClock) -> None:
    """At most ``limit`` conversations per tick, earliest due first; ``more`` says so."""
    ids = [desk.receive(inbound(n, who=f"c{n}@example.com")).conversation_id for n in range(3)]
    clock.set(T0 + timedelta(minutes=31))
    first = desk.tick(limit=2)
    assert (len(first.receipts), first.more) == (2, True)
    second = desk.tick(limit=2)
    assert (len(second.receipts), second.more) == (1, False)
    done = [r.conversation_id for r in (*first.receipts, *second.receipts)]
    assert sorted(done) == sorted(ids)
    with pytest.raises(ValidationError, match="limit: expected a positive number, got 0"):
        desk.tick(limit=0)


def test_periods_must_be_positive(store: DeskStore, clock: FixedClock) -> None:
    """A zero or negative period is refused with the field named."""
    with pytest.raises(ValidationError, match=r"Desk\.auto_solve_after: expected a positive"):
        Desk(store=store, clock=clock, auto_solve_after=timedelta(0))
    with pytest.raises(ValidationError, match=r"Desk\.csat_delay: expected a positive"):
        Desk(store=store, clock=clock, csat_delay=-HOUR)


def test_a_desk_without_sla_drops_the_sla_timer(store: DeskStore, clock: FixedClock) -> None:
    """SLA timers left by an earlier configuration are cleared, not due forever."""
    conversation = Desk(store=store, clock=clock, sla=SLA).receive(inbound(1)).conversation_id
    plain = Desk(store=store, clock=clock)
    clock.set(T0 + HOUR)
    assert len(plain.tick().receipts) == 1
    assert plain.conversation(conversation).due_at is None
    assert plain.tick().receipts == ()


def test_an_erased_conversation_is_never_worked(
    desk: Desk, store: DeskStore, clock: FixedClock
) -> None:
    """Erasure leaves nothing due; one erased before the due index is cleared, not worked."""
    receipt = desk.receive(inbound(1))
    conversation = receipt.conversation_id
    erase_customer(store, receipt.customer_id, now=T0, actor="dpo", reason="request")
    assert desk.conversation(conversation).due_at is None
    # As a store migrated from before the due index has it: erased, yet due.
    erased = desk.conversation(conversation)
    snoozed = attrs.evolve(erased.conversation, snoozed_until=T0 + HOUR)
    store.commit(Changes(conversations=(
        attrs.evolve(erased, conversation=snoozed, due_at=T0, timers={"sla": T0}),
    )))  # fmt: skip
    clock.set(T0 + 4 * HOUR)
    report = desk.tick()
    assert (report.outbox, report.events, len(report.receipts)) == ((), (), 1)
    record = desk.conversation(conversation)
    assert (record.due_at, record.timers, record.conversation.snoozed_until) == (None, {}, None)


class _RacingStore(SqliteStore):
    """A store on a shared file that lets another desk act right after a read.

    Without ``claim_due``, as a host's own store may be: the tick reads the
    due list with ``due`` and the version checks settle the race.
    """

    claim_due = None  # type: ignore[assignment]

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.between: list[object] = []

    def due(self, now: datetime, *, limit: int) -> list:  # type: ignore[type-arg]
        found = super().due(now, limit=limit)
        while self.between:
            self.between.pop()()  # type: ignore[operator]
        return found

    def commit(self, changes: Changes) -> None:
        while self.between:
            self.between.pop()()  # type: ignore[operator]
        super().commit(changes)


def test_two_processes_ticking_one_file_do_each_thing_once(tmp_path: Path) -> None:
    """Without claims both read the same due list; the second to commit loses each race."""
    path = tmp_path / "desk.sqlite3"
    clock = FixedClock(T0)
    racing = _RacingStore(path)
    first = Desk(store=racing, clock=clock, sla=SLA)
    other = Desk(store=SqliteStore(path), clock=clock, sla=SLA)
    for n in range(3):
        first.receive(inbound(n, who=f"c{n}@example.com"))
    clock.set(T0 + 2 * HOUR)
    reports: list[TickReport] = []
    racing.between.append(lambda: reports.append(other.tick()))
    mine = first.tick()
    (theirs,) = reports
    assert (len(theirs.receipts), theirs.skipped) == (3, 0)
    assert (mine.receipts, mine.skipped) == ((), 3)
    assert len(theirs.outbox) == 3
    assert len([e for e in racing.events() if isinstance(e, CustomEvent)]) == 9
    assert (first.tick().receipts, other.tick().receipts) == ((), ())


def test_a_tick_racing_a_receive(tmp_path: Path) -> None:
    """A tick that commits between a receive's read and write makes the receive retry;
    the retried receive finds the thresholds written once."""
    path = tmp_path / "desk.sqlite3"
    clock = FixedClock(T0)
    racing = _RacingStore(path)
    receiving = Desk(store=racing, clock=clock, sla=SLA)
    ticking = Desk(store=SqliteStore(path), clock=clock, sla=SLA)
    customer = receiving.receive(inbound(1)).customer_id
    clock.set(T0 + 2 * HOUR)
    racing.between.append(ticking.tick)
    with pytest.raises(ConflictError):
        receiving.receive(inbound(2, at=T0 + 2 * HOUR))
    receiving.receive(inbound(2, at=T0 + 2 * HOUR))
    names = [e.name for e in receiving.timeline(customer) if isinstance(e, CustomEvent)]
    assert names == ["sla.warning", "sla.escalation", "sla.breach"]
    # The other way round: a receive commits after the tick read its due list.
    clock.set(T0 + 9 * HOUR)
    other = receiving.receive(inbound(5, at=T0 + 9 * HOUR, who="cy@example.com"))
    receiving.snooze(other.conversation_id, until=T0 + 10 * HOUR, actor_id="a1")
    clock.set(T0 + 11 * HOUR)
    woken = inbound(6, at=T0 + 11 * HOUR, who="cy@example.com")
    racing.between.append(lambda: receiving.receive(woken))
    report = receiving.tick()
    assert report.skipped == 1
    assert receiving.conversation(other.conversation_id).conversation.status is Status.OPEN
    assert receiving.tick().receipts == ()


# What the inbox migration (the one after the due index) adds, dropped again,
# after the bot column a later migration adds to its index columns.
INBOX_MIGRATION_UNDONE = (
    "DROP INDEX conversations_bot; ALTER TABLE conversations DROP COLUMN bot;"
    " DROP TRIGGER events_search_delete;"
    " DROP TRIGGER events_search_update; DROP TABLE message_search; DROP VIEW message_text; DROP TABLE search_indexed;"
    " DROP INDEX conversations_inbox; DROP INDEX conversations_updated;"
    " DROP INDEX conversations_assignee;"
    + "".join(
        f" ALTER TABLE conversations DROP COLUMN {column};"
        for column in (
            "queue",
            "status",
            "assignee",
            "urgency",
            "channel",
            "created_us",
            "updated_us",
        )
    )
)


def test_an_existing_database_is_picked_up_after_the_migration(tmp_path: Path) -> None:
    """Active conversations written before the due index are due at once, then exact."""
    from omnicx.storage import SCHEMA_VERSION, _schema

    path = tmp_path / "old.sqlite3"
    clock = FixedClock(T0)
    with SqliteStore(path) as store:
        desk = Desk(store=store, clock=clock, sla=SLA)
        active = desk.receive(inbound(1)).conversation_id
        solved = desk.receive(inbound(2, who="bo@example.com")).conversation_id
        desk.solve(solved, actor_id="a1")
    # Back to how the schema before the due index stored them.
    index = next(i for i, m in enumerate(_schema.MIGRATIONS) if "due_at" in m)
    db = sqlite3.connect(path)
    db.executescript(
        INBOX_MIGRATION_UNDONE
        + "DROP INDEX conversations_due; ALTER TABLE conversations DROP COLUMN due_at;"
        "UPDATE conversations SET data = json_remove(data, '$.due_at', '$.timers');"
        f"PRAGMA user_version = {index};"
    )
    db.close()
    with SqliteStore(path) as store:
        assert [r.id for r in store.due(T0, limit=10)] == [active]
        desk = Desk(store=store, clock=clock, sla=SLA)
        assert len(desk.tick().receipts) == 1
        assert desk.conversation(active).due_at == T0 + timedelta(minutes=30)
        assert store.due(T0, limit=10) == []
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    db.close()


def test_a_snooze_on_an_open_conversation_just_ends(desk: Desk, store: DeskStore) -> None:
    """A host-written snooze on a conversation already open ends without a status move."""
    conversation = desk.receive(inbound(1)).conversation_id
    desk.reply(conversation, agent_id="a1", text="on it", then=Status.OPEN)
    record = desk.conversation(conversation)
    snoozed = attrs.evolve(record.conversation, snoozed_until=T0 + timedelta(minutes=5))
    store.commit(Changes(conversations=(attrs.evolve(record, conversation=snoozed,
                                                     due_at=T0 + timedelta(minutes=5)),)))  # fmt: skip
    desk.clock.set(T0 + timedelta(minutes=10))  # type: ignore[attr-defined]
    report = desk.tick()
    assert [e for e in report.events if isinstance(e, StatusChanged)] == []
    after = desk.conversation(conversation)
    assert (after.conversation.status, after.conversation.snoozed_until) == (Status.OPEN, None)
    assert after.due_at is None


def test_a_pending_conversation_from_before_the_period_is_timed_from_its_next_write(
    store: DeskStore, clock: FixedClock
) -> None:
    """Turning auto-solve on later times each pending conversation from its next write."""
    conversation = Desk(store=store, clock=clock).receive(inbound(1)).conversation_id
    Desk(store=store, clock=clock).reply(conversation, agent_id="a1", text="done?")
    assert store.conversation(conversation).due_at is None  # type: ignore[union-attr]
    desk = Desk(store=store, clock=clock, auto_solve_after=HOUR, csat_template=None)
    clock.set(T0 + HOUR)
    desk.tag(conversation, actor_id="a1", add=["waiting"])
    assert desk.conversation(conversation).due_at == T0 + 2 * HOUR
    clock.set(T0 + 3 * HOUR)
    report = desk.tick()
    assert (report.receipts[0].status, report.outbox) == ("solved", ())


def test_a_record_not_due_after_all_is_left_alone(clock: FixedClock) -> None:
    """A store that hands back a record with nothing due gets no write for it."""

    class Eager(MemoryStore):
        claim_due = None  # type: ignore[assignment]  # read with ``due``

        def due(self, now: datetime, *, limit: int) -> list:  # type: ignore[type-arg]
            return list(self.records.values())[:limit]

    desk = Desk(store=Eager(), clock=clock, sla=SLA)
    conversation = desk.receive(inbound(1)).conversation_id
    assert desk.tick() == TickReport(now=T0)
    assert desk.conversation(conversation).version == 1


def test_the_memory_heap_stays_bounded() -> None:
    """Rewriting one record's due instant many times keeps the heap small."""
    store = MemoryStore()
    conversation = Desk(store=store, clock=FixedClock(T0), sla=SLA).receive(inbound(1))
    for minutes in range(300):
        record = store.records[conversation.conversation_id]
        store.commit(Changes(conversations=(attrs.evolve(record, due_at=T0 + minutes * HOUR),)))
    assert len(store._due) <= 2 * len(store.records) + 65
    assert [r.due_at for r in store.due(T0 + 1000 * HOUR, limit=5)] == [T0 + 299 * HOUR]
