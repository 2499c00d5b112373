"""The desk's voice calls: call webhooks on the timeline, missed calls as callbacks, wrap-up."""

from __future__ import annotations

from datetime import datetime

from omnicx.channels import CallRecorded, CallStatusChanged, CallTranscribed, CallUpdate
from omnicx.desk import _calls as calls
from omnicx.desk._desk_base import DeskBase, check_instant
from omnicx.desk._unit import Unit
from omnicx.errors import ValidationError
from omnicx.identity import current_profile
from omnicx.model import CallWrappedUp, Channel
from omnicx.timeline import external_key


class DeskCalls(DeskBase):
    """The desk's calls for voice: ``receive_call`` and ``wrap_up_call``."""

    __slots__ = ()

    def receive_call(self, event: CallUpdate) -> calls.CallReceipt:
        """Put one voice webhook's call event on the customer's timeline.

        The caller resolves to a customer like a message's sender, and the
        call joins the conversation its earlier webhooks joined or the one
        threading continues (an active conversation inside the continuity
        window); an answered call with neither stays on the timeline only.
        A missed inbound call (busy, no-answer, failed, canceled, or a
        completed call of 0 seconds: abandoned) is taken like a message on
        ``voice``: a callback task, routed by the rules (``call.status``,
        ``call.missed``) and SLA-tracked. Idempotent per call and status.
        See docs/desk.md, "Calls".

        Raises:
            ErasedCustomerError: with ``erased=ErasedPolicy.REFUSE``, the
                caller's number belonged to an erased customer.
        """
        check_instant("call.at", event.at)
        if isinstance(event, CallStatusChanged) and calls.missed(event):
            receipt = self._receive(calls.missed_message(event), self.rules, call=event)
            calls.settle(self.store, event.call_id, receipt.customer_id, receipt.conversation_id)
            return calls.CallReceipt(key=receipt.key, customer_id=receipt.customer_id,
                                     conversation_id=receipt.conversation_id, callback=True,
                                     receipt=receipt, replayed=receipt.replayed)  # fmt: skip
        key = calls.call_key(event)
        stored = self.store.receipt(key)
        if stored is not None:
            result = calls.replayed(stored)
            if result.customer_id is not None:
                # A crash between the two commits heals on the redelivery.
                calls.settle(self.store, event.call_id, result.customer_id,
                             result.conversation_id)  # fmt: skip
            return result
        if not isinstance(event, CallRecorded):
            self._refuse_erased(event.customer)
        unit = Unit.open(self.store, key, self.clock.now())
        customer_id, record = calls.place(self.store, unit, event, identity=self.identity,
                                          merge_rules=self.merge_rules,
                                          threading=self.threading)  # fmt: skip
        conversation_id = None if record is None else record.id
        if customer_id is None and isinstance(event, CallRecorded | CallTranscribed):
            # Nothing named the caller: the call's first webhook that did, if any yet.
            slots = calls.early(self.store, event.call_id)
            if slots.known is None:
                if any(kept == key for kept, _ in slots.pending):
                    return calls.CallReceipt(key=key, pending=True, replayed=True)
                self.store.commit(calls.keep(event, key, slots))
                return calls.CallReceipt(key=key, pending=True)
            customer_id, conversation_id = slots.known
        if customer_id is not None:
            direction = calls.call_direction(self.store, conversation_id, event)
            unit.events.append(calls.timeline_event(event, event_id=key, customer_id=customer_id,
                                                    conversation_id=conversation_id,
                                                    direction=direction))  # fmt: skip
        if record is not None:
            # The call is the conversation's activity (continuity runs from it).
            moved = calls.touched(record, event)
            if moved is not record or calls.answers(event):
                # An answered call answers the customer: the SLA clocks hear of it.
                customer = current_profile(unit.staged, record.conversation.customer_id)
                record, _ = self._track(unit, moved, customer.to_customer(self.standing))
                unit.put(record)
        result = calls.CallReceipt(key=key, customer_id=customer_id,
                                   conversation_id=conversation_id)  # fmt: skip
        self.store.commit(calls.changes(unit, result))
        if customer_id is not None:
            calls.settle(self.store, event.call_id, customer_id, conversation_id)
        return result

    def wrap_up_call(
        self,
        call_id: str,
        *,
        agent_id: str,
        customer_id: str | None = None,
        at: datetime | None = None,
    ) -> str:
        """Record that ``agent_id`` finished the after-call work of ``call_id``; return the event id.

        After-call work runs from the call's end to this instant (``at``, by
        default the desk's clock). The call's conversation names its
        customer; a call on the timeline only needs ``customer_id`` (the
        ``CallReceipt``'s). Idempotent per call and agent.

        Raises:
            ValidationError: at ``customer_id``, the call joined no
                conversation and no customer was given.
        """
        now = self.clock.now()
        stamp = now if at is None else at
        check_instant("at", stamp)
        key = f"call:{call_id}:wrapped:{agent_id}"
        if self.store.receipt(key) is not None:
            return key
        unit = Unit.open(self.store, key, now)
        found = unit.conversation_for_ref(external_key(Channel.VOICE, call_id))
        owner = customer_id
        if found is not None:
            owner = self._record(found).conversation.customer_id
        if owner is None:
            raise ValidationError.single(
                "customer_id",
                f"call {call_id!r} joined no conversation: pass the customer_id its CallReceipt gave",
            )
        unit.events.append(CallWrappedUp(id=key, at=stamp, customer_id=owner, conversation_id=found,
                                         source=Channel.VOICE.name, call_id=call_id,
                                         agent_id=agent_id))  # fmt: skip
        self.store.commit(calls.changes(unit, calls.CallReceipt(key=key, customer_id=owner,
                                                                conversation_id=found)))  # fmt: skip
        return key
