"""Conversation rows: the plain tuples accumulators count, derived once per conversation.

A row is ``(dims, values)``. ``dims`` hold the breakdown values a group key
is read from; ``values`` hold every figure a group counts, already decided
(a duration in whole seconds or None, a share's part and whole as booleans).
``FactsBuilder.add_to`` derives the row straight from the builder's state and
``MetricsAccumulator.add`` derives it from ``ConversationFacts``: the same
conversation gives the same row either way, and groups only ever count rows,
so both paths report the same figures. A row is built once and shared by
every accumulator and group it is counted in (tuples are immutable).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from omnicx.metrics._facts import ConversationFacts
from omnicx.metrics._timing import Timing
from omnicx.model import Status

Dims = tuple[
    str | None,  # channel
    str | None,  # queue
    str | None,  # agent
    str,  # priority
    str,  # status value
    datetime | float,  # creation: a datetime, or epoch seconds from a numeric FactsBuilder
    frozenset[str],  # tags
    Mapping[str, str],  # attributes
]
"""The breakdown values of one conversation, in this order."""

Values = tuple[Any, ...]
"""The figures of one conversation, at the positions named below."""

# Positions in ``Values``. Booleans are summed into counters.
SOLVED = 0  # solved or closed at ``now``
ONE_TOUCH = 1  # solved with at most one public human agent reply
REPLIES = 2  # agent replies of a solved conversation, else None
EVER_SOLVED = 3  # solved at least once (the reopen rate's whole)
REOPENED = 4  # ever solved and reopened at least once
FCR_DECIDED = 5
FCR = 6
CSAT_ANSWERED = 7
CSAT_SATISFIED = 8
PROMOTER = 9  # NPS 9-10
PASSIVE = 10  # NPS 7-8
DETRACTOR = 11  # NPS 0-6
OFFERED = 12  # a survey was offered
ANSWERED = 13  # offered and answered
CES = 14  # the CES score, or None
ZERO_TOUCH = 24  # solved with no public human agent reply
OUTBOUND_FIRST = 25  # agent-initiated
BACKLOG_AGE = 26  # seconds since creation while active at ``now`` (the backlog), else None
COUNTERS = (
    SOLVED,
    ONE_TOUCH,
    EVER_SOLVED,
    REOPENED,
    FCR_DECIDED,
    FCR,
    CSAT_ANSWERED,
    CSAT_SATISFIED,
    PROMOTER,
    PASSIVE,
    DETRACTOR,
    OFFERED,
    ANSWERED,
    ZERO_TOUCH,
    OUTBOUND_FIRST,
)
"""Positions of the boolean figures, in ``Group.counts`` order (omnicx.metrics._group)."""

SINGLE_DURATIONS = (
    "first_reply",
    "first_resolution",
    "full_resolution",
    "requester_wait",
    "agent_work",
    "on_hold",
)
"""The durations a conversation has at most one of: positions ``FIRST_SINGLE`` onwards."""
FIRST_SINGLE = 15
REOPEN_REPLIES = 21  # a tuple of seconds, one per reopen answered
NEXT_REPLIES = 22  # a tuple of seconds
BUSINESS = 23  # None, or the six singles then the two tuples in business seconds

_SOLVED, _CLOSED = Status.SOLVED, Status.CLOSED


def survey_values(
    offered: bool, csat: bool | None, nps: int | None, ces: int | None
) -> tuple[bool, bool, bool, bool, bool, bool, bool, int | None]:
    """Positions ``CSAT_ANSWERED`` to ``CES``: the answers as counters."""
    answered = offered and (csat is not None or nps is not None or ces is not None)
    if nps is None:
        promoter = passive = detractor = False
    else:
        # NPS: promoters answer 9-10, passives 7-8, detractors 0-6.
        promoter, passive, detractor = nps >= 9, 7 <= nps < 9, nps < 7
    return (
        csat is not None,
        csat is True,
        promoter,
        passive,
        detractor,
        offered,
        answered,
        ces,
    )


def _seconds(timing: Timing | None) -> int | None:
    return None if timing is None else timing.seconds


def _business(timing: Timing | None) -> int | None:
    return None if timing is None else timing.business_seconds


def dims_of(facts: ConversationFacts) -> Dims:
    """The breakdown values of ``facts``."""
    return (
        facts.channel,
        facts.queue,
        facts.agent,
        facts.priority,
        facts.status.value,
        facts.created_at,
        facts.tags,
        facts.attributes,
    )


def facts_row(facts: ConversationFacts) -> tuple[Dims, Values]:
    """The row of one conversation's facts."""
    status = facts.status
    solved = status is _SOLVED or status is _CLOSED
    replies = facts.agent_replies
    ever_solved = facts.first_resolution is not None
    fcr = facts.first_contact_resolution
    singles = (
        facts.first_reply,
        facts.first_resolution,
        facts.full_resolution,
        facts.requester_wait,
        facts.agent_work,
        facts.on_hold,
    )
    business_singles = tuple(_business(t) for t in singles)
    business_reopen = tuple(
        t.business_seconds for t in facts.reopen_replies if t.business_seconds is not None
    )
    business_next = tuple(
        t.business_seconds for t in facts.next_replies if t.business_seconds is not None
    )
    has_business = business_reopen or business_next or any(v is not None for v in business_singles)
    values = (
        solved,
        solved and replies <= 1,
        replies if solved else None,
        ever_solved,
        ever_solved and facts.reopens > 0,
        fcr is not None,
        fcr is True,
        *survey_values(
            facts.survey_offered, facts.csat_satisfied, facts.nps_score, facts.ces_score
        ),
        *(_seconds(t) for t in singles),
        tuple(t.seconds for t in facts.reopen_replies),
        tuple(t.seconds for t in facts.next_replies),
        (*business_singles, business_reopen, business_next) if has_business else None,
        solved and replies == 0,
        facts.outbound_first,
        facts.open_seconds,
    )
    return dims_of(facts), values
