"""Agent actions on a conversation: reply, note, assign, status, priority, tags, surveys."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

import attrs

from omnicx.channels import DeliveryUpdate
from omnicx.desk._receipt import CollisionError, OutboxKind, Outgoing, Receipt, SlaLine
from omnicx.desk._unit import Unit, receipt_for
from omnicx.errors import NotFoundError
from omnicx.model import (
    Assigned,
    Author,
    AuthorKind,
    Channel,
    Customer,
    CustomEvent,
    Direction,
    Message,
    MessageEvent,
    NoteEvent,
    Priority,
    PriorityChanged,
    Status,
    SurveyKind,
    SurveyResponse,
    TagsChanged,
    can_transition,
)
from omnicx.privacy import Action, Actor, Resource, require
from omnicx.storage import Activity, AuditAction, ConversationRecord

if TYPE_CHECKING:
    from omnicx.clock import Clock
    from omnicx.storage import DeskStore

_KEPT_ACTIVITY = 20
_SCALES = {SurveyKind.CSAT: (1, 5), SurveyKind.NPS: (0, 10), SurveyKind.CES: (1, 7)}

Change = Callable[[Unit, ConversationRecord], ConversationRecord]


def _agent(agent_id: str) -> Author:
    return Author(kind=AuthorKind.AGENT, id=agent_id)


class AgentActions:
    """The agent-facing half of ``Desk`` (see there for the shared attributes)."""

    store: DeskStore
    clock: Clock
    csat_template: str | None
    actors: Mapping[str, Actor] | None

    # Provided by Desk.
    redacted: Callable[[Message], Message]
    _record: Callable[[str], ConversationRecord]
    _replayed: Callable[[str], Receipt | None]
    _to_customer: Callable[..., Outgoing]
    customer: Callable[[str], Customer]
    _track: Callable[
        [Unit, ConversationRecord, Customer], tuple[ConversationRecord, tuple[SlaLine, ...]]
    ]
    _set_status: Callable[[Unit, ConversationRecord, Status, datetime, Author], ConversationRecord]

    def reply(
        self,
        conversation_id: str,
        *,
        agent_id: str,
        text: str,
        seen_version: int | None = None,
        public: bool = True,
        then: Status | None = Status.PENDING,
        request_id: str | None = None,
    ) -> Receipt:
        """An agent replies; the outbox carries the message for the host to send.

        Args:
            seen_version: the ``conversation_version`` the agent's screen
                showed. If another agent replied or claimed since, the reply
                is refused with ``CollisionError`` (who and when).
            public: False for a private message to colleagues (sent nowhere).
            then: the status to move to after a public reply, when the
                lifecycle allows it (waiting on the customer by default).
            request_id: makes the call idempotent (a double click sends once).
        """

        def change(unit: Unit, record: ConversationRecord) -> ConversationRecord:
            _check_collision(record, agent_id, seen_version)
            conversation = record.conversation
            channel = self._to_customer(record, OutboxKind.AGENT_REPLY).channel
            # What is stored is redacted; what is sent is what the agent wrote.
            message = self.redacted(
                Message(
                    id=unit.key,
                    channel=channel or conversation.channel,
                    direction=Direction.OUTBOUND,
                    author=_agent(agent_id),
                    sent_at=unit.now,
                    text=text,
                    public=public,
                )
            )
            unit.events.append(
                MessageEvent(id=f"msg:{unit.key}", at=unit.now,
                             customer_id=conversation.customer_id,
                             conversation_id=conversation.id, source=message.channel.name,
                             message=message)
            )  # fmt: skip
            record = attrs.evolve(record, summary=record.summary.with_message(message))
            if not public:
                return record
            unit.outbox.append(self._to_customer(record, OutboxKind.AGENT_REPLY, text=text))
            record = _touched(unit, record, agent_id, "reply")
            if conversation.status is Status.NEW and then is not Status.NEW:
                record = self._set_status(unit, record, Status.OPEN, unit.now, _agent(agent_id))
            current = record.conversation.status
            if then is not None and then is not current and can_transition(current, then):
                record = self._set_status(unit, record, then, unit.now, _agent(agent_id))
            return record

        return self._act(
            conversation_id,
            request_id,
            change,
            agent_id,
            Action.NOTE if not public else Action.REPLY,
        )

    def note(
        self,
        conversation_id: str,
        *,
        agent_id: str,
        text: str,
        mentions: Iterable[str] = (),
        request_id: str | None = None,
    ) -> Receipt:
        """An internal note; every @-mentioned agent gets a notification in the outbox."""
        mentioned = frozenset(mentions)

        def change(unit: Unit, record: ConversationRecord) -> ConversationRecord:
            conversation = record.conversation
            unit.events.append(
                NoteEvent(id=unit.event_id(), at=unit.now, customer_id=conversation.customer_id,
                          conversation_id=conversation.id, author=_agent(agent_id), text=text,
                          mentions=mentioned)
            )  # fmt: skip
            unit.outbox.extend(
                Outgoing(kind=OutboxKind.NOTIFICATION, conversation_id=conversation.id,
                         customer_id=conversation.customer_id, target=f"agent:{agent}")
                for agent in sorted(mentioned)
            )  # fmt: skip
            return record

        return self._act(conversation_id, request_id, change, agent_id, Action.NOTE)

    def assign(
        self,
        conversation_id: str,
        *,
        agent_id: str | None,
        actor_id: str,
        queue: str | None = None,
        seen_version: int | None = None,
        request_id: str | None = None,
    ) -> Receipt:
        """Assign to an agent (None: unassign), optionally moving queue.

        An agent assigning to themselves claims the conversation; with
        ``seen_version`` a claim is refused if someone else claimed or
        replied since (``CollisionError``).
        """

        def change(unit: Unit, record: ConversationRecord) -> ConversationRecord:
            _check_collision(record, actor_id, seen_version)
            conversation = record.conversation
            target_queue = queue if queue is not None else conversation.queue
            unit.events.append(
                Assigned(id=unit.event_id(), at=unit.now, customer_id=conversation.customer_id,
                         conversation_id=conversation.id, assignee=agent_id,
                         previous=conversation.assignee, queue=target_queue,
                         actor=_agent(actor_id))
            )  # fmt: skip
            unit.record(AuditAction.ASSIGNMENT, actor_id, customer_id=conversation.customer_id,
                        conversation_id=conversation.id, assignee=agent_id,
                        previous=conversation.assignee, queue=target_queue)  # fmt: skip
            updated = attrs.evolve(conversation, assignee=agent_id, queue=target_queue)
            record = attrs.evolve(record, conversation=updated)
            if agent_id is not None and agent_id == actor_id:
                record = _touched(unit, record, actor_id, "claim")
            return record

        return self._act(conversation_id, request_id, change, actor_id, Action.ASSIGN)

    def set_status(
        self,
        conversation_id: str,
        status: Status,
        *,
        actor_id: str,
        request_id: str | None = None,
    ) -> Receipt:
        """Move a conversation to ``status``; ``InvalidTransition`` if the lifecycle forbids it.

        Solving puts a CSAT survey request in the outbox (``csat_template``).
        """

        def change(unit: Unit, record: ConversationRecord) -> ConversationRecord:
            record = self._set_status(unit, record, status, unit.now, _agent(actor_id))
            if status is Status.SOLVED and self.csat_template is not None:
                unit.outbox.append(
                    self._to_customer(record, OutboxKind.CSAT_REQUEST, template=self.csat_template)
                )
            return record

        return self._act(conversation_id, request_id, change, actor_id, Action.CHANGE_STATUS)

    def solve(
        self, conversation_id: str, *, actor_id: str, request_id: str | None = None
    ) -> Receipt:
        """Mark solved (see ``set_status``)."""
        return self.set_status(
            conversation_id, Status.SOLVED, actor_id=actor_id, request_id=request_id
        )

    def reopen(
        self, conversation_id: str, *, actor_id: str, request_id: str | None = None
    ) -> Receipt:
        """Reopen a solved conversation (a closed one can't: start a follow-up)."""
        return self.set_status(
            conversation_id, Status.OPEN, actor_id=actor_id, request_id=request_id
        )

    def set_priority(
        self,
        conversation_id: str,
        priority: Priority,
        *,
        actor_id: str,
        request_id: str | None = None,
    ) -> Receipt:
        """Change the priority (SLA targets follow the new priority)."""

        def change(unit: Unit, record: ConversationRecord) -> ConversationRecord:
            conversation = record.conversation
            if priority is conversation.priority:
                return record
            unit.events.append(
                PriorityChanged(id=unit.event_id(), at=unit.now,
                                customer_id=conversation.customer_id,
                                conversation_id=conversation.id, previous=conversation.priority,
                                priority=priority, actor=_agent(actor_id))
            )  # fmt: skip
            return attrs.evolve(record, conversation=attrs.evolve(conversation, priority=priority))

        return self._act(conversation_id, request_id, change, actor_id, Action.CHANGE_STATUS)

    def tag(
        self,
        conversation_id: str,
        *,
        actor_id: str,
        add: Iterable[str] = (),
        remove: Iterable[str] = (),
        request_id: str | None = None,
    ) -> Receipt:
        """Add and remove tags."""
        added, removed = frozenset(add), frozenset(remove)

        def change(unit: Unit, record: ConversationRecord) -> ConversationRecord:
            conversation = record.conversation
            tags = (conversation.tags | added) - removed
            if tags == conversation.tags:
                return record
            unit.events.append(
                TagsChanged(id=unit.event_id(), at=unit.now, customer_id=conversation.customer_id,
                            conversation_id=conversation.id, added=tags - conversation.tags,
                            removed=conversation.tags - tags, actor=_agent(actor_id))
            )  # fmt: skip
            return attrs.evolve(record, conversation=attrs.evolve(conversation, tags=tags))

        return self._act(conversation_id, request_id, change, actor_id, Action.CHANGE_STATUS)

    def record_survey(
        self,
        conversation_id: str,
        *,
        survey: SurveyKind,
        score: int,
        comment: str | None = None,
        request_id: str | None = None,
    ) -> Receipt:
        """Record a customer's CSAT (1-5), NPS (0-10) or CES (1-7) answer."""
        low, high = _SCALES[survey]

        def change(unit: Unit, record: ConversationRecord) -> ConversationRecord:
            conversation = record.conversation
            unit.events.append(
                SurveyResponse(id=unit.event_id(), at=unit.now,
                               customer_id=conversation.customer_id,
                               conversation_id=conversation.id, survey=survey, scale_min=low,
                               scale_max=high, score=score, comment=comment)
            )  # fmt: skip
            return record

        return self._act(conversation_id, request_id, change)

    def record_sent(
        self,
        conversation_id: str,
        *,
        channel: Channel,
        external_id: str,
        request_id: str | None = None,
    ) -> Receipt:
        """Tell the desk the provider's id of a message the host sent.

        Delivery updates (``delivery``) for that id then land on this
        conversation; a customer's reply quoting it threads here too.
        """

        def change(unit: Unit, record: ConversationRecord) -> ConversationRecord:
            unit.refs.append((f"ext:{channel.name}:{external_id}", record.id))
            return record

        return self._act(conversation_id, request_id, change)

    def delivery(self, update: DeliveryUpdate) -> Receipt | None:
        """Record a provider's delivery update (sent, delivered, read, failed).

        Returns None when the message is unknown (never passed to
        ``record_sent``): the update is dropped, as helpdesks do for messages
        sent outside them. Idempotent per message and state.
        """
        ref = f"ext:{update.channel.name}:{update.external_id}"
        conversation_id = self.store.conversation_for_ref(ref)
        if conversation_id is None:
            return None

        def change(unit: Unit, record: ConversationRecord) -> ConversationRecord:
            conversation = record.conversation
            unit.events.append(
                CustomEvent(id=unit.event_id(), at=update.at, customer_id=conversation.customer_id,
                            conversation_id=conversation.id, source=update.channel.name,
                            external_id=update.external_id,
                            name=f"delivery.{update.state.value}",
                            data={"error_code": update.error_code})
            )  # fmt: skip
            return record

        request = f"delivery:{update.channel.name}:{update.external_id}:{update.state.value}"
        return self._act(conversation_id, request, change)

    # -- shared --------------------------------------------------------------

    def check(self, actor_id: str, action: Action, resource: Resource) -> None:
        """Refuse ``action`` unless the actor's role allows it (when ``actors`` is set).

        Raises:
            PermissionDenied: the role lacks the action or cannot see the queue.
            NotFoundError: ``actors`` is set and does not know ``actor_id``.
        """
        if self.actors is None:
            return
        actor = self.actors.get(actor_id)
        if actor is None:
            raise NotFoundError("actor", actor_id)
        require(actor, action, resource)

    def _act(
        self,
        conversation_id: str,
        request_id: str | None,
        change: Change,
        actor_id: str | None = None,
        action: Action | None = None,
    ) -> Receipt:
        if request_id is not None:
            replayed = self._replayed(f"act:{request_id}")
            if replayed is not None:
                return replayed
        key = f"act:{request_id}" if request_id else f"act:{self.store.next_id('a')}"
        unit = Unit.open(self.store, key, self.clock.now())
        loaded = unit.load(self._record(conversation_id))
        if actor_id is not None and action is not None:
            queue = loaded.conversation.queue
            self.check(actor_id, action, Resource.conversation(conversation_id, queue))
        record = change(unit, loaded)
        customer_id = record.conversation.customer_id
        record, sla = self._track(unit, record, self.customer(customer_id))
        unit.put(record)
        return unit.commit(receipt_for(unit, record, customer_id, sla=sla))


def _check_collision(record: ConversationRecord, agent_id: str, seen_version: int | None) -> None:
    if seen_version is None:
        return
    for activity in record.activity:
        if activity.version > seen_version and activity.agent_id != agent_id:
            raise CollisionError(record.id, activity.agent_id, activity.action, activity.at)


def _touched(
    unit: Unit, record: ConversationRecord, agent_id: str, action: str
) -> ConversationRecord:
    base = unit.read.get(record.id)
    version = (0 if base is None else base.version) + 1
    activity = Activity(version=version, agent_id=agent_id, action=action, at=unit.now)
    return attrs.evolve(record, activity=(*record.activity, activity)[-_KEPT_ACTIVITY:])
