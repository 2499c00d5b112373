"""Mergeable accumulators: facts in, figures per group out.

A host can run one ``MetricsAccumulator`` per shard (a Spark partition, a
Dask chunk, one file of an export) and ``merge`` the partials: merging is
associative and commutative, and every figure of a group depends only on the
conversations in that group.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, tzinfo

import attrs

from omnicx.metrics._config import MetricsConfig
from omnicx.metrics._dimensions import NONE, check_dimensions, group_keys
from omnicx.metrics._distribution import Distribution
from omnicx.metrics._facts import ConversationFacts
from omnicx.metrics._fold import facts_by_conversation
from omnicx.metrics._timing import Timing
from omnicx.metrics._values import (
    DURATIONS,
    GroupMetrics,
    MetricsReport,
    Nps,
    Rate,
    SlaOutcome,
    SlaTally,
)
from omnicx.model import Event

_COUNTERS = [
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
]


@attrs.define
class _Group:
    counts: dict[str, int] = attrs.field(factory=lambda: dict.fromkeys(_COUNTERS, 0))
    calendar: dict[str, Distribution] = attrs.field(
        factory=lambda: {name: Distribution() for name in DURATIONS}
    )
    business: dict[str, Distribution] = attrs.field(
        factory=lambda: {name: Distribution() for name in DURATIONS}
    )
    ces: Distribution = attrs.field(factory=Distribution)
    replies: Distribution = attrs.field(factory=Distribution)
    sla: dict[str, list[int]] = attrs.field(factory=dict)

    def add(self, facts: ConversationFacts) -> None:
        c = self.counts
        c["conversations"] += 1
        if facts.solved:
            c["solved"] += 1
            self.replies.add(facts.agent_replies)
            c["one_touch"] += facts.agent_replies <= 1
        if facts.first_resolution is not None:
            c["ever_solved"] += 1
            c["reopened"] += facts.reopens > 0
        if facts.first_contact_resolution is not None:
            c["fcr_decided"] += 1
            c["fcr"] += facts.first_contact_resolution
        if facts.csat_satisfied is not None:
            c["csat_answers"] += 1
            c["csat_satisfied"] += facts.csat_satisfied
        if facts.nps_score is not None:
            # NPS: promoters answer 9-10, passives 7-8, detractors 0-6.
            bucket = (
                "promoters"
                if facts.nps_score >= 9
                else "passives"
                if facts.nps_score >= 7
                else "detractors"
            )
            c[bucket] += 1
        if facts.ces_score is not None:
            self.ces.add(facts.ces_score)
        if facts.survey_offered:
            c["offered"] += 1
            c["answered"] += facts.survey_answered
        self._timing("first_reply", facts.first_reply)
        for timing in facts.reopen_replies:
            self._timing("reopen_reply", timing)
        for timing in facts.next_replies:
            self._timing("next_reply", timing)
        self._timing("first_resolution", facts.first_resolution)
        self._timing("full_resolution", facts.full_resolution)
        self._timing("requester_wait", facts.requester_wait)
        self._timing("agent_work", facts.agent_work)
        self._timing("on_hold", facts.on_hold)

    def _timing(self, name: str, timing: Timing | None) -> None:
        if timing is None:
            return
        self.calendar[name].add(timing.seconds)
        if timing.business_seconds is not None:
            self.business[name].add(timing.business_seconds)

    def merge(self, other: _Group) -> _Group:
        return _Group(
            counts={k: self.counts[k] + other.counts[k] for k in _COUNTERS},
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
        c = self.counts
        return GroupMetrics(
            conversations=c["conversations"],
            solved=c["solved"],
            reopened=Rate(part=c["reopened"], whole=c["ever_solved"]),
            one_touch=Rate(part=c["one_touch"], whole=c["solved"]),
            first_contact_resolution=Rate(part=c["fcr"], whole=c["fcr_decided"]),
            csat=Rate(part=c["csat_satisfied"], whole=c["csat_answers"]),
            nps=Nps(promoters=c["promoters"], passives=c["passives"], detractors=c["detractors"]),
            ces=self.ces.summary(),
            survey_response=Rate(part=c["answered"], whole=c["offered"]),
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

    def add(self, facts: ConversationFacts) -> None:
        """Count one conversation in every group it belongs to."""
        for key in group_keys(facts, self.by, self.tz):
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
