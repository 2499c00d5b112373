"""Conversation records and message events for inbox and search checks.

Shared by the store contract (``InboxContract``) and omnicx's own property
tests: ``inbox_record`` builds a record with every inbox attribute set,
``message_event`` a message on one of its conversations.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta

import attrs

from omnicx.model import (
    Author,
    AuthorKind,
    BotOwner,
    Channel,
    Conversation,
    Direction,
    FieldValue,
    Message,
    MessageEvent,
    Priority,
    Status,
)
from omnicx.storage import ConversationRecord, DeskStore, InboxFilter, InboxSort
from omnicx.timeline import ConversationSummary

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def inbox_record(
    conversation_id: str,
    *,
    customer_id: str = "p1",
    created: timedelta = timedelta(0),
    updated: timedelta | None = None,
    status: Status = Status.NEW,
    priority: Priority = Priority.NORMAL,
    queue: str | None = None,
    assignee: str | None = None,
    tags: Iterable[str] = (),
    channel: Channel = Channel.EMAIL,
    fields: Mapping[str, FieldValue] | None = None,
    version: int = 0,
    bot: str | None = None,
) -> ConversationRecord:
    """A record created at ``T0 + created`` and updated at ``T0 + updated`` (None: never).

    ``bot`` names the bot that owns it (since ``T0``), if one does.
    """
    created_at = T0 + created
    conversation = Conversation(
        id=conversation_id, customer_id=customer_id, channel=channel, created_at=created_at,
        status=status, priority=priority, queue=queue, assignee=assignee, tags=frozenset(tags),
        fields=fields or {}, bot=None if bot is None else BotOwner(id=bot, since=T0),
    )  # fmt: skip
    summary = ConversationSummary(
        id=conversation_id, customer_id=customer_id, channel=channel, status=status,
        last_activity_at=created_at,
    )  # fmt: skip
    record = ConversationRecord(conversation=conversation, summary=summary, version=version)
    return record if updated is None else attrs.evolve(record, updated_at=T0 + updated)


def message_event(
    event_id: str,
    record: ConversationRecord,
    text: str,
    *,
    direction: Direction = Direction.INBOUND,
) -> MessageEvent:
    """A message with ``text`` on ``record``'s conversation, by its customer (or an agent)."""
    inbound = direction is Direction.INBOUND
    author = (
        Author(kind=AuthorKind.CUSTOMER, id=None)
        if inbound
        else Author(kind=AuthorKind.AGENT, id="a1")
    )
    c = record.conversation
    message = Message(
        id=f"msg:{event_id}", channel=c.channel, direction=direction, author=author,
        sent_at=c.created_at, text=text,
    )  # fmt: skip
    return MessageEvent(
        id=event_id, at=c.created_at, customer_id=c.customer_id, conversation_id=c.id,
        message=message,
    )  # fmt: skip


def walk_inbox(store: DeskStore, f: InboxFilter, sort: InboxSort, limit: int) -> list[str]:
    """The ids of every conversation an inbox view lists, read page by page."""
    seen: list[str] = []
    cursor = None
    while True:
        page = store.inbox(f, sort=sort, limit=limit, cursor=cursor)
        seen += [record.id for record in page.records]
        cursor = page.next_cursor
        if cursor is None:
            return seen
