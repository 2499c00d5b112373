"""Twilio Voice: the incoming-call webhook, call status, recording and transcription callbacks.

Every Voice webhook is an ``application/x-www-form-urlencoded`` POST signed
with ``X-Twilio-Signature`` exactly as Twilio Messaging's are (the same
``verify_request``). Twilio's parameter names (Voice webhooks reference):

- every call request: ``CallSid``, ``AccountSid``, ``From``, ``To``,
  ``CallStatus``, ``Direction`` (``inbound``, ``outbound-api``,
  ``outbound-dial``), ``CallerName``, ``ForwardedFrom``, ``ParentCallSid``;
- status callbacks add ``CallbackSource``, ``Timestamp`` (RFC 2822),
  ``SequenceNumber`` and, once the call is over, ``CallDuration``;
- recording status callbacks: ``RecordingSid``, ``RecordingUrl``,
  ``RecordingStatus``, ``RecordingDuration``;
- transcription callbacks: ``TranscriptionSid``, ``TranscriptionText``,
  ``TranscriptionStatus``, ``RecordingSid``, ``RecordingUrl``.

Event times are ``request.received_at``, the host's clock (no header can
set them); Twilio's signed ``Timestamp`` is kept as ``reported_at``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar
from urllib.parse import urlencode
from xml.sax.saxutils import escape

import attrs

from omnicx.channels import _ids
from omnicx.channels._call_events import (
    CallRecorded,
    CallStatusChanged,
    CallTranscribed,
    IncomingCall,
)
from omnicx.channels._common import parse_form
from omnicx.channels._events import ChannelEvent
from omnicx.channels._protocol import Capabilities, OutboundMessage, OutboundRequest
from omnicx.channels._request import WebhookRequest
from omnicx.channels._rules import LongText, SendCheck, check_send, enforce
from omnicx.channels._twilio import verify_request
from omnicx.channels._wire import entry_point, in_utc, unsupported
from omnicx.errors import PayloadError, PayloadReason
from omnicx.model import CallStatus, Channel, Direction, Identifier

_T = TypeVar("_T")
_API = "https://api.twilio.com/2010-04-01/Accounts/{account}/Calls.json"

# Twilio's Calls API takes inline TwiML of at most 4,000 characters; the
# spoken text leaves room for the <Response><Say> around it.
_VOICE = Capabilities(max_text_length=3900)

_STATUSES = {status.value: status for status in CallStatus}
# Twilio's Direction: "inbound" for calls to the number, "outbound-api" for
# calls the REST API placed, "outbound-dial" for legs a <Dial> verb placed.
_DIRECTIONS = {
    "inbound": Direction.INBOUND,
    "outbound-api": Direction.OUTBOUND,
    "outbound-dial": Direction.OUTBOUND,
}
_STATUS_CALLBACK = ("CallbackSource", "Timestamp", "SequenceNumber", "CallDuration")
_MAX_WHOLE = 10**7  # seconds: about 116 days, longer than any call Twilio allows (24 hours)


@attrs.frozen(kw_only=True)
class TwilioVoiceAdapter:
    """Twilio Voice webhooks in; a callback call (spoken text) out.

    Attributes:
        account_sid: the account the Calls API URL is built for.
        auth_token: the secret ``X-Twilio-Signature`` is keyed with (never shown).
        region: the default region for national-format numbers (``"GB"``).
        long_text: split or refuse text over the spoken limit.
    """

    account_sid: str
    auth_token: str = attrs.field(repr=False)
    region: str | None = None
    long_text: LongText = LongText.REFUSE

    @property
    def channel(self) -> Channel:
        """``Channel.VOICE``."""
        return Channel.VOICE

    @property
    def capabilities(self) -> Capabilities:
        """Spoken text up to 3,900 characters; no attachments or templates."""
        return _VOICE

    def verify(self, request: WebhookRequest, *, now: datetime) -> None:
        """Check ``X-Twilio-Signature`` over ``request.url`` (query included) and the form."""
        verify_request(self.auth_token, request)

    @entry_point()
    def parse(self, request: WebhookRequest) -> Sequence[ChannelEvent]:
        """One call event: an incoming call, a status change, a recording or a transcription.

        Raises:
            PayloadError: ``MISSING_FIELD`` without a ``CallSid``,
                ``INVALID_VALUE`` for an unknown status or direction, and
                ``UNSUPPORTED`` for a Messaging webhook sent to the voice URL.
        """
        form = dict(parse_form(request.body))
        at = request.received_at
        if form.get("MessageSid") or form.get("SmsSid"):
            raise unsupported("a Messaging webhook: use TwilioAdapter", field="MessageSid")
        call_id = _required(form, "CallSid")
        if form.get("TranscriptionSid") or form.get("TranscriptionStatus"):
            return (self._transcription(form, call_id, at),)
        if form.get("RecordingStatus"):
            return (
                CallRecorded(
                    call_id=call_id,
                    recording_id=_required(form, "RecordingSid"),
                    url=form.get("RecordingUrl") or None,
                    duration_seconds=_whole(form, "RecordingDuration"),
                    status=form["RecordingStatus"].strip().lower(),
                    at=at,
                ),
            )
        status = _choice(form, "CallStatus", _STATUSES)
        direction = _choice(form, "Direction", _DIRECTIONS)
        sender, recipient = form.get("From", ""), form.get("To", "")
        # The customer is the caller of an inbound call and the callee of an outbound one.
        inbound = direction is Direction.INBOUND
        customer, ours = (sender, recipient) if inbound else (recipient, sender)
        facts = {
            "call_id": call_id,
            "status": status,
            "direction": direction,
            "at": at,
            "customer": self._identifiers(customer),
            "customer_name": form.get("CallerName") or None,
            "from_address": sender,
            "to_address": recipient,
            "parent_call_id": form.get("ParentCallSid") or None,
            "forwarded_from": form.get("ForwardedFrom") or None,
            "received_by": ours or None,
        }
        if not any(name in form for name in _STATUS_CALLBACK):
            return (IncomingCall(**facts),)  # type: ignore[arg-type]
        return (
            CallStatusChanged(
                **facts,  # type: ignore[arg-type]
                duration_seconds=_whole(form, "CallDuration"),
                reported_at=_timestamp(form),
                sequence=_whole(form, "SequenceNumber"),
            ),
        )

    def _transcription(
        self, form: Mapping[str, str], call_id: str, at: datetime
    ) -> CallTranscribed:
        return CallTranscribed(
            call_id=call_id,
            transcription_id=_required(form, "TranscriptionSid"),
            text=form.get("TranscriptionText", ""),
            status=(form.get("TranscriptionStatus") or "completed").strip().lower(),
            recording_id=form.get("RecordingSid") or None,
            recording_url=form.get("RecordingUrl") or None,
            at=at,
            customer=self._identifiers(form.get("From", "")),
            received_by=form.get("To") or None,
        )

    def _identifiers(self, address: str) -> tuple[Identifier, ...]:
        if not address:
            return ()
        # A browser or SIP leg ("client:alice", "sip:...") is no phone: a voice handle.
        return _ids.phone_or_handle(address, "voice", region=self.region)

    def check(self, outbound: OutboundMessage) -> SendCheck:
        """Whether ``outbound`` may be spoken in a callback call, as an outcome."""
        return check_send(outbound, self.capabilities, self.long_text)

    def render(self, outbound: OutboundMessage) -> Sequence[OutboundRequest]:
        """A Calls API POST that calls ``outbound.to`` and says the text (one call per part).

        ``outbound.sender`` is the Twilio number to call from. The host adds
        HTTP Basic credentials (account SID and auth token), and usually a
        ``StatusCallback`` URL so the callback's own progress comes back.
        """
        parts = enforce(self.channel.name, outbound, self.capabilities, self.long_text)
        url = _API.format(account=self.account_sid)
        requests = []
        for text in parts or ("",):
            fields = [("To", outbound.to)]
            if outbound.sender:
                fields.append(("From", outbound.sender))
            fields.append(("Twiml", f"<Response><Say>{escape(text)}</Say></Response>"))
            requests.append(
                OutboundRequest(
                    method="POST",
                    url=url,
                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                    body=urlencode(fields).encode("ascii"),
                )
            )
        return tuple(requests)


def _required(form: Mapping[str, str], name: str) -> str:
    value = form.get(name, "")
    if not value.strip():
        raise PayloadError(PayloadReason.MISSING_FIELD, "required field is missing", field=name)
    return value


def _choice(form: Mapping[str, str], name: str, choices: Mapping[str, _T]) -> _T:
    value = _required(form, name).strip().lower()
    if value not in choices:
        raise PayloadError(PayloadReason.INVALID_VALUE, f"unknown {name}", field=name)
    return choices[value]


def _whole(form: Mapping[str, str], name: str) -> int | None:
    raw = form.get(name, "").strip()
    if not raw:
        return None
    # Seconds or a sequence number: ASCII digits only (int() would also take "٣" or "1_000").
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12 or int(raw) > _MAX_WHOLE:
        raise PayloadError(PayloadReason.INVALID_VALUE, "expected a whole number", field=name)
    return int(raw)


def _timestamp(form: Mapping[str, str]) -> datetime | None:
    raw = form.get("Timestamp", "").strip()
    if not raw:
        return None
    try:
        # Twilio: "Timestamp: the timestamp when the event fired, given as UTC in RFC 2822 format".
        stamp = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError, OverflowError):
        stamp = None
    if stamp is not None and f" {stamp.year:04d} " not in f" {raw} ":
        # parsedate reads a year under 100 as two digits ("0001" as 2001): refused, not moved.
        stamp = None
    if stamp is None:
        raise PayloadError(
            PayloadReason.INVALID_VALUE, "expected an RFC 2822 timestamp", field="Timestamp"
        )
    return in_utc(stamp, field="Timestamp")
