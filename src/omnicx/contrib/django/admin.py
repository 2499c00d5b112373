"""Read-only admin pages: customers (identifiers, merge history), conversations, audit.

omnicx's tables change only through the desk (so every write keeps the
store's invariants and lands in the audit log): these pages show what is
stored and refuse to add, change or delete anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from omnicx.contrib.django import models as m
from omnicx.contrib.django.store import DjangoStore
from omnicx.identity import Profile
from omnicx.model import Event, MessageEvent, NoteEvent
from omnicx.storage._records import AuditEntry, ConversationRecord

__all__ = ["AuditAdmin", "ConversationAdmin", "CustomerAdmin", "ReadOnlyAdmin"]


if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin[Any]
else:  # generic in django-stubs only
    _ModelAdmin = admin.ModelAdmin


class ReadOnlyAdmin(_ModelAdmin):
    """An admin page that shows rows and never adds, changes or deletes one."""

    actions = None

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Nothing is added here: the desk writes these rows."""
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Nothing is changed here: the desk writes these rows."""
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Nothing is deleted here: erasure goes through the desk (and its audit log)."""
        return False


def _store(row: Model) -> DjangoStore:
    return DjangoStore(row._state.db or "default")


def _profile(row: m.Profile) -> Profile | None:
    return _store(row).profile(row.id)


@admin.register(m.Profile)
class CustomerAdmin(ReadOnlyAdmin):
    """Customers: each profile's names, identifiers and the merges it took part in."""

    list_display = ("id", "name", "identifiers", "merged_into", "version")
    search_fields = ("id",)
    fields = ("id", "version", "name", "identifiers", "merged_into", "merge_history")
    readonly_fields = fields

    @admin.display(description="name")
    def name(self, row: m.Profile) -> str:
        """The first name seen for the customer."""
        profile = _profile(row)
        return profile.names[0] if profile is not None and profile.names else ""

    @admin.display(description="identifiers")
    def identifiers(self, row: m.Profile) -> str:
        """Every identifier seen, as ``kind: value``."""
        profile = _profile(row)
        if profile is None:
            return ""
        return ", ".join(f"{i.kind.value}: {i.value}" for i in profile.identifiers)

    @admin.display(description="merged into")
    def merged_into(self, row: m.Profile) -> str:
        """The survivor's id once this profile was merged away."""
        profile = _profile(row)
        return (profile.merged_into or "") if profile is not None else ""

    @admin.display(description="merge history")
    def merge_history(self, row: m.Profile) -> SafeString:
        """The merges this profile survived, oldest first: when, whom, on what evidence."""
        store = _store(row)
        profile = store.profile(row.id)
        merges = [store.merge(i) for i in (profile.merge_ids if profile else ())]
        lines = [
            (r.at.isoformat(), r.id, r.absorbed_id,
             ", ".join(f"{i.kind.value}: {i.value}" for i in r.evidence),
             "undone" if r.undone_at else "")
            for r in merges if r is not None
        ]  # fmt: skip
        if not lines:
            return format_html("{}", "no merges")
        return format_html(
            "<table><tr><th>at</th><th>merge</th><th>absorbed</th><th>evidence</th>"
            "<th></th></tr>{}</table>",
            format_html_join(
                "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", lines
            ),
        )


def _record(row: m.Conversation) -> ConversationRecord | None:
    return _store(row).conversation(row.id)


def _said(event: Event) -> str:
    if isinstance(event, MessageEvent):
        return f"{event.message.direction.value}: {event.message.text}"
    if isinstance(event, NoteEvent):
        return f"note: {event.text}"
    return type(event).__name__


@admin.register(m.Conversation)
class ConversationAdmin(ReadOnlyAdmin):
    """Conversations by queue and status, each with its timeline."""

    list_display = ("id", "customer_id", "queue", "status", "assignee", "bot", "channel", "version")
    list_filter = ("status", "channel", "queue")
    search_fields = ("id", "customer_id")
    fields = ("id", "customer_id", "queue", "status", "assignee", "bot", "channel", "version",
              "subject", "timeline")  # fmt: skip
    readonly_fields = fields

    @admin.display(description="subject")
    def subject(self, row: m.Conversation) -> str:
        """The conversation's subject, if it has one."""
        record = _record(row)
        return (record.conversation.subject or "") if record is not None else ""

    @admin.display(description="timeline")
    def timeline(self, row: m.Conversation) -> SafeString:
        """The conversation's events in the order they were stored."""
        events = _store(row).events(conversation_id=row.id)
        if not events:
            return format_html("{}", "no events")
        return format_html(
            "<table><tr><th>at</th><th>event</th><th>what</th></tr>{}</table>",
            format_html_join(
                "", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                ((e.at.isoformat(), e.id, _said(e)) for e in events),
            ),
        )  # fmt: skip


def _entry(row: m.Audit) -> AuditEntry:
    return _store(row)._load(AuditEntry, row.data)


@admin.register(m.Audit)
class AuditAdmin(ReadOnlyAdmin):
    """The audit log: who read, exported or erased whose data, and why."""

    list_display = ("seq", "id", "actor", "action", "customer_id", "reason")
    list_filter = ("actor",)
    search_fields = ("customer_id", "actor")
    fields = ("seq", "id", "actor", "action", "customer_id", "reason")
    readonly_fields = fields

    @admin.display(description="action")
    def action(self, row: m.Audit) -> str:
        """What was done."""
        return _entry(row).action.value

    @admin.display(description="reason")
    def reason(self, row: m.Audit) -> str:
        """Why, as recorded."""
        return _entry(row).reason
