"""The per-conversation steps of ``Desk.receive``: open, take the message, route, track SLAs."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

from omnicx.channels import MessageReceived
from omnicx.desk._receipt import OutboxKind, Outgoing, SlaLine
from omnicx.desk._sla_state import SlaCodec
from omnicx.desk._unit import (
    SYSTEM,
    Unit,
    address_for,
    higher,
    own_refs,
    referenced_ids,
)
from omnicx.identity import Profile
from omnicx.model import (
    Assigned,
    Author,
    Conversation,
    Customer,
    MessageEvent,
    PriorityChanged,
    Status,
    StatusChanged,
    TagsChanged,
    transition,
)
from omnicx.routing import Decision, RoutingContext, RuleEngine
from omnicx.sla import Escalate, SlaEngine, SlaState
from omnicx.storage import ConversationRecord, DeskStore
from omnicx.timeline import ConversationSummary, ThreadOutcome


def customer_of(profile: Profile) -> Customer:
    """The profile as a ``Customer``, lifting well-known attributes into fields.

    ``vip``, ``tier``, ``language``, ``timezone`` and ``lifetime_value`` in a
    profile's attributes (from enrichment or the host) become the customer's
    fields, so routing and SLA conditions see them.
    """
    # Profile.to_customer maps the shared fields; this adds the lifted ones.
    base = profile.to_customer()
    attributes = base.attributes
    value = attributes.get("lifetime_value")
    try:
        lifetime = None if value is None else Decimal(str(value))
    except InvalidOperation:
        lifetime = None

    def text(key: str) -> str | None:
        value = attributes.get(key)
        return value if isinstance(value, str) else None

    return attrs.evolve(
        base,
        vip=bool(attributes.get("vip", False)),
        tier=text("tier"),
        language=text("language"),
        timezone=text("timezone"),
        lifetime_value=lifetime if lifetime is not None and lifetime >= 0 else None,
    )


class ConversationSteps:
    """What ``Desk.receive`` does to the one conversation a message threads into."""

    # Provided by Desk.
    store: DeskStore
    rules: RuleEngine | None
    sla: SlaEngine | None
    _sla_codec: SlaCodec
    _to_customer: Callable[..., Outgoing]

    def _new_record(
        self, unit: Unit, customer_id: str, event: MessageReceived, follow_up_of: str | None
    ) -> ConversationRecord:
        message = event.message
        conversation = Conversation(
            id=self.store.next_id("c"),
            customer_id=customer_id,
            channel=message.channel,
            created_at=message.sent_at,
            subject=message.thread.subject,
            follow_up_of=follow_up_of,
        )
        summary = ConversationSummary(
            id=conversation.id,
            customer_id=customer_id,
            channel=message.channel,
            status=Status.NEW,
            last_activity_at=message.sent_at,
        )
        unit.events.append(
            StatusChanged(
                id=unit.event_id(),
                at=message.sent_at,
                customer_id=customer_id,
                conversation_id=conversation.id,
                previous=None,
                status=Status.NEW,
                actor=SYSTEM,
            )
        )
        return ConversationRecord(conversation=conversation, summary=summary)

    def _take_message(
        self,
        unit: Unit,
        record: ConversationRecord,
        event: MessageReceived,
        customer_id: str,
        outcome: ThreadOutcome,
    ) -> ConversationRecord:
        message = event.message
        conversation = record.conversation
        # A customer writing to a solved conversation inside the reopen window
        # reopens it; writing to one pending on them makes it open again.
        if outcome is ThreadOutcome.REOPEN or conversation.status is Status.PENDING:
            record = self._set_status(unit, record, Status.OPEN, message.sent_at, SYSTEM)
        unit.events.append(
            MessageEvent(
                id=f"msg:{message.id}",
                at=message.sent_at,
                customer_id=customer_id,
                conversation_id=conversation.id,
                source=message.channel.name,
                external_id=message.external_id,
                message=message,
            )
        )
        unit.refs.extend(
            (ref, conversation.id)
            for ref in own_refs(message)
            if unit.conversation_for_ref(ref) != conversation.id
        )
        # Index the ids it references too, where nothing claimed them yet, so a
        # parent that arrives later finds this conversation.
        unit.refs.extend(
            (ref, conversation.id)
            for ref in referenced_ids(message)
            if unit.conversation_for_ref(ref) is None
        )
        channel = message.channel.name
        address = address_for(message.channel, event.sender) or message.thread.provider_thread_id
        addresses = dict(record.addresses)
        if address:
            addresses[channel] = address
        last = record.last_inbound.get(channel)
        inbound = dict(record.last_inbound)
        inbound[channel] = message.sent_at if last is None else max(last, message.sent_at)
        # A message that arrives late but was sent earlier moves the start back,
        # so a conversation's age never depends on arrival order.
        if message.sent_at < conversation.created_at:
            conversation = attrs.evolve(record.conversation, created_at=message.sent_at)
            record = attrs.evolve(record, conversation=conversation)
        return attrs.evolve(
            record,
            summary=record.summary.with_message(message),
            addresses=addresses,
            last_inbound=inbound,
        )

    def _route(
        self,
        unit: Unit,
        record: ConversationRecord,
        customer: Customer,
        event: MessageReceived,
        active: int,
        fresh: bool,
    ) -> tuple[ConversationRecord, tuple[str, ...]]:
        if self.rules is None:
            return record, ()
        context = RoutingContext(
            now=unit.now,
            message=event.message,
            customer=customer,
            conversation=record.conversation,
            open_conversations=active,
        )
        decision = self.rules.decide(context)
        record = self._apply_decision(unit, record, decision, fresh)
        conversation = record.conversation
        # Auto-replies acknowledge a new or reopened conversation, not every message.
        for reply in decision.auto_replies if fresh else ():
            unit.outbox.append(
                self._to_customer(record, OutboxKind.AUTO_REPLY, template=reply.template,
                                  variables=dict(reply.variables))
            )  # fmt: skip
        for kind, targets in (
            (OutboxKind.NOTIFICATION, decision.notifications),
            (OutboxKind.ESCALATION, decision.escalations),
        ):
            unit.outbox.extend(
                Outgoing(kind=kind, conversation_id=conversation.id,
                         customer_id=conversation.customer_id, target=target)
                for target in targets
            )  # fmt: skip
        return record, decision.fired

    def _apply_decision(
        self, unit: Unit, record: ConversationRecord, decision: Decision, fresh: bool
    ) -> ConversationRecord:
        conversation = record.conversation
        at = unit.now
        # A new or reopened conversation takes the decided queue; a running
        # one keeps its queue and owner, so routing never yanks live work.
        queue = decision.queue if fresh and decision.queue else conversation.queue
        priority = higher(conversation.priority, decision.priority)
        tags = (conversation.tags | decision.tags) - decision.removed_tags
        base: dict[str, Any] = {"at": at, "customer_id": conversation.customer_id,
                "conversation_id": conversation.id, "actor": SYSTEM}  # fmt: skip
        if queue != conversation.queue:
            unit.events.append(
                Assigned(id=unit.event_id(), assignee=conversation.assignee,
                         previous=conversation.assignee, queue=queue, **base)
            )  # fmt: skip
        if priority is not conversation.priority:
            unit.events.append(
                PriorityChanged(id=unit.event_id(), previous=conversation.priority,
                                priority=priority, **base)
            )  # fmt: skip
        if tags != conversation.tags:
            unit.events.append(
                TagsChanged(id=unit.event_id(), added=tags - conversation.tags,
                            removed=conversation.tags - tags, **base)
            )  # fmt: skip
        if (
            queue == conversation.queue
            and priority is conversation.priority
            and tags == conversation.tags
        ):
            return record
        updated = attrs.evolve(conversation, queue=queue, priority=priority, tags=tags)
        return attrs.evolve(record, conversation=updated)

    def _track(
        self, unit: Unit, record: ConversationRecord, customer: Customer
    ) -> tuple[ConversationRecord, tuple[SlaLine, ...]]:
        if self.sla is None:
            return record, ()
        facts = customer_facts(customer)
        mine = sorted(
            (e for e in unit.events if e.conversation_id == record.id), key=lambda e: e.at
        )
        state = self._load_sla(self.sla, record)
        if state is None:
            # No usable stored state (first call, or the policies changed):
            # rebuild it from the conversation's events.
            in_store = record.id in unit.read
            earlier = self.store.events(conversation_id=record.id) if in_store else []
            state, effects = self.sla.replay([*earlier, *mine], unit.now, facts)
            new_effects = [e for e in effects if e.at >= unit.now]
        else:
            new_effects = []
            # Each event at its own instant, as replay does, so a reply
            # sent before a target instant but received after it still counts.
            for event in mine:
                state, emitted = self.sla.apply(state, event, event.at)
                new_effects.extend(emitted)
            state, emitted = self.sla.advance(state, unit.now)
            new_effects.extend(emitted)
        for effect in new_effects:
            if isinstance(effect, Escalate):
                unit.outbox.append(
                    Outgoing(kind=OutboxKind.ESCALATION, conversation_id=record.id,
                             customer_id=record.conversation.customer_id, target=effect.action)
                )  # fmt: skip
        report = self.sla.report(state, unit.now)
        lines = tuple(
            SlaLine(
                metric=t.metric.value,
                occurrence=t.occurrence,
                state=t.state.value,
                due=t.due,
                remaining_seconds=t.remaining,
            )
            for t in report.targets
        )
        stored = self._sla_codec.dump(record.id, state)
        return attrs.evolve(record, sla_state=stored), lines

    def _load_sla(self, engine: SlaEngine, record: ConversationRecord) -> SlaState | None:
        return self._sla_codec.load(engine, record.id, record.sla_state)

    def _set_status(
        self,
        unit: Unit,
        record: ConversationRecord,
        status: Status,
        at: datetime,
        actor: Author,
    ) -> ConversationRecord:
        conversation = record.conversation
        new = transition(conversation.status, status)
        unit.events.append(
            StatusChanged(id=unit.event_id(), at=at, customer_id=conversation.customer_id,
                          conversation_id=conversation.id, previous=conversation.status,
                          status=new, actor=actor)
        )  # fmt: skip
        solved_at: Any = record.summary.solved_at
        if new is Status.SOLVED:
            solved_at = at
        elif new is not Status.CLOSED:
            solved_at = None
        summary = attrs.evolve(record.summary, status=new, solved_at=solved_at)
        return attrs.evolve(
            record, conversation=attrs.evolve(conversation, status=new), summary=summary
        )


def customer_facts(customer: Customer) -> Mapping[str, Any]:
    facts: dict[str, Any] = dict(customer.attributes)
    facts.update(vip=customer.vip, tier=customer.tier, language=customer.language)
    return facts
