"""Response rate and time for public mentions that expect an answer."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime

import attrs

from omnicx.errors import ValidationError
from omnicx.listening._mention import Mention

__all__ = ["ResponseReport", "responses"]


@attrs.frozen(kw_only=True)
class ResponseReport:
    """How the brand answered the mentions that expected an answer, posted in one period.

    ``answered`` counts those answered by ``as_of``; ``response_rate`` is
    ``answered / expecting`` (None with none expecting); the times are
    seconds from the post to the first answer (nearest rank; None with none
    answered); ``unanswered_oldest`` is the post time of the oldest one still
    waiting.
    """

    start: datetime
    end: datetime
    expecting: int
    answered: int
    response_rate: float | None
    median_seconds: float | None
    p90_seconds: float | None
    unanswered_oldest: datetime | None


def _rank(ordered: list[float], q: float) -> float:
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def responses(
    mentions: Iterable[Mention], start: datetime, end: datetime, *, as_of: datetime | None = None
) -> ResponseReport:
    """Report on the mentions posted in [``start``, ``end``) that expect an answer.

    The listener keeps counts, not posts, and answers come after the post
    was fed: pass the mentions as the host stores them, each with its
    ``answered_at`` as known now. An answer after ``as_of`` (default: no
    limit) does not count yet. Each mention counts once (by ``key``).

    Raises:
        ValidationError: for naive datetimes or an end before the start.
    """
    for name, value in (("start", start), ("end", end), ("as_of", as_of)):
        if value is not None and value.tzinfo is None:
            raise ValidationError.single(name, "naive datetime; pass a timezone-aware one")
    if end < start:
        raise ValidationError.single("end", "the period ends before it starts")
    seen: set[str] = set()
    waits: list[float] = []
    expecting = 0
    oldest: datetime | None = None
    for mention in mentions:
        if not mention.expects_answer or not start <= mention.at < end or mention.key in seen:
            continue
        seen.add(mention.key)
        expecting += 1
        answered = mention.answered_at
        if answered is not None and (as_of is None or answered <= as_of):
            waits.append((answered - mention.at).total_seconds())
        elif oldest is None or mention.at < oldest:
            oldest = mention.at
    waits.sort()
    return ResponseReport(
        start=start,
        end=end,
        expecting=expecting,
        answered=len(waits),
        response_rate=len(waits) / expecting if expecting else None,
        median_seconds=_rank(waits, 0.5) if waits else None,
        p90_seconds=_rank(waits, 0.9) if waits else None,
        unanswered_oldest=oldest,
    )
