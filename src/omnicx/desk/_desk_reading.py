"""The desk's reads: timelines, conversations, inbox pages, counts and search, SLA reports."""

from __future__ import annotations

from omnicx.desk._desk_base import DeskBase
from omnicx.desk._rehome import customer_events
from omnicx.desk._unit import Unit, member_ids
from omnicx.errors import ValidationError
from omnicx.identity import current_profile
from omnicx.model import Event
from omnicx.sla import SlaReport, customer_facts
from omnicx.storage import ConversationRecord, InboxCounts, InboxFilter, InboxPage, InboxSort
from omnicx.timeline import build_timeline


class DeskReading(DeskBase):
    """The desk's reading calls: timelines, conversations, the inbox, SLA reports."""

    __slots__ = ()

    def timeline(self, customer_id: str) -> tuple[Event, ...]:
        """The customer's one timeline across channels, merged profiles included.

        It holds their events and their conversations' (one that moved to
        them after a split or an unmerge brings its history along).
        """
        profile = current_profile(self.store, customer_id)
        unit = Unit.open(self.store, "read", self.clock.now())
        return build_timeline(customer_events(unit, member_ids(unit.staged, profile)))

    def conversation(self, conversation_id: str) -> ConversationRecord:
        """The stored conversation record; raises ``NotFoundError``."""
        return self._record(conversation_id)

    def conversations(self, customer_id: str) -> list[ConversationRecord]:
        """Every conversation of a customer (merged profiles included), oldest first."""
        profile = current_profile(self.store, customer_id)
        staged = Unit.open(self.store, "read", self.clock.now()).staged
        return self.store.conversations_of(member_ids(staged, profile))

    def inbox(
        self,
        filter: InboxFilter | None = None,
        *,
        sort: InboxSort = InboxSort.PRIORITY_THEN_AGE,
        limit: int = 50,
        cursor: str | None = None,
    ) -> InboxPage:
        """One page of an inbox view: the conversations matching ``filter``, in ``sort`` order.

        ``InboxFilter()`` (the default) lists every conversation. Pass the
        page's ``next_cursor`` as ``cursor`` for the next one (None on the
        last page): a conversation nobody wrote in between is never skipped
        nor shown twice, however many others arrive or change meanwhile.

        Raises:
            ValidationError: a custom field ``Desk.fields`` does not declare,
                or a value of the wrong type (at ``filter.fields.<name>``); a
                cursor of another sort or none at all (``cursor``); ``limit``
                outside 1 to ``MAX_LIMIT``.
        """
        return self.store.inbox(self._inbox_filter(filter), sort=sort, limit=limit, cursor=cursor)

    def inbox_counts(self, filter: InboxFilter | None = None) -> InboxCounts:
        """How many conversations match ``filter`` (default: all), per queue and status.

        For inbox badges: ``InboxFilter(status={Status.NEW, Status.OPEN})``
        counts the open work of every queue in one query.

        Raises:
            ValidationError: as ``inbox`` for custom fields.
        """
        return self.store.inbox_counts(self._inbox_filter(filter))

    def search(
        self, text: str, *, filter: InboxFilter | None = None, limit: int = 20
    ) -> list[ConversationRecord]:
        """Conversations with a message (either direction) holding every word of ``text``.

        Case and diacritics do not matter (``cafe`` finds ``Café``); words
        are whole words; quotes, ``*``, ``NEAR`` and other search syntax are
        plain text. The conversation with the latest matching message comes
        first; ``filter`` narrows the result as in ``inbox``.

        Raises:
            ValidationError: as ``inbox`` for custom fields and ``limit``.
        """
        checked = None if filter is None else self._inbox_filter(filter)
        return self.store.search(text, filter=checked, limit=limit)

    def _inbox_filter(self, filter: InboxFilter | None) -> InboxFilter:
        if filter is None:
            return InboxFilter()
        if not isinstance(filter, InboxFilter):
            raise ValidationError.single(
                "filter", f"expected an InboxFilter, got {type(filter).__name__}"
            )
        if self.fields is not None:
            problems = self.fields.problems(filter.fields, "filter.fields")
            if problems:
                raise ValidationError(problems)
        return filter

    def sla_report(self, conversation_id: str) -> SlaReport | None:
        """Every SLA clock of a conversation at the clock's ``now``; None without SLAs."""
        if self.sla is None:
            return None
        record = self._record(conversation_id)
        now = self.clock.now()
        state = self._sla.state(self.sla, record)
        if state is not None:
            return self.sla.report(state, now)
        events = self.store.events(conversation_id=conversation_id)
        customer = self.customer(record.conversation.customer_id)
        return self.sla.status(events, now, customer_facts(customer))
