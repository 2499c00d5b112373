"""What ``Desk.tick`` does to one due conversation, and the report it returns.

Each kind of due work says when it is due for a record and what it does
then; ``run_due`` does them in the order of their instants, each stamped at
its own instant (never the tick's), until nothing is due by the unit's
``now``. The SLA clocks are then run to ``now`` by the desk, like any call.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from datetime import datetime

import attrs

from omnicx._frozen import frozen_seq
from omnicx.desk._outbox import to_customer
from omnicx.desk._receipt import OutboxKind, Outgoing, Receipt
from omnicx.desk._record_steps import set_status
from omnicx.desk._schedule import AUTO_SOLVE, CSAT, Schedule, request_survey
from omnicx.desk._unit import Unit
from omnicx.model import Author, AuthorKind, Event, Status, can_transition
from omnicx.storage import ConversationRecord, DeskStore

AUTOMATION = Author(kind=AuthorKind.AUTOMATION, id="omnicx")
"""The author of what scheduled work changes (a wake, an auto-solve)."""


@attrs.frozen(kw_only=True)
class DueWork:
    """One kind of scheduled work on a conversation.

    Attributes:
        name: what it is (``"wake"``, ``"auto_solve"``, ``"csat"``).
        when: the instant it is due for a record, or None.
        do: does it at that instant; afterwards ``when`` must say None or later.
    """

    name: str
    when: Callable[[ConversationRecord], datetime | None]
    do: Callable[[Unit, ConversationRecord, datetime, Schedule], ConversationRecord]


def _snooze_ends(record: ConversationRecord) -> datetime | None:
    return record.conversation.snoozed_until


def _wake(unit: Unit, record: ConversationRecord, at: datetime, _: Schedule) -> ConversationRecord:
    # Any status change ends a snooze (set_status clears it).
    if can_transition(record.conversation.status, Status.OPEN):
        return set_status(unit, record, Status.OPEN, at, AUTOMATION)
    conversation = attrs.evolve(record.conversation, snoozed_until=None)
    return attrs.evolve(record, conversation=conversation)


def _timer(name: str) -> Callable[[ConversationRecord], datetime | None]:
    def when(record: ConversationRecord) -> datetime | None:
        return record.timers.get(name)

    return when


def _without(record: ConversationRecord, name: str) -> ConversationRecord:
    return attrs.evolve(record, timers={k: v for k, v in record.timers.items() if k != name})


def _auto_solve(
    unit: Unit, record: ConversationRecord, at: datetime, schedule: Schedule
) -> ConversationRecord:
    record = _without(record, AUTO_SOLVE)
    if record.conversation.status is not Status.PENDING:
        return record
    # Zendesk-style automation: solved at the end of the period, then surveyed.
    record = set_status(unit, record, Status.SOLVED, at, AUTOMATION)
    return request_survey(unit, record, at, schedule)


def _survey(
    unit: Unit, record: ConversationRecord, _: datetime, schedule: Schedule
) -> ConversationRecord:
    record = _without(record, CSAT)
    if schedule.csat_template is not None and not record.conversation.status.is_active:
        unit.outbox.append(
            to_customer(record, OutboxKind.CSAT_REQUEST, template=schedule.csat_template)
        )
    return record


DUE_WORK: tuple[DueWork, ...] = (
    DueWork(name="wake", when=_snooze_ends, do=_wake),
    DueWork(name=AUTO_SOLVE, when=_timer(AUTO_SOLVE), do=_auto_solve),
    DueWork(name=CSAT, when=_timer(CSAT), do=_survey),
)
"""Every kind of per-conversation scheduled work but the SLA clocks, in tie order."""


def run_due(
    unit: Unit,
    record: ConversationRecord,
    schedule: Schedule,
    work: tuple[DueWork, ...] = DUE_WORK,
) -> ConversationRecord:
    """Do every piece of ``work`` due by ``unit.now``, earliest first, each at its instant."""
    while True:
        due = [
            (at, order, kind)
            for order, kind in enumerate(work)
            if (at := kind.when(record)) is not None and at <= unit.now
        ]
        if not due:
            return record
        at, _, kind = min(due, key=lambda d: d[:2])
        record = kind.do(unit, record, at, schedule)


def due_records(
    store: DeskStore, now: datetime, limit: int
) -> Generator[ConversationRecord, None, None]:
    """Yield up to ``limit`` records due by ``now``, each claimed while the caller works on it.

    A store with ``claim_due`` (``omnicx.storage.DueClaimStore``: every
    store omnicx ships) hands each record over inside its claim, so the
    caller's commit is part of it and runners in other processes never get
    the record meanwhile; close the generator (``contextlib.closing``) so an
    error releases the claim. A host's store with only ``DeskStore``'s
    methods is read once with ``due``, each record's version check keeping
    a second runner from acting twice.
    """
    claim = getattr(store, "claim_due", None)
    if not callable(claim):
        yield from store.due(now, limit=limit)
        return
    seen: list[str] = []
    while len(seen) < limit:
        with claim(now, skip=seen) as record:
            if record is None:
                return
            # Claimed once per tick: a record its work left due is not redone.
            seen.append(record.id)
            yield record


@attrs.frozen(kw_only=True)
class TickReport:
    """What one ``Desk.tick`` did.

    Attributes:
        now: the instant everything due by was done.
        receipts: one per conversation changed, each with its outbox
            (escalations, survey requests) for the host to send, like any call.
        events: the timeline events written (SLA warnings, breaches and
            escalations at their due instants; wakes and auto-solves).
        skipped: conversations another call changed first (a lost race):
            they are done, or due again at the next tick.
        more: True when ``limit`` conversations were due: call again.
    """

    now: datetime
    receipts: tuple[Receipt, ...] = attrs.field(default=(), converter=frozen_seq)
    events: tuple[Event, ...] = attrs.field(default=(), converter=frozen_seq)
    skipped: int = 0
    more: bool = False

    @property
    def outbox(self) -> tuple[Outgoing, ...]:
        """Every receipt's outbox, in order."""
        return tuple(item for receipt in self.receipts for item in receipt.outbox)
