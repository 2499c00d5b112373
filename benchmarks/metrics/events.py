"""Turn the synthetic columns into omnicx attrs events (for the event-path timing)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
from synth import (
    ASSIGN,
    BOT,
    CHANNELS,
    CSAT,
    INBOUND,
    NPS,
    PRIORITIES,
    QUEUES,
    REOPEN,
    REPLY,
    SOLVE,
)

from omnicx.model import (
    Assigned,
    Author,
    AuthorKind,
    Channel,
    Direction,
    Event,
    Message,
    MessageEvent,
    Priority,
    PriorityChanged,
    Status,
    StatusChanged,
    SurveyKind,
    SurveyResponse,
)

_AUTHORS = {
    INBOUND: (Direction.INBOUND, Author(kind=AuthorKind.CUSTOMER)),
    REPLY: (Direction.OUTBOUND, Author(kind=AuthorKind.AGENT, id="a1")),
    BOT: (Direction.OUTBOUND, Author(kind=AuthorKind.BOT)),
}


def to_events(columns: dict[str, np.ndarray], first_id: int = 0) -> list[Event]:
    """One attrs event per row; ids count from ``first_id``."""
    out: list[Event] = []
    channels = [Channel(name) for name in CHANNELS]
    rows = zip(
        *(
            columns[k].tolist()
            for k in ("conv", "at", "kind", "channel", "queue", "agent", "value")
        ),
        strict=True,
    )
    for i, (conv, stamp, kind, channel, queue, agent, value) in enumerate(rows, first_id):
        base = {
            "id": f"e{i}",
            "at": datetime.fromtimestamp(stamp, UTC),
            "customer_id": f"u{conv}",
            "conversation_id": f"c{conv}",
        }
        if kind in _AUTHORS:
            direction, author = _AUTHORS[kind]
            message = Message(
                id=f"m{i}",
                channel=channels[channel],
                direction=direction,
                author=author,
                sent_at=base["at"],
            )
            out.append(MessageEvent(**base, message=message))
        elif kind in (SOLVE, REOPEN):
            status = Status.SOLVED if kind == SOLVE else Status.OPEN
            out.append(StatusChanged(**base, previous=None, status=status))
        elif kind == ASSIGN:
            out.append(Assigned(**base, assignee=f"a{agent}", queue=QUEUES[queue]))
        elif kind == CSAT:
            out.append(SurveyResponse(**base, survey=SurveyKind.CSAT, score=value))
        elif kind == NPS:
            out.append(
                SurveyResponse(
                    **base, survey=SurveyKind.NPS, score=value, scale_min=0, scale_max=10
                )
            )
        else:
            out.append(PriorityChanged(**base, previous=None, priority=Priority(PRIORITIES[value])))
    return out
