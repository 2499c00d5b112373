"""Scheduled work kept in a conversation record: its timers and the one ``due_at``.

Every desk write passes through ``scheduled``: it sets the timers a call's
status changes start or end, and ``due_at``, the earliest of them, which
stores index so ``Desk.tick`` reads only what is due.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import attrs

from omnicx.desk._outbox import to_customer
from omnicx.desk._receipt import OutboxKind
from omnicx.desk._unit import Unit
from omnicx.errors import ValidationError
from omnicx.model import Event, Status, StatusChanged
from omnicx.storage import ConversationRecord

SLA = "sla"
"""Timer: the next SLA warning, escalation or breach (``SlaEngine.next_deadline``)."""
AUTO_SOLVE = "auto_solve"
"""Timer: when a pending conversation is solved by automation (``Desk.auto_solve_after``)."""
CSAT = "csat"
"""Timer: when the survey request of a solved conversation goes out (``Desk.csat_delay``)."""

_DONE = (Status.SOLVED, Status.CLOSED)


def positive_period(name: str) -> Any:
    """An attrs validator: ``Desk.<name>`` is a positive ``timedelta`` or None."""

    def check(_: object, __: attrs.Attribute[Any], value: object) -> None:
        if value is None:
            return
        if not isinstance(value, timedelta) or value <= timedelta(0):
            raise ValidationError.single(
                f"Desk.{name}", f"expected a positive timedelta or None, got {value!r}"
            )

    return check


@attrs.frozen(kw_only=True)
class Schedule:
    """The desk's automation settings (``Desk.auto_solve_after``, ``csat_delay``, ``csat_template``)."""

    auto_solve_after: timedelta | None = None
    csat_delay: timedelta | None = None
    csat_template: str | None = None


def due_at(record: ConversationRecord) -> datetime | None:
    """The earliest instant anything is due for ``record``: a timer or its snooze's end."""
    return _earliest(record.timers, record.conversation.snoozed_until)


def _earliest(timers: Mapping[str, datetime], snoozed: datetime | None) -> datetime | None:
    if not timers:
        return snoozed
    first = min(timers.values())
    return first if snoozed is None or first <= snoozed else snoozed


def scheduled(
    record: ConversationRecord,
    events: list[Event],
    schedule: Schedule,
    now: datetime,
    *,
    timers: Mapping[str, datetime] | None = None,
    sla_state: Mapping[str, Any] | None = None,
) -> ConversationRecord:
    """``record`` with its timers after the call's status changes, its ``due_at``, stamped ``now``.

    ``events`` are the call's events: the latest status change of this
    conversation among them starts the auto-solve period at its own instant;
    a conversation active again loses its survey timer. A pending
    conversation without an auto-solve timer (written before the period was
    configured) gets one counted from ``now``: never earlier than configured.
    ``timers`` and ``sla_state``, when given, replace the record's (the SLA
    clocks' step), in the same one copy of the record.
    """
    # Every write of every record comes through here: most change no timer.
    status = record.conversation.status
    if timers is None:
        timers = record.timers
    period = schedule.auto_solve_after
    if status is Status.PENDING and period is not None:
        moved = _latest_move(record.id, events)
        if moved is not None and moved.status is Status.PENDING:
            if timers.get(AUTO_SOLVE) != moved.at + period:
                timers = {**timers, AUTO_SOLVE: moved.at + period}
        elif AUTO_SOLVE not in timers:
            timers = {**timers, AUTO_SOLVE: now + period}
    elif AUTO_SOLVE in timers:
        timers = _without(timers, AUTO_SOLVE)
    if CSAT in timers and status not in _DONE:
        # Reopened before the survey went out: it is not sent.
        timers = _without(timers, CSAT)
    due = _earliest(timers, record.conversation.snoozed_until)
    if (
        sla_state is None
        and timers is record.timers
        and due == record.due_at
        and record.updated_at == now
    ):
        return record
    # The last step of every write: stamped with the call's instant here, so
    # the unit's put has nothing left to change.
    if sla_state is None:
        return attrs.evolve(record, timers=timers, due_at=due, updated_at=now)
    return attrs.evolve(record, timers=timers, due_at=due, updated_at=now, sla_state=sla_state)


def _without(timers: Mapping[str, datetime], name: str) -> dict[str, datetime]:
    return {k: v for k, v in timers.items() if k != name}


def request_survey(
    unit: Unit, record: ConversationRecord, at: datetime, schedule: Schedule
) -> ConversationRecord:
    """After a solve at ``at``: the CSAT request now, or its timer at ``at + csat_delay``."""
    template = schedule.csat_template
    if template is None:
        return record
    if schedule.csat_delay is None:
        unit.outbox.append(to_customer(record, OutboxKind.CSAT_REQUEST, template=template))
        return record
    return attrs.evolve(record, timers={**record.timers, CSAT: at + schedule.csat_delay})


def _latest_move(conversation_id: str, events: list[Event]) -> StatusChanged | None:
    found = None
    for event in events:
        if (
            type(event) is StatusChanged
            and event.conversation_id == conversation_id
            and (found is None or event.at >= found.at)
        ):
            found = event
    return found
