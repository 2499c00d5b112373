"""A private reply to a public comment ("move to DM"), recorded before the host sends it.

The agent answers a customer's comment with a direct message. The desk
checks the network's rule for the comment (Facebook and Instagram: one
message within 7 days of the comment; X: only to a person who accepts DMs),
records the message as a private outbound one on the DM channel, linked to
the comment (``parent_id``, ``post_id``), in the comment's conversation (the
one the customer's DM answer continues), and puts an outbox entry of kind
``PRIVATE_REPLY`` for the host to render with the comment adapter's
``render_private_reply`` (``outbound_private_reply`` builds its input).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import attrs

from omnicx.channels import (
    PrivateReply,
    RenderRefused,
    SendCheck,
    check_private_reply,
    private_reply_channel,
)
from omnicx.desk._agent_changes import Change, agent, replied
from omnicx.desk._receipt import OutboxKind, Outgoing
from omnicx.desk._record_steps import check_collision
from omnicx.desk._unit import Unit
from omnicx.errors import NotFoundError, ValidationError
from omnicx.model import Direction, Message, MessageEvent, Status, Visibility
from omnicx.storage import ConversationRecord


def _comment(unit: Unit, record: ConversationRecord, comment_id: str) -> tuple[Message, bool]:
    # The customer's public comment in this conversation, and whether the
    # desk already recorded a private reply to it (Meta allows one).
    comment: Message | None = None
    replied = False
    for event in unit.store.events(conversation_id=record.id):
        if not isinstance(event, MessageEvent):
            continue
        message = event.message
        if message.visibility is Visibility.PUBLIC and message.external_id == comment_id:
            if message.direction is Direction.INBOUND:
                comment = message
        elif (
            message.direction is Direction.OUTBOUND
            and message.visibility is Visibility.PRIVATE
            and message.parent_id == comment_id
        ):
            replied = True
    if comment is None:
        raise NotFoundError("public comment in conversation " + repr(record.id), comment_id)
    return comment, replied


def private_reply(
    *,
    agent_id: str,
    comment_id: str,
    text: str,
    dm_allowed: bool,
    seen_version: int | None,
    then: Status | None,
    redact: Callable[[Message], Message],
) -> Change:
    """An agent's private reply to the comment ``comment_id`` of the conversation."""

    def change(unit: Unit, record: ConversationRecord) -> ConversationRecord:
        check_collision(record, agent_id, seen_version)
        comment, already = _comment(unit, record, comment_id)
        dm = private_reply_channel(comment.channel)
        reply = PrivateReply(comment_id=comment_id, commented_at=comment.sent_at, now=unit.now,
                             text=text, author_id=comment.author.id, already_replied=already,
                             dm_allowed=dm_allowed)  # fmt: skip
        verdict = check_private_reply(comment.channel, reply)
        if dm is None or verdict is not SendCheck.OK:
            raise RenderRefused(comment.channel.name, verdict)
        conversation = record.conversation
        item = Outgoing(kind=OutboxKind.PRIVATE_REPLY, conversation_id=record.id,
                        customer_id=conversation.customer_id, channel=comment.channel,
                        to=comment.author.id, text=text, in_reply_to=comment_id,
                        last_inbound_at=comment.sent_at)  # fmt: skip
        # What is stored is redacted; what is sent is what the agent wrote.
        message = redact(
            Message(id=unit.key, channel=dm, direction=Direction.OUTBOUND, author=agent(agent_id),
                    sent_at=unit.now, text=text, visibility=Visibility.PRIVATE,
                    post_id=comment.post_id, parent_id=comment_id,
                    metadata={"type": "private_reply"})
        )  # fmt: skip
        unit.events.append(
            MessageEvent(id=f"msg:{unit.key}", at=unit.now, customer_id=conversation.customer_id,
                         conversation_id=conversation.id, source=dm.name, message=message)
        )  # fmt: skip
        unit.outbox.append(item)
        # The customer's answer on the DM channel comes back here (threading).
        record = attrs.evolve(record, summary=record.summary.with_private_reply(message))
        return replied(unit, record, agent_id, then)

    return change


def outbound_private_reply(
    outgoing: Outgoing, *, now: datetime, dm_allowed: bool = False
) -> PrivateReply:
    """The ``PrivateReply`` to render for a ``PRIVATE_REPLY`` outbox item.

    Pass it to the comment adapter's ``render_private_reply`` (the item's
    ``channel`` names it: ``facebook``, ``instagram``, ``x``). ``now`` is the
    instant of sending, so the 7-day window is judged again when it goes;
    ``dm_allowed`` is X's consent the host knows.

    Raises:
        ValidationError: the item is not a private reply.
    """
    commented_at = outgoing.last_inbound_at
    if (
        outgoing.kind is not OutboxKind.PRIVATE_REPLY
        or not outgoing.in_reply_to
        or commented_at is None
    ):
        raise ValidationError.single(
            "outgoing", "outbound_private_reply needs a PRIVATE_REPLY outbox item with "
            f"in_reply_to and last_inbound_at (got a {outgoing.kind.value!r} item)",
        )  # fmt: skip
    return PrivateReply(comment_id=outgoing.in_reply_to, commented_at=commented_at,
                        now=now, text=outgoing.text, author_id=outgoing.to,
                        dm_allowed=dm_allowed)  # fmt: skip
