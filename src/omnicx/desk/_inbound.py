"""The first half of ``Desk.receive``: who wrote, and which conversation it joins.

``receive`` and ``explain`` both start here, so the routing context that
``explain`` shows is the one ``receive`` routes with: the same customer
(lifted from the resolved profile, enrichment included), the same
conversation state and the same count of open conversations.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import attrs

from omnicx.channels import MessageReceived
from omnicx.desk._orders import customer_orders
from omnicx.desk._record_steps import earliest, new_record, take_message
from omnicx.desk._rehome import rehome
from omnicx.desk._unit import ACTIVE, SYSTEM_ACTOR, Unit, member_ids
from omnicx.errors import NotFoundError
from omnicx.identity import (
    IdentityPolicy,
    MergeRules,
    Observation,
    Profile,
    Resolution,
    Standing,
    current_profile,
    resolve,
)
from omnicx.model import Call, Customer, Message
from omnicx.routing import RoutingContext
from omnicx.storage import AuditAction, ConversationRecord, DeskStore
from omnicx.timeline import (
    ConversationSummary,
    ThreadDecision,
    ThreadingPolicy,
    ThreadOutcome,
    ThreadReason,
    lookup_keys,
    message_id_key,
    thread,
)


@attrs.frozen(kw_only=True)
class Inbound:
    """An inbound message resolved to a customer and threaded, not yet routed.

    Attributes:
        record: the conversation with the message taken in.
        customer: the sender as routing and SLA conditions see them.
        resolution: what identity resolution did.
        decision: what threading decided.
        open_conversations: the customer's active conversations, this one included.
    """

    record: ConversationRecord
    customer: Customer
    resolution: Resolution
    decision: ThreadDecision
    open_conversations: int
    redecide: bool = False
    """The message is the conversation's new earliest and no agent acted yet:
    routing decides again on it (``ConversationRecord.first_message``)."""

    @property
    def fresh(self) -> bool:
        """A new or reopened conversation (it takes the decided queue and auto-replies)."""
        return self.decision.outcome is not ThreadOutcome.CONTINUE


def bounded(event: MessageReceived, now: datetime) -> MessageReceived:
    """``event`` with its message's sent time bounded by when it was received.

    A message was not sent after it was received: a sender's clock running
    ahead (an email's ``Date`` a month in the future) would otherwise make it
    the latest activity of its conversation for that long. The receipt time
    is ``event.received_at`` (the adapter's received-at header, the same for
    every redelivery) or else ``now``, the desk's clock at receive. The
    sender's claim is kept in the message's metadata as ``claimed_sent_at``.
    """
    received = event.received_at if event.received_at is not None else now
    message = event.message
    if message.sent_at <= received:
        return event
    metadata = {**message.metadata, "claimed_sent_at": message.sent_at.isoformat()}
    return attrs.evolve(event, message=attrs.evolve(message, sent_at=received, metadata=metadata))


def take_in(
    store: DeskStore,
    unit: Unit,
    event: MessageReceived,
    *,
    identity: IdentityPolicy,
    merge_rules: MergeRules,
    threading: ThreadingPolicy,
    standing: Standing,
) -> Inbound:
    """Resolve the sender and thread ``event``'s message inside ``unit``."""
    message = event.message
    observation = Observation(
        id=message.id, at=message.sent_at, identifiers=event.sender, name=event.sender_name
    )
    resolution = resolve(unit.staged, observation, policy=identity, rules=merge_rules)
    profile = current_profile(unit.staged, resolution.customer_id)
    audit_merges(unit, resolution)
    summaries = candidates(store, unit, profile, lookup_keys(message))
    # Windows are measured from the message's own (bounded) instant, not from
    # when it arrived: a late copy threads as the timely one would.
    decision = thread(message, summaries, threading, message.sent_at, customer_id=profile.id)
    if decision.creates_conversation and message.thread.message_id:
        # A reply that arrived before this message indexed its id: the
        # late parent joins the reply's conversation.
        found = unit.conversation_for_ref(message_id_key(message.thread.message_id))
        if found is not None:
            decision = ThreadDecision(
                outcome=ThreadOutcome.CONTINUE,
                reason=ThreadReason.REFERENCES,
                conversation_id=found,
            )
    redecide = False
    if decision.conversation_id is not None:
        record = unit.load(_record(store, decision.conversation_id))
        redecide = decision.outcome is ThreadOutcome.CONTINUE and _new_canonical(record, message)
    else:
        conversation_id = store.next_id("c")
        record = new_record(unit, conversation_id, profile.id, event, decision.follow_up_of)
    record = take_message(unit, record, event, profile.id, decision.outcome)
    others = sum(1 for s in summaries if s.status in ACTIVE and s.id != record.id)
    return Inbound(
        record=record,
        customer=profile.to_customer(standing),
        resolution=resolution,
        decision=decision,
        open_conversations=others + int(record.conversation.status in ACTIVE),
        redecide=redecide,
    )


def _new_canonical(record: ConversationRecord, message: Message) -> bool:
    # Routing decides on a conversation's earliest message (by sent time,
    # then id), not on whichever arrived first; once an agent acted (replied,
    # assigned, changed status, anything recorded as an action) the work is
    # theirs and routing no longer moves it.
    if record.last_action is not None or record.activity or record.conversation.assignee:
        return False
    return earliest(record, message)


def audit_merges(unit: Unit, resolution: Resolution) -> None:
    """Record the merges and splits identity resolution made, as omnicx's own actions."""
    for merge in resolution.merges:
        # No identifiers in the audit log: it outlives erasure.
        unit.record(AuditAction.MERGE, SYSTEM_ACTOR, customer_id=merge.survivor_id,
                    reason="identifiers shared", merge_id=merge.id,
                    absorbed_id=merge.absorbed_id)  # fmt: skip
    for split in resolution.splits:
        # A value became shared: what only it joined is split (undo_split
        # reverts), and each conversation goes with whoever wrote it.
        rehomed = rehome(unit, (split.survivor_id, *split.parts))
        unit.record(AuditAction.SPLIT, SYSTEM_ACTOR, customer_id=split.survivor_id,
                    reason="a shared value no longer links", merge_id=split.id,
                    parts=list(split.parts), **rehomed.details())  # fmt: skip


def routing_context(
    unit: Unit, inbound: Inbound, event: MessageReceived, call: Call | None = None
) -> RoutingContext:
    """The one routing context for an inbound message, for ``receive`` and ``explain``.

    ``call`` is the missed call a callback task stands for (``call.*`` fields).
    """
    return RoutingContext(
        call=call,
        now=unit.now,
        message=event.message,
        customer=inbound.customer,
        conversation=inbound.record.conversation,
        open_conversations=inbound.open_conversations,
        orders=customer_orders(unit, inbound.resolution.customer_id),
    )


def _record(store: DeskStore, conversation_id: str) -> ConversationRecord:
    record = store.conversation(conversation_id)
    if record is None:
        raise NotFoundError("conversation", conversation_id)
    return record


def candidates(
    store: DeskStore, unit: Unit, profile: Profile, refs: Sequence[str]
) -> list[ConversationSummary]:
    """The conversations threading weighs for ``profile``'s contact that looks up ``refs``."""
    # The customer's conversations (merged profiles included) and any the
    # message references, as threading sees them. A stored summary holds no
    # message ids (they live in the thread-reference index): each one gets
    # back just the ids this message looks up that the index gives it.
    ids = member_ids(unit.staged, profile)
    records = {r.id: r for r in store.conversations_of(ids)}
    message_ids: dict[str, set[str]] = {}
    external_ids: dict[str, set[tuple[str, str]]] = {}
    for ref in refs:
        found = unit.conversation_for_ref(ref)
        if found is None:
            continue
        if found not in records:
            records[found] = _record(store, found)
        kind, _, rest = ref.partition(":")
        if kind == "mid":
            message_ids.setdefault(found, set()).add(rest)
        elif kind == "ext":
            channel, _, external_id = rest.partition(":")
            external_ids.setdefault(found, set()).add((channel, external_id))
    summaries = []
    for record in records.values():
        summary = unit.load(record).summary
        if summary.customer_id != profile.id and summary.customer_id in ids:
            # Conversations of merged-away profiles belong to the survivor now.
            summary = attrs.evolve(summary, customer_id=profile.id)
        if record.id in message_ids or record.id in external_ids:
            summary = attrs.evolve(
                summary,
                message_ids=summary.message_ids | message_ids.get(record.id, set()),
                external_ids=summary.external_ids | external_ids.get(record.id, set()),
            )
        summaries.append(summary)
    return summaries
