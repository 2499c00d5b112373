"""The desk: one call per inbound event, all state in the host's store.

This module builds ``Desk`` (its settings, checked at construction, and
``replace_rules``) and takes inbound messages (``receive``, ``explain``).
Each other group of its calls is a mixin in a module of its own
(``_desk_calls``, ``_desk_listening``, ``_desk_commerce``, ``_desk_identity``,
``_desk_reading``, ``_desk_tick``, ``_desk_actions``, ``_desk_bots``,
``_desk_feedback``, ``_desk_delivery``, ``_desk_agents``) over ``DeskBase``
(``_desk_base``), which types the settings they share and holds the steps
every call takes.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

import attrs

from omnicx._frozen import EMPTY_MAP, frozen_map
from omnicx.channels import (
    CallStatusChanged,
    CallUpdate,
    Capabilities,
    LongText,
    MessageReceived,
)
from omnicx.clock import Clock
from omnicx.desk import _assignment as assigning
from omnicx.desk import _bots as bot_steps
from omnicx.desk import _calls as calls
from omnicx.desk import _orders as commerce
from omnicx.desk._auto_reply import AutoReplies
from omnicx.desk._bots import HandoffPolicy
from omnicx.desk._desk_actions import DeskActions
from omnicx.desk._desk_agents import DeskAgents
from omnicx.desk._desk_base import DeskBase, changes_without_conversation, check_instant
from omnicx.desk._desk_bots import DeskBots
from omnicx.desk._desk_calls import DeskCalls
from omnicx.desk._desk_commerce import DeskCommerce
from omnicx.desk._desk_delivery import DeskDelivery
from omnicx.desk._desk_feedback import DeskFeedback
from omnicx.desk._desk_identity import DeskIdentity
from omnicx.desk._desk_listening import DeskListening
from omnicx.desk._desk_reading import DeskReading
from omnicx.desk._desk_tick import DeskTick
from omnicx.desk._email_thread import EmailIdentity, take_own
from omnicx.desk._fields import FieldSchema
from omnicx.desk._inbound import Inbound, bounded, routing_context, take_in
from omnicx.desk._listen import Listening
from omnicx.desk._receipt import Receipt
from omnicx.desk._record_steps import caused_at
from omnicx.desk._retry import RETRY_WINDOW
from omnicx.desk._route import route
from omnicx.desk._rule_checks import (
    channel_capabilities,
    check_rule_actions,
    consistent_actions,
    consistent_replies,
    macros_by_id,
)
from omnicx.desk._schedule import positive_period
from omnicx.desk._sla_tracker import SlaTracker
from omnicx.desk._unit import Unit, receipt_for
from omnicx.errors import OmnicxError, ValidationError
from omnicx.identity import (
    DEFAULT_POLICY,
    DEFAULT_RULES,
    DEFAULT_STANDING,
    IdentityPolicy,
    MergeRules,
    Standing,
    match_key,
)
from omnicx.kb import KnowledgeBase, Macro
from omnicx.model import Call, Identifier
from omnicx.privacy import Action, Actor, RedactionPolicy, Resource, tombstone_key
from omnicx.routing import AssignmentPolicy, RuleEngine, Trace
from omnicx.sla import SlaEngine
from omnicx.storage import AuditAction, DeskStore
from omnicx.timeline import ThreadingPolicy


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
class Desk(
    DeskCalls,
    DeskListening,
    DeskCommerce,
    DeskIdentity,
    DeskReading,
    DeskTick,
    DeskActions,
    DeskBots,
    DeskFeedback,
    DeskDelivery,
    DeskAgents,
    DeskBase,
):
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
        standing: what makes a customer VIP and gives it a tier (tags,
            lifetime value thresholds).
        csat_template: the survey template sent after a solve; None sends none.
        retry_window: how long an agent action without ``request_id`` that
            repeats the conversation's latest action exactly (same actor,
            same arguments, nothing in between) is taken as its retry and
            returns the first receipt; ``timedelta(0)`` turns that off.
        erased: what to do when an erased customer's identifier writes again.
        actors: who may act, by id (``omnicx.privacy.Actor`` with a role and
            visible queues); every agent action is checked against it. None
            (the default) trusts the host to have checked.
        redaction: channel name (or ``"*"`` for every channel) -> the
            ``omnicx.privacy.RedactionPolicy`` applied to message text before
            anything is stored: inbound messages and agent replies.
        email: the business's own email addresses and the domain of the
            Message-IDs the desk writes (``EmailIdentity``). None (the
            default) writes no Message-ID or From, and takes every sender
            as a customer.
        fields: the custom fields conversations may carry (``FieldSchema``);
            rules' ``set_fields`` and ``set_fields`` calls are checked
            against it. None (the default) allows any JSON scalar.

        auto_solve_after: a pending conversation is solved by ``tick`` this
            long after it became pending, stamped at that instant; None (the
            default) never solves by itself.
        csat_delay: the CSAT request goes out this long after the solve, by
            ``tick``, and not at all if the conversation was reopened
            meanwhile; None (the default) puts it in the solve's outbox.
        assignment: offer routed work to the agents kept in the store
            (``AssignmentPolicy``: least-loaded or round robin, weights,
            rate limit, offer timeout, push mode); None (the default)
            keeps no agents and offers nothing. See docs/desk.md, "Agents
            and assignment".
        kb: the knowledge base rules' deflecting auto-replies (``articles``)
            offer public articles from; None (the default) offers none.
        macros: the macros rules' auto-replies name (``{"macro": id}``),
            given as a list of ``Macro`` (or a mapping by id); only their
            text is used there.
        capabilities: channel name -> its ``Capabilities``: auto-replies
            and macros follow that channel's length and reply-window rules.
        long_text: what a text over a channel's limit does: ``SPLIT`` (the
            default) lets the adapter send parts; ``REFUSE`` keeps a
            deflecting reply to the articles that fit one message, and
            withholds what still does not fit.
        bots: when a bot's conversation goes to people (``HandoffPolicy``:
            a customer asking for a person, a turn limit, the queue, tag and
            transcript length); see docs/self-service.md, "Bots and handoff".
        attach_quoted_orders: an inbound message quoting the number of one of
            the sender's orders (``#1001``, ``order 1001``) attaches that
            order to its conversation (``Desk.attach_order`` does it by hand).

    Built with both ``rules`` and ``sla`` (or given new ones later), the
    desk refuses rules naming an SLA policy the engine lacks, or setting a
    field ``fields`` does not declare, with ``ValidationError`` at the
    rule's path (``rules[2].then.sla_policy``).
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
        validator=[
            _collaborator(
                "a RuleEngine",
                lambda v: isinstance(v, RuleEngine),
                "compile the rule set first with RuleEngine.compile(rule_set)",
            ),
            consistent_actions,
            consistent_replies,
        ],
    )
    sla: SlaEngine | None = attrs.field(
        default=None,
        validator=[
            _collaborator(
                "an SlaEngine", lambda v: isinstance(v, SlaEngine), "build one with SlaEngine(...)"
            ),
            consistent_actions,
        ],
    )
    threading: ThreadingPolicy = attrs.field(factory=ThreadingPolicy)
    identity: IdentityPolicy = DEFAULT_POLICY
    merge_rules: MergeRules = DEFAULT_RULES
    standing: Standing = DEFAULT_STANDING
    csat_template: str | None = "csat"
    retry_window: timedelta = RETRY_WINDOW
    erased: ErasedPolicy = ErasedPolicy.FRESH
    # The host's mappings are copied read-only: changing its dict later changes no desk.
    actors: Mapping[str, Actor] | None = attrs.field(
        default=None, converter=attrs.converters.optional(frozen_map)
    )
    redaction: Mapping[str, RedactionPolicy] = attrs.field(default=EMPTY_MAP, converter=frozen_map)
    email: EmailIdentity | None = attrs.field(
        default=None,
        validator=_collaborator(
            "an EmailIdentity",
            lambda v: isinstance(v, EmailIdentity),
            "pass EmailIdentity(from_address=..., domain=...)",
        ),
    )
    fields: FieldSchema | None = attrs.field(
        default=None,
        validator=[
            _collaborator(
                "a FieldSchema",
                lambda v: isinstance(v, FieldSchema),
                "build one with FieldSchema.from_data({...}) or FieldSchema.of(FieldSpec(...))",
            ),
            consistent_actions,
        ],
    )
    auto_solve_after: timedelta | None = attrs.field(
        default=None, validator=positive_period("auto_solve_after")
    )
    csat_delay: timedelta | None = attrs.field(
        default=None, validator=positive_period("csat_delay")
    )
    assignment: AssignmentPolicy | None = attrs.field(default=None)
    kb: KnowledgeBase | None = attrs.field(
        default=None,
        validator=[
            _collaborator(
                "a KnowledgeBase",
                lambda v: isinstance(v, KnowledgeBase),
                "build one with KnowledgeBase(load_articles(...))",
            ),
            consistent_replies,
        ],
    )
    macros: Mapping[str, Macro] = attrs.field(
        default=EMPTY_MAP, converter=macros_by_id, validator=consistent_replies
    )
    capabilities: Mapping[str, Capabilities] = attrs.field(
        default=EMPTY_MAP, converter=frozen_map, validator=channel_capabilities
    )
    long_text: LongText = LongText.SPLIT
    bots: HandoffPolicy = attrs.field(
        default=bot_steps.DEFAULT_POLICY,
        validator=_collaborator(
            "a HandoffPolicy",
            lambda v: isinstance(v, HandoffPolicy),
            "pass HandoffPolicy(max_turns=..., queue=...)",
        ),
    )
    attach_quoted_orders: bool = True
    listening: Listening | None = attrs.field(
        default=None,
        validator=_collaborator("a Listening", lambda v: isinstance(v, Listening),
                                "pass Listening(topics=load_topics(...), rules=...)"),
    )  # fmt: skip
    _sla: SlaTracker = attrs.field(factory=SlaTracker, init=False, repr=False)
    # Round robin's place: the agent offered work last by this desk.
    _cursor: str | None = attrs.field(default=None, init=False, repr=False)

    @assignment.validator
    def _keeps_agents(self, _: attrs.Attribute[Any], value: AssignmentPolicy | None) -> None:
        if value is None:
            return
        if not isinstance(value, AssignmentPolicy):
            raise ValidationError.single(
                "Desk.assignment",
                f"expected an AssignmentPolicy, got {type(value).__name__}: "
                "pass AssignmentPolicy(strategy=Strategy.LEAST_LOADED, ...)",
            )
        if not callable(getattr(self.store, "waiting_work", None)):
            raise ValidationError.single(
                "Desk.assignment",
                f"{type(self.store).__name__} keeps no agents: use a store with agent(), "
                "agents(), waiting() and waiting_work() (omnicx.storage.AgentStore)",
            )

    @property
    def _auto_replies(self) -> AutoReplies:
        return AutoReplies(macros=self.macros, kb=self.kb, capabilities=self.capabilities,
                           long_text=self.long_text)  # fmt: skip

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

        With ``email`` set, mail from one of the business's own addresses
        (a Bcc to the support mailbox, a sent-folder sync) is recorded as
        the business's outbound message on the conversation it references,
        never as a customer's; a copy of a reply the desk wrote adds
        nothing. Mail of its own that references no known conversation
        raises ``UnthreadedOwnMailError`` and records nothing.
        """
        return self._receive(event, self.rules)

    def _receive(
        self,
        event: MessageReceived,
        rules: RuleEngine | None,
        call: CallStatusChanged | None = None,
    ) -> Receipt:
        check_instant("message.sent_at", event.message.sent_at)
        if event.received_at is not None:
            check_instant("received_at", event.received_at)
        now = self.clock.now()
        event = bounded(event, now)
        message = self.redacted(event.message)
        if message is not event.message:
            event = attrs.evolve(event, message=message)
        key = f"in:{message.id}"
        replayed = self._replayed(key)
        if replayed is not None:
            return replayed
        if self.email is not None and self.email.sent(event):
            return self._own_mail(key, event)
        self._refuse_erased(event.sender)
        unit = Unit.open(self.store, key, now)
        inbound = self._take_in(unit, event)
        record, routed = inbound.record, None
        if call is not None:
            unit.events.append(calls.timeline_event(call, event_id=calls.call_key(call),
                                                    customer_id=inbound.resolution.customer_id,
                                                    conversation_id=record.id))  # fmt: skip
        if self.attach_quoted_orders:
            commerce.attach_mentioned(unit, inbound.resolution.customer_id, record.id, message)
        if rules is not None:
            facts = None if call is None else calls.call_of(call)
            context = routing_context(unit, inbound, event, facts)
            record, routed = route(rules, unit, record, context, fresh=inbound.fresh,
                                   redecide=inbound.redecide, auto=self._auto_replies)  # fmt: skip
        fired = () if routed is None else routed.fired
        if record.conversation.bot is not None or (routed is not None and routed.bot):
            record = bot_steps.after_inbound(unit, record, message, routed, self.bots,
                                             fresh=inbound.fresh and not inbound.redecide)  # fmt: skip
        record, sla = self._track(unit, record, inbound.customer)
        if self.assignment is not None:
            assigning.reconcile(unit, self.assignment, unit.read.get(record.id), record,
                                strict=False)  # fmt: skip
        unit.put(record)
        resolution, decision = inbound.resolution, inbound.decision
        receipt = receipt_for(
            unit,
            record,
            resolution.customer_id,
            identity=resolution.outcome.value,
            merges=tuple(m.id for m in resolution.merges),
            conflicts=len(resolution.conflicts),
            thread_reason=decision.reason.value,
            fired=fired,
            sla=sla,
        )
        receipt = unit.commit(receipt)
        if self.assignment is not None and (unit.work_written or unit.agents_written):
            # Offering the conversation is part of what the message caused:
            # on the timeline it follows the message, like its routing.
            receipt = self._with_offers(receipt, {record.id: caused_at(message)})
        return receipt

    def _refuse_erased(self, identifiers: Iterable[Identifier]) -> None:
        # ErasedPolicy.REFUSE: an erased customer's identifier writing again is refused.
        if self.erased is ErasedPolicy.REFUSE:
            for identifier in identifiers:
                if self.store.link(tombstone_key(match_key(identifier))) is not None:
                    raise ErasedCustomerError(identifier.kind.value)

    def _own_mail(self, key: str, event: MessageReceived) -> Receipt:
        unit = Unit.open(self.store, key, self.clock.now())
        record, reason = take_own(self.store, unit, event)
        customer_id = record.conversation.customer_id
        record, sla = self._track(unit, record, self.customer(customer_id))
        unit.put(record)
        receipt = receipt_for(unit, record, customer_id, thread_reason=reason.value, sla=sla)
        return unit.commit(receipt)

    def explain(self, event: MessageReceived | CallUpdate) -> Trace | None:
        """The routing trace for a message as ``receive`` would route it now.

        The message goes through the same identity resolution and threading
        as in ``receive`` (so rules see the same customer, enrichment
        included, and the same conversation), but nothing is committed: the
        store's data is unchanged (ids may be reserved). None without rules,
        and for the business's own mail (``email``), which is never routed.

        A call webhook explains as ``receive_call`` routes it: a missed call
        as its callback task, with the call facts (``call.status``,
        ``call.missed``, ...) routing sees; any other call webhook is never
        routed (None).
        """
        if not isinstance(event, MessageReceived):
            if not (isinstance(event, CallStatusChanged) and calls.missed(event)):
                return None
            return self._explain(calls.missed_message(event), calls.call_of(event))
        return self._explain(event, None)

    def _explain(self, event: MessageReceived, call: Call | None) -> Trace | None:
        if self.rules is None or (self.email is not None and self.email.sent(event)):
            return None
        now = self.clock.now()
        event = bounded(event, now)
        message = self.redacted(event.message)
        if message is not event.message:
            event = attrs.evolve(event, message=message)
        unit = Unit.open(self.store, f"explain:{message.id}", now)
        inbound = self._take_in(unit, event)
        return self.rules.explain(routing_context(unit, inbound, event, call))

    def _take_in(self, unit: Unit, event: MessageReceived) -> Inbound:
        return take_in(self.store, unit, event, identity=self.identity,
                       merge_rules=self.merge_rules, threading=self.threading,
                       standing=self.standing)  # fmt: skip

    def replace_rules(
        self, rules: RuleEngine | None, *, actor_id: str, reason: str, version: str = ""
    ) -> None:
        """Route with new rules from now on, recorded in the audit log.

        Rules naming what the desk lacks (an SLA policy, an undeclared
        field) are refused before anything is recorded.
        """
        self.check(actor_id, Action.EDIT_RULES, Resource.rules())
        check_rule_actions(rules, self.sla, self.fields)
        unit = Unit.open(self.store, f"rules:{self.store.next_id('rules')}", self.clock.now())
        unit.record(AuditAction.RULES_CHANGE, actor_id, reason=reason, version=version)
        self.store.commit(changes_without_conversation(unit, {"customer_id": None}))
        self.rules = rules
