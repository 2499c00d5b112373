"""A phone call's progress: the statuses a voice provider reports, and what they mean.

Twilio's Call resource names a call's status ``queued``, ``ringing``,
``in-progress``, ``canceled``, ``completed``, ``failed``, ``busy`` or
``no-answer``; omnicx keeps those spellings, so a rule reads
``call.status == "no-answer"`` as a Twilio log would show it.
"""

from __future__ import annotations

import enum

import attrs

from omnicx.model._channel import Direction
from omnicx.model._checks import non_empty


class CallStatus(enum.Enum):
    """Where a call is: before it is answered, talking, or over (answered or not)."""

    QUEUED = "queued"
    """The call is waiting to be placed."""
    RINGING = "ringing"
    """The phone is ringing."""
    IN_PROGRESS = "in-progress"
    """The call was answered and is under way."""
    COMPLETED = "completed"
    """The call was answered and has ended normally."""
    BUSY = "busy"
    """The line was busy."""
    NO_ANSWER = "no-answer"
    """Nobody answered before the ring timed out."""
    FAILED = "failed"
    """The call could not be placed (a bad number, a carrier error)."""
    CANCELED = "canceled"
    """The call was hung up (or canceled) while queued or ringing."""

    @property
    def ended(self) -> bool:
        """True once the call is over, answered or not."""
        return self in _ENDED

    @property
    def unanswered(self) -> bool:
        """True for an end without an answer: busy, no-answer, failed or canceled."""
        return self in _UNANSWERED


_UNANSWERED = frozenset(
    {CallStatus.BUSY, CallStatus.NO_ANSWER, CallStatus.FAILED, CallStatus.CANCELED}
)
_ENDED = _UNANSWERED | {CallStatus.COMPLETED}


@attrs.frozen(kw_only=True)
class Call:
    """What routing rules see of a call (the ``call.*`` fields).

    Attributes:
        id: the provider's id of the call (Twilio's ``CallSid``).
        direction: inbound (the customer called) or outbound (the business did).
        status: the status the call reached.
        answered: someone picked up (an ``in-progress`` status, or a
            ``completed`` call with a duration).
        duration_seconds: the call's length once over, if the provider said.
    """

    id: str = attrs.field(validator=non_empty)
    direction: Direction
    status: CallStatus
    answered: bool = False
    duration_seconds: int | None = None

    @property
    def missed(self) -> bool:
        """An inbound call that ended unanswered: busy, no-answer, failed, canceled or abandoned."""
        return self.direction is Direction.INBOUND and self.status.ended and not self.answered

    @property
    def abandoned(self) -> bool:
        """A missed call the caller hung up on before anyone answered (completed or canceled)."""
        return self.missed and self.status in (CallStatus.COMPLETED, CallStatus.CANCELED)
