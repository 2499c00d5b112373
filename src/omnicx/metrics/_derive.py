"""What a ``FactsBuilder``'s state says as of ``now``: its row, or its facts.

The row (``omnicx.metrics._rows``) is derived once, straight from the
builder's state; ``ConversationFacts`` are read back from that row, so the
facts and what ``FactsBuilder.add_to`` counts never disagree. Business
seconds are derived only when a calendar is configured.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from omnicx.metrics import _rows as row
from omnicx.metrics._facts import ConversationFacts
from omnicx.metrics._rows import Dims, Values
from omnicx.metrics._timing import Timing
from omnicx.model import Status

if TYPE_CHECKING:
    from omnicx.metrics._fold import FactsBuilder

_SOLVED, _CLOSED = Status.SOLVED, Status.CLOSED
_NO_ATTRIBUTES: Mapping[str, str] = {}  # shared and never written: only read for group keys


def builder_dims(b: FactsBuilder) -> Dims:
    """The breakdown values of the builder's conversation."""
    return (
        b.channel,
        b.queue,
        b.agent,
        b.priority_name,
        b.current._value_,  # ``.value`` is a slow descriptor, and this runs per conversation
        b.created,
        b.tag_set,
        _NO_ATTRIBUTES if b.attribute_map is None else b.attribute_map,
    )


def builder_values(b: FactsBuilder, now: Any) -> Values:
    """The figures of the builder's conversation as of ``now`` (the builder's kind of instant)."""
    current = b.current
    solved = current is _SOLVED or current is _CLOSED
    first_solve = b.first_solve
    first_resolution = full_resolution = wait = work = held = None
    fcr_decided = fcr = False
    if first_solve is not None:
        first_resolution = b.seconds_of(first_solve - b.created)
        window_end = first_solve + b.fcr_window
        if b.follow_up is not None and b.follow_up <= window_end:
            fcr_decided = True
        elif now >= window_end:
            fcr_decided = fcr = True  # without a follow-up, known once the window has passed
    replies = b.agent_replies
    if solved:
        last_solve = b.last_solve
        if last_solve is not None:
            # Never reopened: the full resolution is the first one.
            full_resolution = (
                first_resolution
                if last_solve == first_solve
                else b.seconds_of(last_solve - b.created)
            )
        work, held = b.worked, b.held
        wait = work + held
    csat, nps, ces, offered = b.csat_satisfied, b.nps_score, b.ces_score, b.survey_offered
    return (
        solved,
        solved and replies <= 1,
        replies if solved else None,
        first_solve is not None,
        first_solve is not None and b.reopens > 0,
        fcr_decided,
        fcr,
        csat is not None,
        csat is True,
        # NPS: promoters answer 9-10, passives 7-8, detractors 0-6.
        nps is not None and nps >= 9,
        nps is not None and 7 <= nps < 9,
        nps is not None and nps < 7,
        offered,
        offered and (csat is not None or nps is not None or ces is not None),
        ces,
        b.first_reply,
        first_resolution,
        full_resolution,
        wait,
        work,
        held,
        b.reopen_replies,
        b.next_replies,
        None if b.calendar is None else _business_values(b),
        solved and replies == 0,
        b.outbound_first,
        None if solved else b.seconds_of(now - b.created),
    )


def _business_values(b: FactsBuilder) -> tuple[Any, ...]:
    # The durations in business seconds, in ``_rows.BUSINESS`` order.
    current = b.current
    first_solve, last_solve = b.first_solve, b.last_solve
    first_resolution = full_resolution = wait = work = held = None
    if first_solve is not None:
        first_resolution = b._business(b.created, first_solve)
    if current is _SOLVED or current is _CLOSED:
        if last_solve is not None:
            full_resolution = (
                first_resolution
                if last_solve == first_solve
                else b._business(b.created, last_solve)
            )
        work, held = b.worked_business, b.held_business
        wait = work + held
    return (
        b.first_reply_business, first_resolution, full_resolution, wait, work, held,
        b.reopen_business, b.next_business,
    )  # fmt: skip


def builder_facts(b: FactsBuilder, now: Any) -> ConversationFacts:
    """The builder's conversation as ``ConversationFacts``, read from its row."""
    values = builder_values(b, now)
    business = values[row.BUSINESS]

    def timing(position: int) -> Timing | None:
        seconds = values[position]
        if seconds is None:
            return None
        in_business = None if business is None else business[position - row.FIRST_SINGLE]
        return Timing(seconds=seconds, business_seconds=in_business)

    def timings(position: int) -> tuple[Timing, ...]:
        seconds = values[position]
        if business is None:
            return tuple(Timing(seconds=s) for s in seconds)
        in_business = business[position - row.FIRST_SINGLE]
        return tuple(
            Timing(seconds=s, business_seconds=bs)
            for s, bs in zip(seconds, in_business, strict=True)
        )

    spans = b.spans
    if b.span_start is not None:
        spans = (*spans, (b.span_start, None))
    as_datetime = b._datetime
    channels = b.other_channels if b.channel is None else b.other_channels | {b.channel}
    return ConversationFacts(
        conversation_id=b.conversation_id,
        customer_id=b.customer_id,
        created_at=as_datetime(b.created),
        channel=b.channel,
        channels=channels,
        queue=b.queue,
        agent=b.agent,
        priority=b.priority_name,
        tags=b.tag_set,
        attributes={} if b.attribute_map is None else dict(b.attribute_map),
        status=b.current,
        outbound_first=b.outbound_first,
        reopens=b.reopens,
        agent_replies=b.agent_replies,
        first_reply=timing(row.FIRST_SINGLE),
        reopen_replies=timings(row.REOPEN_REPLIES),
        next_replies=timings(row.NEXT_REPLIES),
        first_resolution=timing(row.FIRST_SINGLE + 1),
        full_resolution=timing(row.FIRST_SINGLE + 2),
        requester_wait=timing(row.FIRST_SINGLE + 3),
        agent_work=timing(row.FIRST_SINGLE + 4),
        on_hold=timing(row.FIRST_SINGLE + 5),
        one_touch=values[row.ONE_TOUCH] if values[row.SOLVED] else None,
        first_contact_resolution=values[row.FCR] if values[row.FCR_DECIDED] else None,
        survey_offered=b.survey_offered,
        csat_satisfied=b.csat_satisfied,
        nps_score=b.nps_score,
        ces_score=b.ces_score,
        open_seconds=values[row.BACKLOG_AGE],
        active_spans=tuple(
            (as_datetime(start), None if end is None else as_datetime(end)) for start, end in spans
        ),
    )
