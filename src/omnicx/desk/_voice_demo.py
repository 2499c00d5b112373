"""The demo's phone scene: a missed call becomes a callback task on the caller's timeline.

Tom Becker, who texted and chatted about a double charge during the sample
week, calls the shop's number on Sunday evening and nobody picks up. The
caller's number finds his profile, so the missed call lands next to his
text and chat; it becomes a callback task, routed by the desk's rules and
SLA-tracked. Anna calls him back, talks for four minutes and wraps up. The
webhooks are signed Twilio Voice forms, parsed by ``TwilioVoiceAdapter``
as a host's voice endpoint would.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from urllib.parse import urlencode

import attrs

from omnicx._frozen import frozen_seq
from omnicx.channels import CallUpdate, TwilioVoiceAdapter, WebhookRequest, sign_twilio
from omnicx.clock import FixedClock
from omnicx.desk._calls import CallReceipt
from omnicx.desk._desk import Desk
from omnicx.desk._sample import DEMO_NOW
from omnicx.metrics import CallReport, call_metrics
from omnicx.model import Event

VOICE_URL = "https://shop.example.com/twilio/voice"
"""The voice endpoint the scene's webhooks are signed for."""
_ACCOUNT = "AC7d1c0f5e3b2a49d8c6e4f2a0b9c8d7e6"
_TOKEN = "demo-twilio-auth-token"
_SHOP = "+442071838750"
_TOM = "+14155550100"
_RANG = DEMO_NOW + timedelta(minutes=5)


@attrs.frozen(kw_only=True)
class PhoneScene:
    """What the phone scene did, for display and tests.

    Attributes:
        missed: the receipt of the unanswered call's last status callback.
        callback: the receipt of the callback call once it ended.
        timeline: the caller's timeline afterwards (text, chat and calls).
        calls: the call figures of that timeline.
    """

    missed: CallReceipt
    callback: CallReceipt
    timeline: tuple[Event, ...] = attrs.field(converter=frozen_seq)
    calls: CallReport


def run_phone_scene(desk: Desk) -> PhoneScene:
    """Tom's missed call, Anna's callback and her wrap-up, on ``desk`` (a ``FixedClock``).

    Runs after the sample week (``run_sample``), from just after ``DEMO_NOW``.
    """
    clock = desk.clock
    if not isinstance(clock, FixedClock):
        raise TypeError("the phone scene needs a desk on a FixedClock")  # demo wiring only
    voice = TwilioVoiceAdapter(account_sid=_ACCOUNT, auth_token=_TOKEN)

    def hear(at: datetime, form: Mapping[str, str]) -> CallReceipt:
        # One webhook as the host's voice endpoint takes it: verify, parse, receive.
        clock.set(at)
        request = _signed(form, at)
        voice.verify(request, now=at)
        (event,) = voice.parse(request)
        return desk.receive_call(_one(event))

    incoming = {"CallSid": "CAdemo1", "From": _TOM, "To": _SHOP, "Direction": "inbound"}
    hear(_RANG, {**incoming, "CallStatus": "ringing"})
    missed = hear(_RANG + timedelta(seconds=30),
                  _status(incoming, "no-answer", _RANG + timedelta(seconds=30), 0))  # fmt: skip
    back = {"CallSid": "CAdemo2", "From": _SHOP, "To": _TOM, "Direction": "outbound-api"}
    called = _RANG + timedelta(minutes=15)
    hear(called, _status(back, "ringing", called, None))
    answered = called + timedelta(seconds=12)
    hear(answered, _status(back, "in-progress", answered, None))
    ended = answered + timedelta(minutes=4)
    callback = hear(ended, _status(back, "completed", ended, 240))
    clock.set(ended + timedelta(minutes=2))
    desk.wrap_up_call("CAdemo2", agent_id="anna", customer_id=callback.customer_id)
    customer_id = missed.customer_id or ""
    timeline = desk.timeline(customer_id)
    return PhoneScene(missed=missed, callback=callback, timeline=timeline,
                      calls=call_metrics(timeline))  # fmt: skip


def _one(event: object) -> CallUpdate:
    # The voice adapter yields only call events; anything else is a wiring mistake.
    if not isinstance(event, CallUpdate):  # pragma: no cover - the scene's forms are calls
        raise TypeError(f"not a call event: {event!r}")
    return event


def _status(
    call: Mapping[str, str], status: str, at: datetime, duration: int | None
) -> dict[str, str]:
    # A status callback as Twilio sends it: the call's fields, the status, Timestamp.
    form = {**call, "CallStatus": status, "CallbackSource": "call-progress-events",
            "Timestamp": at.strftime("%a, %d %b %Y %H:%M:%S +0000")}  # fmt: skip
    if duration is not None:
        form["CallDuration"] = str(duration)
    return form


def _signed(form: Mapping[str, str], at: datetime) -> WebhookRequest:
    fields = [("AccountSid", _ACCOUNT), *form.items()]
    return WebhookRequest(
        body=urlencode(fields).encode(),
        headers={"X-Twilio-Signature": sign_twilio(_TOKEN, VOICE_URL, fields)},
        url=VOICE_URL,
        received_at=at,
    )
