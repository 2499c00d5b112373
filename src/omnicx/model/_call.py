"""A phone call's progress: the statuses a voice provider reports, and what they mean.

Twilio's Call resource names a call's status ``queued``, ``ringing``,
``in-progress``, ``canceled``, ``completed``, ``failed``, ``busy`` or
``no-answer``; omnicx keeps those spellings, so a rule reads
``call.status == "no-answer"`` as a Twilio log would show it.
"""

from __future__ import annotations

import enum


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
