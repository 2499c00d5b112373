"""What a voice adapter's ``parse`` returns: a call arriving, its progress, its recording and transcript.

A call's webhooks share its provider id (``call_id``, Twilio's ``CallSid``);
the desk joins them on it (docs/channels.md, "Voice").
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import attrs

from omnicx._frozen import frozen_seq
from omnicx.model import CallStatus, Channel, Direction, Identifier
from omnicx.model._checks import aware, non_empty


@attrs.frozen(kw_only=True)
class _CallFacts:
    # Fields the incoming-call webhook and every status callback carry.
    channel: Channel = Channel.VOICE
    call_id: str = attrs.field(validator=non_empty)
    status: CallStatus
    direction: Direction
    at: datetime = attrs.field(validator=aware)
    """When the host received the webhook (``WebhookRequest.received_at``)."""
    customer: tuple[Identifier, ...] = attrs.field(default=(), converter=frozen_seq)
    """The customer's side of the call: the caller of an inbound call, the callee of an outbound one."""
    customer_name: str | None = None
    """The caller's name from caller ID (Twilio's ``CallerName``), never an identity key."""
    from_address: str = ""
    to_address: str = ""
    parent_call_id: str | None = None
    """The call this leg belongs to (a ``<Dial>`` leg's parent), if any."""
    forwarded_from: str | None = None
    received_by: str | None = None
    """The business number the call is on (the inbound call's ``To``, the outbound call's ``From``)."""
    foreign: bool = False
    """True when ``received_by`` is not a number the adapter owns (``ForeignAccounts.MARK``)."""

    @property
    def missed(self) -> bool:
        """An inbound call that ended without being answered (busy, no-answer, failed, canceled)."""
        return self.direction is Direction.INBOUND and self.status.unanswered


@attrs.frozen(kw_only=True)
class IncomingCall(_CallFacts):
    """A call reached the business's number (the number's voice webhook).

    The host answers this webhook with its own TwiML (``<Dial>``,
    ``<Enqueue>``): an empty ``<Response/>`` hangs up.
    """

    TAG: ClassVar[str] = "call.incoming"


@attrs.frozen(kw_only=True)
class CallStatusChanged(_CallFacts):
    """A call's status callback: ringing, answered (``in-progress``), or over.

    Attributes:
        duration_seconds: the call's length once it is over (``CallDuration``).
        reported_at: the instant the provider stamped the callback with
            (Twilio's ``Timestamp``, part of the signed body), if given.
        sequence: the callback's place among the call's callbacks
            (``SequenceNumber``), for ordering ones that arrive out of order.
    """

    TAG: ClassVar[str] = "call.status"
    duration_seconds: int | None = None
    reported_at: datetime | None = attrs.field(default=None, validator=aware)
    sequence: int | None = None


@attrs.frozen(kw_only=True)
class CallRecorded:
    """A call's recording is ready (or failed): the provider's recording status callback.

    Attributes:
        status: the provider's recording status (``completed``, ``absent``, ``failed``).
        duration_seconds: the recording's length (``RecordingDuration``).
    """

    TAG: ClassVar[str] = "call.recorded"
    channel: Channel = Channel.VOICE
    call_id: str = attrs.field(validator=non_empty)
    recording_id: str = attrs.field(validator=non_empty)
    url: str | None = None
    duration_seconds: int | None = None
    status: str = "completed"
    at: datetime = attrs.field(validator=aware)
    received_by: str | None = None
    """The business number the call was on, when the callback says (a transcription's ``To``)."""
    foreign: bool = False
    """True when ``received_by`` is not a number the adapter owns (``ForeignAccounts.MARK``)."""


@attrs.frozen(kw_only=True)
class CallTranscribed:
    """A transcription of a call's recording arrived (``TranscriptionText``).

    Attributes:
        status: ``completed`` or ``failed`` (then ``text`` is empty).
        customer: the caller's identifiers, when the callback names them.
    """

    TAG: ClassVar[str] = "call.transcribed"
    channel: Channel = Channel.VOICE
    call_id: str = attrs.field(validator=non_empty)
    transcription_id: str = attrs.field(validator=non_empty)
    text: str = ""
    status: str = "completed"
    recording_id: str | None = None
    recording_url: str | None = None
    at: datetime = attrs.field(validator=aware)
    customer: tuple[Identifier, ...] = attrs.field(default=(), converter=frozen_seq)
    received_by: str | None = None
    """The business number the call was on, when the callback says (a transcription's ``To``)."""
    foreign: bool = False
    """True when ``received_by`` is not a number the adapter owns (``ForeignAccounts.MARK``)."""


CallUpdate = IncomingCall | CallStatusChanged | CallRecorded | CallTranscribed
"""Any event a voice adapter's ``parse`` returns (``Desk.receive_call`` takes each)."""

CALL_EVENT_TYPES: tuple[type[CallUpdate], ...] = (
    IncomingCall,
    CallStatusChanged,
    CallRecorded,
    CallTranscribed,
)
"""Every call event class, in the order of ``CallUpdate``."""
