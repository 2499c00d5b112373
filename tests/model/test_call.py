"""Call facts: which statuses end a call, and when a call counts as missed or abandoned."""

from __future__ import annotations

import pytest

from omnicx import serde
from omnicx.model import Call, CallStatus, Direction

S = CallStatus


@pytest.mark.parametrize(
    ("status", "answered", "direction", "missed", "abandoned"),
    [
        (S.RINGING, False, Direction.INBOUND, False, False),  # not over yet
        (S.IN_PROGRESS, True, Direction.INBOUND, False, False),
        (S.COMPLETED, True, Direction.INBOUND, False, False),
        (S.COMPLETED, False, Direction.INBOUND, True, True),  # hung up before an answer
        (S.CANCELED, False, Direction.INBOUND, True, True),
        (S.NO_ANSWER, False, Direction.INBOUND, True, False),
        (S.BUSY, False, Direction.INBOUND, True, False),
        (S.FAILED, False, Direction.INBOUND, True, False),
        (S.NO_ANSWER, False, Direction.OUTBOUND, False, False),  # only inbound calls are missed
    ],
)
def test_missed_and_abandoned(
    status: CallStatus, answered: bool, direction: Direction, missed: bool, abandoned: bool
) -> None:
    call = Call(id="CA1", direction=direction, status=status, answered=answered)
    assert (call.missed, call.abandoned) == (missed, abandoned)


def test_statuses_keep_twilio_s_spellings_and_round_trip() -> None:
    assert [s.value for s in S] == [
        "queued", "ringing", "in-progress", "completed", "busy", "no-answer", "failed", "canceled",
    ]  # fmt: skip
    assert {s for s in S if s.ended} == {S.COMPLETED, S.BUSY, S.NO_ANSWER, S.FAILED, S.CANCELED}
    call = Call(id="CA1", direction=Direction.INBOUND, status=S.NO_ANSWER, duration_seconds=0)
    assert serde.from_dict(Call, serde.to_dict(call)) == call
    assert serde.to_dict(call)["status"] == "no-answer"
