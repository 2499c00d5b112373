"""Outbox entries: what the host sends after a desk call."""

from __future__ import annotations

from typing import Any

from omnicx.channels import reply_channel
from omnicx.desk._email_thread import reply_fields
from omnicx.desk._receipt import OutboxKind, Outgoing
from omnicx.model import Channel
from omnicx.storage import ConversationRecord


def to_customer(record: ConversationRecord, kind: OutboxKind, **fields: Any) -> Outgoing:
    """A message to the conversation's customer, on the channel they last wrote on.

    An email answers the customer's latest mail (subject, In-Reply-To, References).
    """
    channel = reply_channel(record.last_inbound, record.conversation.channel)
    if channel == Channel.EMAIL:
        fields = {**reply_fields(record), **fields}
    return Outgoing(
        kind=kind,
        conversation_id=record.id,
        customer_id=record.conversation.customer_id,
        channel=channel,
        to=record.addresses.get(channel.name),
        last_inbound_at=record.last_inbound.get(channel.name),
        **fields,
    )


def to_target(record: ConversationRecord, kind: OutboxKind, target: str) -> Outgoing:
    """A notification or escalation for ``target`` (an agent, a team, a webhook)."""
    conversation = record.conversation
    return Outgoing(
        kind=kind, conversation_id=conversation.id, customer_id=conversation.customer_id,
        target=target,
    )  # fmt: skip
