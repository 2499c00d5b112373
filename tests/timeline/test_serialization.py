"""Timeline values round-trip through omnicx.serde, so a desk can keep them in its store."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from omnicx.model import Status
from omnicx.serde import from_dict, from_json, to_dict, to_json
from omnicx.testing.strategies import aware_datetimes, channels, ids
from omnicx.timeline import (
    ConversationSummary,
    ThreadDecision,
    ThreadingPolicy,
    ThreadOutcome,
    ThreadReason,
)

_refs = st.frozensets(st.tuples(st.sampled_from(["email", "whatsapp"]), ids()), max_size=3)

summaries = st.builds(
    ConversationSummary,
    id=ids(),
    customer_id=ids(),
    channel=channels(),
    status=st.sampled_from(Status),
    last_activity_at=aware_datetimes(),
    solved_at=st.none() | aware_datetimes(),
    message_ids=st.frozensets(ids(), max_size=3),
    external_ids=_refs,
    provider_threads=_refs,
    subject=st.none() | ids(),
)


@given(summaries)
def test_summary_round_trips(summary: ConversationSummary) -> None:
    """A ConversationSummary survives to_json/from_json unchanged."""
    assert from_json(ConversationSummary, to_json(summary)) == summary


@given(st.sampled_from(ThreadOutcome), st.sampled_from(ThreadReason), st.none() | ids())
def test_decision_round_trips(
    outcome: ThreadOutcome, reason: ThreadReason, cid: str | None
) -> None:
    """A ThreadDecision survives to_dict/from_dict unchanged, enums as their string values."""
    decision = ThreadDecision(outcome=outcome, reason=reason, conversation_id=cid)
    data = to_dict(decision)
    assert data["outcome"] == outcome.value
    assert from_dict(ThreadDecision, data) == decision


def test_policy_dict_is_loadable_by_from_dict() -> None:
    """The converter's dict of a policy is a valid policy file for ThreadingPolicy.from_dict."""
    policy = ThreadingPolicy(
        channel_continuity_hours={"sms": 2.0}, separate_channels=frozenset({"voice"})
    )
    assert ThreadingPolicy.from_dict(to_dict(policy)) == policy
