"""What a routing decision does to a conversation."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from omnicx.model import Conversation, FieldValue, Priority
from omnicx.routing._engine import Decision


def raised_priority(current: Priority, proposed: Priority | None) -> Priority:
    """Rules raise a running conversation's priority; they never lower it."""
    if proposed is None or proposed.rank <= current.rank:
        return current
    return proposed


def apply_fields(
    current: Mapping[str, FieldValue], changes: Mapping[str, FieldValue]
) -> Mapping[str, FieldValue]:
    """``current`` with ``changes`` set (None removes a field); ``current`` itself if equal.

    Values compare with their type, so ``1`` and ``True`` (equal in Python)
    are a change.
    """
    if all(_same(current, name, value) for name, value in changes.items()):
        return current
    out = dict(current)
    for name, value in changes.items():
        if value is None:
            out.pop(name, None)
        else:
            out[name] = value
    return out


def _same(current: Mapping[str, FieldValue], name: str, value: FieldValue) -> bool:
    if value is None:
        return name not in current
    old = current.get(name)
    return type(old) is type(value) and old == value


def routed_fields(
    current: Mapping[str, FieldValue], decided: Mapping[str, FieldValue], *, fresh: bool
) -> Mapping[str, FieldValue]:
    """The custom fields after a decision: ``current`` itself when nothing changes.

    A fresh conversation takes every decided value; a running one only gains
    the fields it does not have yet, so a later message never overwrites
    what an agent (or an earlier rule) set.
    """
    if not fresh:
        decided = {k: v for k, v in decided.items() if k not in current}
    return apply_fields(current, decided)


def apply_decision(conversation: Conversation, decision: Decision, *, fresh: bool) -> Conversation:
    """``conversation`` after routing ``decision``.

    A new or reopened (``fresh``) conversation takes the decided queue,
    skills, language and SLA policy; a running one keeps them (and its
    owner), so routing never yanks live work or moves its deadlines.
    Priority only rises; tags are added and removed as decided; custom
    fields are set as ``routed_fields`` says. Returns ``conversation``
    itself when nothing changes.
    """
    queue = decision.queue if fresh and decision.queue else conversation.queue
    priority = raised_priority(conversation.priority, decision.priority)
    tags = (conversation.tags | decision.tags) - decision.removed_tags
    skills, language, sla_policy = (
        conversation.skills,
        conversation.language,
        conversation.sla_policy,
    )
    fields = conversation.fields
    if fresh:
        skills = decision.skills or skills
        language = decision.language or language
        sla_policy = decision.sla_policy or sla_policy
    if decision.fields:
        fields = routed_fields(fields, decision.fields, fresh=fresh)
    unchanged = (
        queue == conversation.queue
        and tags == conversation.tags
        and skills == conversation.skills
        and language == conversation.language
        and sla_policy == conversation.sla_policy
        and fields is conversation.fields
    )
    if unchanged and priority is conversation.priority:
        return conversation
    return attrs.evolve(
        conversation, queue=queue, priority=priority, tags=tags, skills=skills,
        language=language, sla_policy=sla_policy, fields=fields,
    )  # fmt: skip
