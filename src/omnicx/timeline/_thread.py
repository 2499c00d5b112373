"""Conversation threading: which conversation a message belongs to, and why.

``thread`` is pure: the same message, index, policy and ``now`` give the same
decision. The rules, first match wins:

1. a message already in a conversation stays there (redelivery);
2. explicit references: In-Reply-To, then References newest first, then the
   provider's thread id;
3. a public message (a comment, a reply, a mention): the conversation of the
   comment it answers when that is the same customer's (or any, for the
   business's reply), then the customer's thread on the same post
   (``post_thread``); an inbound public message matching neither starts a
   new conversation: no continuity window pulls it into a direct one;
4. outbound messages without references join the customer's most recently
   active open conversation;
5. inbound: within the continuity window, the conversation whose private
   reply (a direct message answering the customer's comment) awaits the
   customer's answer on that channel (``ConversationSummary.awaits_answer``),
   then the continuity window over the customer's open conversations;
6. inbound email: the subject fallback over the customer's conversations;
7. otherwise a new conversation.

A match on a solved conversation reopens it within the reopen window and
starts a linked follow-up after it; a closed one always gets a follow-up.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime, timedelta

import attrs

from omnicx.model import Channel, Direction, Message, Status, Visibility
from omnicx.model._checks import require_aware
from omnicx.timeline._policy import ThreadingPolicy
from omnicx.timeline._refs import post_thread
from omnicx.timeline._state import ConversationSummary, ThreadIndex
from omnicx.timeline._subject import normalize_subject


class ThreadReason(enum.Enum):
    """Which rule found the conversation (or that none did)."""

    KNOWN_MESSAGE = "known_message"
    """The message (by Message-ID or provider message id) is already in it."""
    IN_REPLY_TO = "in_reply_to"
    """The email's In-Reply-To names one of its messages."""
    REFERENCES = "references"
    """The email's References names one of its messages."""
    PROVIDER_THREAD = "provider_thread"
    """The provider's thread, conversation or session id matches."""
    OUTBOUND_LATEST = "outbound_latest"
    """An outbound message without references joins the customer's latest open conversation."""
    CONTINUITY = "continuity"
    """The customer wrote again within the channel's continuity window."""
    SUBJECT = "subject"
    """An email without usable references has the same normalized subject."""
    PARENT_COMMENT = "parent_comment"
    """A public reply answers a comment in the conversation."""
    POST_AUTHOR = "post_author"
    """A public message by the same author on the same post."""
    PRIVATE_REPLY = "private_reply"
    """A customer's direct message answers the private reply to their comment in the conversation."""
    NO_MATCH = "no_match"
    """Nothing matched: a new conversation."""


class ThreadOutcome(enum.Enum):
    """What the desk does with the conversation a decision names."""

    CONTINUE = "continue"
    """Add the message to ``conversation_id`` as it is."""
    REOPEN = "reopen"
    """Add it to ``conversation_id`` and move that solved conversation to open."""
    FOLLOW_UP_CLOSED = "follow_up_closed"
    """Start a new conversation linked to the closed ``follow_up_of``."""
    FOLLOW_UP_EXPIRED = "follow_up_expired"
    """Start a new conversation linked to ``follow_up_of``, solved longer ago than the reopen window."""
    NEW = "new"
    """Start a new, unlinked conversation."""


@attrs.frozen(kw_only=True)
class ThreadDecision:
    """Where a message goes and why.

    Attributes:
        conversation_id: the existing conversation to add it to; None when a
            new one must be created (outcomes NEW and FOLLOW_UP_*).
        follow_up_of: the conversation a new follow-up links to
            (``Conversation.follow_up_of``); None otherwise.
    """

    outcome: ThreadOutcome
    reason: ThreadReason
    conversation_id: str | None = None
    follow_up_of: str | None = None

    @property
    def creates_conversation(self) -> bool:
        """True when the desk must create a conversation for the message."""
        return self.conversation_id is None


def thread(
    message: Message,
    conversations: ThreadIndex | Iterable[ConversationSummary],
    policy: ThreadingPolicy,
    now: datetime,
    *,
    customer_id: str,
) -> ThreadDecision:
    """Decide which conversation ``message`` from or to ``customer_id`` belongs to.

    Args:
        conversations: the candidates: a ``ThreadIndex`` (fast, kept by the
            desk) or summaries to index for this call. Include the customer's
            conversations and any a message reference could name.
        now: the decision time; windows are measured from it, both ways:
            a conversation's window runs from its first message minus the
            window to its last plus the window. The desk passes the
            message's effective instant (its sent time bounded by its
            received time), so the decision does not depend on arrival.

    Explicit references may name another customer's conversation (a CC'd
    colleague replying on the thread); the windows and the subject fallback
    never look beyond ``customer_id``.

    Raises:
        ValidationError: ``now`` is naive.
        ConflictError: summaries passed as a list put one message in two
            conversations (see ``ThreadIndex.put``).
    """
    require_aware(now, "now")
    index = (
        conversations if isinstance(conversations, ThreadIndex) else ThreadIndex.of(conversations)
    )
    known = _known(message, index)
    if known is not None:
        return ThreadDecision(
            outcome=ThreadOutcome.CONTINUE,
            reason=ThreadReason.KNOWN_MESSAGE,
            conversation_id=known.id,
        )
    found = _referenced(message, index)
    if found is not None:
        return _decide(found[0], found[1], message, policy, now)
    if message.visibility is Visibility.PUBLIC:
        public = _public(message, index, customer_id)
        if public is not None:
            return _decide(public[0], public[1], message, policy, now)
        if message.direction is Direction.INBOUND:
            return ThreadDecision(outcome=ThreadOutcome.NEW, reason=ThreadReason.NO_MATCH)
    mine = index.of_customer(customer_id)
    if message.direction is Direction.OUTBOUND:
        for summary in mine:
            if summary.status.is_active:
                return _continue(summary, ThreadReason.OUTBOUND_LATEST)
        return ThreadDecision(outcome=ThreadOutcome.NEW, reason=ThreadReason.NO_MATCH)
    window = policy.continuity(message.channel)
    if window is not None:
        for summary in mine:
            # The answer to a private reply joins the comment's conversation,
            # ahead of any other conversation continuity would pick.
            if summary.awaits_answer(message.channel) and _within(summary, now, window):
                return _decide(summary, ThreadReason.PRIVATE_REPLY, message, policy, now)
        for summary in mine:
            if (
                summary.status.is_active
                and summary.channel.name not in policy.separate_channels
                and _within(summary, now, window)
            ):
                return _continue(summary, ThreadReason.CONTINUITY)
    if message.channel == Channel.EMAIL:
        subject = normalize_subject(message.thread.subject)
        if subject is not None:
            for summary in mine:
                if summary.subject == subject and _within(summary, now, policy.subject_window):
                    return _decide(summary, ThreadReason.SUBJECT, message, policy, now)
    return ThreadDecision(outcome=ThreadOutcome.NEW, reason=ThreadReason.NO_MATCH)


def _within(summary: ConversationSummary, at: datetime, window: timedelta) -> bool:
    # Both ways: a late message sent before the conversation's first one
    # joins it only as close to it as a message after its last one would,
    # so whether two messages share a conversation does not depend on which
    # arrived first.
    return summary.first_activity - window <= at <= summary.last_activity_at + window


def _known(message: Message, index: ThreadIndex) -> ConversationSummary | None:
    if message.thread.message_id:
        found = index.by_message_id(message.thread.message_id)
        if found is not None:
            return found
    if message.external_id:
        return index.by_external_id(message.channel, message.external_id)
    return None


def _referenced(
    message: Message, index: ThreadIndex
) -> tuple[ConversationSummary, ThreadReason] | None:
    refs = message.thread
    # RFC 5322 section 3.6.4: "The "In-Reply-To:" field will contain the
    # contents of the "Message-ID:" field of the message to which this one is
    # a reply (the "parent message")." It is checked first and alone, so a
    # client that dropped References still threads.
    for message_id in refs.in_reply_to:
        found = index.by_message_id(message_id)
        if found is None and message.channel != Channel.EMAIL:
            # A messaging reply quotes the provider's id of the message it
            # answers (WhatsApp ``context.id``: the wamid a send got back).
            found = index.by_external_id(message.channel, message_id)
        if found is not None:
            return found, ThreadReason.IN_REPLY_TO
    # RFC 5322 section 3.6.4: "The "References:" field will contain the
    # contents of the parent's "References:" field (if any) followed by the
    # contents of the parent's "Message-ID:" field (if any)." The list is
    # oldest first, so the nearest ancestor is searched first.
    for message_id in reversed(refs.references):
        found = index.by_message_id(message_id)
        if found is not None:
            return found, ThreadReason.REFERENCES
    if refs.provider_thread_id:
        found = index.by_provider_thread(message.channel, refs.provider_thread_id)
        if found is not None:
            return found, ThreadReason.PROVIDER_THREAD
    return None


def _public(
    message: Message, index: ThreadIndex, customer_id: str
) -> tuple[ConversationSummary, ThreadReason] | None:
    if message.parent_id:
        parent = index.by_external_id(message.channel, message.parent_id)
        # A customer answering someone else's comment stays in their own
        # thread on the post; the business's reply goes where it answers.
        if parent is not None and (
            message.direction is Direction.OUTBOUND or parent.customer_id == customer_id
        ):
            return parent, ThreadReason.PARENT_COMMENT
    posted = post_thread(message)
    if posted is not None:
        found = index.by_provider_thread(message.channel, posted)
        if found is not None and found.customer_id == customer_id:
            return found, ThreadReason.POST_AUTHOR
    return None


def _continue(summary: ConversationSummary, reason: ThreadReason) -> ThreadDecision:
    return ThreadDecision(outcome=ThreadOutcome.CONTINUE, reason=reason, conversation_id=summary.id)


def _decide(
    summary: ConversationSummary,
    reason: ThreadReason,
    message: Message,
    policy: ThreadingPolicy,
    now: datetime,
) -> ThreadDecision:
    # Outbound messages attach where they point: an agent's note to a solved
    # conversation does not reopen it, and nothing the business sends starts
    # a follow-up on its own.
    if message.direction is Direction.OUTBOUND or summary.status.is_active:
        return _continue(summary, reason)
    if summary.status is Status.CLOSED:
        # LIFECYCLE: closed is terminal; a new inbound starts a linked follow-up.
        return ThreadDecision(
            outcome=ThreadOutcome.FOLLOW_UP_CLOSED, reason=reason, follow_up_of=summary.id
        )
    solved_at = summary.solved_at or summary.last_activity_at
    if now - solved_at <= policy.reopen_window:
        return ThreadDecision(
            outcome=ThreadOutcome.REOPEN, reason=reason, conversation_id=summary.id
        )
    return ThreadDecision(
        outcome=ThreadOutcome.FOLLOW_UP_EXPIRED, reason=reason, follow_up_of=summary.id
    )
