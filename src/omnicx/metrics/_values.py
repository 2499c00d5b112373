"""The frozen results a metrics computation returns, and the SLA input it takes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import attrs

from omnicx._frozen import EMPTY_MAP, frozen_map, frozen_seq
from omnicx.metrics._distribution import Summary

DURATIONS: tuple[str, ...] = (
    "first_reply",
    "reopen_reply",
    "next_reply",
    "first_resolution",
    "full_resolution",
    "requester_wait",
    "agent_work",
    "on_hold",
)
"""Every duration metric, in the order tables list them."""


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@attrs.frozen(kw_only=True)
class Rate:
    """A share: ``part`` of ``whole``; ``value`` is None when ``whole`` is 0 (never 0%)."""

    part: int = 0
    whole: int = 0

    @property
    def value(self) -> float | None:
        """``part / whole``, or None when nothing was measured."""
        return _share(self.part, self.whole)


@attrs.frozen(kw_only=True)
class Nps:
    """Net promoter score counts; ``score`` = % promoters (9-10) - % detractors (0-6)."""

    promoters: int = 0
    passives: int = 0
    detractors: int = 0

    @property
    def responses(self) -> int:
        """How many NPS answers were counted."""
        return self.promoters + self.passives + self.detractors

    @property
    def score(self) -> float | None:
        """From -100 to 100; None without answers."""
        total = self.responses
        return 100 * (self.promoters - self.detractors) / total if total else None


@attrs.frozen(kw_only=True)
class SlaOutcome:
    """One SLA target's result for one conversation, as the SLA engine or desk reports it.

    omnicx's desk feeds these from the SLA engine's effects; a host may build
    them from its own SLA data. ``dimensions`` carry the breakdown values
    (``{"channel": "email", "queue": "billing"}``) the outcome is grouped by.

    Attributes:
        target: the target's name (``"first_reply"``, ``"next_reply"``...).
        achieved: True when fulfilled at or before the target, False for a breach.
        at: when it was fulfilled or breached.
    """

    conversation_id: str
    target: str
    achieved: bool
    at: datetime
    dimensions: Mapping[str, str] = attrs.field(default=EMPTY_MAP, converter=frozen_map)


@attrs.frozen(kw_only=True)
class SlaTally:
    """One target's SLA results: attainment = achieved / (achieved + breached)."""

    achieved: int = 0
    breached: int = 0

    @property
    def attainment(self) -> float | None:
        """The achieved share; None when no outcome was recorded."""
        return _share(self.achieved, self.achieved + self.breached)


@attrs.frozen(kw_only=True)
class GroupMetrics:
    """Every figure of one group of conversations.

    Attributes:
        conversations: how many conversations fall in the group (its volume).
        solved: how many are solved or closed at ``now``.
        reopened: of the conversations ever solved, those reopened at least once.
        one_touch: solved conversations with at most one agent reply.
        zero_touch: solved conversations with no agent reply; "exactly one
            reply" is ``one_touch.part - zero_touch.part`` of ``solved``.
        outbound_first: how many are agent-initiated (opened by an agent's
            message; a bot's or automation's opener does not count).
        backlog: the conversations in an active status at ``now`` (``count``)
            and their ages, seconds since creation.
        first_contact_resolution: conversations whose FCR is decided, and how
            many are resolved on first contact.
        csat: satisfied answers of all CSAT answers.
        survey_response: conversations with a survey answer, of those offered one.
        agent_replies: public human agent replies per solved conversation.
        durations: calendar seconds per duration metric (``DURATIONS``).
        business_durations: the same in business seconds (empty summaries
            without a calendar).
        sla: per target name.
    """

    conversations: int = 0
    solved: int = 0
    reopened: Rate = Rate()
    one_touch: Rate = Rate()
    zero_touch: Rate = Rate()
    outbound_first: int = 0
    backlog: Summary = attrs.field(factory=Summary)
    first_contact_resolution: Rate = Rate()
    csat: Rate = Rate()
    nps: Nps = Nps()
    ces: Summary = attrs.field(factory=Summary)
    survey_response: Rate = Rate()
    agent_replies: Summary = attrs.field(factory=Summary)
    durations: Mapping[str, Summary] = attrs.field(default=EMPTY_MAP, converter=frozen_map)
    business_durations: Mapping[str, Summary] = attrs.field(default=EMPTY_MAP, converter=frozen_map)
    sla: Mapping[str, SlaTally] = attrs.field(default=EMPTY_MAP, converter=frozen_map)


@attrs.frozen(kw_only=True)
class MetricsReport:
    """Figures per group: ``groups[key]``, where ``key`` has one value per ``by`` dimension."""

    by: tuple[str, ...] = attrs.field(converter=frozen_seq)
    groups: Mapping[tuple[str, ...], GroupMetrics] = attrs.field(converter=frozen_map)
