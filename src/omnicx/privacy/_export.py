"""Export: one customer's complete data as a versioned JSON document."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from omnicx import serde
from omnicx._frozen import frozen_seq
from omnicx.errors import ValidationError
from omnicx.identity import (
    MergeRecord,
    Profile,
    current_profile,
    merged_profiles,
    observation_ids_of,
)
from omnicx.model import Conversation, Customer, Event
from omnicx.model._checks import require_aware
from omnicx.storage import AuditAction, AuditEntry, Changes, DeskStore
from omnicx.timeline import build_timeline

EXPORT_FORMAT = "omnicx.customer-export"
"""The ``format`` field of a customer export document."""
EXPORT_VERSION = 1
"""The ``version`` field of a customer export document this release writes."""


@attrs.frozen(kw_only=True)
class CustomerExport:
    """Everything omnicx holds about one person.

    Attributes:
        customer: the live profile as a customer.
        profiles: the live profile and every profile merged into it.
        merges: the merge records that joined them, with their evidence.
        conversations: every conversation of those profiles.
        events: the unified timeline: messages, notes, status changes,
            orders, payments, survey answers, calls.
        observation_ids: every sighting attributed to those profiles
            (``observation_ids_of``), read from the store's rows.
    """

    exported_at: datetime
    customer: Customer
    profiles: tuple[Profile, ...] = attrs.field(converter=frozen_seq)
    merges: tuple[MergeRecord, ...] = attrs.field(converter=frozen_seq)
    conversations: tuple[Conversation, ...] = attrs.field(converter=frozen_seq)
    events: tuple[Event, ...] = attrs.field(converter=frozen_seq)
    observation_ids: tuple[str, ...] = attrs.field(default=(), converter=frozen_seq)


def export_customer(
    store: DeskStore, customer_id: str, *, now: datetime, actor: str, reason: str
) -> CustomerExport:
    """Collect one customer's data, merged-in profiles included, and audit it.

    ``customer_id`` may be an id merged away: it resolves to the survivor.
    The export is recorded in the audit log with ``actor`` and ``reason``.
    Raises ``NotFoundError`` for an id the store never had.
    """
    require_aware(now, "now")
    live = current_profile(store, customer_id)
    profiles, merges = merged_profiles(store, live)
    ids = [p.id for p in profiles]
    entry = AuditEntry(id=f"export:{store.next_id('export')}", at=now, actor=actor,
                       action=AuditAction.EXPORT, customer_id=live.id, reason=reason,
                       details={"customer_ids": ids})  # fmt: skip
    store.commit(Changes(audit=(entry,)))
    return CustomerExport(
        exported_at=now,
        customer=live.to_customer(),
        profiles=profiles,
        merges=merges,
        conversations=tuple(r.conversation for r in store.conversations_of(ids)),
        events=build_timeline(store.events(customer_ids=ids)),
        observation_ids=tuple(observation_ids_of(store, live)),
    )


def export_document(export: CustomerExport) -> dict[str, Any]:
    """The export as a JSON-ready document tagged with its format and version."""
    return {"format": EXPORT_FORMAT, "version": EXPORT_VERSION, **serde.to_dict(export)}


def load_export(document: Mapping[str, Any]) -> CustomerExport:
    """Read an export document back, checking its format, version and every field.

    Raises:
        ValidationError: a wrong format or version, or any invalid field, with its path.
    """
    if document.get("format") != EXPORT_FORMAT:
        raise ValidationError.single("format", f"expected {EXPORT_FORMAT!r}")
    if document.get("version") != EXPORT_VERSION:
        raise ValidationError.single(
            "version", f"unsupported export version {document.get('version')!r}; expected 1"
        )
    body = {k: v for k, v in document.items() if k not in ("format", "version")}
    return serde.from_dict(CustomerExport, body)
