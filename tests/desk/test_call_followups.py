"""A call as the conversation's activity, and ``explain`` for a missed call's callback task."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omnicx import FixedClock
from omnicx.channels import (
    CallRecorded,
    CallUpdate,
    MessageReceived,
    TwilioVoiceAdapter,
    WebhookRequest,
)
from omnicx.desk import Desk
from omnicx.errors import ConflictError
from omnicx.identity import phone_identifier
from omnicx.model import Author, AuthorKind, CallEvent, Channel, Direction, Message
from omnicx.storage import DeskStore, MemoryStore
from omnicx.testing import (
    call_status,
    incoming_call,
    recording_status,
    transcription,
    voice_request,
)

from .conftest import T0
from .test_calls import MARY, MISSED, RULES, TOKEN

VOICE = TwilioVoiceAdapter(account_sid="AC1", auth_token=TOKEN)


def _call(fields: list[tuple[str, str]], minutes: float) -> CallUpdate:
    request: WebhookRequest = voice_request(
        fields, auth_token=TOKEN, received_at=T0 + timedelta(minutes=minutes)
    )
    (parsed,) = VOICE.parse(request)
    assert not isinstance(parsed, MessageReceived)
    return parsed  # type: ignore[return-value]


def _text(minutes: float, sid: str, channel: Channel = Channel.SMS) -> MessageReceived:
    at = T0 + timedelta(minutes=minutes)
    message = Message(id=f"{channel.name}:{sid}", channel=channel, direction=Direction.INBOUND,
                      author=Author(kind=AuthorKind.CUSTOMER), sent_at=at, text="Any news?",
                      external_id=sid)  # fmt: skip
    return MessageReceived(
        message=message, sender=(phone_identifier(MARY, verified=True),), received_at=at
    )


def _answered_call(desk: Desk, minutes: float, length: float) -> str | None:
    """An answered call from Mary at ``minutes``, ``length`` minutes long; its conversation."""
    joined = [
        desk.receive_call(_call(incoming_call(), minutes)),
        desk.receive_call(_call(call_status("in-progress", sequence=1), minutes)),
        desk.receive_call(_call(call_status("completed", sequence=2,
                                            duration=int(length * 60)), minutes + length)),
    ]  # fmt: skip
    return joined[-1].conversation_id


def test_a_text_an_hour_after_a_call_continues_the_calls_conversation(
    store: DeskStore, clock: FixedClock
) -> None:
    """Mary texted, called 20 hours later (the call joined), texts 5 hours after the call:
    past a day from her first text but within a day of the call: the same conversation."""
    desk = Desk(store=store, clock=clock)
    first = desk.receive(_text(0, "SM1")).conversation_id
    assert _answered_call(desk, 20 * 60, 10) == first
    later = desk.receive(_text(25 * 60, "SM2", Channel.WHATSAPP))
    assert (later.conversation_id, later.thread_reason) == (first, "continuity")
    record = store.conversation(first)
    assert record is not None
    assert record.summary.last_activity_at == T0 + timedelta(hours=25)


def test_a_missed_calls_callback_task_is_continued_by_a_later_text(
    store: DeskStore, clock: FixedClock
) -> None:
    """The callback task of a missed call is continued by Mary's text an hour later."""
    desk = Desk(store=store, clock=clock, rules=RULES)
    missed = desk.receive_call(_call(call_status("no-answer", call_sid=MISSED, duration=0), 0))
    assert missed.callback
    later = desk.receive(_text(60, "SM1"))
    assert later.conversation_id == missed.conversation_id


def _continues(at: int) -> bool:
    probe = Desk(store=MemoryStore(), clock=FixedClock(T0))
    first = probe.receive(_text(0, "SM1")).conversation_id
    return probe.receive(_text(at, "SMa")).conversation_id == first


@settings(max_examples=40, deadline=None)
@given(
    call_after=st.integers(min_value=1, max_value=40 * 60),
    length=st.integers(min_value=1, max_value=90),
    text_after=st.integers(min_value=1, max_value=40 * 60),
)
def test_a_call_extends_continuity_as_a_message_at_its_instants_would(
    call_after: int, length: int, text_after: int
) -> None:
    """Replace the call by two texts at its start and its end: the later text joins the first
    conversation exactly when it does after the call (the call counted as the contact)."""
    end = call_after + length

    def joins(with_call: bool) -> bool:
        desk = Desk(store=MemoryStore(), clock=FixedClock(T0))
        first = desk.receive(_text(0, "SM1")).conversation_id
        if with_call:
            _answered_call(desk, call_after, length)
        elif _continues(call_after):
            # An answered call that continues no conversation makes none (a text would):
            # only a call that joins the first stands as texts at its start and its end.
            desk.receive(_text(call_after, "SMa"))
            desk.receive(_text(end, "SMb"))
        return desk.receive(_text(end + text_after, "SM2")).conversation_id == first

    assert joins(True) == joins(False)


def test_explain_shows_the_call_facts_routing_saw(store: DeskStore, clock: FixedClock) -> None:
    """``explain`` of a missed call traces the callback task with ``call.*`` as receive routes it."""
    desk = Desk(store=store, clock=clock, rules=RULES)
    missed = _call(call_status("no-answer", call_sid=MISSED, duration=0), 0)
    trace = desk.explain(missed)
    assert trace is not None
    assert {r.rule_id for r in trace.rules if r.matched} == {"callbacks", "no-answer"}
    receipt = desk.receive_call(missed).receipt
    assert receipt is not None
    assert (trace.decision.queue, receipt.queue) == ("callbacks", "callbacks")
    assert set(receipt.fired) == {"callbacks", "no-answer"}
    # A call webhook that is not a missed call is never routed.
    assert desk.explain(_call(incoming_call(call_sid="CAother"), 1)) is None


def _early(fields: list[tuple[str, str]], minutes: float) -> CallUpdate:
    # A recording or transcription callback: a URL of its own, signed as Twilio does.
    return _call(fields, minutes)


def test_a_recording_before_its_call_lands_once_the_call_is_known(every_store: DeskStore) -> None:
    """Twilio does not order a call's webhooks: a recording (naming no caller) that comes first
    is kept, and the call's first webhook naming Mary puts it on her conversation, once."""
    store = every_store
    desk = Desk(store=store, clock=FixedClock(T0), rules=RULES)
    recording = _early(recording_status(call_sid=MISSED), 0)
    kept = desk.receive_call(recording)
    assert (kept.pending, kept.customer_id, kept.conversation_id) == (True, None, None)
    again = desk.receive_call(recording)
    assert (again.pending, again.replayed) == (True, True)
    missed = desk.receive_call(_call(call_status("no-answer", call_sid=MISSED, duration=0), 1))
    assert missed.conversation_id is not None
    urls = [e.recording_url for e in store.events(conversation_id=missed.conversation_id)
            if isinstance(e, CallEvent) and e.recording_url]  # fmt: skip
    assert len(urls) == 1
    # Redelivered now, the recording replays where it landed; nothing is added.
    late = desk.receive_call(recording)
    assert (late.replayed, late.pending, late.conversation_id) == (
        True, False, missed.conversation_id)  # fmt: skip
    desk.receive_call(_call(call_status("no-answer", call_sid=MISSED, duration=0), 1))
    events = [e for e in store.events(conversation_id=missed.conversation_id)
              if isinstance(e, CallEvent) and e.recording_url]  # fmt: skip
    assert len(events) == 1


def test_a_recording_of_a_timeline_only_call_lands_on_the_callers_timeline(
    store: DeskStore, clock: FixedClock
) -> None:
    """An answered call with no conversation: its recording, before or after, is on Mary's
    timeline (the call's first webhook closed it with her id)."""
    desk = Desk(store=store, clock=clock)
    before = desk.receive_call(_early(transcription_without_caller(), 0))
    assert before.pending
    incoming = desk.receive_call(_call(incoming_call(), 1))
    assert incoming.customer_id is not None
    after = desk.receive_call(_early(recording_status(), 5))
    assert (after.pending, after.customer_id) == (False, incoming.customer_id)
    kinds = sorted(
        ("recording" if e.recording_url else "transcript" if e.transcript else "status")
        for e in desk.timeline(incoming.customer_id)
        if isinstance(e, CallEvent)
    )
    assert kinds == ["recording", "status", "transcript"]


def transcription_without_caller() -> list[tuple[str, str]]:
    return [(k, v) for k, v in transcription() if k not in ("From", "To")]


@settings(max_examples=25, deadline=None)
@given(st.permutations(range(5)), st.sets(st.integers(min_value=0, max_value=4), max_size=3))
def test_every_order_of_a_calls_webhooks_puts_the_same_events_on_the_timeline(
    order: list[int], again: set[int]
) -> None:
    """Any arrival order, any redeliveries: the recording and transcript land once each."""
    hooks = [
        _call(incoming_call(), 0),
        _call(call_status("in-progress", sequence=1), 0.1),
        _call(call_status("completed", sequence=2, duration=90), 2),
        _early(recording_status(), 2.5),
        _early(transcription_without_caller(), 3),
    ]
    desk = Desk(store=MemoryStore(), clock=FixedClock(T0))
    customers = set()
    for i in order:
        for _ in range(2 if i in again else 1):
            customers.add(desk.receive_call(hooks[i]).customer_id)
    (customer,) = customers - {None}
    calls = [e for e in desk.timeline(customer) if isinstance(e, CallEvent)]
    assert len(calls) == 5
    assert len({e.id for e in calls}) == 5


def test_keeping_a_callback_after_the_call_closed_conflicts(every_store: DeskStore) -> None:
    """A worker that read the call as unknown, then lost the race to the call's first webhook,
    cannot keep its callback past the close: the slot is taken, ``ConflictError``; its retry
    finds the call known and lands."""
    from omnicx.desk import _calls as calls

    store = every_store
    desk = Desk(store=store, clock=FixedClock(T0))
    recording = _early(recording_status(), 5)
    assert isinstance(recording, CallRecorded)
    stale = calls.early(store, recording.call_id)
    incoming = desk.receive_call(_call(incoming_call(), 0))
    with pytest.raises(ConflictError):
        store.commit(calls.keep(recording, calls.call_key(recording), stale))
    retried = desk.receive_call(recording)
    assert (retried.pending, retried.customer_id) == (False, incoming.customer_id)


def test_erasing_the_caller_erases_what_the_call_kept(every_store: DeskStore) -> None:
    """The transcript kept before the call named Mary is erased with her: nothing of it stays."""
    from omnicx.privacy import erase_customer

    store = every_store
    desk = Desk(store=store, clock=FixedClock(T0))
    early = _early(transcription_without_caller(), 0)
    assert desk.receive_call(early).pending
    incoming = desk.receive_call(_call(incoming_call(), 1))
    assert incoming.customer_id is not None
    erase_customer(store, incoming.customer_id, now=T0, actor="lead", reason="request")
    assert store.receipt(f"early:call:{early.call_id}:1") is None
    assert store.receipt(f"early:call:{early.call_id}:2") is None
