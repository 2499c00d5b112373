"""Changes to one conversation record inside a unit of work, with their events.

Each step takes the record as the call has it so far and returns the next
one, appending the events that say what changed to the unit: nothing here
reads or writes the store.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import attrs

from omnicx.channels import MessageReceived, reply_address
from omnicx.desk._details import note_details
from omnicx.desk._email_thread import took_email
from omnicx.desk._receipt import CollisionError
from omnicx.desk._unit import SYSTEM, Unit
from omnicx.model import (
    Assigned,
    Author,
    Conversation,
    ConversationCreated,
    Message,
    MessageEvent,
    PriorityChanged,
    QueueChanged,
    Status,
    StatusChanged,
    TagsChanged,
    transition,
)
from omnicx.storage import Activity, ConversationRecord
from omnicx.timeline import ConversationSummary, ThreadOutcome, own_keys, referenced_keys

_KEPT_ACTIVITY = 20
_AFTER = timedelta(microseconds=1)


def new_record(
    unit: Unit,
    conversation_id: str,
    customer_id: str,
    event: MessageReceived,
    follow_up_of: str | None,
) -> ConversationRecord:
    """A new conversation opened by ``event``'s message, with its creation event."""
    message = event.message
    conversation = Conversation(
        id=conversation_id,
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
        first_activity_at=message.sent_at,
    )
    unit.events.append(
        ConversationCreated(id=unit.event_id(), at=message.sent_at, customer_id=customer_id,
                            conversation_id=conversation.id, channel=message.channel,
                            queue=conversation.queue, priority=conversation.priority,
                            actor=SYSTEM)
    )  # fmt: skip
    unit.events.append(
        StatusChanged(id=unit.event_id(), at=message.sent_at, customer_id=customer_id,
                      conversation_id=conversation.id, previous=None, status=Status.NEW,
                      actor=SYSTEM)
    )  # fmt: skip
    return ConversationRecord(conversation=conversation, summary=summary, first_message=message.id)


def take_message(
    unit: Unit,
    record: ConversationRecord,
    event: MessageReceived,
    customer_id: str,
    outcome: ThreadOutcome,
) -> ConversationRecord:
    """``record`` with the inbound message added: event, thread keys, reply address."""
    message = event.message
    conversation = record.conversation
    # A customer writing to a solved conversation inside the reopen window
    # reopens it; writing to one pending on them, or snoozed, makes it open again.
    if (
        outcome is ThreadOutcome.REOPEN
        or conversation.status is Status.PENDING
        or (conversation.snoozed_until is not None and conversation.status is not Status.OPEN)
    ):
        record = set_status(unit, record, Status.OPEN, message.sent_at, SYSTEM)
    unit.events.append(
        MessageEvent(id=f"msg:{message.id}", at=message.sent_at, customer_id=customer_id,
                     conversation_id=conversation.id, source=message.channel.name,
                     external_id=message.external_id, message=message)
    )  # fmt: skip
    unit.refs.extend(
        (key, conversation.id)
        for key in own_keys(message)
        if unit.conversation_for_ref(key) != conversation.id
    )
    # Index the ids it references too, where nothing claimed them yet, so a
    # parent that arrives later finds this conversation.
    unit.refs.extend(
        (key, conversation.id)
        for key in referenced_keys(message)
        if unit.conversation_for_ref(key) is None
    )
    channel = message.channel.name
    address = reply_address(message.channel, event.sender) or message.thread.provider_thread_id
    record = took_email(record, message, address)
    addresses = dict(record.addresses)
    if address:
        addresses[channel] = address
    last = record.last_inbound.get(channel)
    inbound = dict(record.last_inbound)
    inbound[channel] = message.sent_at if last is None else max(last, message.sent_at)
    # A message that arrives late but was sent earlier moves the start back
    # (and the channel it started on, and its subject), so a conversation's
    # age never depends on arrival order.
    if earliest(record, message):
        conversation = attrs.evolve(record.conversation, created_at=message.sent_at,
                                    channel=message.channel,
                                    subject=message.thread.subject or conversation.subject)  # fmt: skip
        record = attrs.evolve(record, conversation=conversation, first_message=message.id)
    return attrs.evolve(
        record, summary=record.summary.with_message(message), addresses=addresses,
        last_inbound=inbound,
    )  # fmt: skip


def earliest(record: ConversationRecord, message: Message) -> bool:
    """Whether ``message`` comes before every message of ``record``: by sent time, then id."""
    conversation = record.conversation
    if message.id == record.first_message:
        return False
    if record.first_message is None:
        return message.sent_at < conversation.created_at
    return (message.sent_at, message.id) < (conversation.created_at, record.first_message)


def set_status(
    unit: Unit, record: ConversationRecord, status: Status, at: datetime, actor: Author
) -> ConversationRecord:
    """``record`` moved to ``status``; ``InvalidTransition`` if the lifecycle forbids it.

    Any status change ends a snooze (``snoozed_until`` is cleared).
    """
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
    moved = (
        attrs.evolve(conversation, status=new)
        if conversation.snoozed_until is None
        else attrs.evolve(conversation, status=new, snoozed_until=None)
    )
    return attrs.evolve(record, conversation=moved, summary=summary)


def change_conversation(
    unit: Unit,
    record: ConversationRecord,
    updated: Conversation,
    actor: Author,
    *,
    at: datetime | None = None,
) -> ConversationRecord:
    """``record`` as ``updated``: each change of queue, assignee, priority, tags and details an event.

    The events are stamped ``at`` (default: the call's ``now``).
    """
    conversation = record.conversation
    if updated == conversation:
        return record
    base: dict[str, Any] = {"at": unit.now if at is None else at,
            "customer_id": conversation.customer_id,
            "conversation_id": conversation.id, "actor": actor}  # fmt: skip
    # A queue move and an assignment are separate events: moving queue keeps the agent.
    if updated.queue != conversation.queue:
        unit.events.append(
            QueueChanged(id=unit.event_id(), previous=conversation.queue, queue=updated.queue,
                         **base)
        )  # fmt: skip
    if updated.assignee != conversation.assignee:
        unit.events.append(
            Assigned(id=unit.event_id(), assignee=updated.assignee,
                     previous=conversation.assignee, **base)
        )  # fmt: skip
    if updated.priority is not conversation.priority:
        unit.events.append(
            PriorityChanged(id=unit.event_id(), previous=conversation.priority,
                            priority=updated.priority, **base)
        )  # fmt: skip
    if updated.tags != conversation.tags:
        unit.events.append(
            TagsChanged(id=unit.event_id(), added=updated.tags - conversation.tags,
                        removed=conversation.tags - updated.tags, **base)
        )  # fmt: skip
    note_details(unit, conversation, updated, base)
    return attrs.evolve(record, conversation=updated)


def caused_at(message: Message) -> datetime:
    """The instant of the events a message causes (routing): one microsecond after it.

    They carry the message's own clock rather than the desk's, so on the
    timeline they follow the message that caused them and come before the
    next one, however late the webhook arrived.
    """
    return message.sent_at + _AFTER


def check_collision(record: ConversationRecord, agent_id: str, seen_version: int | None) -> None:
    """Refuse with ``CollisionError`` if another agent acted since ``seen_version``."""
    if seen_version is None:
        return
    for activity in record.activity:
        if activity.version > seen_version and activity.agent_id != agent_id:
            raise CollisionError(record.id, activity.agent_id, activity.action, activity.at)


def touched(
    unit: Unit, record: ConversationRecord, agent_id: str, action: str
) -> ConversationRecord:
    """``record`` remembering that ``agent_id`` did ``action`` (for collision checks)."""
    base = unit.read.get(record.id)
    version = (0 if base is None else base.version) + 1
    activity = Activity(version=version, agent_id=agent_id, action=action, at=unit.now)
    return attrs.evolve(record, activity=(*record.activity, activity)[-_KEPT_ACTIVITY:])
