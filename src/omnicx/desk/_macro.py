"""A macro applied on the desk: its text filled from the conversation, its changes in one action."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from omnicx.channels import (
    Capabilities,
    LongText,
    OutboundMessage,
    RenderRefused,
    SendCheck,
    check_send,
    reply_channel,
)
from omnicx.desk import _agent_changes as changes
from omnicx.desk._agent_changes import Change
from omnicx.desk._email_thread import EmailIdentity
from omnicx.desk._field_edit import fields_change
from omnicx.desk._fields import FieldSchema
from omnicx.desk._schedule import Schedule
from omnicx.desk._unit import Unit
from omnicx.errors import Problem, ValidationError
from omnicx.kb import Macro, render_macro
from omnicx.model import Customer, IdentifierKind, Message, Status
from omnicx.privacy import Action
from omnicx.storage import ConversationRecord

__all__ = ["macro_actions", "macro_change", "macro_text", "macro_values"]


def macro_values(
    record: ConversationRecord,
    customer: Customer,
    agent_id: str,
    agent_name: str | None,
    host: Mapping[str, Mapping[str, object]],
) -> dict[str, dict[str, object]]:
    """What the desk knows for a macro's placeholders; the host's ``values`` win over it.

    ``customer``: id, name, first_name, email, phone, language, tier and its
    attributes; ``conversation``: id, subject, channel, queue, status,
    priority and its custom fields; ``agent``: id and name. ``order`` comes
    from the host only.
    """
    conversation = record.conversation
    first = dict.fromkeys((IdentifierKind.EMAIL, IdentifierKind.PHONE))
    for identifier in customer.identifiers:
        if identifier.kind in first and first[identifier.kind] is None:
            first[identifier.kind] = identifier.value
    values: dict[str, dict[str, object]] = {
        "customer": {
            **{k: v for k, v in customer.attributes.items() if isinstance(v, str | int | float)},
            "id": customer.id,
            "name": customer.name,
            "first_name": customer.name.split()[0] if customer.name else None,
            "email": first[IdentifierKind.EMAIL],
            "phone": first[IdentifierKind.PHONE],
            "language": customer.language,
            "tier": customer.tier,
        },
        "conversation": {
            **dict(conversation.fields),
            "id": conversation.id,
            "subject": conversation.subject,
            "channel": conversation.channel.name,
            "queue": conversation.queue,
            "status": conversation.status.value,
            "priority": conversation.priority.name.lower(),
        },
        "agent": {"id": agent_id, "name": agent_name},
        "order": {},
    }
    for namespace, more in host.items():
        values.setdefault(namespace, {}).update(more)
    return values


def macro_text(
    macro: Macro,
    values: Mapping[str, Mapping[str, object]],
    *,
    record: ConversationRecord,
    now: datetime,
    capabilities: Capabilities | None,
    long_text: LongText,
) -> str:
    """The macro's reply with its values filled in, checked against the channel's rules.

    A public reply goes where the customer last wrote; with that channel's
    ``capabilities`` it must fit the reply window (a human agent's, where
    the channel has a longer one) and, with ``LongText.REFUSE``, the length
    limit. An internal note follows no channel rule.

    Raises:
        ValidationError: a placeholder has no value and no fallback (each at
            ``values.<namespace>.<name>``); nothing is sent with a hole.
        RenderRefused: the reply window is closed (``SendCheck.WINDOW_CLOSED``),
            or the text is over the limit and ``long_text`` is
            ``LongText.REFUSE`` (with ``SPLIT`` the adapter sends parts).
    """
    rendered = render_macro(macro, values)
    if rendered.missing:
        raise ValidationError(
            Problem(f"values.{name}", f"macro {macro.id!r} needs a value; pass it in values")
            for name in rendered.missing
        )
    if capabilities is not None and macro.public and rendered.text:
        channel = reply_channel(record.last_inbound, record.conversation.channel).name
        outbound = OutboundMessage(
            to=record.addresses.get(channel) or "-", now=now, text=rendered.text,
            last_inbound_at=record.last_inbound.get(channel), human_agent=True,
        )  # fmt: skip
        verdict = check_send(outbound, capabilities, long_text)
        if verdict is not SendCheck.OK:
            raise RenderRefused(channel, verdict)
    return rendered.text


def macro_actions(macro: Macro) -> tuple[Action, ...]:
    """The permissions a macro needs, one per kind of change it makes."""
    needed = []
    if macro.text:
        needed.append(Action.REPLY if macro.public else Action.NOTE)
    if macro.add_tags or macro.remove_tags:
        needed.append(Action.TAG)
    if macro.fields:
        needed.append(Action.EDIT_FIELDS)
    if macro.status is not None:
        needed.append(Action.CHANGE_STATUS)
    return tuple(needed)


def macro_change(
    macro: Macro,
    text: str,
    *,
    agent_id: str,
    seen_version: int | None,
    redact: Callable[[Message], Message],
    email: EmailIdentity | None,
    schedule: Schedule,
    schema: FieldSchema | None,
) -> Change:
    """The macro's reply, tags, fields and status as one change, in that order.

    A macro that sets a status leaves the reply's own status move out, so
    the conversation ends where the macro says; a status it already has is
    left alone.
    """
    steps: list[Change] = []
    if text:
        then = None if macro.status is not None else Status.PENDING
        steps.append(
            changes.reply(agent_id=agent_id, text=text, seen_version=seen_version,
                          public=macro.public, then=then, redact=redact, email=email)
        )  # fmt: skip
    if macro.add_tags or macro.remove_tags:
        steps.append(changes.tags(actor_id=agent_id, add=macro.add_tags, remove=macro.remove_tags))
    if macro.fields:
        steps.append(fields_change(macro.fields, actor_id=agent_id, schema=schema))
    status = macro.status
    moving = changes.status(status=status, actor_id=agent_id, schedule=schedule) if status else None

    def change(unit: Unit, record: ConversationRecord) -> ConversationRecord:
        for step in steps:
            record = step(unit, record)
        if moving is not None and record.conversation.status is not status:
            record = moving(unit, record)
        return record

    return change
