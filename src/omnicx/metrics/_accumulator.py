"""Mergeable accumulators: facts in, figures per group out.

A host can run one ``MetricsAccumulator`` per shard (a Spark partition, a
Dask chunk, one file of an export) and ``merge`` the partials: merging is
associative and commutative, and every figure of a group depends only on the
conversations in that group.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, tzinfo

import attrs

from omnicx.metrics._config import MetricsConfig
from omnicx.metrics._dimensions import NONE, check_dimensions, key_function
from omnicx.metrics._distribution import EXACT_LIMIT, Distribution
from omnicx.metrics._facts import ConversationFacts
from omnicx.metrics._fold import facts_by_conversation
from omnicx.metrics._values import (
    DURATIONS,
    GroupMetrics,
    MetricsReport,
    Nps,
    Rate,
    SlaOutcome,
    SlaTally,
)
from omnicx.model import Event, Status

_SOLVED, _CLOSED = Status.SOLVED, Status.CLOSED

_COUNTERS = (
    "conversations",
    "solved",
    "ever_solved",
    "reopened",
    "one_touch",
    "fcr_decided",
    "fcr",
    "csat_answers",
    "csat_satisfied",
    "promoters",
    "passives",
    "detractors",
    "offered",
    "answered",
)


def _distributions() -> dict[str, Distribution]:
    return {name: Distribution() for name in DURATIONS}


# The duration fields of ConversationFacts holding at most one Timing, in the
# order ``_Group`` keeps their appenders.
_SINGLE_TIMINGS = (
    "first_reply",
    "first_resolution",
    "full_resolution",
    "requester_wait",
    "agent_work",
    "on_hold",
)


@attrs.define
class _Group:
    # One counter per field: attribute access on a slotted class is the fast path.
    conversations: int = 0
    solved: int = 0
    ever_solved: int = 0
    reopened: int = 0
    one_touch: int = 0
    fcr_decided: int = 0
    fcr: int = 0
    csat_answers: int = 0
    csat_satisfied: int = 0
    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    offered: int = 0
    answered: int = 0
    calendar: dict[str, Distribution] = attrs.field(factory=_distributions)
    business: dict[str, Distribution] = attrs.field(factory=_distributions)
    ces: Distribution = attrs.field(factory=Distribution)
    replies: Distribution = attrs.field(factory=Distribution)
    sla: dict[str, list[int]] = attrs.field(factory=dict)
    # Values appended straight to the distributions' lists since the last
    # check for a full one: checking once per EXACT_LIMIT values instead of
    # once per value. Distributions fold a too-long list in summary() and
    # merge(), and the sketch does not depend on when values are counted in.
    _unchecked: int = attrs.field(default=0, init=False, eq=False, repr=False)
    _appends: tuple[Callable[[float], None], ...] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        # Bound appends of each list, in the order add() feeds them; the lists
        # live as long as their distribution (add_pending empties in place).
        cal, bus = self.calendar, self.business
        self._appends = (
            *(cal[name].values.append for name in _SINGLE_TIMINGS),
            *(bus[name].values.append for name in _SINGLE_TIMINGS),
            cal["reopen_reply"].values.append,
            bus["reopen_reply"].values.append,
            cal["next_reply"].values.append,
            bus["next_reply"].values.append,
            self.replies.values.append,
            self.ces.values.append,
        )

    def add(self, facts: ConversationFacts) -> None:
        (
            first_reply, first_resolution, full_resolution, requester_wait, agent_work, on_hold,
            b_first_reply, b_first_resolution, b_full_resolution, b_requester_wait,
            b_agent_work, b_on_hold, reopen_reply, b_reopen_reply, next_reply, b_next_reply,
            replies, ces,
        ) = self._appends  # fmt: skip
        appended = 0
        self.conversations += 1
        status = facts.status
        if status is _SOLVED or status is _CLOSED:
            self.solved += 1
            replies(facts.agent_replies)
            appended += 1
            self.one_touch += facts.agent_replies <= 1
        if facts.first_resolution is not None:
            self.ever_solved += 1
            self.reopened += facts.reopens > 0
        if facts.first_contact_resolution is not None:
            self.fcr_decided += 1
            self.fcr += facts.first_contact_resolution
        if facts.csat_satisfied is not None:
            self.csat_answers += 1
            self.csat_satisfied += facts.csat_satisfied
        score = facts.nps_score
        if score is not None:
            # NPS: promoters answer 9-10, passives 7-8, detractors 0-6.
            if score >= 9:
                self.promoters += 1
            elif score >= 7:
                self.passives += 1
            else:
                self.detractors += 1
        if facts.ces_score is not None:
            ces(facts.ces_score)
            appended += 1
        if facts.survey_offered:
            self.offered += 1
            self.answered += facts.survey_answered
        for timing, to_calendar, to_business in (
            (facts.first_reply, first_reply, b_first_reply),
            (facts.first_resolution, first_resolution, b_first_resolution),
            (facts.full_resolution, full_resolution, b_full_resolution),
            (facts.requester_wait, requester_wait, b_requester_wait),
            (facts.agent_work, agent_work, b_agent_work),
            (facts.on_hold, on_hold, b_on_hold),
        ):
            if timing is not None:
                to_calendar(timing.seconds)
                appended += 1
                if timing.business_seconds is not None:
                    to_business(timing.business_seconds)
                    appended += 1
        for timings, to_calendar, to_business in (
            (facts.reopen_replies, reopen_reply, b_reopen_reply),
            (facts.next_replies, next_reply, b_next_reply),
        ):
            for timing in timings:
                to_calendar(timing.seconds)
                appended += 1
                if timing.business_seconds is not None:
                    to_business(timing.business_seconds)
                    appended += 1
        self._unchecked += appended
        if self._unchecked > EXACT_LIMIT:
            self._fold_full()

    def _fold_full(self) -> None:
        # Every list held at most EXACT_LIMIT values at the last check and at
        # most EXACT_LIMIT + 1 were appended since, so none grows past twice it.
        for distribution in (
            *self.calendar.values(),
            *self.business.values(),
            self.replies,
            self.ces,
        ):
            if len(distribution.values) > EXACT_LIMIT:
                distribution.add_pending()
        self._unchecked = 0

    def merge(self, other: _Group) -> _Group:
        counts = {name: getattr(self, name) + getattr(other, name) for name in _COUNTERS}
        return _Group(
            **counts,
            calendar={k: self.calendar[k].merge(other.calendar[k]) for k in DURATIONS},
            business={k: self.business[k].merge(other.business[k]) for k in DURATIONS},
            ces=self.ces.merge(other.ces),
            replies=self.replies.merge(other.replies),
            sla={
                k: [
                    a + b
                    for a, b in zip(self.sla.get(k, [0, 0]), other.sla.get(k, [0, 0]), strict=True)
                ]
                for k in self.sla.keys() | other.sla.keys()
            },
        )

    def result(self) -> GroupMetrics:
        return GroupMetrics(
            conversations=self.conversations,
            solved=self.solved,
            reopened=Rate(part=self.reopened, whole=self.ever_solved),
            one_touch=Rate(part=self.one_touch, whole=self.solved),
            first_contact_resolution=Rate(part=self.fcr, whole=self.fcr_decided),
            csat=Rate(part=self.csat_satisfied, whole=self.csat_answers),
            nps=Nps(promoters=self.promoters, passives=self.passives, detractors=self.detractors),
            ces=self.ces.summary(),
            survey_response=Rate(part=self.answered, whole=self.offered),
            agent_replies=self.replies.summary(),
            durations={k: d.summary() for k, d in self.calendar.items()},
            business_durations={k: d.summary() for k, d in self.business.items()},
            sla={k: SlaTally(achieved=v[0], breached=v[1]) for k, v in sorted(self.sla.items())},
        )


@attrs.define
class MetricsAccumulator:
    """Accumulates conversation facts and SLA outcomes into groups.

    ``by`` names the breakdown dimensions (see ``DIMENSIONS``); ``tz`` is the
    zone of the time buckets (hour, weekday, day, week, month).
    """

    by: tuple[str, ...] = attrs.field(default=(), converter=check_dimensions)
    tz: tzinfo = UTC
    _groups: dict[tuple[str, ...], _Group] = attrs.field(factory=dict, init=False)
    _keys: Callable[[ConversationFacts], list[tuple[str, ...]]] = attrs.field(
        init=False, eq=False, repr=False
    )

    def __attrs_post_init__(self) -> None:
        self._keys = key_function(self.by, self.tz)

    def add(self, facts: ConversationFacts) -> None:
        """Count one conversation in every group it belongs to."""
        for key in self._keys(facts):
            group = self._groups.get(key)
            if group is None:
                group = self._groups[key] = _Group()
            group.add(facts)

    def add_all(self, facts: Iterable[ConversationFacts]) -> None:
        """Count many conversations."""
        for item in facts:
            self.add(item)

    def add_sla(self, outcome: SlaOutcome) -> None:
        """Count one SLA outcome in the group its ``dimensions`` name."""
        key = tuple(outcome.dimensions.get(name, NONE) for name in self.by)
        group = self._groups.get(key)
        if group is None:
            group = self._groups[key] = _Group()
        tally = group.sla.setdefault(outcome.target, [0, 0])
        tally[0 if outcome.achieved else 1] += 1

    def merge(self, other: MetricsAccumulator) -> MetricsAccumulator:
        """Return a new accumulator holding both partials; neither input changes.

        Raises:
            ValueError: the two accumulate different breakdowns.
        """
        if (self.by, self.tz) != (other.by, other.tz):
            raise ValueError(f"can't merge a breakdown by {other.by} into one by {self.by}")
        merged = MetricsAccumulator(by=self.by, tz=self.tz)
        for key in self._groups.keys() | other._groups.keys():
            mine, theirs = self._groups.get(key), other._groups.get(key)
            merged._groups[key] = (
                mine.merge(theirs)
                if mine is not None and theirs is not None
                else _Group().merge(mine or theirs)  # type: ignore[arg-type]
            )
        return merged

    def report(self) -> MetricsReport:
        """The figures of every group, ordered by group key."""
        return MetricsReport(
            by=self.by, groups={key: self._groups[key].result() for key in sorted(self._groups)}
        )


def compute_metrics(
    events: Iterable[Event],
    *,
    now: datetime,
    by: Sequence[str] = (),
    config: MetricsConfig | None = None,
    sla: Iterable[SlaOutcome] = (),
    tz: tzinfo = UTC,
) -> MetricsReport:
    """Fold events into facts and report every metric per group, as of ``now``.

    The one-call form of ``facts_by_conversation`` + ``MetricsAccumulator``.
    """
    accumulator = MetricsAccumulator(by=tuple(by), tz=tz)
    accumulator.add_all(facts_by_conversation(events, now=now, config=config or MetricsConfig()))
    for outcome in sla:
        accumulator.add_sla(outcome)
    return accumulator.report()
