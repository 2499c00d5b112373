"""The store protocol the desk pipeline needs; hosts implement it."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol

from omnicx.identity import IdentityStore
from omnicx.model import Event, Order
from omnicx.storage._inbox import InboxCounts, InboxFilter, InboxPage, InboxSort
from omnicx.storage._records import AuditEntry, Changes, ConversationRecord, Erasure


class DeskStore(IdentityStore, Protocol):
    """Everything the desk reads and writes, synchronous, one write per call.

    It extends ``omnicx.identity.IdentityStore`` (profiles, links, merges,
    observations) with conversations, the thread-reference index, timeline
    events and idempotency receipts. The desk reads what it needs, computes
    every change, and hands them over in one ``commit``.

    Contract (checked by ``omnicx.testing.StoreContract``):

    - ``commit`` is atomic: after an exception nothing of it is visible.
    - Optimistic concurrency: ``commit`` raises ``ConflictError`` when a
      conversation's stored version differs from the record's ``version``
      or a profile's from ``Changes.profile_versions``. Written
      conversations are stored with ``version + 1``; written profiles bump
      their version by one.
    - ``commit`` skips an event whose id is already stored and a receipt whose
      key is already stored (idempotent replays).
    - Compare-and-set inside the commit's transaction: ``commit`` raises
      ``ConflictError`` when a link or thread reference differs from the one
      in ``Changes.links_read`` / ``refs_read``, or a key of
      ``Changes.new_receipts`` is already recorded; so one identifier never
      links two new profiles and one message is never taken in twice.
    - Each ``ConflictError`` names what moved, in the words of
      ``check_versions``/``check_reads`` (``conversation 'c1' changed since
      it was read``...; docs/storage.md lists them).
    - ``erase`` stores a rewritten conversation at its stored version + 1,
      as a commit would.
    - ``events`` returns events in the order they were appended.
    - ``commit`` writes ``Changes.orders`` compare-and-set against
      ``Changes.orders_read`` (``order 'shopify:1' changed since it was
      read``); ``erase`` deletes the erased customers' orders.
    - What grows with history lives in rows of its own: a message's ids in
      the thread-reference index (``conversation_for_ref``; records keep
      none), a profile's observations under its id (``observation_ids``,
      first stored first, from an index; profiles keep only the count). A
      message adds rows and rewrites records of a constant size.
    - The identity graph's own ``apply`` writes directly (outside the desk).
    - ``inbox``, ``inbox_counts`` and ``search`` mean exactly what the pure
      functions of ``omnicx.storage`` say (``inbox_matches``, ``InboxSort``,
      ``search_terms``); ``MemoryStore`` runs them as written.
    """

    def profile_version(self, profile_id: str) -> int:
        """Return the stored version of a profile (0 if it was never written)."""
        ...

    def conversation(self, conversation_id: str) -> ConversationRecord | None:
        """Return the stored record, or None."""
        ...

    def conversations_of(self, customer_ids: Collection[str]) -> list[ConversationRecord]:
        """Return every conversation of these customers, oldest first."""
        ...

    def conversation_for_ref(self, ref: str) -> str | None:
        """Return the conversation id indexed under a thread reference key."""
        ...

    def due(self, now: datetime, *, limit: int) -> list[ConversationRecord]:
        """Return up to ``limit`` records whose ``due_at`` is at or before ``now``.

        Earliest ``due_at`` first, ties by conversation id. Served from an
        index on ``due_at``: the cost follows what is returned, not how many
        conversations are stored. Records with ``due_at`` None never appear.
        """
        ...

    def events(
        self,
        *,
        customer_ids: Collection[str] | None = None,
        conversation_id: str | None = None,
    ) -> list[Event]:
        """Return stored events matching every filter given, in append order."""
        ...

    def receipt(self, key: str) -> Mapping[str, Any] | None:
        """Return the receipt recorded under an idempotency key, or None."""
        ...

    def order(self, system: str, order_id: str) -> Order | None:
        """Return the order stored under ``(system, order_id)``, or None."""
        ...

    def orders(self, customer_ids: Collection[str]) -> list[Order]:
        """Return every stored order of these customers, by system then order id.

        Served from an index on the customer: the cost follows the
        customers' orders, not how many are stored.
        """
        ...

    def audit(
        self, *, customer_id: str | None = None, actor: str | None = None
    ) -> list[AuditEntry]:
        """Return audit entries matching every filter given, oldest first.

        The audit log is append-only: ``commit`` and ``erase`` append to it;
        nothing rewrites or deletes an entry.
        """
        ...

    def commit(self, changes: Changes) -> None:
        """Write ``changes`` all or nothing; see the class contract."""
        ...

    def erase(self, erasure: Erasure) -> None:
        """Apply an erasure all or nothing, leaving no copy of what it removed.

        A store that keeps old row versions (a WAL, free pages, backups under
        its control) must make sure the erased values are not recoverable
        from it afterwards.
        """
        ...

    def inbox(
        self,
        filter: InboxFilter,
        *,
        sort: InboxSort = InboxSort.PRIORITY_THEN_AGE,
        limit: int = 50,
        cursor: str | None = None,
    ) -> InboxPage:
        """Return one page of the conversations matching ``filter``, in ``sort`` order.

        ``cursor`` is None for the first page, else the previous page's
        ``next_cursor`` (made for the same sort): the page starts strictly
        after the row it was made from (keyset pagination), so a row not
        written between two calls is neither skipped nor repeated.

        Raises:
            ValidationError: at ``cursor`` for a cursor this sort did not
                make, at ``limit`` outside 1 to ``MAX_LIMIT``.
        """
        ...

    def inbox_counts(self, filter: InboxFilter) -> InboxCounts:
        """Return how many conversations match ``filter``, per queue and status."""
        ...

    def search(
        self, text: str, *, filter: InboxFilter | None = None, limit: int = 20
    ) -> list[ConversationRecord]:
        """Return up to ``limit`` conversations with a message holding every word of ``text``.

        Words are cut by ``search_terms`` (no query syntax: quotes, ``*`` or
        ``NEAR`` are plain text); a text without words finds nothing. The
        conversation with the most recently stored matching message comes
        first. ``filter``, when given, must hold too. Erased text is never found.

        Raises:
            ValidationError: at ``limit`` outside 1 to ``MAX_LIMIT``.
        """
        ...


class DueClaimStore(DeskStore, Protocol):
    """A ``DeskStore`` whose due work several tick runners can claim, each piece by one.

    ``Desk.tick`` uses ``claim_due`` when the store has it, so runners in
    several processes split the due conversations between them instead of
    computing the same ones. Every store omnicx ships has it (PostgresStore:
    ``FOR UPDATE SKIP LOCKED``; SqliteStore: ``BEGIN IMMEDIATE``; DjangoStore:
    ``select_for_update(skip_locked=True)``, the write lock on SQLite;
    MemoryStore: in the process). A host's store without it is read with
    ``due``, and each conversation's version check alone keeps a tick from
    acting twice.
    """

    def claim_due(
        self, now: datetime, *, skip: Collection[str] = ()
    ) -> AbstractContextManager[ConversationRecord | None]:
        """Claim the earliest record due by ``now`` whose id is not in ``skip``.

        The context yields the record (None when nothing unclaimed is due)
        and holds the claim until it exits: another claim skips the record
        instead of waiting, and every ``commit`` made inside is part of the
        claim's transaction, written when the context exits normally and
        discarded when it exits with an exception. Earliest ``due_at``
        first, ties by id, as ``due``.
        """
        ...
