"""Calls on the desk: each call webhook joins the customer's timeline; a missed call is a task.

A call is a contact like a message, placed by the same rules:

- the caller's number resolves to a customer as a message's sender does
  (``omnicx.identity``), and the call joins the conversation threading
  would continue (an active one inside the continuity window), or the one
  its earlier webhooks joined (``ext:voice:<CallSid>``);
- an answered call with no such conversation stays on the customer's
  timeline only: an agent already talked to the customer;
- a missed inbound call (busy, no-answer, failed, canceled, or abandoned
  before an answer) goes through ``Desk.receive`` as the customer's
  message on ``voice``: a callback task, routed by the rules (which read
  ``call.status``, ``call.missed``), with SLA clocks like any message.
"""

from __future__ import annotations

from typing import Any

import attrs

from omnicx import serde
from omnicx.channels import (
    CallRecorded,
    CallStatusChanged,
    CallTranscribed,
    CallUpdate,
    IncomingCall,
    MessageReceived,
)
from omnicx.desk._inbound import audit_merges, candidates
from omnicx.desk._receipt import Receipt
from omnicx.desk._unit import Unit
from omnicx.errors import NotFoundError
from omnicx.identity import IdentityPolicy, MergeRules, Observation, current_profile, resolve
from omnicx.model import (
    Author,
    AuthorKind,
    Call,
    CallEvent,
    CallStatus,
    Channel,
    Direction,
    Message,
)
from omnicx.storage import Changes, ConversationRecord, DeskStore
from omnicx.storage._records import call_owner
from omnicx.timeline import ThreadingPolicy, ThreadOutcome, external_key, lookup_keys, thread


@attrs.frozen(kw_only=True)
class CallReceipt:
    """What ``Desk.receive_call`` did with one call webhook.

    Attributes:
        key: the idempotency key it was recorded under (``call:<CallSid>:...``).
        customer_id: the customer the call is on; None while ``pending``.
        conversation_id: the conversation the call joined, if any.
        callback: a missed call made (or continued) a callback task.
        receipt: that task's conversation receipt (routing, SLA, outbox).
        replayed: the webhook was taken before; nothing changed.
        pending: a recording or transcript that names no caller arrived
            before every webhook of its call that does: the store keeps it,
            and the call's first webhook naming its customer puts it on that
            customer's timeline (and conversation). Answer the provider 2xx.
    """

    key: str
    customer_id: str | None = None
    conversation_id: str | None = None
    callback: bool = False
    receipt: Receipt | None = None
    replayed: bool = False
    pending: bool = False


_EARLY = "early:call:"


@attrs.frozen(kw_only=True)
class Early:
    """What the store keeps of a call before and once it names its customer.

    Slots ``early:call:<CallSid>:1``, ``:2``, ... are receipts, each written
    once: a recording or transcript that came before the call was known
    (``pending``, its event), then one that closes the call (``known``: the
    customer and conversation its first webhook naming the customer found).
    Two writers of one slot conflict in the store, so a callback is never
    kept after the call was closed without being attached.
    """

    call_id: str
    pending: tuple[tuple[str, CallRecorded | CallTranscribed], ...] = ()
    known: tuple[str, str | None] | None = None
    free: int = 1

    @property
    def slot(self) -> str:
        """The next slot to write."""
        return f"{_EARLY}{self.call_id}:{self.free}"


def early(store: DeskStore, call_id: str) -> Early:
    """Read the call's slots up to the first free one."""
    pending: list[tuple[str, CallRecorded | CallTranscribed]] = []
    n = 1
    while (data := store.receipt(f"{_EARLY}{call_id}:{n}")) is not None:
        n += 1
        if data.get("known"):
            return Early(call_id=call_id, pending=tuple(pending), free=n,
                         known=(str(data["customer_id"]), data.get("conversation_id")))  # fmt: skip
        kept: CallRecorded | CallTranscribed
        if data.get("kind") == CallRecorded.TAG:
            kept = serde.from_dict(CallRecorded, data["event"])
        else:
            kept = serde.from_dict(CallTranscribed, data["event"])
        pending.append((str(data["key"]), kept))
    return Early(call_id=call_id, pending=tuple(pending), free=n)


def keep(event: CallRecorded | CallTranscribed, key: str, slots: Early) -> Changes:
    """Keep a callback that arrived before its call was known, in the call's next slot."""
    # Filed under the call, so erasing its customer later erases it (call_owner).
    data = {"customer_id": call_owner(event.call_id), "key": key, "kind": event.TAG,
            "event": serde.to_dict(event)}  # fmt: skip
    return Changes(receipts=((slots.slot, data),), new_receipts=(slots.slot,))


def settle(store: DeskStore, call_id: str, customer_id: str, conversation_id: str | None) -> None:
    """Close the call once a webhook named its customer; attach the callbacks kept till then.

    Idempotent: a closed call changes nothing. A concurrent ``keep`` of the
    same slot makes one of the two commits fail (``ConflictError``); the
    provider's redelivery, or the call's next webhook, settles it again.
    """
    slots = early(store, call_id)
    if slots.known is not None:
        return
    events: list[CallEvent] = []
    receipts: list[tuple[str, Any]] = []
    for key, event in slots.pending:
        direction = call_direction(store, conversation_id, event)
        events.append(timeline_event(event, event_id=key, customer_id=customer_id,
                                     conversation_id=conversation_id,
                                     direction=direction))  # fmt: skip
        kept = CallReceipt(key=key, customer_id=customer_id, conversation_id=conversation_id)
        receipts.append((key, serde.to_dict(kept)))
    closed = {"customer_id": customer_id, "conversation_id": conversation_id, "known": True}
    receipts.append((slots.slot, closed))
    store.commit(Changes(events=tuple(events), receipts=tuple(receipts),
                         new_receipts=(slots.slot,)))  # fmt: skip


def call_key(event: CallUpdate) -> str:
    """The idempotency key of one call webhook: the call and what it reported."""
    if isinstance(event, CallRecorded):
        return f"call:{event.call_id}:recording:{event.recording_id}"
    if isinstance(event, CallTranscribed):
        return f"call:{event.call_id}:transcription:{event.transcription_id}"
    if isinstance(event, IncomingCall):
        return f"call:{event.call_id}:incoming"
    return f"call:{event.call_id}:{event.status.value}"


def call_of(event: IncomingCall | CallStatusChanged) -> Call:
    """The call facts routing sees for ``event``.

    Twilio's ``CallDuration`` of a completed call counts from the answer, so
    a completed call of 0 seconds was never answered: the caller hung up.
    """
    duration = event.duration_seconds if isinstance(event, CallStatusChanged) else None
    answered = event.status is CallStatus.IN_PROGRESS or (
        event.status is CallStatus.COMPLETED and (duration or 0) > 0
    )
    return Call(
        id=event.call_id,
        direction=event.direction,
        status=event.status,
        answered=answered,
        duration_seconds=duration,
    )


def missed(event: CallUpdate) -> bool:
    """Whether ``event`` ends an inbound call nobody answered."""
    return isinstance(event, CallStatusChanged) and call_of(event).missed


def missed_message(event: CallStatusChanged) -> MessageReceived:
    """The customer's message a missed call stands for: the callback task's first message."""
    call = call_of(event)
    what = "Abandoned call" if call.abandoned else f"Missed call ({event.status.value})"
    message = Message(
        id=f"{Channel.VOICE.name}:{event.call_id}",
        channel=Channel.VOICE,
        direction=Direction.INBOUND,
        author=Author(kind=AuthorKind.CUSTOMER, name=event.customer_name),
        sent_at=event.at,
        text=what,
        external_id=event.call_id,
        metadata={"call_id": event.call_id, "call_status": event.status.value},
    )
    return MessageReceived(
        message=message,
        sender=event.customer,
        sender_name=event.customer_name,
        received_at=event.at,
        received_by=event.received_by,
    )


def timeline_event(
    event: CallUpdate,
    *,
    event_id: str,
    customer_id: str,
    conversation_id: str | None,
    direction: Direction = Direction.INBOUND,
) -> CallEvent:
    """The timeline's ``CallEvent`` for one call webhook."""
    base: dict[str, Any] = {
        "id": event_id,
        "at": event.at,
        "customer_id": customer_id,
        "conversation_id": conversation_id,
        "source": Channel.VOICE.name,
        # One timeline entry per webhook: the call and what it reported.
        "external_id": event_id,
        "call_id": event.call_id,
    }
    if isinstance(event, CallRecorded):
        return CallEvent(**base, direction=direction, recording_url=event.url)
    if isinstance(event, CallTranscribed):
        return CallEvent(**base, direction=direction, transcript=event.text or None)
    call = call_of(event)
    return CallEvent(
        **base,
        direction=event.direction,
        duration_seconds=call.duration_seconds or 0,
        answered=call.answered or not event.status.ended,
        status=event.status,
    )


def place(
    store: DeskStore,
    unit: Unit,
    event: CallUpdate,
    *,
    identity: IdentityPolicy,
    merge_rules: MergeRules,
    threading: ThreadingPolicy,
) -> tuple[str | None, ConversationRecord | None]:
    """The customer and conversation a call webhook joins (either may be None)."""
    ref = external_key(Channel.VOICE, event.call_id)
    found = unit.conversation_for_ref(ref)
    if found is not None:
        record = store.conversation(found)
        if record is None:
            raise NotFoundError("conversation", found)
        record = unit.load(record)
        return record.conversation.customer_id, record
    identifiers = () if isinstance(event, CallRecorded) else event.customer
    if not identifiers:
        return None, None
    name = event.customer_name if isinstance(event, IncomingCall | CallStatusChanged) else None
    observation = Observation(id=f"call:{event.call_id}", at=event.at, identifiers=identifiers,
                              name=name)  # fmt: skip
    resolution = resolve(unit.staged, observation, policy=identity, rules=merge_rules)
    audit_merges(unit, resolution)
    profile = current_profile(unit.staged, resolution.customer_id)
    probe = _probe(event)
    summaries = candidates(store, unit, profile, lookup_keys(probe))
    decision = thread(probe, summaries, threading, event.at, customer_id=profile.id)
    if decision.outcome is not ThreadOutcome.CONTINUE or decision.conversation_id is None:
        return profile.id, None
    record = store.conversation(decision.conversation_id)
    if record is None:
        raise NotFoundError("conversation", decision.conversation_id)
    unit.refs.append((ref, record.id))
    return profile.id, unit.load(record)


def _probe(event: CallUpdate) -> Message:
    # What threading looks at: a customer's contact on voice at the call's instant.
    return Message(
        id=f"{Channel.VOICE.name}:{event.call_id}",
        channel=Channel.VOICE,
        direction=Direction.INBOUND,
        author=Author(kind=AuthorKind.CUSTOMER),
        sent_at=event.at,
        external_id=event.call_id,
    )


def call_direction(store: DeskStore, conversation_id: str | None, event: CallUpdate) -> Direction:
    """The call's direction: the event's own, or (a recording, a transcript) as the call's
    earlier webhooks on the conversation recorded it."""
    if isinstance(event, IncomingCall | CallStatusChanged):
        return event.direction
    if conversation_id is not None:
        for stored in store.events(conversation_id=conversation_id):
            if isinstance(stored, CallEvent) and stored.call_id == event.call_id:
                return stored.direction
    return Direction.INBOUND


def touched(record: ConversationRecord, event: CallUpdate) -> ConversationRecord:
    """``record`` with the call counted as activity, as a message at its instant would be.

    The continuity window runs from a conversation's last activity (and back
    from its first): a customer who calls and writes an hour later continues
    the call's conversation. The call's own webhooks (it arriving, its
    statuses) are the contact; a recording or transcript is not.
    """
    if not isinstance(event, IncomingCall | CallStatusChanged):
        return record
    summary = record.summary
    last = max(summary.last_activity_at, event.at)
    first = min(summary.first_activity, event.at)
    if last == summary.last_activity_at and first == summary.first_activity:
        return record
    summary = attrs.evolve(summary, last_activity_at=last, first_activity_at=first)
    return attrs.evolve(record, summary=summary)


def answers(event: CallUpdate) -> bool:
    """Whether ``event`` is the call being answered (it moves SLA clocks, docs/sla.md)."""
    return isinstance(event, IncomingCall | CallStatusChanged) and (
        event.status is CallStatus.IN_PROGRESS
    )


def changes(unit: Unit, receipt: CallReceipt) -> Changes:
    """Everything one call webhook writes: identity, the timeline event, the call's reference."""
    return Changes(
        identity=unit.staged.staged(),
        profile_versions=dict(unit.staged.read_versions),
        conversations=tuple(unit.written.values()),
        thread_refs=tuple(unit.refs),
        events=tuple(unit.events),
        receipts=((unit.key, serde.to_dict(receipt)),),
        audit=tuple(unit.audit),
        **unit.reads(),
    )


def replayed(stored: Any) -> CallReceipt:
    """A stored call receipt, marked as a replay."""
    return attrs.evolve(serde.from_dict(CallReceipt, stored), replayed=True)
