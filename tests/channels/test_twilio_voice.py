"""Twilio Voice: the incoming call, status callbacks, recordings, transcripts, signatures, rendering."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import attrs
import pytest

from omnicx.channels import (
    CallRecorded,
    CallStatusChanged,
    CallTranscribed,
    IncomingCall,
    OutboundMessage,
    TwilioAdapter,
    TwilioVoiceAdapter,
    WebhookOutcome,
    WebhookRequest,
    handle_webhook,
)
from omnicx.errors import PayloadError, PayloadReason, SignatureError
from omnicx.model import CallStatus, Channel, Direction, Identifier
from omnicx.testing import (
    call_status,
    incoming_call,
    recording_status,
    transcription,
    voice_request,
)

TOKEN = "voice-secret"
ADAPTER = TwilioVoiceAdapter(account_sid="AC1", auth_token=TOKEN)
T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def parse(fields: list[tuple[str, str]], at: datetime = T0) -> object:
    request = voice_request(fields, auth_token=TOKEN, received_at=at)
    ADAPTER.verify(request, now=at)
    (event,) = ADAPTER.parse(request)
    return event


def test_incoming_call_names_the_caller_and_our_number() -> None:
    """The number's voice webhook is an IncomingCall: caller as E.164 phone, CallerName, To."""
    event = parse(incoming_call())
    assert isinstance(event, IncomingCall)
    assert event.channel == Channel.VOICE
    assert event.call_id == "CA5d3c9b1e2f4a6b8c0d2e4f6a8b0c2d4e"
    assert event.status is CallStatus.RINGING
    assert event.direction is Direction.INBOUND
    assert event.customer == (Identifier.phone("+14155550100", verified=True),)
    assert event.customer_name == "MARY SOMERVILLE"
    assert event.received_by == "+14155550199"
    assert event.at == T0
    assert not event.missed


@pytest.mark.parametrize("status", [s.value for s in CallStatus])
def test_every_status_callback_parses(status: str) -> None:
    """Each of Twilio's eight call statuses becomes a CallStatusChanged with that status."""
    event = parse(call_status(status, at=T0 - timedelta(seconds=3), sequence=4, duration=30))
    assert isinstance(event, CallStatusChanged)
    assert event.status.value == status
    assert event.duration_seconds == 30
    assert event.sequence == 4
    assert event.reported_at == T0 - timedelta(seconds=3)
    assert event.at == T0  # the host's clock, not Twilio's Timestamp
    assert event.missed is CallStatus(status).unanswered


def test_outbound_call_customer_is_the_callee() -> None:
    """For a call the business placed, the customer is To and the business number From."""
    fields = dict(call_status("completed", duration=61))
    fields.update({"Direction": "outbound-api", "From": "+14155550199", "To": "+442071838750"})
    event = parse(list(fields.items()))
    assert isinstance(event, CallStatusChanged)
    assert event.direction is Direction.OUTBOUND
    assert event.customer == (Identifier.phone("+442071838750", verified=True),)
    assert event.received_by == "+14155550199"
    assert not event.missed  # only inbound calls are missed


def test_browser_caller_is_a_voice_handle() -> None:
    """A Twilio Client caller (``client:alice``) is not a phone: it becomes a voice handle."""
    event = parse(incoming_call(caller="client:alice"))
    assert isinstance(event, IncomingCall)
    assert [i.kind.value for i in event.customer] == ["handle"]


def test_recording_callback() -> None:
    """RecordingSid, RecordingUrl, RecordingDuration and RecordingStatus are kept."""
    event = parse(recording_status())
    assert isinstance(event, CallRecorded)
    assert event.recording_id == "RE7c3b5a1d9e2f4c6a8b0d2e4f6a8c0b2d"
    assert event.url is not None
    assert event.url.endswith("/Recordings/" + event.recording_id)
    assert event.duration_seconds == 94
    assert event.status == "completed"


def test_transcription_callback() -> None:
    """TranscriptionText and TranscriptionStatus are kept, with the recording and caller."""
    event = parse(transcription())
    assert isinstance(event, CallTranscribed)
    assert event.text.startswith("Hi, it's Mary")
    assert event.status == "completed"
    assert event.recording_id == "RE9a1b3c5d7e9f1a3b5c7d9e1f3a5b7c9d"
    assert event.customer == (Identifier.phone("+14155550100", verified=True),)


def test_signature_is_the_messaging_scheme() -> None:
    """A request signed for the SMS adapter verifies for voice with the same token, and a
    changed parameter fails with the header named."""
    request = voice_request(incoming_call(), auth_token=TOKEN)
    TwilioAdapter(account_sid="AC1", auth_token=TOKEN).verify(request, now=T0)
    ADAPTER.verify(request, now=T0)
    forged = attrs.evolve(request, body=request.body.replace(b"ringing", b"completed"))
    with pytest.raises(SignatureError) as error:
        ADAPTER.verify(forged, now=T0)
    assert error.value.header == "X-Twilio-Signature"


@pytest.mark.parametrize(
    ("change", "reason", "field"),
    [
        ({"CallSid": ""}, PayloadReason.MISSING_FIELD, "CallSid"),
        ({"CallStatus": "answered"}, PayloadReason.INVALID_VALUE, "CallStatus"),
        ({"Direction": "sideways"}, PayloadReason.INVALID_VALUE, "Direction"),
        ({"CallDuration": "-5"}, PayloadReason.INVALID_VALUE, "CallDuration"),
        ({"CallDuration": "9" * 400}, PayloadReason.INVALID_VALUE, "CallDuration"),
        (
            {"Timestamp": "Mon, 01 Jan 0001 00:00:00 +0100"},
            PayloadReason.INVALID_VALUE,
            "Timestamp",
        ),
        ({"Timestamp": "yesterday"}, PayloadReason.INVALID_VALUE, "Timestamp"),
        ({"MessageSid": "SM1"}, PayloadReason.UNSUPPORTED, "MessageSid"),
    ],
)
def test_refusals_name_the_field(change: dict[str, str], reason: PayloadReason, field: str) -> None:
    """A bad call field is a PayloadError naming it; an SMS on the voice URL is UNSUPPORTED."""
    fields = {**dict(call_status("completed", duration=5)), **change}
    request = voice_request(list(fields.items()), auth_token=TOKEN)
    with pytest.raises(PayloadError) as error:
        ADAPTER.parse(request)
    assert (error.value.reason, error.value.field) == (reason, field)


def test_handle_webhook_answers_twiml() -> None:
    """Voice webhooks are answered with TwiML, like Messaging's."""
    answer = handle_webhook(
        ADAPTER, voice_request(call_status("ringing"), auth_token=TOKEN), now=T0
    )
    assert answer.outcome is WebhookOutcome.ACCEPTED
    assert answer.content_type == "text/xml"
    assert answer.body == b"<Response></Response>"


def test_render_places_a_callback_call_that_says_the_text() -> None:
    """``render`` is a Calls API POST with inline TwiML; the text is XML-escaped."""
    (request,) = ADAPTER.render(
        OutboundMessage(to="+14155550100", sender="+14155550199", now=T0, text="Order <1001> & co")
    )
    assert request.url == "https://api.twilio.com/2010-04-01/Accounts/AC1/Calls.json"
    form = parse_qs(request.body.decode())
    assert form["To"] == ["+14155550100"]
    assert form["From"] == ["+14155550199"]
    assert form["Twiml"] == ["<Response><Say>Order &lt;1001&gt; &amp; co</Say></Response>"]


def test_auth_token_stays_out_of_repr() -> None:
    assert TOKEN not in repr(ADAPTER)


def test_request_is_a_webhook_request() -> None:
    assert isinstance(voice_request(incoming_call(), auth_token=TOKEN), WebhookRequest)
