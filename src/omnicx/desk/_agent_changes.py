"""What each agent action does to a conversation record, as a ``Change``.

A change runs inside a unit of work: it may append events and outbox
entries and returns the record as it is after the action. The desk runs it
(idempotency, permission check, SLA clocks, one commit).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import attrs

from omnicx.channels import DeliveryUpdate
from omnicx.desk._email_thread import EmailIdentity, agent_reply, index, sent_refs
from omnicx.desk._outbox import to_customer, to_target
from omnicx.desk._receipt import OutboxKind, Outgoing
from omnicx.desk._record_steps import change_conversation, check_collision, set_status, touched
from omnicx.desk._schedule import Schedule, request_survey
from omnicx.desk._unit import Unit
from omnicx.errors import ValidationError
from omnicx.model import (
    Assigned,
    Author,
    AuthorKind,
    Channel,
    Conversation,
    CustomEvent,
    Direction,
    Message,
    MessageEvent,
    NoteEvent,
    Priority,
    QueueChanged,
    Status,
    SurveyKind,
    SurveyResponse,
    Visibility,
    can_transition,
)
from omnicx.storage import AuditAction, ConversationRecord
from omnicx.timeline import external_key, message_id_key, own_keys

Change = Callable[[Unit, ConversationRecord], ConversationRecord]
"""One action's effect on a record inside a unit of work."""

SCALES = {SurveyKind.CSAT: (1, 5), SurveyKind.NPS: (0, 10), SurveyKind.CES: (1, 7)}
"""Each survey's score range, both ends included."""


def agent(agent_id: str) -> Author:
    """The author an agent's action is recorded under."""
    return Author(kind=AuthorKind.AGENT, id=agent_id)


def _public_fields(comment: tuple[str, str] | None) -> dict[str, Any]:
    if comment is None:
        return {}
    return {"visibility": Visibility.PUBLIC, "post_id": comment[0], "parent_id": comment[1]}


def reply(
    *,
    agent_id: str,
    text: str,
    seen_version: int | None,
    public: bool,
    then: Status | None,
    redact: Callable[[Message], Message],
    email: EmailIdentity | None = None,
    comment: tuple[str, str] | None = None,
) -> Change:
    """An agent's reply (or private message); the outbox carries what to send.

    ``comment`` (post id, comment id) makes it a public reply under that comment.

    An email reply gets the desk's own Message-ID when ``email`` is set; it
    is indexed to the conversation with the reply, so the customer's answer
    threads back by reference.
    """

    def change(unit: Unit, record: ConversationRecord) -> ConversationRecord:
        check_collision(record, agent_id, seen_version)
        conversation = record.conversation
        to_send = to_customer(record, OutboxKind.AGENT_REPLY, text=text)
        channel = to_send.channel or conversation.channel
        if email is not None and channel == Channel.EMAIL:
            message_id = email.message_id(unit.key, len(unit.outbox) + 1)
            to_send = agent_reply(to_send, record, email, message_id)
        if comment is not None:
            # The host renders it as a public reply to the comment (``reply_to``).
            to_send = attrs.evolve(to_send, in_reply_to=comment[1])
        item: Outgoing | None = to_send if public else None
        sent_id = item.message_id if item is not None else None
        # What is stored is redacted; what is sent is what the agent wrote.
        message = redact(
            Message(id=unit.key, channel=channel, direction=Direction.OUTBOUND,
                    author=agent(agent_id), sent_at=unit.now, text=text, public=public,
                    external_id=sent_id, thread=sent_refs(item), **_public_fields(comment))
        )  # fmt: skip
        unit.events.append(
            MessageEvent(id=f"msg:{unit.key}", at=unit.now, customer_id=conversation.customer_id,
                         conversation_id=conversation.id, source=message.channel.name,
                         message=message)
        )  # fmt: skip
        record = attrs.evolve(record, summary=record.summary.with_message(message))
        if item is None:
            return record
        index(unit, record, own_keys(message))
        unit.outbox.append(item)
        return replied(unit, record, agent_id, then)

    return change


def replied(
    unit: Unit, record: ConversationRecord, agent_id: str, then: Status | None
) -> ConversationRecord:
    """``record`` after an agent's message to the customer: touched, opened, moved to ``then``.

    A new conversation opens (unless ``then`` keeps it new); then it moves
    to ``then`` (waiting on the customer by default) when the lifecycle allows.
    """
    record = touched(unit, record, agent_id, "reply")
    if record.conversation.status is Status.NEW and then is not Status.NEW:
        record = set_status(unit, record, Status.OPEN, unit.now, agent(agent_id))
    current = record.conversation.status
    if then is not None and then is not current and can_transition(current, then):
        record = set_status(unit, record, then, unit.now, agent(agent_id))
    return record


def note(*, agent_id: str, text: str, mentions: frozenset[str]) -> Change:
    """An internal note; every @-mentioned agent gets a notification."""

    def change(unit: Unit, record: ConversationRecord) -> ConversationRecord:
        conversation = record.conversation
        unit.events.append(
            NoteEvent(id=unit.event_id(), at=unit.now, customer_id=conversation.customer_id,
                      conversation_id=conversation.id, author=agent(agent_id), text=text,
                      mentions=mentions)
        )  # fmt: skip
        unit.outbox.extend(
            to_target(record, OutboxKind.NOTIFICATION, f"agent:{mentioned}")
            for mentioned in sorted(mentions)
        )
        return record

    return change


def assign(
    *, agent_id: str | None, actor_id: str, queue: str | None, seen_version: int | None
) -> Change:
    """Assign to an agent (None: unassign), optionally moving queue; audited."""

    def change(unit: Unit, record: ConversationRecord) -> ConversationRecord:
        check_collision(record, actor_id, seen_version)
        conversation = record.conversation
        target_queue = queue if queue is not None else conversation.queue
        if target_queue != conversation.queue:
            unit.events.append(_queue_changed(unit, conversation, target_queue, actor_id))
        unit.events.append(
            Assigned(id=unit.event_id(), at=unit.now, customer_id=conversation.customer_id,
                     conversation_id=conversation.id, assignee=agent_id,
                     previous=conversation.assignee, actor=agent(actor_id))
        )  # fmt: skip
        unit.record(AuditAction.ASSIGNMENT, actor_id, customer_id=conversation.customer_id,
                    conversation_id=conversation.id, assignee=agent_id,
                    previous=conversation.assignee, queue=target_queue)  # fmt: skip
        updated = attrs.evolve(conversation, assignee=agent_id, queue=target_queue)
        record = attrs.evolve(record, conversation=updated)
        if agent_id is not None and agent_id == actor_id:
            record = touched(unit, record, actor_id, "claim")
        return record

    return change


def _queue_changed(
    unit: Unit, conversation: Conversation, queue: str | None, actor_id: str
) -> QueueChanged:
    return QueueChanged(id=unit.event_id(), at=unit.now, customer_id=conversation.customer_id,
                        conversation_id=conversation.id, previous=conversation.queue,
                        queue=queue, actor=agent(actor_id))  # fmt: skip


def move_to_queue(*, queue: str | None, actor_id: str) -> Change:
    """Move to another queue (None: no queue), keeping the assignee; audited."""

    def change(unit: Unit, record: ConversationRecord) -> ConversationRecord:
        conversation = record.conversation
        if queue == conversation.queue:
            return record
        unit.events.append(_queue_changed(unit, conversation, queue, actor_id))
        unit.record(AuditAction.ASSIGNMENT, actor_id, customer_id=conversation.customer_id,
                    conversation_id=conversation.id, assignee=conversation.assignee,
                    previous=conversation.assignee, queue=queue)  # fmt: skip
        return attrs.evolve(record, conversation=attrs.evolve(conversation, queue=queue))

    return change


def status(*, status: Status, actor_id: str, schedule: Schedule) -> Change:
    """A status change; solving asks for a CSAT survey when a template is set.

    With ``Schedule.csat_delay`` the request waits for ``Desk.tick``.
    """

    def change(unit: Unit, record: ConversationRecord) -> ConversationRecord:
        record = set_status(unit, record, status, unit.now, agent(actor_id))
        if status is Status.SOLVED:
            record = request_survey(unit, record, unit.now, schedule)
        return record

    return change


def snooze(*, until: datetime, actor_id: str) -> Change:
    """Put a conversation on hold until ``until``; ``Desk.tick`` opens it again then."""

    def change(unit: Unit, record: ConversationRecord) -> ConversationRecord:
        if until <= unit.now:
            raise ValidationError.single(
                "until", f"expected an instant after now ({unit.now.isoformat()}), got "
                f"{until.isoformat()}: to wake it now, set its status to open"
            )  # fmt: skip
        if record.conversation.status is not Status.ON_HOLD:
            record = set_status(unit, record, Status.ON_HOLD, unit.now, agent(actor_id))
        conversation = attrs.evolve(record.conversation, snoozed_until=until)
        return attrs.evolve(record, conversation=conversation)

    return change


def priority(*, priority: Priority, actor_id: str) -> Change:
    """A priority change (SLA targets follow the new priority)."""

    def change(unit: Unit, record: ConversationRecord) -> ConversationRecord:
        updated = attrs.evolve(record.conversation, priority=priority)
        return change_conversation(unit, record, updated, agent(actor_id))

    return change


def tags(*, actor_id: str, add: Iterable[str], remove: Iterable[str]) -> Change:
    """Tags added and removed (a tag in both is removed)."""
    added, removed = frozenset(add), frozenset(remove)

    def change(unit: Unit, record: ConversationRecord) -> ConversationRecord:
        conversation = record.conversation
        updated = attrs.evolve(conversation, tags=(conversation.tags | added) - removed)
        return change_conversation(unit, record, updated, agent(actor_id))

    return change


def survey(*, survey: SurveyKind, score: int, comment: str | None) -> Change:
    """A customer's survey answer (``SurveyResponse`` refuses a score off the scale)."""
    low, high = SCALES[survey]

    def change(unit: Unit, record: ConversationRecord) -> ConversationRecord:
        conversation = record.conversation
        unit.events.append(
            SurveyResponse(id=unit.event_id(), at=unit.now, customer_id=conversation.customer_id,
                           conversation_id=conversation.id, survey=survey, scale_min=low,
                           scale_max=high, score=score, comment=comment)
        )  # fmt: skip
        return record

    return change


def sent(*, channel: Channel, external_id: str, message_id: str | None = None) -> Change:
    """The provider's id (and email Message-ID) of a message the host sent, indexed."""

    def change(unit: Unit, record: ConversationRecord) -> ConversationRecord:
        unit.refs.append((external_key(channel, external_id), record.id))
        # Threading finds a reply quoting the sent message by this id too.
        summary = record.summary
        ref = (channel.name, external_id)
        if ref not in summary.external_ids:
            summary = attrs.evolve(summary, external_ids=summary.external_ids | {ref})
            record = attrs.evolve(record, summary=summary)
        if message_id is None:
            return record
        bare = message_id.strip().removeprefix("<").removesuffix(">")
        if not bare or any(c.isspace() or c in "<>" for c in bare):
            raise ValidationError.single(
                "message_id", "expected the Message-ID the mailer used, like 'id@domain'"
            )
        # Indexed, not added to the summary: a record keeps no message ids.
        index(unit, record, [message_id_key(bare)])
        return record

    return change


def delivered(update: DeliveryUpdate) -> Change:
    """A provider's delivery update, as an event on the conversation."""

    def change(unit: Unit, record: ConversationRecord) -> ConversationRecord:
        conversation = record.conversation
        unit.events.append(
            CustomEvent(id=unit.event_id(), at=update.at, customer_id=conversation.customer_id,
                        conversation_id=conversation.id, source=update.channel.name,
                        external_id=update.external_id, name=f"delivery.{update.state.value}",
                        data={"error_code": update.error_code})
        )  # fmt: skip
        return record

    return change
