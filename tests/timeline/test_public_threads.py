"""Public conversations thread per post and author, and never by continuity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from omnicx.model import (
    Author,
    AuthorKind,
    Channel,
    Direction,
    Message,
    Status,
    Visibility,
)
from omnicx.timeline import (
    ConversationSummary,
    ThreadDecision,
    ThreadingPolicy,
    ThreadOutcome,
    ThreadReason,
    lookup_keys,
    own_keys,
    post_thread,
    thread,
)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
POLICY = ThreadingPolicy(continuity_hours=24)
FB = Channel.FACEBOOK


def comment(
    external_id: str = "c2",
    *,
    post: str | None = "p1",
    author: str | None = "jane",
    parent: str | None = None,
    direction: Direction = Direction.INBOUND,
    visibility: Visibility = Visibility.PUBLIC,
) -> Message:
    kind = AuthorKind.CUSTOMER if direction is Direction.INBOUND else AuthorKind.AGENT
    return Message(
        id=f"facebook:{external_id}",
        channel=FB,
        direction=direction,
        author=Author(kind=kind, id=author),
        sent_at=NOW,
        external_id=external_id,
        visibility=visibility,
        post_id=post,
        parent_id=parent,
    )


def summary(
    id: str, customer: str, *messages: Message, channel: Channel = FB
) -> ConversationSummary:
    base = ConversationSummary(
        id=id, customer_id=customer, channel=channel, status=Status.OPEN,
        last_activity_at=NOW - timedelta(hours=1),
    )  # fmt: skip
    for message in messages:
        base = base.with_message(message)
    return base


def decide(
    message: Message, *convs: ConversationSummary, customer: str = "cust-jane"
) -> ThreadDecision:
    return thread(message, convs, POLICY, NOW, customer_id=customer)


def test_the_post_thread_key_is_per_post_and_author() -> None:
    """``post:<post>:<author>`` for a customer's public message; none otherwise."""
    assert post_thread(comment()) == "post:p1:jane"
    assert post_thread(comment(author=None)) is None
    assert post_thread(comment(post=None)) is None
    assert post_thread(comment(visibility=Visibility.PRIVATE)) is None
    assert post_thread(comment(direction=Direction.OUTBOUND)) is None
    assert "thread:facebook:post:p1:jane" in own_keys(comment())


def test_a_second_comment_on_the_same_post_joins_the_authors_thread() -> None:
    """Same post, same author: POST_AUTHOR, continued."""
    mine = summary("k1", "cust-jane", comment("c1"))
    assert decide(comment("c2"), mine) == ThreadDecision(
        outcome=ThreadOutcome.CONTINUE, reason=ThreadReason.POST_AUTHOR, conversation_id="k1"
    )


def test_another_post_or_another_author_starts_a_new_conversation() -> None:
    """No continuity window for public messages: another post is another conversation."""
    mine = summary("k1", "cust-jane", comment("c1"))
    assert decide(comment("c2", post="p2"), mine).outcome is ThreadOutcome.NEW
    other = summary("k2", "cust-bob", comment("c1", author="bob"))
    assert decide(comment("c2"), other).outcome is ThreadOutcome.NEW


def test_replying_to_someone_elses_comment_stays_in_ones_own_thread() -> None:
    """Jane answering Bob's comment goes to Jane's thread on the post, not Bob's."""
    bob = summary("kb", "cust-bob", comment("c1", author="bob"))
    jane = summary("kj", "cust-jane", comment("c0"))
    decision = decide(comment("c2", parent="c1"), bob, jane)
    assert (decision.conversation_id, decision.reason) == ("kj", ThreadReason.POST_AUTHOR)
    assert "ext:facebook:c1" in lookup_keys(comment("c2", parent="c1"))


def test_the_business_reply_goes_where_it_answers() -> None:
    """The Page's reply joins the conversation of the comment it answers."""
    jane = summary("kj", "cust-jane", comment("c1"))
    reply = comment("c9", author="page", parent="c1", direction=Direction.OUTBOUND)
    decision = decide(reply, jane, customer="cust-jane")
    assert (decision.conversation_id, decision.reason) == ("kj", ThreadReason.PARENT_COMMENT)


def test_a_dm_continues_the_open_public_conversation() -> None:
    """After "move to DM", the customer's direct answer continues by the continuity window."""
    jane = summary("kj", "cust-jane", comment("c1"))
    dm = Message(id="messenger:m1", channel=Channel.MESSENGER, direction=Direction.INBOUND,
                 author=Author(kind=AuthorKind.CUSTOMER), sent_at=NOW, external_id="m1")  # fmt: skip
    decision = decide(dm, jane)
    assert (decision.conversation_id, decision.reason) == ("kj", ThreadReason.CONTINUITY)


def test_a_public_comment_is_not_pulled_into_an_open_dm() -> None:
    """An open DM conversation does not swallow a comment on a post."""
    dm = Message(id="messenger:m1", channel=Channel.MESSENGER, direction=Direction.INBOUND,
                 author=Author(kind=AuthorKind.CUSTOMER), sent_at=NOW, external_id="m1")  # fmt: skip
    private = summary("kd", "cust-jane", dm, channel=Channel.MESSENGER)
    assert decide(comment("c1"), private).outcome is ThreadOutcome.NEW


@given(
    st.lists(
        st.tuples(st.sampled_from(["p1", "p2", "p3"]), st.sampled_from(["jane", "bob"])),
        min_size=1,
        max_size=12,
    )
)
def test_threads_are_exactly_the_post_and_author_pairs(pairs: list[tuple[str, str]]) -> None:
    """Threading comments one by one gives one conversation per (post, author), in any order."""
    convs: dict[str, ConversationSummary] = {}
    owner: dict[tuple[str, str], str] = {}
    for n, (post, author) in enumerate(pairs):
        message = comment(f"c{n}", post=post, author=author)
        decision = thread(message, convs.values(), POLICY, NOW, customer_id=f"cust-{author}")
        if decision.creates_conversation:
            cid = f"k{n}"
            convs[cid] = summary(cid, f"cust-{author}", message)
        else:
            assert decision.conversation_id is not None
            cid = decision.conversation_id
            convs[cid] = convs[cid].with_message(message)
        assert owner.setdefault((post, author), cid) == cid
    assert len(convs) == len(set(pairs))
