"""What a routing decision does to a conversation."""

from __future__ import annotations

import attrs

from omnicx.model import Conversation, Priority
from omnicx.routing._engine import Decision


def raised_priority(current: Priority, proposed: Priority | None) -> Priority:
    """Rules raise a running conversation's priority; they never lower it."""
    if proposed is None or proposed.rank <= current.rank:
        return current
    return proposed


def apply_decision(conversation: Conversation, decision: Decision, *, fresh: bool) -> Conversation:
    """``conversation`` after routing ``decision``.

    A new or reopened (``fresh``) conversation takes the decided queue; a
    running one keeps its queue and owner, so routing never yanks live work.
    Priority only rises; tags are added and removed as decided. Returns
    ``conversation`` itself when nothing changes.
    """
    queue = decision.queue if fresh and decision.queue else conversation.queue
    priority = raised_priority(conversation.priority, decision.priority)
    tags = (conversation.tags | decision.tags) - decision.removed_tags
    unchanged = queue == conversation.queue and tags == conversation.tags
    if unchanged and priority is conversation.priority:
        return conversation
    return attrs.evolve(conversation, queue=queue, priority=priority, tags=tags)
