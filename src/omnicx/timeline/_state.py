"""What threading needs to know about each candidate conversation.

The desk keeps one ``ConversationSummary`` per conversation in its store and
loads those of the customer (plus any a message references) into a
``ThreadIndex`` before calling ``thread``. Summaries are small frozen values;
the index is the one mutable piece, a lookup table over them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

import attrs

from omnicx._frozen import frozen_set
from omnicx.errors import ConflictError
from omnicx.model import Channel, Direction, Message, Status, Visibility
from omnicx.model._checks import aware, non_empty
from omnicx.timeline._refs import post_thread
from omnicx.timeline._subject import normalize_subject

ChannelRef = tuple[str, str]
"""A (channel name, provider id) pair: provider ids are only unique per channel."""

_AWAITING = "omnicx:private-reply"
# The provider thread a conversation holds on a DM channel while the
# business's private reply there waits for the customer's answer: no
# provider spells a thread id so.


@attrs.frozen(kw_only=True)
class ConversationSummary:
    """A conversation as threading sees it.

    Attributes:
        last_activity_at: when the last message in either direction was sent.
        solved_at: when it was last solved (None unless status is solved or closed).
        message_ids: RFC 5322 Message-IDs of its messages, without angle brackets.
        external_ids: (channel, provider message id) of its messages. The
            desk stores neither (``ConversationRecord`` drops them): it
            fills in, per message, the ids that message names which the
            thread-reference index gives to this conversation.
        provider_threads: (channel, provider thread or conversation id) pairs;
            a public conversation's post threads (``post_thread``) among them.
        subject: the normalized subject (``normalize_subject``), if any.
        first_activity_at: when its earliest message was sent; None for a
            summary stored before it was kept (``last_activity_at`` stands in).
    """

    id: str = attrs.field(validator=non_empty)
    customer_id: str = attrs.field(validator=non_empty)
    channel: Channel
    status: Status
    last_activity_at: datetime = attrs.field(validator=aware)
    solved_at: datetime | None = attrs.field(default=None, validator=aware)
    message_ids: frozenset[str] = attrs.field(default=frozenset(), converter=frozen_set)
    external_ids: frozenset[ChannelRef] = attrs.field(default=frozenset(), converter=frozen_set)
    provider_threads: frozenset[ChannelRef] = attrs.field(default=frozenset(), converter=frozen_set)
    subject: str | None = None
    first_activity_at: datetime | None = attrs.field(default=None, validator=aware)

    @property
    def first_activity(self) -> datetime:
        """When its earliest message was sent (``last_activity_at`` if not known)."""
        return self.first_activity_at or self.last_activity_at

    def awaits_answer(self, channel: Channel) -> bool:
        """Whether a private reply on ``channel`` waits for the customer's answer here.

        The business answered a public comment of the conversation with a
        direct message (``Desk.private_reply``): the customer's next direct
        message on ``channel`` answers it, and ``thread`` brings it here.
        """
        return (channel.name, _AWAITING) in self.provider_threads

    def with_private_reply(self, message: Message) -> ConversationSummary:
        """Return the summary after the business's private reply ``message`` joined it.

        As ``with_message``, and the conversation awaits the customer's answer
        on the reply's channel (``awaits_answer``) until a direct message of
        theirs on it joins the conversation.
        """
        after = self.with_message(message)
        return attrs.evolve(
            after, provider_threads=after.provider_threads | {(message.channel.name, _AWAITING)}
        )

    def with_message(self, message: Message) -> ConversationSummary:
        """Return the summary after ``message`` joined the conversation.

        Adds its ids and thread id, moves ``last_activity_at`` forward and
        ``first_activity_at`` back (a late message neither ages the
        conversation nor depends on when it arrived) and takes the message's
        subject if the conversation had none or the message is its earliest.
        Status is not touched: the desk applies the decision's status change
        itself.
        """
        refs = message.thread
        channel = message.channel.name
        subject = normalize_subject(refs.subject)
        threads = self.provider_threads
        if refs.provider_thread_id:
            threads = threads | {(channel, refs.provider_thread_id)}
        posted = post_thread(message)
        if posted is not None:
            threads = threads | {(channel, posted)}
        if message.direction is Direction.INBOUND and message.visibility is Visibility.PRIVATE:
            # The customer's direct message answered a waiting private reply.
            threads = threads - {(channel, _AWAITING)}
        earliest = message.sent_at < self.first_activity
        return attrs.evolve(
            self,
            last_activity_at=max(self.last_activity_at, message.sent_at),
            first_activity_at=message.sent_at if earliest else self.first_activity_at,
            message_ids=self.message_ids | {refs.message_id}
            if refs.message_id
            else self.message_ids,
            external_ids=self.external_ids | {(channel, message.external_id)}
            if message.external_id
            else self.external_ids,
            provider_threads=threads,
            subject=(subject or self.subject) if earliest else (self.subject or subject),
        )


@attrs.define
class ThreadIndex:
    """Lookup tables over conversation summaries, for ``thread``.

    Indexed by RFC 5322 Message-ID, by (channel, external id), by (channel,
    provider thread id) and by customer, so one decision costs a few dict
    look-ups however many conversations are open. ``put`` replaces a summary
    and re-indexes it.
    """

    _by_id: dict[str, ConversationSummary] = attrs.field(factory=dict)
    _by_message_id: dict[str, str] = attrs.field(factory=dict)
    _by_external: dict[ChannelRef, str] = attrs.field(factory=dict)
    _by_thread: dict[ChannelRef, str] = attrs.field(factory=dict)
    _by_customer: dict[str, set[str]] = attrs.field(factory=dict)

    @classmethod
    def of(cls, summaries: Iterable[ConversationSummary]) -> ThreadIndex:
        """Build an index over ``summaries`` (see ``put`` for conflicts)."""
        index = cls()
        for summary in summaries:
            index.put(summary)
        return index

    def put(self, summary: ConversationSummary) -> None:
        """Add or replace a summary.

        Raises:
            ConflictError: one of its messages already belongs to another
                conversation; a message is never in two conversations. The
                index is left unchanged.
        """
        owners = [self._by_message_id.get(m) for m in summary.message_ids]
        owners += [self._by_external.get(ref) for ref in summary.external_ids]
        for owner in owners:
            if owner is not None and owner != summary.id:
                raise ConflictError(
                    f"conversation {summary.id!r}: a message already belongs to "
                    f"conversation {owner!r}"
                )
        self.remove(summary.id)
        self._by_id[summary.id] = summary
        for message_id in summary.message_ids:
            self._by_message_id[message_id] = summary.id
        for ref in summary.external_ids:
            self._by_external[ref] = summary.id
        for ref in summary.provider_threads:
            # A follow-up continues its predecessor's provider thread: the
            # most recently active conversation owns the thread id.
            holder = self._by_id.get(self._by_thread.get(ref, ""))
            if holder is None or (holder.last_activity_at, holder.id) <= (
                summary.last_activity_at,
                summary.id,
            ):
                self._by_thread[ref] = summary.id
        self._by_customer.setdefault(summary.customer_id, set()).add(summary.id)

    def remove(self, conversation_id: str) -> None:
        """Drop a conversation from the index (nothing happens if it is absent)."""
        old = self._by_id.pop(conversation_id, None)
        if old is None:
            return
        for message_id in old.message_ids:
            self._by_message_id.pop(message_id, None)
        for ref in old.external_ids:
            self._by_external.pop(ref, None)
        for ref in old.provider_threads:
            if self._by_thread.get(ref) == conversation_id:
                del self._by_thread[ref]
        ids = self._by_customer[old.customer_id]
        ids.discard(conversation_id)
        if not ids:
            del self._by_customer[old.customer_id]

    def get(self, conversation_id: str) -> ConversationSummary | None:
        """Return the summary with this id, or None."""
        return self._by_id.get(conversation_id)

    def by_message_id(self, message_id: str) -> ConversationSummary | None:
        """Return the conversation holding this RFC 5322 Message-ID, or None."""
        owner = self._by_message_id.get(message_id)
        return None if owner is None else self._by_id[owner]

    def by_external_id(self, channel: Channel, external_id: str) -> ConversationSummary | None:
        """Return the conversation holding this provider message id, or None."""
        owner = self._by_external.get((channel.name, external_id))
        return None if owner is None else self._by_id[owner]

    def by_provider_thread(self, channel: Channel, thread_id: str) -> ConversationSummary | None:
        """Return the conversation with this provider thread id, or None.

        When several share one (a follow-up continues a provider thread), the
        most recently active one wins.
        """
        owner = self._by_thread.get((channel.name, thread_id))
        return None if owner is None else self._by_id[owner]

    def of_customer(self, customer_id: str) -> list[ConversationSummary]:
        """Return the customer's conversations, most recent activity first, then by id."""
        found = [self._by_id[i] for i in self._by_customer.get(customer_id, ())]
        found.sort(key=lambda s: s.id)
        found.sort(key=lambda s: s.last_activity_at, reverse=True)
        return found

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[ConversationSummary]:
        return iter(self._by_id.values())
