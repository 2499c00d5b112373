"""The inbox queries of ``DjangoStore`` as Django querysets.

Each means exactly what the pure functions of ``omnicx.storage`` say
(``inbox_matches``, ``InboxSort``, ``search_terms``), over the columns and
child tables of ``omnicx.contrib.django.models``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Collate

from omnicx.contrib.django import models as m
from omnicx.contrib.django._store_rows import field_number, micros, term_key
from omnicx.model import FieldValue
from omnicx.storage import _inbox
from omnicx.storage._inbox import ANY_BOT, NO_BOT, InboxFilter, InboxSort, Unassigned

__all__ = ["by_id", "filtered", "keyset", "search_hits", "sorted_page"]

# Ids sort by code point, as Python's ``str`` does: the backend's binary
# collation (a database's default one may sort by language rules).
_BINARY = {"postgresql": "C", "mysql": "utf8mb4_bin"}


def by_id(vendor: str, field: str = "id") -> Any:
    """An expression of ``field`` that compares and sorts by code point on ``vendor``."""
    collation = _BINARY.get(vendor)
    return F(field) if collation is None else Collate(F(field), collation)


def filtered(rows: QuerySet[m.Conversation], f: InboxFilter) -> QuerySet[m.Conversation]:
    """``rows`` narrowed to the conversations ``inbox_matches(f, ...)`` accepts."""
    if f.queue is not None:
        rows = rows.filter(queue=f.queue)
    if f.customer_id is not None:
        rows = rows.filter(customer_id=f.customer_id)
    if f.status is not None:
        rows = rows.filter(status__in=sorted(s.value for s in f.status))
    if f.priority is not None:
        rows = rows.filter(urgency__in=sorted(_inbox.urgency(p) for p in f.priority))
    if isinstance(f.assignee, Unassigned):
        rows = rows.filter(assignee__isnull=True, bot__isnull=True)
    elif f.assignee is not None:
        rows = rows.filter(assignee=f.assignee)
    if f.bot is ANY_BOT:
        rows = rows.filter(bot__isnull=False)
    elif f.bot is NO_BOT:
        rows = rows.filter(bot__isnull=True)
    elif f.bot is not None:
        rows = rows.filter(bot=f.bot)
    if f.tag is not None:
        rows = rows.filter(
            Exists(m.ConversationTag.objects.filter(conversation_id=OuterRef("id"), tag=f.tag))
        )
    if f.channel is not None:
        rows = rows.filter(channel=f.channel.name)
    for name, wanted in sorted(f.fields.items()):
        rows = _field(rows, name, wanted)
    for column, start, end in (
        ("created_us", f.created_from, f.created_before),
        ("updated_us", f.updated_from, f.updated_before),
    ):
        if start is not None:
            rows = rows.filter(**{f"{column}__gte": micros(start)})
        if end is not None:
            rows = rows.filter(**{f"{column}__lt": micros(end)})
    return rows


def _field(
    rows: QuerySet[m.Conversation], name: str, wanted: FieldValue
) -> QuerySet[m.Conversation]:
    # ``field_matches``: equal and of the same JSON kind; None is missing or null.
    same = m.ConversationField.objects.filter(conversation_id=OuterRef("id"), name=name)
    if wanted is None:
        return rows.filter(~Exists(same))
    if isinstance(wanted, bool):
        return rows.filter(Exists(same.filter(kind="bool", number=float(wanted))))
    if isinstance(wanted, int | float):
        number = field_number(wanted)
        if number is None:
            return rows.none()  # NaN equals nothing; no stored float equals it
        return rows.filter(Exists(same.filter(kind="number", number=number)))
    return rows.filter(Exists(same.filter(kind="text", text=wanted)))


def keyset(
    rows: QuerySet[m.Conversation], sort: InboxSort, cursor: str, vendor: str
) -> QuerySet[m.Conversation]:
    """The rows strictly after the cursor's row in ``sort`` order (keyset pagination).

    Raises:
        ValidationError: at ``cursor`` for a cursor ``sort`` did not make.
    """
    key = _inbox.decode_cursor(sort, cursor)
    rows = rows.annotate(binary_id=by_id(vendor))
    if sort is InboxSort.PRIORITY_THEN_AGE:
        level, created, conversation_id = key
        at = micros(created)
        return rows.filter(
            Q(urgency__gt=level)
            | Q(urgency=level, created_us__gt=at)
            | Q(urgency=level, created_us=at, binary_id__gt=conversation_id)
        )
    updated, conversation_id = key
    at = micros(updated)
    return rows.filter(Q(updated_us__lt=at) | Q(updated_us=at, binary_id__lt=conversation_id))


def sorted_page(
    rows: QuerySet[m.Conversation], sort: InboxSort, vendor: str
) -> QuerySet[m.Conversation]:
    """``rows`` in ``sort`` order: most urgent then oldest, or latest update first."""
    binary = by_id(vendor)
    if sort is InboxSort.PRIORITY_THEN_AGE:
        return rows.order_by("urgency", "created_us", binary.asc())
    return rows.order_by("-updated_us", binary.desc())


def search_hits(terms: tuple[str, ...]) -> QuerySet[m.SearchTerm]:
    """The term rows of the messages holding every one of ``terms`` (at least one)."""
    keys = sorted({term_key(term) for term in terms})
    hits = m.SearchTerm.objects.filter(term=keys[0])
    for key in keys[1:]:
        hits = hits.filter(
            Exists(m.SearchTerm.objects.filter(event_id=OuterRef("event_id"), term=key))
        )
    return hits
