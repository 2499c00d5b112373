"""The desk: one call per inbound event, all state in the host's store."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from omnicx import serde
from omnicx._frozen import EMPTY_MAP, frozen_map
from omnicx.channels import Enrichment, MessageReceived
from omnicx.clock import Clock
from omnicx.desk._actions import AgentActions
from omnicx.desk._receipt import OutboxKind, Outgoing, Receipt
from omnicx.desk._sla_state import SlaCodec
from omnicx.desk._steps import ConversationSteps, customer_facts, customer_of
from omnicx.desk._unit import (
    ACTIVE,
    SYSTEM_ACTOR,
    Unit,
    member_ids,
    message_refs,
    receipt_for,
)
from omnicx.errors import NotFoundError, OmnicxError, ValidationError
from omnicx.identity import (
    DEFAULT_POLICY,
    DEFAULT_RULES,
    IdentityPolicy,
    MergeRules,
    Observation,
    Profile,
    current_profile,
    match_key,
    resolve,
    unmerge,
)
from omnicx.model import (
    Channel,
    Customer,
    Event,
    Message,
)
from omnicx.privacy import Action, Actor, RedactionPolicy, Resource, redact, tombstone_key
from omnicx.routing import RoutingContext, RuleEngine, Trace
from omnicx.sla import SlaEngine, SlaReport
from omnicx.storage import AuditAction, Changes, ConversationRecord, DeskStore
from omnicx.timeline import (
    ConversationSummary,
    ThreadDecision,
    ThreadingPolicy,
    ThreadOutcome,
    ThreadReason,
    build_timeline,
    thread,
)


class ErasedPolicy(enum.Enum):
    """What the desk does when an erased customer's identifier writes again."""

    FRESH = "fresh"
    """Start a new, unrelated profile (the old one stays erased)."""
    REFUSE = "refuse"
    """Refuse the message with ``ErasedCustomerError``; the host decides."""


class ErasedCustomerError(OmnicxError):
    """An identifier of an erased customer wrote again and the desk refuses it."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        super().__init__(
            f"the sender's {kind} belongs to an erased customer; refused by "
            "Desk.erased=REFUSE (use FRESH to start a new profile)"
        )


def _collaborator(what: str, check: Any, fix: str) -> Any:
    """An attrs validator refusing a wrong collaborator with the field and the fix."""

    def validate(_: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is None and attribute.default is None:
            return
        if not check(value):
            raise ValidationError.single(
                f"Desk.{attribute.name}",
                f"expected {what}, got {type(value).__name__}: {fix}",
            )

    return validate


def _is_store(value: object) -> bool:
    return all(callable(getattr(value, name, None)) for name in ("commit", "conversation"))


def _is_clock(value: object) -> bool:
    # A datetime has a now() too (a classmethod): it is a time, not a clock.
    return not isinstance(value, (datetime, type)) and callable(getattr(value, "now", None))


@attrs.define(kw_only=True)
class Desk(AgentActions, ConversationSteps):
    """The pipeline that ties identity, threading, routing and SLAs to a store.

    Every call reads what it needs from ``store``, computes every change, and
    commits them in one ``store.commit``: nothing is half-written, and a lost
    race raises ``ConflictError`` for the host to retry. Every call is
    idempotent by its key (the inbound message's channel and external id, or
    the ``request_id`` an agent action passes).

    Attributes:
        store: where all state lives (``MemoryStore``, ``SqliteStore`` or the host's).
        clock: where ``now`` comes from; use ``FixedClock`` in tests.
        rules: the compiled routing rules; None routes nothing.
        sla: the SLA engine; None tracks no SLA.
        threading: the threading windows.
        identity: identity resolution's guards and limits.
        merge_rules: how merged profiles combine fields.
        csat_template: the survey template sent after a solve; None sends none.
        erased: what to do when an erased customer's identifier writes again.
        actors: who may act, by id (``omnicx.privacy.Actor`` with a role and
            visible queues); every agent action is checked against it. None
            (the default) trusts the host to have checked.
        redaction: channel name (or ``"*"`` for every channel) -> the
            ``omnicx.privacy.RedactionPolicy`` applied to message text before
            anything is stored: inbound messages and agent replies.
    """

    store: DeskStore = attrs.field(
        validator=_collaborator(
            "a store", _is_store, "pass a store object, e.g. SqliteStore('support.sqlite3')"
        )
    )
    clock: Clock = attrs.field(
        validator=_collaborator(
            "a clock with now()", _is_clock, "pass SystemClock() or FixedClock(datetime)"
        )
    )
    rules: RuleEngine | None = attrs.field(
        default=None,
        validator=_collaborator(
            "a RuleEngine",
            lambda v: isinstance(v, RuleEngine),
            "compile the rule set first with RuleEngine.compile(rule_set)",
        ),
    )
    sla: SlaEngine | None = attrs.field(
        default=None,
        validator=_collaborator(
            "an SlaEngine", lambda v: isinstance(v, SlaEngine), "build one with SlaEngine(...)"
        ),
    )
    threading: ThreadingPolicy = attrs.field(factory=ThreadingPolicy)
    identity: IdentityPolicy = DEFAULT_POLICY
    merge_rules: MergeRules = DEFAULT_RULES
    csat_template: str | None = "csat"
    erased: ErasedPolicy = ErasedPolicy.FRESH
    # The host's mappings are copied read-only: changing its dict later changes no desk.
    actors: Mapping[str, Actor] | None = attrs.field(
        default=None, converter=attrs.converters.optional(frozen_map)
    )
    redaction: Mapping[str, RedactionPolicy] = attrs.field(default=EMPTY_MAP, converter=frozen_map)
    _sla_codec: SlaCodec = attrs.field(factory=SlaCodec, init=False, repr=False)

    # -- inbound -------------------------------------------------------------

    def receive(self, event: MessageReceived) -> Receipt:
        """Take one inbound customer message through the whole pipeline.

        Resolves the sender to a customer, threads the message into a
        conversation (continued, reopened or new), routes it, updates SLA
        clocks and commits it all at once. The receipt's outbox holds what
        the host should send (auto-replies, notifications, escalations).

        A message already received (same channel and external id) changes
        nothing and returns the receipt recorded the first time, with
        ``replayed`` set.
        """
        message = self.redacted(event.message)
        if message is not event.message:
            event = attrs.evolve(event, message=message)
        key = f"in:{message.id}"
        replayed = self._replayed(key)
        if replayed is not None:
            return replayed
        if self.erased is ErasedPolicy.REFUSE:
            for identifier in event.sender:
                if self.store.link(tombstone_key(match_key(identifier))) is not None:
                    raise ErasedCustomerError(identifier.kind.value)
        unit = Unit.open(self.store, key, self.clock.now())
        observation = Observation(
            id=message.id, at=message.sent_at, identifiers=event.sender, name=event.sender_name
        )
        resolution = resolve(unit.staged, observation, policy=self.identity, rules=self.merge_rules)
        profile = current_profile(unit.staged, resolution.customer_id)
        for merge in resolution.merges:
            # No identifiers in the audit log: it outlives erasure.
            unit.record(AuditAction.MERGE, SYSTEM_ACTOR, customer_id=merge.survivor_id,
                        reason="identifiers shared", merge_id=merge.id,
                        absorbed_id=merge.absorbed_id)  # fmt: skip
        customer = customer_of(profile)
        summaries = self._candidates(unit, profile, message_refs(message))
        decision = thread(message, summaries, self.threading, unit.now, customer_id=profile.id)
        if decision.creates_conversation and message.thread.message_id:
            # A reply that arrived before this message indexed its id: the
            # late parent joins the reply's conversation.
            found = unit.conversation_for_ref(f"mid:{message.thread.message_id}")
            if found is not None:
                decision = ThreadDecision(
                    outcome=ThreadOutcome.CONTINUE,
                    reason=ThreadReason.REFERENCES,
                    conversation_id=found,
                )
        if decision.conversation_id is not None:
            record = unit.load(self._record(decision.conversation_id))
        else:
            record = self._new_record(unit, profile.id, event, decision.follow_up_of)
        record = self._take_message(unit, record, event, profile.id, decision.outcome)
        active = sum(1 for s in summaries if s.status in ACTIVE and s.id != record.id) + int(
            record.conversation.status in ACTIVE
        )
        fresh = decision.outcome is not ThreadOutcome.CONTINUE
        record, fired = self._route(unit, record, customer, event, active, fresh)
        record, sla = self._track(unit, record, customer)
        unit.put(record)
        receipt = receipt_for(
            unit,
            record,
            profile.id,
            identity=resolution.outcome.value,
            merges=tuple(m.id for m in resolution.merges),
            conflicts=len(resolution.conflicts),
            thread_reason=decision.reason.value,
            fired=fired,
            sla=sla,
        )
        return unit.commit(receipt)

    def redacted(self, message: Message) -> Message:
        """``message`` with its text redacted by the channel's policy, if any."""
        policy = self.redaction.get(message.channel.name) or self.redaction.get("*")
        if policy is None:
            return message
        return attrs.evolve(message, text=redact(message.text, policy).text)

    def explain(self, event: MessageReceived) -> Trace | None:
        """The routing trace for a message as it would be routed now (nothing is stored)."""
        if self.rules is None:
            return None
        return self.rules.explain(RoutingContext(now=self.clock.now(), message=event.message))

    def enrich(self, enrichment: Enrichment, *, key: str) -> str:
        """Record orders, payments and profile facts from a commerce webhook.

        The enrichment's identifiers resolve (and may merge) the customer like
        any message; its attributes fold into the profile; its events join the
        customer's timeline. ``key`` makes the call idempotent (use the
        webhook's delivery id). Returns the customer id.
        """
        stored = self.store.receipt(f"enrich:{key}")
        if stored is not None:
            return str(stored["customer_id"])
        unit = Unit.open(self.store, f"enrich:{key}", self.clock.now())
        first = min((e.at for e in enrichment.events), default=unit.now)
        observation = Observation(
            id=unit.key,
            at=first,
            identifiers=enrichment.identifiers,
            name=enrichment.name,
            attributes=enrichment.attributes,
        )
        resolution = resolve(unit.staged, observation, policy=self.identity, rules=self.merge_rules)
        for merge in resolution.merges:
            unit.record(AuditAction.MERGE, SYSTEM_ACTOR, customer_id=merge.survivor_id,
                        reason="identifiers shared", merge_id=merge.id,
                        absorbed_id=merge.absorbed_id)  # fmt: skip
        for event in enrichment.events:
            unit.events.append(attrs.evolve(event, customer_id=resolution.customer_id))
        self.store.commit(
            _changes_without_conversation(unit, {"customer_id": resolution.customer_id})
        )
        return resolution.customer_id

    def unmerge(self, merge_id: str, *, actor_id: str, reason: str) -> str:
        """Undo a merge (``omnicx.identity.unmerge``), recorded in the audit log.

        Returns the id of the profile restored. Conversations and events keep
        their original customer ids, so both customers' timelines split back
        by themselves.
        """
        record = self.store.merge(merge_id)
        if record is None:
            raise NotFoundError("merge", merge_id)
        self.check(actor_id, Action.UNMERGE, Resource.customer(record.survivor_id))
        unit = Unit.open(self.store, f"unmerge:{merge_id}", self.clock.now())
        undone = unmerge(unit.staged, merge_id, now=unit.now, policy=self.identity)
        unit.record(AuditAction.UNMERGE, actor_id, customer_id=undone.survivor.id,
                    reason=reason, merge_id=merge_id, restored_id=undone.restored.id)  # fmt: skip
        self.store.commit(_changes_without_conversation(unit, {"customer_id": undone.survivor.id}))
        return undone.restored.id

    def replace_rules(
        self, rules: RuleEngine | None, *, actor_id: str, reason: str, version: str = ""
    ) -> None:
        """Route with new rules from now on, recorded in the audit log."""
        self.check(actor_id, Action.EDIT_RULES, Resource.rules())
        unit = Unit.open(self.store, f"rules:{self.store.next_id('rules')}", self.clock.now())
        unit.record(AuditAction.RULES_CHANGE, actor_id, reason=reason, version=version)
        self.store.commit(_changes_without_conversation(unit, {"customer_id": None}))
        self.rules = rules

    # -- reading -------------------------------------------------------------

    def customer(self, customer_id: str) -> Customer:
        """The live customer for an id (an id merged away resolves to its survivor)."""
        return customer_of(current_profile(self.store, customer_id))

    def timeline(self, customer_id: str) -> tuple[Event, ...]:
        """The customer's one timeline across channels, merged profiles included."""
        profile = current_profile(self.store, customer_id)
        staged = Unit.open(self.store, "read", self.clock.now()).staged
        return build_timeline(self.store.events(customer_ids=member_ids(staged, profile)))

    def conversation(self, conversation_id: str) -> ConversationRecord:
        """The stored conversation record; raises ``NotFoundError``."""
        return self._record(conversation_id)

    def conversations(self, customer_id: str) -> list[ConversationRecord]:
        """Every conversation of a customer (merged profiles included), oldest first."""
        profile = current_profile(self.store, customer_id)
        staged = Unit.open(self.store, "read", self.clock.now()).staged
        return self.store.conversations_of(member_ids(staged, profile))

    def sla_report(self, conversation_id: str) -> SlaReport | None:
        """Every SLA clock of a conversation at the clock's ``now``; None without SLAs."""
        if self.sla is None:
            return None
        record = self._record(conversation_id)
        now = self.clock.now()
        state = self._load_sla(self.sla, record)
        if state is not None:
            return self.sla.report(state, now)
        events = self.store.events(conversation_id=conversation_id)
        customer = self.customer(record.conversation.customer_id)
        return self.sla.status(events, now, customer_facts(customer))

    # -- steps ---------------------------------------------------------------

    def _replayed(self, key: str) -> Receipt | None:
        stored = self.store.receipt(key)
        if stored is None:
            return None
        return attrs.evolve(serde.from_dict(Receipt, stored), replayed=True)

    def _record(self, conversation_id: str) -> ConversationRecord:
        record = self.store.conversation(conversation_id)
        if record is None:
            raise NotFoundError("conversation", conversation_id)
        return record

    def _candidates(
        self, unit: Unit, profile: Profile, refs: Sequence[str]
    ) -> list[ConversationSummary]:
        ids = member_ids(unit.staged, profile)
        records = {r.id: r for r in self.store.conversations_of(ids)}
        for ref in refs:
            found = unit.conversation_for_ref(ref)
            if found is not None and found not in records:
                records[found] = self._record(found)
        summaries = []
        for record in records.values():
            summary = unit.load(record).summary
            if summary.customer_id != profile.id and summary.customer_id in ids:
                # Conversations of merged-away profiles belong to the survivor now.
                summary = attrs.evolve(summary, customer_id=profile.id)
            summaries.append(summary)
        return summaries

    def _to_customer(self, record: ConversationRecord, kind: OutboxKind, **fields: Any) -> Outgoing:
        # Answer where the customer last wrote; before any inbound message,
        # on the channel the conversation started on.
        latest = max(record.last_inbound.items(), key=lambda item: item[1], default=None)
        channel = record.conversation.channel if latest is None else Channel(latest[0])
        return Outgoing(
            kind=kind,
            conversation_id=record.id,
            customer_id=record.conversation.customer_id,
            channel=channel,
            to=record.addresses.get(channel.name),
            last_inbound_at=record.last_inbound.get(channel.name),
            **fields,
        )


def _changes_without_conversation(unit: Unit, receipt: Mapping[str, Any]) -> Changes:
    return Changes(
        identity=unit.staged.staged(),
        profile_versions=dict(unit.staged.read_versions),
        events=tuple(unit.events),
        receipts=((unit.key, dict(receipt)),),
        audit=tuple(unit.audit),
    )
