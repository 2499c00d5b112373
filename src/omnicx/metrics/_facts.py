"""Per-conversation facts: what the fold of one conversation's events yields.

Every metric is computed from these facts, never from fields a host may not
have.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import attrs

from omnicx._frozen import EMPTY_MAP, frozen_map, frozen_seq, frozen_set, frozen_tree
from omnicx.metrics._timing import Timing
from omnicx.model import Status


@attrs.frozen(kw_only=True)
class ConversationFacts:
    """What one conversation's events say, ready to be accumulated.

    A duration is None until both its endpoint events exist (never zero for
    "not yet"). Dimensions (``channel``, ``queue``, ``agent``, ``priority``,
    ``tags``, ``attributes``) hold their latest values, except ``channel``:
    the channel the conversation started on (``channels`` lists all used).

    Attributes:
        customer_id: the customer of the latest event; after a customer
            merge, events carry either id and the conversation counts once.
        outbound_first: the conversation began with a business message
            (agent-initiated); its first reply window opens at the first
            customer message, not at creation.
        first_reply: creation (or the first customer message, when
            ``outbound_first``) to the first public human agent reply.
        reopen_replies: for each reopen, the reopen to the first public human
            agent reply after it.
        next_replies: each later reply time: from the oldest unanswered
            customer message to the public human agent reply answering it.
        first_resolution: creation to the first solve.
        full_resolution: creation to the latest solve; None while reopened.
        requester_wait, agent_work, on_hold: time in new/open/on-hold,
            new/open and on-hold statuses, up to the latest solve; None until
            solved.
        one_touch: solved with at most one public human agent reply; None
            until solved.
        first_contact_resolution: solved with no customer message (and no
            reopen) within ``fcr_window`` of the first solve; None until
            solved and, without a follow-up, until the window has passed.
        csat_satisfied, nps_score, ces_score: the latest answer to each survey.
        open_seconds: while the conversation is in an active status at
            ``now``, the seconds since its creation (its age in the backlog);
            None once solved.
        active_spans: the ``[start, end)`` periods the conversation was in an
            active status (``end`` None: still active at ``now``).
    """

    conversation_id: str
    customer_id: str
    created_at: datetime
    channel: str | None = None
    channels: frozenset[str] = attrs.field(default=frozenset(), converter=frozen_set)
    queue: str | None = None
    agent: str | None = None
    priority: str = "normal"
    tags: frozenset[str] = attrs.field(default=frozenset(), converter=frozen_set)
    attributes: Mapping[str, str] = attrs.field(default=EMPTY_MAP, converter=frozen_map)
    status: Status = Status.NEW
    outbound_first: bool = False
    reopens: int = 0
    agent_replies: int = 0
    first_reply: Timing | None = None
    reopen_replies: tuple[Timing, ...] = attrs.field(default=(), converter=frozen_seq)
    next_replies: tuple[Timing, ...] = attrs.field(default=(), converter=frozen_seq)
    first_resolution: Timing | None = None
    full_resolution: Timing | None = None
    requester_wait: Timing | None = None
    agent_work: Timing | None = None
    on_hold: Timing | None = None
    one_touch: bool | None = None
    first_contact_resolution: bool | None = None
    survey_offered: bool = False
    csat_satisfied: bool | None = None
    nps_score: int | None = None
    ces_score: int | None = None
    open_seconds: int | None = None
    active_spans: tuple[tuple[datetime, datetime | None], ...] = attrs.field(
        default=(), converter=frozen_tree
    )

    @property
    def solved(self) -> bool:
        """True when the conversation is solved or closed at ``now``."""
        return not self.status.is_active

    @property
    def survey_answered(self) -> bool:
        """True when any survey about the conversation was answered."""
        return (
            self.csat_satisfied is not None
            or self.nps_score is not None
            or self.ces_score is not None
        )
