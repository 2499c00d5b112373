"""What a routing decision does to a conversation: queue when fresh, priority only rises."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from omnicx.model import Conversation, Priority
from omnicx.routing import Decision, apply_decision, raised_priority
from omnicx.testing.strategies import conversations

_TAGS = st.frozensets(st.sampled_from(["refund", "vip", "spam", "late"]), max_size=3)
decisions = st.builds(
    Decision,
    queue=st.none() | st.sampled_from(["billing", "vip", "general"]),
    priority=st.none() | st.sampled_from(list(Priority)),
    tags=_TAGS,
    removed_tags=_TAGS,
)


@given(conversations(), decisions, st.booleans())
def test_priority_never_falls_and_running_work_keeps_its_queue(
    conversation: Conversation, decision: Decision, fresh: bool
) -> None:
    """Routing raises priority at most, and moves only a fresh conversation's queue."""
    after = apply_decision(conversation, decision, fresh=fresh)
    assert after.priority.rank >= conversation.priority.rank
    assert after.assignee == conversation.assignee
    if not fresh or decision.queue is None:
        assert after.queue == conversation.queue
    else:
        assert after.queue == decision.queue
    assert after.tags == (conversation.tags | decision.tags) - decision.removed_tags


@given(conversations(), decisions, st.booleans())
def test_applying_a_decision_twice_changes_nothing_more(
    conversation: Conversation, decision: Decision, fresh: bool
) -> None:
    """Redelivered messages route again: the second application is a no-op."""
    once = apply_decision(conversation, decision, fresh=fresh)
    assert apply_decision(once, decision, fresh=fresh) is once


@given(conversations(), st.booleans())
def test_an_empty_decision_returns_the_conversation_itself(
    conversation: Conversation, fresh: bool
) -> None:
    """Nothing decided: the same object comes back, so the desk writes no event."""
    assert apply_decision(conversation, Decision(), fresh=fresh) is conversation


def test_raised_priority_keeps_the_higher_one() -> None:
    """A rule proposing low on an urgent conversation leaves it urgent."""
    assert raised_priority(Priority.URGENT, Priority.LOW) is Priority.URGENT
    assert raised_priority(Priority.LOW, Priority.HIGH) is Priority.HIGH
    assert raised_priority(Priority.NORMAL, None) is Priority.NORMAL
