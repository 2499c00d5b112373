"""What every desk call shares: the desk's settings and the steps each call takes.

``DeskBase`` declares the settings ``Desk`` is built with (its attrs fields
live on ``Desk``), and holds the steps the groups of calls share: reading a
conversation, replaying a receipt, checking a permission, tracking SLA
clocks, and one agent action (``_act``). Each group of ``Desk``'s calls is a
mixin over it (``_desk_calls``, ``_desk_actions``...); the few steps one
group takes from another (``_receive``, ``_with_offers``...) are declared
here for the type checker only, so each group is checked on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import attrs

from omnicx import serde
from omnicx.channels import CallStatusChanged, Capabilities, LongText, MessageReceived
from omnicx.clock import Clock
from omnicx.desk import _assignment as assigning
from omnicx.desk._agent_changes import Change
from omnicx.desk._bots import HandoffPolicy
from omnicx.desk._email_thread import EmailIdentity
from omnicx.desk._fields import FieldSchema
from omnicx.desk._listen import Listening
from omnicx.desk._receipt import ConversationErasedError, Receipt, SlaLine
from omnicx.desk._retry import digest, marked, retried
from omnicx.desk._schedule import SLA as SLA_TIMER
from omnicx.desk._schedule import Schedule, scheduled
from omnicx.desk._sla_tracker import SlaTracker
from omnicx.desk._unit import Unit, receipt_for
from omnicx.errors import NotFoundError, OmnicxError, ValidationError
from omnicx.identity import IdentityPolicy, MergeRules, Standing, current_profile
from omnicx.kb import KnowledgeBase, Macro
from omnicx.model import Customer, Identifier, Message
from omnicx.privacy import Action, Actor, RedactionPolicy, Resource, redact, require
from omnicx.routing import AssignmentPolicy, RuleEngine
from omnicx.sla import SlaEngine
from omnicx.storage import Changes, ConversationRecord, DeskStore
from omnicx.timeline import ThreadingPolicy

HANDED_OVER = "out:"
"""The receipt key prefix recording that the host sent an outbox item."""


class DeskBase:
    """The desk's settings, typed, and the steps its calls share (see ``Desk``)."""

    __slots__ = ()

    store: DeskStore
    clock: Clock
    rules: RuleEngine | None
    sla: SlaEngine | None
    threading: ThreadingPolicy
    identity: IdentityPolicy
    merge_rules: MergeRules
    standing: Standing
    csat_template: str | None
    retry_window: timedelta
    actors: Mapping[str, Actor] | None
    redaction: Mapping[str, RedactionPolicy]
    email: EmailIdentity | None
    fields: FieldSchema | None
    auto_solve_after: timedelta | None
    csat_delay: timedelta | None
    assignment: AssignmentPolicy | None
    kb: KnowledgeBase | None
    macros: Mapping[str, Macro]
    capabilities: Mapping[str, Capabilities]
    long_text: LongText
    bots: HandoffPolicy
    attach_quoted_orders: bool
    listening: Listening | None
    _sla: SlaTracker

    if TYPE_CHECKING:
        # Steps of other groups that these use; ``Desk`` has them all.

        def _receive(
            self,
            event: MessageReceived,
            rules: RuleEngine | None,
            call: CallStatusChanged | None = None,
        ) -> Receipt: ...

        def _refuse_erased(self, identifiers: Iterable[Identifier]) -> None: ...

        def _with_offers(
            self, receipt: Receipt, caused: Mapping[str, datetime] | None = None
        ) -> Receipt: ...

        def _expire_offers(self, now: datetime) -> list[Receipt]: ...

        def offer_waiting(self) -> list[Receipt]: ...

    @property
    def _schedule(self) -> Schedule:
        """The automation settings scheduled work follows (periods, survey template)."""
        return Schedule(auto_solve_after=self.auto_solve_after, csat_delay=self.csat_delay,
                        csat_template=self.csat_template)  # fmt: skip

    def redacted(self, message: Message) -> Message:
        """``message`` with its text redacted by the channel's policy, if any."""
        policy = self.redaction.get(message.channel.name) or self.redaction.get("*")
        if policy is None:
            return message
        return attrs.evolve(message, text=redact(message.text, policy).text)

    def customer(self, customer_id: str) -> Customer:
        """The live customer for an id (an id merged away resolves to its survivor)."""
        return current_profile(self.store, customer_id).to_customer(self.standing)

    def _replayed(self, key: str) -> Receipt | None:
        stored = self.store.receipt(key)
        if stored is None:
            return None
        receipt = serde.from_dict(Receipt, stored)
        # What the host already handed over is not sent again on a redelivery.
        pending = tuple(
            item for item in receipt.outbox
            if not item.id or self.store.receipt(HANDED_OVER + item.id) is None
        )  # fmt: skip
        return attrs.evolve(receipt, outbox=pending, replayed=True)

    def _record(self, conversation_id: str) -> ConversationRecord:
        record = self.store.conversation(conversation_id)
        if record is None:
            raise NotFoundError("conversation", conversation_id)
        return record

    def _track(
        self, unit: Unit, record: ConversationRecord, customer: Customer
    ) -> tuple[ConversationRecord, tuple[SlaLine, ...]]:
        # Every write of a record comes through here: SLA clocks, then the
        # timers and due_at that Desk.tick finds it by.
        if self.sla is not None:
            state, timers, lines = self._sla.track(self.sla, self.store, unit, record, customer)
            tracked = scheduled(record, unit.events, self._schedule, unit.now, timers=timers,
                                sla_state=state)  # fmt: skip
            return tracked, lines
        # No SLA engine (any more): no SLA timer either.
        without = {k: v for k, v in record.timers.items() if k != SLA_TIMER}
        kept = without if len(without) != len(record.timers) else None
        return scheduled(record, unit.events, self._schedule, unit.now, timers=kept), ()

    def check(self, actor_id: str, action: Action, resource: Resource) -> None:
        """Refuse ``action`` unless the actor's role allows it (when ``actors`` is set).

        Raises:
            PermissionDenied: the role lacks the action or cannot see the queue.
            NotFoundError: ``actors`` is set and does not know ``actor_id``.
        """
        if self.actors is None:
            return
        actor = self.actors.get(actor_id)
        if actor is None:
            raise NotFoundError("actor", actor_id)
        require(actor, action, resource)

    def _act(
        self,
        conversation_id: str,
        request_id: str | None,
        change: Change,
        actor_id: str | None = None,
        action: Action | None = None,
        what: tuple[object, ...] = (),
    ) -> Receipt:
        # One agent action: idempotent by request id (or, without one, by
        # being the conversation's latest action again: see _retry),
        # permission-checked on the conversation's queue, SLA clocks
        # advanced, committed at once. ``what`` names the action and its
        # arguments for that retry check.
        if request_id is not None:
            replayed = self._replayed(f"act:{request_id}")
            if replayed is not None:
                return replayed
        now = self.clock.now()
        stored = self._record(conversation_id)
        if stored.erased_at is not None:
            raise ConversationErasedError(conversation_id, stored.erased_at)
        if actor_id is not None and action is not None:
            queue = stored.conversation.queue
            self.check(actor_id, action, Resource.conversation(conversation_id, queue))
        actor = actor_id or "customer"
        action_digest = digest(*what) if what else ""
        if request_id is None and what:
            first = retried(stored, actor, action_digest, now, self.retry_window)
            replayed = self._replayed(first) if first is not None else None
            if replayed is not None:
                return replayed
        key = f"act:{request_id}" if request_id else f"act:{self.store.next_id('a')}"
        unit = Unit.open(self.store, key, now)
        loaded = unit.load(stored)
        try:
            record = change(unit, loaded)
        except OmnicxError:
            # A copy of this call may have committed between the receipt
            # read and the record read: the state it left refuses the
            # change, but the call is done, so it replays.
            replayed = self._replayed(key) if request_id is not None else None
            if replayed is None:
                raise
            return replayed
        customer_id = record.conversation.customer_id
        record, sla = self._track(unit, record, self.customer(customer_id))
        if what:
            record = marked(record, actor, action_digest, key, loaded.version + 1, now)
        if self.assignment is not None:
            # Only an explicit assignment is refused over capacity; an agent
            # replying to work nobody had takes it, held within capacity
            # only where there is room (the reply must go out).
            strict = action is Action.ASSIGN
            assigning.reconcile(unit, self.assignment, loaded, record, strict=strict)
        unit.put(record)
        receipt = unit.commit(receipt_for(unit, record, customer_id, sla=sla))
        if self.assignment is not None and (unit.agents_written or unit.work_written):
            receipt = self._with_offers(receipt)
        return receipt


def changes_without_conversation(unit: Unit, receipt: Mapping[str, Any]) -> Changes:
    return Changes(
        identity=unit.staged.staged(),
        profile_versions=dict(unit.staged.read_versions),
        # Conversations it moved between customers (desk/_rehome.py), if any.
        conversations=tuple(unit.written.values()),
        events=tuple(unit.events),
        receipts=((unit.key, dict(receipt)),),
        audit=tuple(unit.audit),
        **unit.reads(),
        **unit.order_changes(),
    )


EARLIEST_INSTANT = datetime(1900, 1, 1, tzinfo=UTC)
"""The earliest instant a message may carry: working hours, deadlines and
timestamps are computed around it, so the nearer ends of ``datetime``'s range
(year 1, year 9999) are refused up front."""

LATEST_INSTANT = datetime(9000, 1, 1, tzinfo=UTC)
"""The first instant past the ones a message may carry (see ``EARLIEST_INSTANT``)."""


def check_instant(path: str, at: datetime) -> None:
    """Refuse an instant outside ``EARLIEST_INSTANT`` up to ``LATEST_INSTANT`` before any write.

    Parsers accept any date a payload spells (an email's ``Date: 1 Jan 0001``);
    a deadline or calendar day computed from the ends of the range would
    overflow half-way through a call.

    Raises:
        ValidationError: at ``path``, saying which range is supported.
    """
    if not EARLIEST_INSTANT <= at < LATEST_INSTANT:
        raise ValidationError.single(
            path,
            f"{at.isoformat()} is outside the instants omnicx supports"
            f" ({EARLIEST_INSTANT.year} up to {LATEST_INSTANT.year}); check the payload's date"
            " or the sender's clock",
        )
