"""Inbox queries: which conversations, in which order, one page at a time.

The values here are the whole meaning of an inbox query; ``MemoryStore``
evaluates them plainly (``InboxFilter.matches``, ``InboxQuery.sort_key``) and
other stores must return the same pages (the contract suite compares them).
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from omnicx._frozen import frozen_seq
from omnicx.errors import Problem, ValidationError
from omnicx.model import Channel, Priority, Status
from omnicx.storage._records import ConversationRecord

MAX_PAGE = 500
"""The largest page (``InboxQuery.limit``) and search result (``search(limit=)``) a store returns."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)
_CURSOR_VERSION = 1
_CURSOR_FIX = "start again without a cursor (page 1) and follow next_cursor"


def micros(value: datetime) -> int:
    """An aware datetime as whole microseconds since 1970 UTC (a store's sortable column)."""
    return (value - _EPOCH) // _MICRO


class InboxSort(enum.Enum):
    """The order of an inbox page."""

    PRIORITY_AGE = "priority_age"
    """Most urgent first, then oldest created first, then by id.

    The key is (priority, created_at, id): only a priority change moves a
    conversation, so replies, tags, assignments and status changes between
    pages never repeat or skip one.
    """
    LAST_UPDATE = "last_update"
    """Most recent activity (``ConversationSummary.last_activity_at``) first, then by id.

    Activity only moves forward, so a conversation updated during a
    traversal jumps ahead of the cursor: it is never returned twice, but one
    not yet reached is skipped by this traversal (it is on page 1 now).
    """


def _id_set(value: Any) -> Any:
    # One id (or None) stands for a set of one; anything else iterable is a set.
    if value is None:
        return None
    if isinstance(value, str | Status | Priority | Channel):
        return frozenset({value})
    if isinstance(value, Iterable):
        return frozenset(value)
    return value


def _tag_set(value: Any) -> Any:
    return frozenset() if value is None else _id_set(value)


def _check_set(
    problems: list[Problem], path: str, value: Any, kind: type | tuple[type, ...], what: str
) -> None:
    if value is None:
        return
    if not isinstance(value, frozenset):
        problems.append(Problem(path, f"must be a set of {what}, got {type(value).__name__}"))
        return
    if not value:
        problems.append(
            Problem(path, f"is empty and would match nothing; pass None for any {what}")
        )
    wrong = sorted({type(item).__name__ for item in value if not isinstance(item, kind)})
    if wrong:
        problems.append(Problem(path, f"must hold only {what}, got {', '.join(wrong)}"))


def _check_instant(problems: list[Problem], path: str, value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, datetime):
        problems.append(Problem(path, f"must be a datetime, got {type(value).__name__}"))
    elif value.tzinfo is None or value.utcoffset() is None:
        problems.append(Problem(path, "naive datetime; pass a timezone-aware one (tzinfo=UTC)"))


def check_limit(limit: Any, path: str) -> None:
    """Refuse a page size or result limit outside ``1..MAX_PAGE``."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise ValidationError.single(
            path, f"must be a whole number from 1 to {MAX_PAGE}, got {limit!r}"
        )


@attrs.frozen(kw_only=True)
class InboxFilter:
    """Which conversations an inbox shows: every field given must match.

    A set field matches a conversation whose value is in the set; a single
    value stands for a set of one; None (the default) matches any value.

    Attributes:
        queues: the queues; None in the set stands for "no queue".
        statuses: the statuses.
        assignees: agent ids; None in the set stands for "unassigned".
        tags: tags a conversation must all carry.
        channels: the channels conversations started on.
        customer_ids: the customers (as stored on the conversation; pass
            every merged id to see a merged customer's conversations).
        priorities: the priorities.
        created_from, created_before: ``created_from <= created_at < created_before``.
        updated_from, updated_before: the same range on the last activity.
    """

    queues: frozenset[str | None] | None = attrs.field(default=None, converter=_id_set)
    statuses: frozenset[Status] | None = attrs.field(default=None, converter=_id_set)
    assignees: frozenset[str | None] | None = attrs.field(default=None, converter=_id_set)
    tags: frozenset[str] = attrs.field(default=frozenset(), converter=_tag_set)
    channels: frozenset[Channel] | None = attrs.field(default=None, converter=_id_set)
    customer_ids: frozenset[str] | None = attrs.field(default=None, converter=_id_set)
    priorities: frozenset[Priority] | None = attrs.field(default=None, converter=_id_set)
    created_from: datetime | None = None
    created_before: datetime | None = None
    updated_from: datetime | None = None
    updated_before: datetime | None = None

    def __attrs_post_init__(self) -> None:
        problems: list[Problem] = []
        _check_set(problems, "queues", self.queues, (str, type(None)), "queue names (or None)")
        _check_set(problems, "statuses", self.statuses, Status, "Status values")
        _check_set(problems, "assignees", self.assignees, (str, type(None)), "agent ids (or None)")
        if self.tags != frozenset():  # empty is fine here: no tag required
            _check_set(problems, "tags", self.tags, str, "tags")
        _check_set(problems, "channels", self.channels, Channel, "Channel values")
        _check_set(problems, "customer_ids", self.customer_ids, str, "customer ids")
        _check_set(problems, "priorities", self.priorities, Priority, "Priority values")
        for name in ("created_from", "created_before", "updated_from", "updated_before"):
            _check_instant(problems, name, getattr(self, name))
        if not problems:
            for start, end in (
                ("created_from", "created_before"),
                ("updated_from", "updated_before"),
            ):
                low, high = getattr(self, start), getattr(self, end)
                if low is not None and high is not None and low >= high:
                    problems.append(Problem(end, f"must be later than {start}"))
        if problems:
            raise ValidationError(problems)

    def matches(self, record: ConversationRecord) -> bool:
        """Whether ``record`` passes every filter (the reference semantics)."""
        c = record.conversation
        updated = record.summary.last_activity_at
        return (
            (self.queues is None or c.queue in self.queues)
            and (self.statuses is None or c.status in self.statuses)
            and (self.assignees is None or c.assignee in self.assignees)
            and self.tags <= c.tags
            and (self.channels is None or c.channel in self.channels)
            and (self.customer_ids is None or c.customer_id in self.customer_ids)
            and (self.priorities is None or c.priority in self.priorities)
            and (self.created_from is None or c.created_at >= self.created_from)
            and (self.created_before is None or c.created_at < self.created_before)
            and (self.updated_from is None or updated >= self.updated_from)
            and (self.updated_before is None or updated < self.updated_before)
        )

    def fingerprint(self) -> str:
        """A digest of the filter, so a cursor only continues the query that issued it."""

        def names(values: frozenset[Any] | None) -> list[str | None] | None:
            if values is None:
                return None
            text = [
                None if v is None else getattr(v, "value", getattr(v, "name", v)) for v in values
            ]
            return sorted(text, key=lambda v: (v is not None, v or ""))

        def when(value: datetime | None) -> int | None:
            return None if value is None else micros(value)

        canonical = [
            names(self.queues), names(self.statuses), names(self.assignees), sorted(self.tags),
            names(self.channels), names(self.customer_ids), names(self.priorities),
            when(self.created_from), when(self.created_before),
            when(self.updated_from), when(self.updated_before),
        ]  # fmt: skip
        return _digest(canonical)


def _digest(value: Any) -> str:
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


SortKey = tuple[int, int, str] | tuple[int, str]
"""A record's position in one sort order, compared ascending."""


@attrs.frozen(kw_only=True)
class InboxQuery:
    """One page of an inbox: a filter, an order, a page size and where to continue.

    Pages are keyset-paginated: ``cursor`` is the opaque ``next_cursor`` of
    the previous page and names the last conversation returned by its sort
    key, so the next page starts strictly after it, whatever was written in
    between (see ``InboxSort`` for what a write can move). A cursor only
    continues the query (filter and sort) that issued it; a garbled,
    truncated or edited one, or one from another query, raises
    ``ValidationError`` at construction. The cursor is checked, not signed:
    it can only move the start of a page, never widen the filter.

    Attributes:
        where: which conversations.
        sort: their order.
        limit: the page size, 1 to ``MAX_PAGE``.
        cursor: None for the first page, else the previous page's ``next_cursor``.
    """

    where: InboxFilter = attrs.field(factory=InboxFilter)
    sort: InboxSort = InboxSort.PRIORITY_AGE
    limit: int = 50
    cursor: str | None = None

    def __attrs_post_init__(self) -> None:
        problems: list[Problem] = []
        if not isinstance(self.where, InboxFilter):
            problems.append(
                Problem("where", f"must be an InboxFilter, got {type(self.where).__name__}")
            )
        if not isinstance(self.sort, InboxSort):
            problems.append(Problem("sort", f"must be an InboxSort, got {self.sort!r}"))
        try:
            check_limit(self.limit, "limit")
        except ValidationError as error:
            problems += error.problems
        if problems:
            raise ValidationError(problems)
        if self.cursor is not None:
            self.after  # noqa: B018 - decoding is the check

    def sort_key(self, record: ConversationRecord) -> SortKey:
        """``record``'s position in this query's order (ascending is page order)."""
        c = record.conversation
        if self.sort is InboxSort.PRIORITY_AGE:
            return (-c.priority.rank, micros(c.created_at), c.id)
        return (-micros(record.summary.last_activity_at), c.id)

    @property
    def after(self) -> SortKey | None:
        """The sort key the cursor names (None on the first page); pages start after it."""
        if self.cursor is None:
            return None
        return _decode(self.cursor, self.sort, self.where.fingerprint())

    def cursor_after(self, record: ConversationRecord) -> str:
        """The cursor continuing this query after ``record``."""
        return self._cursor(self.sort_key(record))

    def narrowed(self, where: InboxFilter) -> InboxQuery:
        """This query (order, page size and position) over another filter.

        For a caller that narrows a query it was given (to the queues an
        actor may see) and must keep its position: the cursor is re-issued
        for ``where``.
        """
        query = InboxQuery(where=where, sort=self.sort, limit=self.limit)
        after = self.after
        return query if after is None else attrs.evolve(query, cursor=query._cursor(after))

    def _cursor(self, after: SortKey) -> str:
        key = list(after)
        check = _digest([_CURSOR_VERSION, self.sort.value, self.where.fingerprint(), key])
        body = json.dumps([_CURSOR_VERSION, self.sort.value, key, check], separators=(",", ":"))
        return base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")

    def page(self, records: Iterable[ConversationRecord]) -> InboxPage:
        """The page of ``records`` this query selects, by the plain method.

        Filters, sorts, skips to the cursor and cuts at ``limit``: what every
        store must return (``MemoryStore`` calls it directly).
        """
        after = self.after
        ordered = sorted((r for r in records if self.where.matches(r)), key=self.sort_key)
        if after is not None:
            ordered = [r for r in ordered if self.sort_key(r) > after]
        return self.cut(ordered[: self.limit + 1])

    def cut(self, fetched: list[ConversationRecord]) -> InboxPage:
        """A page from up to ``limit + 1`` records in order: the extra one means "more"."""
        items = tuple(fetched[: self.limit])
        more = len(fetched) > self.limit
        return InboxPage(items=items, next_cursor=self.cursor_after(items[-1]) if more else None)


def _garbled(detail: str) -> ValidationError:
    return ValidationError.single("cursor", f"{detail}; {_CURSOR_FIX}")


def _decode(cursor: str, sort: InboxSort, fingerprint: str) -> SortKey:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        version, sort_name, key, check = json.loads(raw.decode())
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        raise _garbled("not a cursor an inbox page issued") from None
    if version != _CURSOR_VERSION:
        raise _garbled(f"cursor version {version!r} is not supported")
    if sort_name != sort.value:
        raise _garbled(f"the cursor continues a {sort_name!r} inbox, not {sort.value!r}")
    if check != _digest([version, sort_name, fingerprint, key]):
        raise _garbled("the cursor was altered or continues a query with other filters")
    shape = (int, int, str) if sort is InboxSort.PRIORITY_AGE else (int, str)
    if not isinstance(key, list) or len(key) != len(shape):
        raise _garbled("the cursor's position is malformed")
    if not all(
        isinstance(k, t) and not isinstance(k, bool) for k, t in zip(key, shape, strict=True)
    ):
        raise _garbled("the cursor's position is malformed")
    return tuple(key)


@attrs.frozen(kw_only=True)
class InboxPage:
    """One page of an inbox.

    Attributes:
        items: the conversations, in the query's order.
        next_cursor: pass it as ``InboxQuery.cursor`` for the next page;
            None when this page is the last.
    """

    items: tuple[ConversationRecord, ...] = attrs.field(converter=frozen_seq)
    next_cursor: str | None = None


def plain_counts(
    records: Iterable[ConversationRecord], where: InboxFilter
) -> dict[tuple[str | None, Status], int]:
    """Conversations matching ``where``, counted by (queue, status): the reference count."""
    counts: dict[tuple[str | None, Status], int] = {}
    for record in records:
        if where.matches(record):
            key = (record.conversation.queue, record.conversation.status)
            counts[key] = counts.get(key, 0) + 1
    return counts
