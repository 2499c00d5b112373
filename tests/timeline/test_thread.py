"""Conversation threading: every rule, its reason code, and the no-double-assignment promise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicx.errors import ConflictError, ValidationError
from omnicx.model import Author, AuthorKind, Channel, Direction, Message, Status, ThreadRefs
from omnicx.timeline import (
    ConversationSummary,
    ThreadDecision,
    ThreadIndex,
    ThreadingPolicy,
    ThreadOutcome,
    ThreadReason,
    thread,
)

NOW = datetime(2024, 5, 10, 12, 0, tzinfo=UTC)
POLICY = ThreadingPolicy(continuity_hours=24, reopen_days=7, subject_window_hours=24 * 14)


def conv(id: str = "k1", *, customer: str = "c1", status: Status = Status.OPEN, hours_ago: float = 1,
         channel: Channel = Channel.EMAIL, **kw: object) -> ConversationSummary:  # fmt: skip
    return ConversationSummary(
        id=id,
        customer_id=customer,
        channel=channel,
        status=status,
        last_activity_at=NOW - timedelta(hours=hours_ago),
        **kw,  # type: ignore[arg-type]
    )


def msg(*, channel: Channel = Channel.EMAIL, direction: Direction = Direction.INBOUND,
        external_id: str | None = None, **refs: object) -> Message:  # fmt: skip
    kind = AuthorKind.CUSTOMER if direction is Direction.INBOUND else AuthorKind.AGENT
    return Message(
        id="m",
        channel=channel,
        direction=direction,
        author=Author(kind=kind),
        sent_at=NOW,
        external_id=external_id,
        thread=ThreadRefs(**refs),  # type: ignore[arg-type]
    )


def decide(message: Message, *convs: ConversationSummary, customer: str = "c1",
           policy: ThreadingPolicy = POLICY) -> ThreadDecision:  # fmt: skip
    return thread(message, convs, policy, NOW, customer_id=customer)


def cont(reason: ThreadReason, id: str = "k1") -> ThreadDecision:
    return ThreadDecision(outcome=ThreadOutcome.CONTINUE, reason=reason, conversation_id=id)


OLD = {"hours_ago": 24 * 30}


def test_known_message_stays_where_it_is() -> None:
    """A redelivered message (same Message-ID or provider id) gets its conversation back, even closed."""
    closed = conv(status=Status.CLOSED, message_ids=frozenset({"a@x"}), **OLD)
    assert decide(msg(message_id="a@x"), closed) == cont(ThreadReason.KNOWN_MESSAGE)
    wa = conv(external_ids=frozenset({("whatsapp", "wamid.1")}), channel=Channel.WHATSAPP)
    message = msg(channel=Channel.WHATSAPP, external_id="wamid.1")
    assert decide(message, wa) == cont(ThreadReason.KNOWN_MESSAGE)


def test_in_reply_to_threads_even_without_references() -> None:
    """A reply that lost References but kept In-Reply-To still threads (RFC 5322 3.6.4)."""
    target = conv(message_ids=frozenset({"p@x"}), **OLD, status=Status.PENDING)
    assert decide(msg(in_reply_to=("p@x",)), target) == cont(ThreadReason.IN_REPLY_TO)


def test_references_search_the_nearest_ancestor_first() -> None:
    """References is oldest first; the newest known id decides."""
    a = conv("k1", message_ids=frozenset({"root@x"}), **OLD)
    b = conv("k2", message_ids=frozenset({"child@x"}), **OLD)
    message = msg(references=("root@x", "child@x", "unknown@x"))
    assert decide(message, a, b) == cont(ThreadReason.REFERENCES, "k2")


def test_explicit_references_beat_the_continuity_window() -> None:
    """An explicit reference to an old conversation wins over a fresher open one."""
    old = conv("k1", message_ids=frozenset({"p@x"}), **OLD)
    fresh = conv("k2", hours_ago=0.1)
    assert decide(msg(in_reply_to=("p@x",)), old, fresh) == cont(ThreadReason.IN_REPLY_TO)


def test_provider_thread_ids_are_per_channel() -> None:
    """A provider thread id matches on its own channel only."""
    chat = conv(provider_threads=frozenset({("chat", "sess-1")}), channel=Channel.CHAT, **OLD)
    on_chat = msg(channel=Channel.CHAT, provider_thread_id="sess-1")
    assert decide(on_chat, chat) == cont(ThreadReason.PROVIDER_THREAD)
    on_sms = msg(channel=Channel.SMS, provider_thread_id="sess-1")
    assert decide(on_sms, chat).outcome is ThreadOutcome.NEW


def test_explicit_references_may_cross_customers() -> None:
    """A CC'd colleague replying with In-Reply-To joins the thread they reply to."""
    theirs = conv(customer="c2", message_ids=frozenset({"p@x"}))
    assert decide(msg(in_reply_to=("p@x",)), theirs) == cont(ThreadReason.IN_REPLY_TO)


def test_continuity_window_follows_the_customer_across_channels() -> None:
    """A customer writing on SMS within the window continues their open email conversation."""
    open_email = conv(hours_ago=3)
    assert decide(msg(channel=Channel.SMS), open_email) == cont(ThreadReason.CONTINUITY)
    assert decide(msg(channel=Channel.SMS), conv(hours_ago=25)).reason is ThreadReason.NO_MATCH


def test_continuity_picks_the_most_recent_open_conversation() -> None:
    """With several open conversations the most recently active one continues, ties by id."""
    older = conv("k1", hours_ago=5)
    newer = conv("k2", hours_ago=2)
    twin = conv("k3", hours_ago=2)
    assert decide(msg(channel=Channel.CHAT), older, twin, newer) == cont(
        ThreadReason.CONTINUITY, "k2"
    )


def test_continuity_is_off_for_separate_channels_and_zero_hours() -> None:
    """Channels the host keeps separate neither continue nor are continued; 0 hours turns it off."""
    policy = ThreadingPolicy(separate_channels=frozenset({"voice"}),
                             channel_continuity_hours={"sms": 0})  # fmt: skip
    email = conv(hours_ago=1)
    voice = conv("kv", channel=Channel.VOICE, hours_ago=1)
    assert decide(msg(channel=Channel.VOICE), email, policy=policy).reason is ThreadReason.NO_MATCH
    assert decide(msg(channel=Channel.CHAT), voice, policy=policy).reason is ThreadReason.NO_MATCH
    assert decide(msg(channel=Channel.SMS), email, policy=policy).reason is ThreadReason.NO_MATCH


def test_continuity_never_crosses_customers() -> None:
    """Another customer's open conversation is never continued by a window."""
    assert decide(msg(channel=Channel.SMS), conv(customer="c2")).reason is ThreadReason.NO_MATCH


def test_subject_fallback_for_email_only_same_customer_within_window() -> None:
    """A headerless email reply with the folded subject threads; other channels and customers do not."""
    policy = ThreadingPolicy(continuity_hours=0)
    target = conv(subject="order 123", hours_ago=48)
    email = msg(subject="AW: Re: Order 123")
    assert decide(email, target, policy=policy) == cont(ThreadReason.SUBJECT)
    assert decide(
        msg(channel=Channel.SMS, subject="Re: Order 123"), target, policy=policy
    ).reason is (ThreadReason.NO_MATCH)
    other = conv(customer="c2", subject="order 123")
    assert decide(email, other, policy=policy).reason is ThreadReason.NO_MATCH
    stale = conv(subject="order 123", hours_ago=24 * 15)
    assert decide(email, stale, policy=policy).reason is ThreadReason.NO_MATCH
    assert decide(msg(subject="Re:"), target, policy=policy).reason is ThreadReason.NO_MATCH


def test_reply_to_solved_within_window_reopens() -> None:
    """A customer reply to a conversation solved 3 days ago reopens it."""
    solved = conv(status=Status.SOLVED, solved_at=NOW - timedelta(days=3),
                  message_ids=frozenset({"p@x"}), **OLD)  # fmt: skip
    decision = decide(msg(in_reply_to=("p@x",)), solved)
    assert decision == ThreadDecision(
        outcome=ThreadOutcome.REOPEN, reason=ThreadReason.IN_REPLY_TO, conversation_id="k1"
    )
    assert not decision.creates_conversation


def test_reply_to_solved_after_window_starts_a_linked_follow_up() -> None:
    """After the reopen window a reply starts a new conversation linked to the old one."""
    solved = conv(status=Status.SOLVED, solved_at=NOW - timedelta(days=8),
                  message_ids=frozenset({"p@x"}), **OLD)  # fmt: skip
    decision = decide(msg(in_reply_to=("p@x",)), solved)
    assert decision == ThreadDecision(
        outcome=ThreadOutcome.FOLLOW_UP_EXPIRED, reason=ThreadReason.IN_REPLY_TO, follow_up_of="k1"
    )
    assert decision.creates_conversation


def test_reply_to_closed_always_follows_up() -> None:
    """Closed never reopens (LIFECYCLE): even a reply a minute later starts a follow-up."""
    closed = conv(status=Status.CLOSED, solved_at=NOW - timedelta(minutes=1),
                  subject="order 123")  # fmt: skip
    decision = decide(
        msg(subject="Re: order 123"), closed, policy=ThreadingPolicy(continuity_hours=0)
    )
    assert decision == ThreadDecision(
        outcome=ThreadOutcome.FOLLOW_UP_CLOSED, reason=ThreadReason.SUBJECT, follow_up_of="k1"
    )


def test_continuity_skips_solved_and_closed_conversations() -> None:
    """The window continues open work only; a solved one is reached through references or subject."""
    solved = conv(status=Status.SOLVED, solved_at=NOW - timedelta(hours=1))
    assert decide(msg(channel=Channel.CHAT), solved).reason is ThreadReason.NO_MATCH


def test_outbound_attaches_without_reopening() -> None:
    """An outbound message to a solved or closed conversation attaches to it as is."""
    solved = conv(status=Status.CLOSED, message_ids=frozenset({"p@x"}), **OLD)
    out = msg(direction=Direction.OUTBOUND, in_reply_to=("p@x",))
    assert decide(out, solved) == cont(ThreadReason.IN_REPLY_TO)


def test_outbound_without_references_joins_the_latest_open_conversation() -> None:
    """An agent's message with no references goes to the customer's latest open conversation."""
    out = msg(direction=Direction.OUTBOUND, channel=Channel.SMS)
    done = conv("k0", status=Status.SOLVED, hours_ago=0.5)
    active = conv("k1", hours_ago=30)
    assert decide(out, done, active) == cont(ThreadReason.OUTBOUND_LATEST)
    assert decide(out, done) == ThreadDecision(
        outcome=ThreadOutcome.NEW, reason=ThreadReason.NO_MATCH
    )


def test_naive_now_is_refused() -> None:
    """Windows need an aware ``now``."""
    with pytest.raises(
        ValidationError, match=r"^now: naive datetime; pass a timezone-aware value \(e\.g\."
    ):
        thread(msg(), [], POLICY, NOW.replace(tzinfo=None), customer_id="c1")


def test_index_refuses_a_message_in_two_conversations() -> None:
    """Putting a summary that claims another conversation's message is a conflict; the index is unchanged."""
    index = ThreadIndex.of([conv("k1", message_ids=frozenset({"a@x"}))])
    with pytest.raises(
        ConflictError, match=r"^conversation 'k2': a message already belongs to conversation 'k1'$"
    ):
        index.put(conv("k2", message_ids=frozenset({"a@x"})))
    assert len(index) == 1
    assert index.get("k2") is None


def test_index_replace_remove_and_shared_provider_threads() -> None:
    """Re-putting re-indexes; a follow-up sharing a provider thread owns it while most recent."""
    ref = frozenset({("whatsapp", "t")})
    old = conv("k1", status=Status.CLOSED, provider_threads=ref, hours_ago=100)
    new = conv("k2", provider_threads=ref, hours_ago=1)
    index = ThreadIndex.of([new, old])
    assert index.by_provider_thread(Channel.WHATSAPP, "t") == new
    index.remove("k2")
    index.remove("missing")
    assert index.by_provider_thread(Channel.WHATSAPP, "t") is None
    assert [s.id for s in index] == ["k1"]
    assert index.of_customer("nobody") == []


def test_with_message_records_ids_and_never_moves_activity_back() -> None:
    """A summary learns a message's ids and subject; a late message does not age it."""
    base = conv(hours_ago=-1)
    late = msg(message_id="a@x", external_id="e", provider_thread_id="t", subject="Re: Hi")
    after = base.with_message(late)
    assert after.message_ids == {"a@x"}
    assert after.external_ids == {("email", "e")}
    assert after.provider_threads == {("email", "t")}
    assert after.subject == "hi"
    assert after.last_activity_at == base.last_activity_at
    # ... but it moves the first activity back to it: the window runs both ways.
    assert after.first_activity_at == late.sent_at
    assert base.with_message(msg()) == attrs.evolve(base, first_activity_at=msg().sent_at)
    current = attrs.evolve(base, first_activity_at=msg().sent_at)
    assert current.with_message(msg()) == current


_refs = st.sampled_from(["r1@x", "r2@x", "r3@x", "r4@x"])


@st.composite
def _inbox(draw: st.DrawFn) -> list[tuple[str, Message]]:
    items = []
    for i in range(draw(st.integers(1, 25))):
        customer = draw(st.sampled_from(["c1", "c2"]))
        channel = draw(st.sampled_from([Channel.EMAIL, Channel.SMS, Channel.CHAT]))
        identity = draw(st.none() | st.sampled_from(["r1", "r2", "r3", "r4"]))
        message = Message(
            id=f"m{i}",
            channel=channel,
            direction=draw(st.sampled_from(Direction)),
            author=Author(kind=AuthorKind.CUSTOMER),
            sent_at=NOW + timedelta(hours=draw(st.integers(0, 100))),
            # A message's provider id and Message-ID travel together.
            external_id=identity,
            thread=ThreadRefs(
                message_id=None if identity is None else f"{identity}@x",
                in_reply_to=tuple(draw(st.lists(_refs, max_size=1))),
                subject=draw(st.sampled_from([None, "Order", "Re: order"])),
            ),
        )
        items.append((customer, message))
    return items


def _run(inbox: list[tuple[str, Message]]) -> tuple[list[ThreadDecision], ThreadIndex]:
    # A miniature desk: apply each decision to the index, as the pipeline does.
    index = ThreadIndex()
    decisions = []
    for n, (customer, message) in enumerate(inbox):
        decision = thread(message, index, POLICY, message.sent_at, customer_id=customer)
        decisions.append(decision)
        if decision.conversation_id is None:
            summary = ConversationSummary(
                id=f"k{n}", customer_id=customer, channel=message.channel,
                status=Status.NEW, last_activity_at=message.sent_at,
            )  # fmt: skip
        else:
            summary = index.get(decision.conversation_id)  # type: ignore[assignment]
            if decision.outcome is ThreadOutcome.REOPEN:
                summary = attrs.evolve(summary, status=Status.OPEN)
        index.put(summary.with_message(message))
    return decisions, index


@given(_inbox())
def test_threading_is_deterministic_and_never_assigns_a_message_twice(inbox) -> None:  # type: ignore[no-untyped-def]
    """Replaying the same inbox gives the same decisions; every message id lives in one conversation."""
    first, index = _run(inbox)
    again, _ = _run(inbox)
    assert first == again
    owners: dict[object, str] = {}
    for summary in index:
        for key in [*summary.message_ids, *summary.external_ids]:
            assert owners.setdefault(key, summary.id) == summary.id
    # Redelivering every message lands each in the conversation that holds it.
    for customer, message in inbox:
        decision = thread(message, index, POLICY, NOW, customer_id=customer)
        if message.thread.message_id or message.external_id:
            assert decision.reason is ThreadReason.KNOWN_MESSAGE
