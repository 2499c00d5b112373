"""The rows ``DjangoStore`` writes for a value: JSON text and the columns copied from it."""

from __future__ import annotations

import hashlib
import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from omnicx import serde
from omnicx._frozen import JsonDocument, thaw
from omnicx.contrib.django import models as m
from omnicx.model import Event, MessageEvent
from omnicx.storage import _inbox
from omnicx.storage._records import ConversationRecord

__all__ = [
    "conversation_children",
    "conversation_columns",
    "event_json",
    "event_terms",
    "field_number",
    "micros",
    "receipt_text",
    "term_key",
    "to_json",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_TERM = m.ID_LENGTH  # the length of omnicx_search_term.term
_DIGEST = 64  # hex characters of a SHA-256

# One encoder for every column: json.dumps with options builds a new one per call.
_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def to_json(value: Any) -> str:
    """The JSON text a value is stored as (``omnicx.serde``)."""
    return _encode(serde.to_dict(value))


def event_json(event: Event) -> str:
    """The JSON text an event is stored as."""
    return _encode(serde.event_to_dict(event))


def receipt_text(receipt: Any) -> str:
    """The JSON text of a receipt (a ``JsonDocument`` keeps the text it was parsed from)."""
    return receipt.text if type(receipt) is JsonDocument else _encode(thaw(receipt))


def micros(at: datetime) -> int:
    """Microseconds since the Unix epoch: integers order instants whatever their offset."""
    return (at - _EPOCH) // _MICROSECOND


def conversation_columns(record: ConversationRecord) -> dict[str, Any]:
    """The columns of ``omnicx_conversation`` copied from a record (all but id and version)."""
    c = record.conversation
    written = attrs.evolve(record, version=record.version + 1)
    return {
        "customer_id": c.customer_id,
        "data": to_json(written),
        "created_us": micros(c.created_at),
        "updated_us": micros(_inbox.updated_at(record)),
        "due_us": None if record.due_at is None else micros(record.due_at),
        "queue": c.queue,
        "status": c.status.value,
        "assignee": c.assignee,
        "urgency": _inbox.urgency(c.priority),
        "channel": c.channel.name,
        "bot": _inbox.bot_id(record),
    }


def conversation_children(
    record: ConversationRecord,
) -> tuple[list[m.ConversationTag], list[m.ConversationField]]:
    """The tag and custom field rows of a record (null fields have none)."""
    c = record.conversation
    tags = [m.ConversationTag(conversation_id=record.id, tag=tag) for tag in sorted(c.tags)]
    fields = []
    for name, value in sorted(c.fields.items()):
        if value is None:
            continue
        row = m.ConversationField(conversation_id=record.id, name=name)
        if isinstance(value, bool):
            row.kind, row.number = "bool", float(value)
        elif isinstance(value, int | float):
            row.kind, row.number = "number", field_number(value)
        else:
            row.kind, row.text = "text", value
        fields.append(row)
    return tags, fields


def field_number(value: float) -> float | None:
    """A number as the field column holds it: None for one no float holds, or NaN (equal to nothing)."""
    try:
        number = float(value)
    except OverflowError:
        return None
    return None if math.isnan(number) else number


def term_key(term: str) -> str:
    """A search term as the column holds it: a longer word keeps a prefix and its digest."""
    if len(term) <= _TERM:
        return term
    digest = hashlib.sha256(term.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{term[: _TERM - _DIGEST - 1]}#{digest}"


def event_terms(event: Event) -> list[str]:
    """The distinct search terms of a stored message's text (none for other events)."""
    if not isinstance(event, MessageEvent) or event.conversation_id is None:
        return []
    return sorted({term_key(term) for term in _inbox.search_terms(event.message.text)})
