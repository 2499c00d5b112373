"""The desk's scheduled work: ``tick`` does what has come due (snoozes, auto-solve, SLAs)."""

from __future__ import annotations

from contextlib import closing
from datetime import datetime

import attrs

from omnicx.desk import _assignment as assigning
from omnicx.desk._desk_base import DeskBase
from omnicx.desk._receipt import Receipt, SlaLine
from omnicx.desk._tick import TickReport, due_records, run_due
from omnicx.desk._unit import Unit, receipt_for
from omnicx.errors import ConflictError, ValidationError
from omnicx.model import Event
from omnicx.storage import ConversationRecord


class DeskTick(DeskBase):
    """The desk's ``tick``."""

    __slots__ = ()

    def tick(self, *, limit: int = 1000) -> TickReport:
        """Do everything due by the clock's ``now``; safe to call often and from many processes.

        Reads only the conversations whose ``due_at`` has come (the store's
        ``due`` index), oldest first, at most ``limit``. For each: wakes a
        snoozed conversation, solves one pending for ``auto_solve_after``,
        sends a delayed CSAT request (``csat_delay``), and runs its SLA
        clocks, each at its own due instant (a warning due at 10:00 is
        stamped 10:00 however late the tick runs). Each conversation is
        committed on its own, version-checked: another process that got
        there first wins and this one skips it, so nothing is done twice.
        Every store omnicx ships has ``claim_due``, which hands each
        conversation to one runner at a time (PostgreSQL: ``FOR UPDATE SKIP
        LOCKED``; SQLite: the file's write lock), so runners in several
        processes split the due work rather than race for it; a host's store
        without it is read with ``due``. A second tick at the same ``now``
        does nothing.

        Returns:
            a ``TickReport``: a receipt (with its outbox) per conversation
            changed, the timeline events written, and ``more`` when
            ``limit`` was reached.
        """
        if limit < 1:
            raise ValidationError.single("limit", f"expected a positive number, got {limit}")
        now = self.clock.now()
        receipts: list[Receipt] = []
        events: list[Event] = []
        skipped = seen = 0
        # Claimed one by one (claim_due), so several runners split the due
        # work instead of racing for it.
        with closing(due_records(self.store, now, limit)) as due:
            for record in due:
                seen += 1
                try:
                    done = self._tick_one(record, now)
                except ConflictError:
                    skipped += 1
                    continue
                if done is not None:
                    receipts.append(done[0])
                    events.extend(done[1])
        # Other due work that is not one conversation's (offers to agents
        # waiting for work...) joins here, adding its receipts to the report.
        if self.assignment is not None:
            for receipt in (*self._expire_offers(now), *self.offer_waiting()):
                receipts.append(receipt)
        return TickReport(now=now, receipts=receipts, events=events, skipped=skipped,
                          more=seen >= limit)  # fmt: skip

    def _tick_one(
        self, record: ConversationRecord, now: datetime
    ) -> tuple[Receipt, list[Event]] | None:
        # The key names the version read: a replay in another process makes
        # the same ids, and only one of them commits.
        unit = Unit.open(self.store, f"tick:{record.id}@{record.version}", now)
        loaded = unit.load(record)
        customer_id = loaded.conversation.customer_id
        sla: tuple[SlaLine, ...] = ()
        if loaded.erased_at is not None:
            # Nothing is done for an erased customer's conversation any more.
            updated = attrs.evolve(loaded, timers={}, due_at=None)
            if loaded.conversation.snoozed_until is not None:
                conversation = attrs.evolve(loaded.conversation, snoozed_until=None)
                updated = attrs.evolve(updated, conversation=conversation)
        else:
            updated = run_due(unit, loaded, self._schedule)
            updated, sla = self._track(unit, updated, self.customer(customer_id))
            if self.assignment is not None:
                assigning.reconcile(unit, self.assignment, loaded, updated, strict=False)
        if updated == loaded and not unit.events and not unit.outbox:
            return None
        unit.put(updated)
        receipt = unit.commit(receipt_for(unit, updated, customer_id, sla=sla))
        return receipt, unit.events
