"""A call as the conversation's activity, and ``explain`` for a missed call's callback task."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from omnicx import FixedClock
from omnicx.channels import CallUpdate, MessageReceived, TwilioVoiceAdapter, WebhookRequest
from omnicx.desk import Desk
from omnicx.identity import phone_identifier
from omnicx.model import Author, AuthorKind, Channel, Direction, Message
from omnicx.storage import DeskStore, MemoryStore
from omnicx.testing import call_status, incoming_call, voice_request

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
