"""Calls on the desk: one customer by phone number, continuity, missed calls as callback tasks."""

from __future__ import annotations

from datetime import timedelta

import pytest

from omnicx import FixedClock
from omnicx.channels import (
    CallStatusChanged,
    MessageReceived,
    TwilioVoiceAdapter,
    WebhookRequest,
)
from omnicx.desk import Desk
from omnicx.errors import ValidationError
from omnicx.identity import phone_identifier
from omnicx.model import (
    Author,
    AuthorKind,
    CallEvent,
    CallStatus,
    CallWrappedUp,
    Channel,
    Direction,
    Message,
    Priority,
)
from omnicx.routing import RuleEngine, load_rules
from omnicx.sla import ClockState, Metric, Policy, SlaEngine, Target
from omnicx.storage import DeskStore
from omnicx.testing import (
    call_status,
    incoming_call,
    recording_status,
    transcription,
    voice_request,
)

from .conftest import T0

TOKEN = "voice-secret"
VOICE = TwilioVoiceAdapter(account_sid="AC1", auth_token=TOKEN)
MARY = "+14155550100"
MISSED = "CA8e6c4a2b0d8f6e4c2a0b8d6f4e2c0a8b"

RULES = RuleEngine.compile(
    load_rules({"rules": [
        {"id": "callbacks", "when": {"field": "call.missed", "op": "eq", "value": True},
         "then": {"queue": "callbacks", "add_tags": ["callback"]}},
        {"id": "no-answer", "when": {"field": "call.status", "op": "eq", "value": "no-answer"},
         "then": {"priority": "high"}},
        {"id": "rest", "when": {"field": "call.missed", "op": "eq", "value": False},
         "then": {"queue": "general"}},
    ], "mode": "accumulate"})
)  # fmt: skip


def event(request: WebhookRequest) -> object:
    VOICE.verify(request, now=request.received_at)
    (parsed,) = VOICE.parse(request)
    return parsed


def at(seconds: float) -> dict[str, object]:
    return {"received_at": T0 + timedelta(seconds=seconds)}


def desk(store: DeskStore, clock: FixedClock) -> Desk:
    return Desk(store=store, clock=clock, rules=RULES)


def sms(text: str, sid: str = "SM1") -> MessageReceived:
    message = Message(
        id=f"sms:{sid}",
        channel=Channel.SMS,
        direction=Direction.INBOUND,
        author=Author(kind=AuthorKind.CUSTOMER),
        sent_at=T0 - timedelta(minutes=5),
        text=text,
        external_id=sid,
    )
    return MessageReceived(message=message, sender=(phone_identifier(MARY, verified=True),))


def test_missed_call_is_a_routed_callback_task(store: DeskStore, clock: FixedClock) -> None:
    """A no-answer inbound call becomes a conversation on voice, routed by call.* fields."""
    receipt = desk(store, clock).receive_call(
        event(voice_request(call_status("no-answer", call_sid=MISSED, duration=0),
                            auth_token=TOKEN, **at(0)))  # type: ignore[arg-type]
    )  # fmt: skip
    assert receipt.callback
    assert receipt.receipt is not None
    assert receipt.receipt.queue == "callbacks"
    assert receipt.receipt.priority == "high"
    assert "callback" in receipt.receipt.tags
    record = store.conversation(receipt.conversation_id or "")
    assert record is not None
    assert record.conversation.channel == Channel.VOICE
    calls = [e for e in store.events(conversation_id=record.id) if isinstance(e, CallEvent)]
    assert [(c.call_id, c.status, c.answered) for c in calls] == [
        (MISSED, CallStatus.NO_ANSWER, False)
    ]


def test_abandoned_call_is_missed(store: DeskStore, clock: FixedClock) -> None:
    """A completed inbound call of 0 seconds was never answered: a callback task too."""
    receipt = desk(store, clock).receive_call(
        event(voice_request(call_status("completed", duration=0), auth_token=TOKEN))  # type: ignore[arg-type]
    )
    assert receipt.callback
    assert receipt.receipt is not None
    assert receipt.receipt.queue == "callbacks"


def test_answered_call_without_open_conversation_is_timeline_only(
    store: DeskStore, clock: FixedClock
) -> None:
    """An answered call creates no task; its events sit on the customer's timeline."""
    d = desk(store, clock)
    receipts = [
        d.receive_call(event(voice_request(fields, auth_token=TOKEN, **at(s))))  # type: ignore[arg-type]
        for fields, s in [
            (incoming_call(), 0),
            (call_status("in-progress", sequence=1), 12),
            (call_status("completed", sequence=2, duration=188), 200),
        ]
    ]
    assert {r.conversation_id for r in receipts} == {None}
    assert not any(r.callback for r in receipts)
    (customer,) = {r.customer_id for r in receipts}
    assert customer is not None
    kinds = [(e.status, e.answered) for e in d.timeline(customer) if isinstance(e, CallEvent)]
    assert kinds == [
        (CallStatus.RINGING, True),
        (CallStatus.IN_PROGRESS, True),
        (CallStatus.COMPLETED, True),
    ]


def test_call_joins_the_open_conversation_of_the_same_number(
    store: DeskStore, clock: FixedClock
) -> None:
    """A customer who texted, then calls from the same number: the call joins that conversation,
    and later webhooks of the call (the recording) follow it there."""
    d = desk(store, clock)
    texted = d.receive(sms("My parcel has not arrived"))
    incoming = d.receive_call(event(voice_request(incoming_call(), auth_token=TOKEN)))  # type: ignore[arg-type]
    recorded = d.receive_call(event(voice_request(recording_status(), auth_token=TOKEN, **at(230))))  # type: ignore[arg-type]
    assert incoming.customer_id == texted.customer_id
    assert incoming.conversation_id == texted.conversation_id
    assert recorded.conversation_id == texted.conversation_id
    events = store.events(conversation_id=texted.conversation_id)
    urls = [e.recording_url for e in events if isinstance(e, CallEvent) and e.recording_url]
    assert len(urls) == 1


def test_missed_call_continues_the_open_conversation(store: DeskStore, clock: FixedClock) -> None:
    """A missed call from a customer with an open conversation continues it (no second task)."""
    d = desk(store, clock)
    texted = d.receive(sms("Hello?"))
    missed = d.receive_call(event(voice_request(call_status("busy", duration=0), auth_token=TOKEN)))  # type: ignore[arg-type]
    assert missed.callback
    assert missed.conversation_id == texted.conversation_id


def test_redelivered_call_webhook_changes_nothing(store: DeskStore, clock: FixedClock) -> None:
    """Each call webhook is idempotent: a redelivery returns the first receipt, replayed."""
    d = desk(store, clock)
    for fields in (incoming_call(), call_status("no-answer", duration=0)):
        request = voice_request(fields, auth_token=TOKEN)
        first = d.receive_call(event(request))  # type: ignore[arg-type]
        again = d.receive_call(event(request))  # type: ignore[arg-type]
        assert again.replayed
        assert (again.customer_id, again.conversation_id) == (
            first.customer_id,
            first.conversation_id,
        )
    customer = d.receive_call(event(voice_request(incoming_call(), auth_token=TOKEN)))  # type: ignore[arg-type]
    calls = [e for e in d.timeline(customer.customer_id or "") if isinstance(e, CallEvent)]
    assert len(calls) == 2


def test_transcript_joins_the_missed_call(store: DeskStore, clock: FixedClock) -> None:
    """A voicemail's transcription lands on the missed call's conversation."""
    d = desk(store, clock)
    missed = d.receive_call(
        event(voice_request(call_status("no-answer", call_sid=MISSED, duration=0),
                            auth_token=TOKEN)))  # type: ignore[arg-type]  # fmt: skip
    heard = d.receive_call(
        event(voice_request(transcription(call_sid=MISSED), auth_token=TOKEN, **at(60)))
    )  # type: ignore[arg-type]
    assert heard.conversation_id == missed.conversation_id
    texts = [e.transcript for e in store.events(conversation_id=heard.conversation_id)
             if isinstance(e, CallEvent) and e.transcript]  # fmt: skip
    assert texts
    assert texts[0].startswith("Hi, it's Mary")


def test_recording_of_an_unknown_call_is_kept_pending(store: DeskStore, clock: FixedClock) -> None:
    """A recording callback names no caller: before its call's webhooks it is kept, pending."""
    receipt = desk(store, clock).receive_call(
        event(voice_request(recording_status(), auth_token=TOKEN))
    )  # type: ignore[arg-type]
    assert (receipt.customer_id, receipt.conversation_id, receipt.pending) == (None, None, True)


def test_wrap_up_is_recorded_on_the_call(store: DeskStore, clock: FixedClock) -> None:
    """``wrap_up_call`` records the end of after-call work on the call's customer."""
    d = desk(store, clock)
    done = d.receive_call(
        event(voice_request(call_status("completed", duration=60), auth_token=TOKEN))
    )  # type: ignore[arg-type]
    assert done.customer_id is not None
    with pytest.raises(ValidationError) as error:
        d.wrap_up_call("CA5d3c9b1e2f4a6b8c0d2e4f6a8b0c2d4e", agent_id="ann")
    assert error.value.problems[0].path == "customer_id"
    key = d.wrap_up_call("CA5d3c9b1e2f4a6b8c0d2e4f6a8b0c2d4e", agent_id="ann",
                         customer_id=done.customer_id, at=T0 + timedelta(minutes=3))  # fmt: skip
    (wrapped,) = [e for e in d.timeline(done.customer_id) if isinstance(e, CallWrappedUp)]
    assert (wrapped.id, wrapped.agent_id, wrapped.at) == (key, "ann", T0 + timedelta(minutes=3))
    # Idempotent per call and agent.
    assert d.wrap_up_call("CA5d3c9b1e2f4a6b8c0d2e4f6a8b0c2d4e", agent_id="ann",
                          customer_id=done.customer_id) == key  # fmt: skip


def test_status_change_is_typed() -> None:
    assert isinstance(event(voice_request(call_status("ringing"), auth_token=TOKEN)),
                      CallStatusChanged)  # fmt: skip


SLA = SlaEngine(policies=[Policy(name="callbacks", targets={
    Metric.FIRST_REPLY: {p: Target(seconds=3600, business=False) for p in Priority},
})])  # fmt: skip


def test_an_answered_callback_meets_the_first_reply_target(
    store: DeskStore, clock: FixedClock
) -> None:
    """The missed call starts the callback task's first reply clock; the business's call back,
    once answered, meets it as a reply would."""
    d = Desk(store=store, clock=clock, rules=RULES, sla=SLA)
    missed = d.receive_call(
        event(voice_request(call_status("no-answer", call_sid=MISSED, duration=0),
                            auth_token=TOKEN, **at(0))))  # type: ignore[arg-type]  # fmt: skip
    task = missed.conversation_id or ""
    (line,) = [t for t in d.sla_report(task).targets if t.metric is Metric.FIRST_REPLY]  # type: ignore[union-attr]
    assert line.state is ClockState.ACTIVE
    back = dict(call_status("in-progress", call_sid="CAback", at=T0 + timedelta(minutes=20)))
    back.update({"Direction": "outbound-api", "From": "+14155550199", "To": MARY})
    clock.advance(timedelta(minutes=20))
    joined = d.receive_call(event(voice_request(list(back.items()), auth_token=TOKEN, **at(1200))))  # type: ignore[arg-type]
    assert joined.conversation_id == task
    (line,) = [t for t in d.sla_report(task).targets if t.metric is Metric.FIRST_REPLY]  # type: ignore[union-attr]
    assert (line.state, line.elapsed) == (ClockState.ACHIEVED, 1200)


def test_an_erased_caller_is_refused_when_the_desk_says_so(
    store: DeskStore, clock: FixedClock
) -> None:
    """With ``erased=REFUSE`` a call from an erased customer's number records nothing."""
    from omnicx.desk import ErasedCustomerError, ErasedPolicy
    from omnicx.privacy import erase_customer

    d = desk(store, clock)
    first = d.receive_call(event(voice_request(incoming_call(), auth_token=TOKEN)))  # type: ignore[arg-type]
    erase_customer(store, first.customer_id or "", now=T0, actor="lead", reason="request")
    refusing = Desk(store=store, clock=clock, erased=ErasedPolicy.REFUSE)
    again = call_status("ringing", call_sid="CAagain")
    with pytest.raises(ErasedCustomerError):
        refusing.receive_call(event(voice_request(again, auth_token=TOKEN)))  # type: ignore[arg-type]
    assert store.receipt("call:CAagain:ringing") is None
