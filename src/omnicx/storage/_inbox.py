"""Inbox queries: which conversations a view lists, in which order, a page at a time.

The values a host passes to ``DeskStore.inbox``, ``inbox_counts`` and
``search``, and the pure functions that define what they mean: ``inbox_matches``
(does a record pass a filter), ``sort_key`` (where it goes), the cursor
codec and ``search_terms`` (how text is cut into words). ``MemoryStore``
runs these functions as they are; any other store must give the same
answers (``omnicx.testing.StoreContract`` checks it).

Pagination is by keyset: a cursor holds the sort key of the last row of a
page (and its id, which breaks ties), and the next page starts strictly
after it. A row that is not written between two pages keeps its key, so it
is never skipped nor repeated, whatever else is inserted or updated.
"""

from __future__ import annotations

import base64
import binascii
import enum
import json
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import attrs

from omnicx import serde
from omnicx._frozen import EMPTY_MAP, frozen_map, frozen_seq
from omnicx.errors import Problem, ValidationError
from omnicx.model import Channel, FieldValue, Priority, Status
from omnicx.storage._records import ConversationRecord

MAX_LIMIT = 1_000
"""The largest page (or search result) a store returns in one call."""


class Unassigned(enum.Enum):
    """The type of ``UNASSIGNED``."""

    UNASSIGNED = "unassigned"


UNASSIGNED = Unassigned.UNASSIGNED
"""``InboxFilter(assignee=UNASSIGNED)``: only conversations nobody holds, no agent and no bot."""


class BotOwnership(enum.Enum):
    """The type of ``ANY_BOT`` and ``NO_BOT``: ``InboxFilter.bot`` criteria that name no bot."""

    ANY_BOT = "any_bot"
    NO_BOT = "no_bot"


ANY_BOT = BotOwnership.ANY_BOT
"""``InboxFilter(bot=ANY_BOT)``: only conversations a bot owns, whichever bot."""

NO_BOT = BotOwnership.NO_BOT
"""``InboxFilter(bot=NO_BOT)``: only conversations no bot owns (people hold them, or nobody)."""


class InboxSort(enum.Enum):
    """The order of an inbox page."""

    PRIORITY_THEN_AGE = "priority_then_age"
    """Most urgent first; within a priority the oldest created first; ties by id."""
    LAST_UPDATE = "last_update"
    """Most recently updated first (``updated_at``); ties by id, highest first."""


def _statuses(value: Any) -> Any:
    return _one_or_set(value, Status)


def _priorities(value: Any) -> Any:
    return _one_or_set(value, Priority)


def _one_or_set(value: Any, kind: type[enum.Enum]) -> Any:
    # One member, its value, or an iterable of either -> a frozenset; anything
    # unknown is kept as it is for the filter's own check to report.
    if value is None:
        return None
    items = [value] if isinstance(value, str | kind) else value
    try:
        return frozenset(item if isinstance(item, kind) else kind(item) for item in items)
    except (TypeError, ValueError):
        pass
    try:
        return frozenset(items)  # with an unknown member, for the check to report
    except TypeError:
        return value if not isinstance(value, list | set | dict) else tuple(value)


@attrs.frozen(kw_only=True)
class InboxFilter:
    """Which conversations an inbox view lists; every criterion given must hold.

    None (the default) leaves a criterion out, so ``InboxFilter()`` lists
    every conversation.

    Attributes:
        queue: the conversation's queue.
        status: one status or a set of them (the conversation has one of them).
        priority: one priority or a set of them.
        assignee: an agent id, or ``UNASSIGNED`` for conversations nobody
            holds: no agent is assigned and no bot owns them (the queue of
            work people can pick up).
        bot: the bot that owns the conversation (``Conversation.bot``): a
            bot id for that bot's, ``ANY_BOT`` for every bot's, ``NO_BOT``
            for those no bot owns. Not a boolean: pass ``ANY_BOT`` or
            ``NO_BOT`` rather than True or False.
        tag: a tag the conversation carries.
        channel: the channel the conversation started on.
        customer_id: the conversation's customer.
        fields: custom field name -> value, each an exact match: a string
            matches only that string, a number only an equal number, a
            boolean only that boolean (never 0 or 1), and None a field that
            is not set (absent or None).
        created_from: created at or after this instant.
        created_before: created strictly before this instant.
        updated_from: ``updated_at`` at or after this instant.
        updated_before: ``updated_at`` strictly before this instant.

    Raises:
        ValidationError: every problem at once, each at its attribute's name
            (``status``, ``fields.plan``, ``created_before``...); ``bot``
            also when it is a bot (a bot id or ``ANY_BOT``) together with
            ``assignee=UNASSIGNED``, which leaves bots' conversations out.
    """

    queue: str | None = None
    status: frozenset[Status] | None = attrs.field(default=None, converter=_statuses)
    priority: frozenset[Priority] | None = attrs.field(default=None, converter=_priorities)
    assignee: str | Unassigned | None = None
    bot: str | BotOwnership | None = None
    tag: str | None = None
    channel: Channel | None = None
    customer_id: str | None = None
    fields: Mapping[str, FieldValue] = attrs.field(default=EMPTY_MAP, converter=frozen_map)
    created_from: datetime | None = None
    created_before: datetime | None = None
    updated_from: datetime | None = None
    updated_before: datetime | None = None

    def __attrs_post_init__(self) -> None:
        problems = list(_problems(self))
        if problems:
            raise ValidationError(problems)


def _problems(f: InboxFilter) -> Iterable[Problem]:
    for name in ("queue", "tag", "customer_id"):
        value = getattr(f, name)
        if value is not None and (not isinstance(value, str) or not value):
            yield Problem(name, f"expected a non-empty string or None, got {value!r}")
    assignee = f.assignee
    if not (
        assignee is None
        or isinstance(assignee, Unassigned)
        or (isinstance(assignee, str) and assignee)
    ):
        yield Problem("assignee", "expected an agent id, UNASSIGNED or None")
    bot = f.bot
    if isinstance(bot, bool):
        yield Problem("bot", f"expected a bot id, ANY_BOT, NO_BOT or None, got {bot!r}; "
                      f"pass {'ANY_BOT' if bot else 'NO_BOT'} instead")  # fmt: skip
    elif not (bot is None or isinstance(bot, BotOwnership) or (isinstance(bot, str) and bot)):
        yield Problem("bot", f"expected a bot id, ANY_BOT, NO_BOT or None, got {bot!r}")
    elif isinstance(assignee, Unassigned) and bot is not None and bot is not NO_BOT:
        yield Problem("bot", "matches nothing with assignee=UNASSIGNED, which leaves out every "
                      "conversation a bot owns; drop assignee to list a bot's conversations")  # fmt: skip
    for name, kind in (("status", Status), ("priority", Priority)):
        value = getattr(f, name)
        if value is None:
            continue
        if not isinstance(value, frozenset) or not all(isinstance(m, kind) for m in value):
            allowed = ", ".join(m.value for m in kind)
            yield Problem(name, f"expected a {name} or a set of them ({allowed}), got {value!r}")
        elif not value:
            yield Problem(name, f"an empty set matches nothing; pass at least one {name} or None")
    if f.channel is not None and not isinstance(f.channel, Channel):
        yield Problem("channel", "expected a Channel, e.g. Channel.EMAIL or Channel('line')")
    for name, value in f.fields.items():
        if not isinstance(name, str) or not name:
            yield Problem("fields", "field names must be non-empty strings")
        elif value is not None and not isinstance(value, str | int | float | bool):
            yield Problem(f"fields.{name}", f"expected a string, number, boolean or None, got "
                          f"{type(value).__name__}")  # fmt: skip
    for start, end in (("created_from", "created_before"), ("updated_from", "updated_before")):
        low, high = getattr(f, start), getattr(f, end)
        for name, value in ((start, low), (end, high)):
            if value is not None and (not isinstance(value, datetime) or value.tzinfo is None):
                yield Problem(name, "expected an aware datetime (add a UTC offset) or None")
                low = high = None
        if low is not None and high is not None and high <= low:
            yield Problem(end, f"must be after {start}: the range [from, before) is empty")


@attrs.frozen(kw_only=True)
class InboxPage:
    """One page of an inbox view.

    Attributes:
        records: the conversations on this page, in the view's order.
        next_cursor: pass it as ``cursor`` for the next page; None on the last.
    """

    records: tuple[ConversationRecord, ...] = attrs.field(converter=frozen_seq)
    next_cursor: str | None = None


@attrs.frozen(kw_only=True)
class InboxCounts:
    """How many conversations match a filter, per queue and status (for inbox badges).

    Attributes:
        cells: (queue, status) -> how many; only non-zero cells are present.
            The queue is None for conversations in no queue.
    """

    cells: Mapping[tuple[str | None, Status], int] = attrs.field(
        default=EMPTY_MAP, converter=frozen_map
    )

    @property
    def total(self) -> int:
        """Every matching conversation."""
        return sum(self.cells.values())

    @property
    def by_queue(self) -> Mapping[str | None, int]:
        """Queue -> how many, over every status."""
        counts: Counter[str | None] = Counter()
        for (queue, _), n in self.cells.items():
            counts[queue] += n
        return frozen_map(counts)

    @property
    def by_status(self) -> Mapping[Status, int]:
        """Status -> how many, over every queue."""
        counts: Counter[Status] = Counter()
        for (_, status), n in self.cells.items():
            counts[status] += n
        return frozen_map(counts)


# -- the semantics, as pure functions ---------------------------------------


def updated_at(record: ConversationRecord) -> datetime:
    """When a record was last written by the desk; its creation if never stamped."""
    return record.updated_at or record.conversation.created_at


def urgency(priority: Priority) -> int:
    """0 for urgent up to 3 for low: ascending order is most urgent first."""
    return len(Priority) - 1 - priority.rank


def field_matches(stored: object, wanted: FieldValue) -> bool:
    """The custom field rule of ``InboxFilter.fields``: equal and of the same JSON kind."""
    if wanted is None:
        return stored is None
    if isinstance(wanted, bool) or isinstance(stored, bool):
        return type(stored) is type(wanted) and stored == wanted
    if isinstance(wanted, int | float):
        return isinstance(stored, int | float) and stored == wanted
    return isinstance(stored, str) and stored == wanted


def bot_id(record: ConversationRecord) -> str | None:
    """The id of the bot that owns ``record``'s conversation, or None (the stored bot column)."""
    bot = record.conversation.bot
    return None if bot is None else bot.id


def bot_matches(wanted: str | BotOwnership | None, owner: str | None) -> bool:
    """The rule of ``InboxFilter.bot`` for a conversation whose bot id is ``owner``."""
    if wanted is None:
        return True
    if wanted is ANY_BOT:
        return owner is not None
    if wanted is NO_BOT:
        return owner is None
    return owner == wanted


def inbox_matches(f: InboxFilter, record: ConversationRecord) -> bool:
    """True when ``record`` passes every criterion of ``f``."""
    c = record.conversation
    if not bot_matches(f.bot, bot_id(record)):
        return False
    if f.queue is not None and c.queue != f.queue:
        return False
    if f.status is not None and c.status not in f.status:
        return False
    if f.priority is not None and c.priority not in f.priority:
        return False
    if isinstance(f.assignee, Unassigned):
        if c.assignee is not None or c.bot is not None:
            return False
    elif f.assignee is not None and c.assignee != f.assignee:
        return False
    if f.tag is not None and f.tag not in c.tags:
        return False
    if f.channel is not None and c.channel != f.channel:
        return False
    if f.customer_id is not None and c.customer_id != f.customer_id:
        return False
    if not all(field_matches(c.fields.get(k), v) for k, v in f.fields.items()):
        return False
    return _within(c.created_at, f.created_from, f.created_before) and _within(
        updated_at(record), f.updated_from, f.updated_before
    )


def _within(at: datetime, start: datetime | None, end: datetime | None) -> bool:
    return (start is None or at >= start) and (end is None or at < end)


SortKey = tuple[Any, ...]
"""A row's place in a sort: compared as a tuple."""


def sort_key(sort: InboxSort, record: ConversationRecord) -> SortKey:
    """The key ``sort`` orders by; ``ordered`` applies its direction."""
    if sort is InboxSort.PRIORITY_THEN_AGE:
        c = record.conversation
        return (urgency(c.priority), c.created_at, c.id)
    return (updated_at(record), record.id)


def descending(sort: InboxSort) -> bool:
    """True when ``sort`` lists its keys from the largest (``LAST_UPDATE``)."""
    return sort is InboxSort.LAST_UPDATE


def ordered(sort: InboxSort, records: Iterable[ConversationRecord]) -> list[ConversationRecord]:
    """``records`` in the order of ``sort``."""
    return sorted(records, key=lambda r: sort_key(sort, r), reverse=descending(sort))


def after(sort: InboxSort, key: SortKey, cursor: SortKey) -> bool:
    """True when a row with ``key`` comes strictly after the cursor's row."""
    return key < cursor if descending(sort) else key > cursor


# -- cursors -----------------------------------------------------------------

_CURSOR_FIX = "pass the next_cursor of the previous page unchanged, or None for the first page"


def encode_cursor(sort: InboxSort, record: ConversationRecord) -> str:
    """The opaque cursor that continues ``sort`` after ``record``."""
    key = sort_key(sort, record)
    parts = [sort.value, *(serde.to_dict(k) if isinstance(k, datetime) else k for k in key)]
    text = json.dumps(parts, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(sort: InboxSort, cursor: str) -> SortKey:
    """The sort key a cursor holds.

    Raises:
        ValidationError: at ``cursor``, when it is not one ``encode_cursor``
            made for ``sort``.
    """
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        parts = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    except (AttributeError, TypeError, ValueError, binascii.Error, UnicodeError):
        raise ValidationError.single("cursor", f"not an inbox cursor; {_CURSOR_FIX}") from None
    if not isinstance(parts, list) or not parts or parts[0] != sort.value:
        raise ValidationError.single(
            "cursor", f"not a cursor of the {sort.value} sort; {_CURSOR_FIX}"
        )
    try:
        if sort is InboxSort.PRIORITY_THEN_AGE:
            _, level, created, conversation_id = parts
            if type(level) is not int or not isinstance(conversation_id, str):
                raise ValueError
            return (level, serde.from_dict(datetime, created), conversation_id)
        _, updated, conversation_id = parts
        if not isinstance(conversation_id, str):
            raise ValueError
        return (serde.from_dict(datetime, updated), conversation_id)
    except (ValueError, ValidationError):
        raise ValidationError.single("cursor", f"a damaged inbox cursor; {_CURSOR_FIX}") from None


def check_limit(limit: int, where: str = "limit") -> int:
    """``limit`` when it is a whole number from 1 to ``MAX_LIMIT``.

    Raises:
        ValidationError: at ``where`` otherwise.
    """
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ValidationError.single(where, f"expected a whole number from 1 to {MAX_LIMIT}")
    return limit


def page(sort: InboxSort, found: list[ConversationRecord], limit: int) -> InboxPage:
    """The page of ``limit`` records out of ``found`` (up to ``limit + 1`` in order)."""
    if len(found) <= limit:
        return InboxPage(records=tuple(found))
    kept = found[:limit]
    return InboxPage(records=tuple(kept), next_cursor=encode_cursor(sort, kept[-1]))


# -- search ------------------------------------------------------------------


def _is_token_char(char: str) -> bool:
    # SQLite FTS5 unicode61's token characters: categories L*, N* and Co,
    # and (removing diacritics) the combining marks it folds away; every
    # other character separates tokens.
    category = unicodedata.category(char)
    return category[0] in "LN" or category == "Co" or _is_diacritic(ord(char))


def _is_diacritic(code: int) -> bool:
    # sqlite3Fts5UnicodeIsdiacritic: these combining marks of U+0300-U+0331
    # are part of a token (and then removed), as in "e" + U+0301 + "t".
    if not 0x300 <= code <= 0x331:
        return False
    offset = code - 0x300
    mask = 0x08029FDF if offset < 32 else 0x000361F8
    return bool(mask >> (offset % 32) & 1)


def _fold(token: str) -> str:
    # unicode61 with remove_diacritics 2: case folded one character at a
    # time (final sigma and long s too, but "ß" stays), and the diacritics of
    # Latin letters dropped; other scripts keep theirs.
    return "".join(_fold_char(ch) for ch in token)


def _fold_char(char: str) -> str:
    folded = char.casefold()
    if len(folded) != 1:
        folded = char.lower()
    return "".join(map(_plain, folded))


def _plain(char: str) -> str:
    if "\u00c0" <= char <= "\u024f" or "\u1e00" <= char <= "\u1eff":
        decomposed = unicodedata.normalize("NFD", char)
        return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return "" if _is_diacritic(ord(char)) else char


def search_terms(text: str) -> tuple[str, ...]:
    """The words of ``text`` as search compares them: lower case, without diacritics.

    Words are runs of letters and digits (Unicode categories L, N and Co,
    as SQLite FTS5's unicode61 tokenizer cuts them); everything else,
    quotes, ``*``, ``-``, parentheses, only separates words, so no search
    syntax is ever interpreted. A conversation matches a search when one of
    its messages holds every term of the query as a whole word.

    Latin-script text (accents, case, combining marks) is cut and folded
    exactly as SQLite's tokenizer does; in other scripts, and for characters
    newer than its Unicode tables, stores may fold a few words differently.
    """
    terms: list[str] = []
    current: list[str] = []
    for char in text:
        if _is_token_char(char):
            current.append(char)
        elif current:
            terms.append(_fold("".join(current)))
            current = []
    if current:
        terms.append(_fold("".join(current)))
    return tuple(t for t in terms if t)


def fts_query(terms: Iterable[str]) -> str:
    """An FTS5 query matching rows that hold every term (each quoted as a string)."""
    return " ".join('"' + term.replace('"', '""') + '"' for term in terms)
