"""The answer to a private reply: the conversation that awaits it, ahead of continuity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from omnicx.model import Author, AuthorKind, Channel, Direction, Message, Status, Visibility
from omnicx.timeline import ConversationSummary, ThreadingPolicy, ThreadReason, thread

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
POLICY = ThreadingPolicy(continuity_hours=24)
DM = Channel.MESSENGER


def _dm(at: datetime, direction: Direction = Direction.INBOUND, mid: str = "m1") -> Message:
    kind = AuthorKind.CUSTOMER if direction is Direction.INBOUND else AuthorKind.AGENT
    return Message(id=f"messenger:{mid}", channel=DM, direction=direction,
                   author=Author(kind=kind), sent_at=at, external_id=mid,
                   visibility=Visibility.PRIVATE)  # fmt: skip


def _summary(cid: str, channel: Channel, at: datetime) -> ConversationSummary:
    return ConversationSummary(id=cid, customer_id="jane", channel=channel, status=Status.OPEN,
                               last_activity_at=at, first_activity_at=at)  # fmt: skip


def test_a_private_reply_awaits_the_answer_and_the_answer_clears_it() -> None:
    public = _summary("k1", Channel.FACEBOOK, NOW)
    waiting = public.with_private_reply(_dm(NOW, Direction.OUTBOUND, "pr"))
    assert waiting.awaits_answer(DM)
    assert not public.awaits_answer(DM)
    assert not waiting.awaits_answer(Channel.INSTAGRAM)
    assert not waiting.with_message(_dm(NOW + timedelta(minutes=1))).awaits_answer(DM)
    # The business's own DMs do not answer it.
    assert waiting.with_message(_dm(NOW, Direction.OUTBOUND, "m2")).awaits_answer(DM)


@given(
    other_later=st.integers(min_value=0, max_value=23 * 60),
    answer_after=st.integers(min_value=0, max_value=23 * 60),
)
def test_the_answer_goes_to_the_awaiting_conversation(other_later: int, answer_after: int) -> None:
    """However recently the customer's other DM conversation was active, within the window the
    answer joins the conversation awaiting it; past the window it does not."""
    waiting = _summary("k1", Channel.FACEBOOK, NOW).with_private_reply(
        _dm(NOW, Direction.OUTBOUND, "pr")
    )
    other = _summary("d1", DM, NOW + timedelta(minutes=other_later))
    at = NOW + timedelta(minutes=other_later + answer_after)
    decision = thread(_dm(at), [waiting, other], POLICY, at, customer_id="jane")
    if at - NOW <= timedelta(hours=24):
        assert (decision.conversation_id, decision.reason) == ("k1", ThreadReason.PRIVATE_REPLY)
    else:
        assert (decision.conversation_id, decision.reason) == ("d1", ThreadReason.CONTINUITY)
