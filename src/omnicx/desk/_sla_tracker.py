"""The desk's SLA clocks: fold a call's events into a conversation's stored state."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import attrs

from omnicx.desk._outbox import to_target
from omnicx.desk._receipt import OutboxKind, SlaLine
from omnicx.desk._schedule import SLA
from omnicx.desk._sla_state import SlaCodec
from omnicx.desk._unit import Unit
from omnicx.model import Customer, CustomEvent, Direction, Event, MessageEvent
from omnicx.sla import (
    ClockEvent,
    ClockEventKind,
    Escalate,
    SlaEngine,
    SlaReport,
    SlaState,
    customer_facts,
)
from omnicx.storage import ConversationRecord, DeskStore


@attrs.define
class SlaTracker:
    """Keeps each conversation's SLA state current under the engine it is given.

    The state lives in the conversation record (``sla_state``); the codec's
    memory, owned here, only saves decoding it again. The engine is passed
    on every call, so replacing ``Desk.sla`` takes effect at the next call.
    """

    _codec: SlaCodec = attrs.field(factory=SlaCodec)

    def forget(self) -> None:
        """Drop the remembered states (after erasure)."""
        self._codec.forget()

    def state(self, engine: SlaEngine, record: ConversationRecord) -> SlaState | None:
        """The record's stored state under ``engine``; None when absent or stale."""
        return self._codec.load(engine, record.id, record.sla_state)

    def track(
        self,
        engine: SlaEngine,
        store: DeskStore,
        unit: Unit,
        record: ConversationRecord,
        customer: Customer,
    ) -> tuple[Mapping[str, Any], Mapping[str, datetime], tuple[SlaLine, ...]]:
        """Fold the unit's events for ``record`` into its state; escalations join the outbox.

        Returns the state to store (JSON-ready), the record's timers with the
        SLA one moved to the next deadline, and the receipt's SLA lines.
        """
        mine = sorted((e for e in unit.events if e.conversation_id == record.id), key=_instant)
        state = self.state(engine, record)
        announced: set[tuple[str, int, str]] | None = None
        if state is not None and _refolds(state, mine):
            # A late message sent at or before the latest instant folded:
            # fold the clocks again from the earliest instant, so they do not
            # depend on which message arrived first.
            announced = _announced(state)
            state = None
        if state is None:
            # No usable stored state (first call, or the policies changed):
            # rebuild it from the conversation's events.
            earlier = store.events(conversation_id=record.id) if record.id in unit.read else []
            # Up to the latest event too: routing events sit just after their
            # message, which may be later than the desk's clock.
            until = max([unit.now, *(_instant(e) for e in (*earlier, *mine))])
            folded = _fold_order([*earlier, *mine])
            state, effects = engine.replay(folded, until, customer_facts(customer))
            if announced is None:
                new_effects = [e for e in effects if e.at >= unit.now]
            else:
                # A threshold the re-fold reaches earlier than before is
                # announced now; one announced already is not again.
                new_effects = [e for e in effects if _threshold(e) not in announced]
        else:
            new_effects = []
            # Each event at its own instant, as replay does, so a reply
            # sent before a target instant but received after it still counts.
            for event in mine:
                state, emitted = engine.apply(state, event, event.at)
                new_effects.extend(emitted)
            state, emitted = engine.advance(state, unit.now)
            new_effects.extend(emitted)
        for effect in new_effects:
            if type(effect) is Escalate:
                unit.outbox.append(to_target(record, OutboxKind.ESCALATION, effect.action))
            if type(effect) is Escalate or (
                type(effect) is ClockEvent and effect.kind in _ON_TIMELINE
            ):
                unit.events.append(sla_event(record, effect))
        lines = _lines(engine.report(state, unit.now))
        timers = record.timers
        deadline = engine.next_deadline(state, unit.now)
        if deadline != timers.get(SLA):
            timers = {k: v for k, v in timers.items() if k != SLA}
            if deadline is not None:
                timers[SLA] = deadline
        return self._codec.dump(record.id, state), timers, lines


_ON_TIMELINE = (ClockEventKind.WARN, ClockEventKind.BREACH)
_NAMES = {ClockEventKind.WARN: "sla.warning", ClockEventKind.BREACH: "sla.breach"}


def sla_event(record: ConversationRecord, effect: ClockEvent | Escalate) -> CustomEvent:
    """The timeline event of an SLA warning, breach or escalation, at its own due instant.

    Its id names the clock and the threshold, so whichever call fires it
    (a message, an agent action, a tick in any process) writes it once.
    """
    conversation = record.conversation
    data: dict[str, object] = {"metric": effect.metric.value, "occurrence": effect.occurrence}
    if type(effect) is Escalate:
        name, what = "sla.escalation", f"escalate:{effect.percent}:{effect.action}"
        data.update(percent=effect.percent, action=effect.action)
    else:
        assert type(effect) is ClockEvent
        name, what = _NAMES[effect.kind], effect.kind.value
    return CustomEvent(
        id=f"sla:{conversation.id}:{effect.metric.value}:{effect.occurrence}:{what}",
        at=effect.at, customer_id=conversation.customer_id, conversation_id=conversation.id,
        source="sla", name=name, data=data,
    )  # fmt: skip


def _refolds(state: SlaState, mine: list[Event]) -> bool:
    # ``mine`` is sorted: its first event is the earliest of this call. At
    # the latest instant folded too: events of one instant are folded in
    # the order stored, whichever call brought them.
    return bool(mine) and state.time is not None and _instant(mine[0]) <= state.time


def _announced(state: SlaState) -> set[tuple[str, int, str]]:
    # Every threshold the state emitted, keyed as ``_threshold`` keys effects.
    keys = set()
    escalations = state.policy.escalations if state.policy is not None else ()
    for clock in state.clocks:
        for key in clock.fired:
            if key.startswith("escalate:"):
                step = int(key.split(":")[1])
                if step < len(escalations):
                    key = f"escalate:{escalations[step].percent}:{escalations[step].action}"
            keys.add((clock.metric.value, clock.occurrence, key))
    return keys


def _threshold(effect: object) -> tuple[str, int, str] | None:
    if type(effect) is Escalate:
        return (
            effect.metric.value,
            effect.occurrence,
            f"escalate:{effect.percent}:{effect.action}",
        )
    if type(effect) is ClockEvent and effect.kind in _ON_TIMELINE:
        return (effect.metric.value, effect.occurrence, effect.kind.value)
    return None


def _fold_order(events: list[Event]) -> list[Event]:
    # By instant; at one instant, each inbound message's events together
    # (its creation or reopening, the message) ordered by message id, then
    # everything else in the order stored. So the fold does not depend on
    # which of two messages sent at one instant arrived first.
    def key(item: tuple[int, Event]) -> tuple[datetime, str, int]:
        position, event = item
        return _instant(event), _group(event), position

    return [event for _, event in sorted(enumerate(events), key=key)]


def _group(event: Event) -> str:
    if isinstance(event, MessageEvent) and event.message.direction is Direction.INBOUND:
        return "in:" + event.message.id
    if event.id.startswith("in:"):
        return event.id.partition("#")[0]
    return "~"


def _instant(event: Event) -> datetime:
    # By UTC instant: two times in a repeated fall-back hour differ only by fold.
    at = event.at
    return at if at.tzinfo is UTC else at.astimezone(UTC)


def _lines(report: SlaReport) -> tuple[SlaLine, ...]:
    return tuple(
        SlaLine(metric=t.metric.value, occurrence=t.occurrence, state=t.state.value, due=t.due,
                remaining_seconds=t.remaining)
        for t in report.targets
    )  # fmt: skip
