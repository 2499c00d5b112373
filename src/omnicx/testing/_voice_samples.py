"""Signed sample Twilio Voice webhooks: one call's life, its recording and its transcript.

The forms follow Twilio's Voice webhook parameters (the incoming-call
request, status callbacks with ``CallbackSource``, ``Timestamp`` and
``SequenceNumber``, the recording status callback and the transcription
callback), with neighbours a parser must ignore (``ApiVersion``,
``CallerCity``...). Hosts use them to test their voice endpoint; omnicx's
contract suite mutates them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from omnicx.channels import WebhookRequest, sign_twilio

VOICE_URL = "https://support.example.com/twilio/voice"
"""The URL the samples are signed for (Twilio signs the URL it called)."""

RECEIVED_AT = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)

_ACCOUNT = "AC3f5e2f0a9d6c4b1e8a7d2c9b0e1f4a6d"
_CALL = "CA5d3c9b1e2f4a6b8c0d2e4f6a8b0c2d4e"
_CALLER = "+14155550100"
_NUMBER = "+14155550199"

_CALL_FIELDS: dict[str, str] = {
    "AccountSid": _ACCOUNT,
    "ApiVersion": "2010-04-01",
    "CallSid": _CALL,
    "From": _CALLER,
    "To": _NUMBER,
    "Called": _NUMBER,
    "Caller": _CALLER,
    "CallerName": "MARY SOMERVILLE",
    "CallerCity": "SAN FRANCISCO",
    "CallerCountry": "US",
    "Direction": "inbound",
}


def _stamp(at: datetime) -> str:
    # Twilio's Timestamp: RFC 2822, in UTC.
    return at.strftime("%a, %d %b %Y %H:%M:%S +0000")


def incoming_call(*, call_sid: str = _CALL, caller: str = _CALLER) -> list[tuple[str, str]]:
    """The form of the incoming-call webhook (the number's voice URL): status ``ringing``."""
    fields = {**_CALL_FIELDS, "CallSid": call_sid, "From": caller, "Caller": caller}
    return list({**fields, "CallStatus": "ringing"}.items())


def call_status(
    status: str,
    *,
    at: datetime = RECEIVED_AT,
    sequence: int = 0,
    duration: int | None = None,
    call_sid: str = _CALL,
    caller: str = _CALLER,
) -> list[tuple[str, str]]:
    """The form of a status callback for ``status`` (``ringing``, ``in-progress``, ``no-answer``...)."""
    fields = {
        **_CALL_FIELDS,
        "CallSid": call_sid,
        "From": caller,
        "Caller": caller,
        "CallStatus": status,
        "CallbackSource": "call-progress-events",
        "Timestamp": _stamp(at),
        "SequenceNumber": str(sequence),
    }
    if duration is not None:
        fields["CallDuration"] = str(duration)
        fields["Duration"] = str(max(1, (duration + 59) // 60))  # billed minutes
    return list(fields.items())


def recording_status(*, call_sid: str = _CALL) -> list[tuple[str, str]]:
    """The form of a recording status callback for a completed 94-second recording."""
    recording = "RE7c3b5a1d9e2f4c6a8b0d2e4f6a8c0b2d"
    return list(
        {
            "AccountSid": _ACCOUNT,
            "CallSid": call_sid,
            "RecordingSid": recording,
            "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/{_ACCOUNT}"
            f"/Recordings/{recording}",
            "RecordingStatus": "completed",
            "RecordingDuration": "94",
            "RecordingChannels": "1",
            "RecordingStartTime": "Mon, 02 Mar 2026 12:00:20 +0000",
            "RecordingSource": "DialVerb",
            "RecordingTrack": "both",
        }.items()
    )


def transcription(*, call_sid: str = _CALL) -> list[tuple[str, str]]:
    """The form of a transcription callback of a voicemail."""
    recording = "RE9a1b3c5d7e9f1a3b5c7d9e1f3a5b7c9d"
    return list(
        {
            "AccountSid": _ACCOUNT,
            "CallSid": call_sid,
            "From": _CALLER,
            "To": _NUMBER,
            "TranscriptionSid": "TR2b4d6f8a0c2e4a6c8e0a2c4e6a8c0e2a",
            "TranscriptionText": "Hi, it's Mary, my order 1001 has not arrived. Please call back.",
            "TranscriptionStatus": "completed",
            "TranscriptionUrl": f"https://api.twilio.com/2010-04-01/Accounts/{_ACCOUNT}"
            "/Transcriptions/TR2b4d6f8a0c2e4a6c8e0a2c4e6a8c0e2a",
            "RecordingSid": recording,
            "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/{_ACCOUNT}"
            f"/Recordings/{recording}",
        }.items()
    )


def voice_request(
    fields: Sequence[tuple[str, str]],
    *,
    auth_token: str,
    received_at: datetime = RECEIVED_AT,
    url: str = VOICE_URL,
) -> WebhookRequest:
    """``fields`` as Twilio POSTs them to ``url``, signed with ``auth_token``."""
    return WebhookRequest(
        body=urlencode(list(fields)).encode(),
        headers={"X-Twilio-Signature": sign_twilio(auth_token, url, fields)},
        url=url,
        received_at=received_at,
    )


def voice_samples(auth_token: str) -> list[WebhookRequest]:
    """One answered call's webhooks in order, a missed call, a recording and a transcript."""
    t = RECEIVED_AT
    answered = [
        (incoming_call(), t),
        (call_status("ringing", at=t, sequence=0), t),
        (call_status("in-progress", at=t + timedelta(seconds=12), sequence=1), t + timedelta(seconds=12)),
        (call_status("completed", at=t + timedelta(seconds=200), sequence=2, duration=188),
         t + timedelta(seconds=201)),
        (recording_status(), t + timedelta(seconds=230)),
    ]  # fmt: skip
    missed_sid = "CA8e6c4a2b0d8f6e4c2a0b8d6f4e2c0a8b"
    missed = [
        (call_status("no-answer", at=t, sequence=1, duration=0, call_sid=missed_sid), t),
        (transcription(call_sid=missed_sid), t + timedelta(seconds=60)),
    ]
    return [voice_request(f, auth_token=auth_token, received_at=at) for f, at in answered + missed]
