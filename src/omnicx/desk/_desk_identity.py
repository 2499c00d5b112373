"""The desk's hand edits of customers: merge, unmerge, undo a split, update, move; all audited."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from omnicx.desk._agent_changes import Change
from omnicx.desk._customer_edit import CustomerEdit
from omnicx.desk._desk_base import DeskBase, changes_without_conversation
from omnicx.desk._receipt import ConversationErasedError, Receipt
from omnicx.desk._rehome import rehome
from omnicx.desk._unit import Unit, member_ids
from omnicx.errors import ConflictError, NotFoundError, ValidationError
from omnicx.identity import ChangeSet, current_profile, undo_split, unmerge
from omnicx.identity import merge as merge_customers
from omnicx.model import Customer
from omnicx.privacy import Action, Resource
from omnicx.storage import AuditAction, ConversationRecord, DeskStore


class DeskIdentity(DeskBase):
    """The desk's ``merge``, ``unmerge``, ``undo_split``, ``update_customer``, ``move_conversation``."""

    __slots__ = ()

    def unmerge(self, merge_id: str, *, actor_id: str, reason: str) -> str:
        """Undo a merge (``omnicx.identity.unmerge``), recorded in the audit log.

        Returns the id of the profile restored. Conversations started
        before the merge keep their customer; each one started while the two
        were one moves to the customer whose messages it holds, and one with
        messages from both stays and is listed (``moved`` and ``mixed`` in
        the audit entry's details; see docs/desk.md).
        """
        record = self.store.merge(merge_id)
        if record is None:
            raise NotFoundError("merge", merge_id)
        self.check(actor_id, Action.UNMERGE, Resource.customer(record.survivor_id))
        unit = Unit.open(self.store, f"unmerge:{merge_id}", self.clock.now())
        undone = unmerge(unit.staged, merge_id, now=unit.now, policy=self.identity)
        rehomed = rehome(unit, (undone.survivor.id, undone.restored.id))
        unit.record(AuditAction.UNMERGE, actor_id, customer_id=undone.survivor.id,
                    reason=reason, merge_id=merge_id, restored_id=undone.restored.id,
                    **rehomed.details())  # fmt: skip
        self.store.commit(changes_without_conversation(unit, {"customer_id": undone.survivor.id}))
        return undone.restored.id

    def undo_split(self, split_id: str, *, actor_id: str, reason: str) -> str:
        """Undo a split (``omnicx.identity.undo_split``), recorded in the audit log.

        Identity splits a customer when a value it was joined by turns out to
        be shared (``AuditAction.SPLIT`` entries name them); an agent who
        knows better puts it back. Needs the unmerge permission. Returns the
        id of the customer restored; the conversations the split moved to
        its parts come back to it (``moved`` in the audit entry's details).
        """
        record = self.store.merge(split_id)
        if record is None:
            raise NotFoundError("split", split_id)
        self.check(actor_id, Action.UNMERGE, Resource.customer(record.survivor_id))
        unit = Unit.open(self.store, f"undo-split:{split_id}", self.clock.now())
        restored = undo_split(unit.staged, split_id, now=unit.now, policy=self.identity)
        rehomed = rehome(unit, (restored.id, *record.parts))
        unit.record(AuditAction.SPLIT, actor_id, customer_id=restored.id, reason=reason,
                    merge_id=split_id, undone=True, parts=list(record.parts),
                    **rehomed.details())  # fmt: skip
        self.store.commit(changes_without_conversation(unit, {"customer_id": restored.id}))
        return restored.id

    def merge(
        self,
        first_id: str,
        second_id: str,
        *,
        actor_id: str,
        reason: str,
        request_id: str | None = None,
    ) -> str:
        """Merge two customers by hand (``omnicx.identity.merge``), audited; returns the merge id.

        The older profile survives; merge protection still applies
        (``ConflictError`` when it refuses, or when both already are one
        customer), and ``unmerge`` undoes it. The audit entry names the
        identifiers the two shared as evidence, by kind only. ``request_id``
        makes a retried call return the first call's merge.
        """
        key = f"merge:{request_id}" if request_id else f"merge:{self.store.next_id('a')}"
        stored = self.store.receipt(key)
        if stored is not None:
            return str(stored["merge_id"])
        for customer_id in (first_id, second_id):
            live = current_profile(self.store, customer_id)
            self.check(actor_id, Action.MERGE, Resource.customer(live.id))
        unit = Unit.open(self.store, key, self.clock.now())
        record = merge_customers(unit.staged, first_id, second_id, at=unit.now, policy=self.identity,
                       rules=self.merge_rules)  # fmt: skip
        unit.record(AuditAction.MERGE, actor_id, customer_id=record.survivor_id, reason=reason,
                    merge_id=record.id, absorbed_id=record.absorbed_id,
                    evidence=sorted({i.kind.value for i in record.evidence}))  # fmt: skip
        receipt = {"customer_id": record.survivor_id, "merge_id": record.id}
        self.store.commit(changes_without_conversation(unit, receipt))
        return record.id

    def update_customer(
        self,
        customer_id: str,
        *,
        actor_id: str,
        reason: str = "",
        name: str | None = None,
        vip: bool | None = None,
        tier: str | None = None,
        language: str | None = None,
        timezone: str | None = None,
        attributes: Mapping[str, Any] | None = None,
        request_id: str | None = None,
    ) -> Customer:
        """Change a customer's name, VIP flag, tier, language, time zone or attributes.

        None leaves a field as it is; an attribute set to None is removed.
        Every problem is reported at once (``ValidationError`` with paths),
        before anything is written. The audit log records which fields
        changed, never their values (it outlives erasure). Returns the
        customer as routing now sees it.
        """
        edit = CustomerEdit(name=name, vip=vip, tier=tier, language=language,
                            timezone=timezone, attributes=dict(attributes or {}))  # fmt: skip
        key = f"customer:{request_id}" if request_id else f"customer:{self.store.next_id('a')}"
        if self.store.receipt(key) is not None:
            return self.customer(customer_id)
        unit = Unit.open(self.store, key, self.clock.now())
        profile = current_profile(unit.staged, customer_id)
        self.check(actor_id, Action.EDIT_CUSTOMER, Resource.customer(profile.id))
        updated = edit.applied_to(profile)
        unit.staged.apply(ChangeSet(profiles=(updated,)))
        unit.record(AuditAction.CUSTOMER_UPDATE, actor_id, customer_id=profile.id,
                    reason=reason, fields=edit.changed())  # fmt: skip
        self.store.commit(changes_without_conversation(unit, {"customer_id": profile.id}))
        return updated.to_customer(self.standing)

    def move_conversation(
        self,
        conversation_id: str,
        customer_id: str,
        *,
        actor_id: str,
        reason: str,
        request_id: str | None = None,
        seen_version: int | None = None,
    ) -> Receipt:
        """Move a conversation to another customer by hand, audited; returns its receipt.

        Settles a conversation an unmerge or a split left mixed (messages
        from both customers), or one threaded under the wrong customer. The
        conversation's ``customer_id`` (and its summary's) becomes the live
        customer ``customer_id`` resolves to; the inbox, ``conversations()``
        and the timelines follow, its events keep the ids they were recorded
        with. Needs the merge permission on both customers. The
        ``MOVE_CONVERSATION`` audit entry is under the new customer, with
        the one it left as ``previous`` in its details.

        Args:
            seen_version: the ``conversation_version`` the agent's screen
                showed; the move is refused with ``ConflictError`` if the
                conversation changed since.
            request_id: makes a retried call return the first call's receipt.

        Raises:
            NotFoundError: no such conversation or customer.
            ConversationErasedError: the conversation was erased.
            ValidationError: the customer was erased (``customer_id``), or
                already shows the conversation: a move that changes nothing
                is refused (without ``request_id``, a retry after success
                meets it too).
            ConflictError: ``seen_version`` is stale.
            PermissionDenied: the actor's role lacks the merge action.
        """
        if request_id is not None:
            replayed = self._replayed(f"act:{request_id}")
            if replayed is not None:
                return replayed
        stored = self._record(conversation_id)
        if stored.erased_at is not None:
            raise ConversationErasedError(conversation_id, stored.erased_at)
        source = current_profile(self.store, stored.conversation.customer_id)
        target = current_profile(self.store, customer_id)
        for profile in (source, target):
            self.check(actor_id, Action.MERGE, Resource.customer(profile.id))
        if _erased(self.store, target.id):
            raise ValidationError.single(
                "customer_id",
                f"customer {customer_id!r} was erased; move the conversation to a live customer",
            )
        change = _moved_to(customer_id, actor_id=actor_id, reason=reason,
                           seen_version=seen_version)  # fmt: skip
        return self._act(conversation_id, request_id, change)


def _erased(store: DeskStore, customer_id: str) -> bool:
    # An erasure leaves the profile, scrubbed, and its audit entry under it.
    return any(e.action is AuditAction.ERASURE for e in store.audit(customer_id=customer_id))


def _moved_to(customer_id: str, *, actor_id: str, reason: str, seen_version: int | None) -> Change:
    def change(unit: Unit, record: ConversationRecord) -> ConversationRecord:
        if seen_version is not None and record.version != seen_version:
            raise ConflictError(
                f"conversation {record.id!r} is at version {record.version}, not "
                f"{seen_version} as seen: it changed since; reload it before moving it"
            )
        target = current_profile(unit.staged, customer_id)
        previous = record.conversation.customer_id
        if previous in member_ids(unit.staged, target):
            raise ValidationError.single(
                "customer_id",
                f"conversation {record.id!r} already shows under customer {target.id!r};"
                " name another customer to move it",
            )
        unit.record(AuditAction.MOVE_CONVERSATION, actor_id, customer_id=target.id,
                    conversation_id=record.id, reason=reason, previous=previous)  # fmt: skip
        conversation = attrs.evolve(record.conversation, customer_id=target.id)
        summary = attrs.evolve(record.summary, customer_id=target.id)
        return attrs.evolve(record, conversation=conversation, summary=summary)

    return change
