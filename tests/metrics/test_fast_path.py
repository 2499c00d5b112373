"""The fast path: ``FactsBuilder.add_to``, epoch-second instants and batched counting.

Every figure must equal the per-object path (fold each conversation into
``ConversationFacts``, then ``MetricsAccumulator.add``) on any conversation.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.metrics.conftest import Timeline

from omnicx.metrics import (
    DURATIONS,
    ConversationFacts,
    Distribution,
    FactsBuilder,
    GroupMetrics,
    MetricsAccumulator,
    MetricsConfig,
    Nps,
    Rate,
    Summary,
    Timing,
    _accumulator,
    _group,
    _sketch,
    compute_metrics,
    facts_by_conversation,
    fold_conversation,
    group_keys,
    was_active,
)
from omnicx.model import (
    AuthorKind,
    Event,
    MessageEvent,
    Priority,
    Status,
    StatusChanged,
    SurveyKind,
)

NOW = datetime(2030, 1, 1, tzinfo=UTC)
_MACHINES = (AuthorKind.BOT, AuthorKind.AUTOMATION)
BREAKDOWNS = [
    (),
    ("channel",),
    ("queue",),
    ("status",),
    ("queue", "agent"),
    ("tag",),
    ("attr.plan", "priority"),
    ("hour", "weekday", "day", "week", "month"),
]


class HalfTime:
    """A fake calendar: half of every interval is business time."""

    def seconds_between(self, start: datetime, end: datetime) -> int:
        return int((end - start).total_seconds()) // 2


@st.composite
def conversations(draw: st.DrawFn, name: str) -> Timeline:
    """One conversation with every kind of step, at minutes with fractional seconds."""
    t = Timeline(name)
    minute = draw(st.floats(0, 10**5, allow_nan=False))
    if draw(st.booleans()):
        t.inbound(minute, draw(st.sampled_from(["email", "chat", "sms"])))
    else:
        t.reply(minute, draw(st.sampled_from(["email", "whatsapp"])))  # agent-initiated
    for action in draw(st.lists(st.integers(0, 11), max_size=12)):
        minute += draw(st.sampled_from([0, 0.5, 1, 7, 60, 3000, 20000]))
        if action == 0:
            t.inbound(minute, draw(st.sampled_from(["email", "chat"])))
        elif action == 1:
            t.reply(minute, draw(st.sampled_from(["email", "chat"])), public=draw(st.booleans()))
        elif action == 2:
            t.bot(minute, draw(st.sampled_from([AuthorKind.BOT, AuthorKind.AUTOMATION])))
        elif action == 3:
            t.status(minute, draw(st.sampled_from(list(Status))))
        elif action == 4:
            t.assign(minute, draw(st.sampled_from(["ann", "bob", None])), "q1")
        elif action == 5:
            kind = draw(st.sampled_from(list(SurveyKind)))
            high = 10 if kind is SurveyKind.NPS else 5
            low = 0 if kind is SurveyKind.NPS else 1
            t.survey(minute, kind, draw(st.integers(low, high)), low, high)
        elif action == 6:
            t.tags(minute, draw(st.sampled_from(["vip", "bug"])))
        elif action == 7:
            t.priority(minute, draw(st.sampled_from(list(Priority))))
        elif action == 8:
            t.custom(minute, "survey.sent")
        elif action == 9:
            t.custom(minute, "conversation.attributes", {"plan": draw(st.sampled_from("ab"))})
        elif action == 10:
            t.solve(minute)
        else:
            t.reopen(minute)
    return t


many = st.integers(1, 8).flatmap(lambda n: st.tuples(*(conversations(f"c{i}") for i in range(n))))


def _events(ts: tuple[Timeline, ...]) -> list[Event]:
    return [e for t in ts for e in t.events]


def _per_object(events: list[Event], by: tuple[str, ...], config: MetricsConfig) -> Any:
    accumulator = MetricsAccumulator(by=by)
    accumulator.add_all(facts_by_conversation(events, now=NOW, config=config))
    return accumulator.report()


@given(many, st.sampled_from(BREAKDOWNS), st.booleans())
def test_add_to_equals_the_per_object_path(ts, by, with_calendar) -> None:
    """Counting through FactsBuilder.add_to reports what adding each conversation's facts does."""
    config = MetricsConfig(calendar=HalfTime() if with_calendar else None)
    events = _events(ts)
    fast = MetricsAccumulator(by=by)
    other = MetricsAccumulator(by=("channel",))
    for t in ts:
        ordered = sorted(t.events, key=lambda e: e.at)
        builder = FactsBuilder(
            conversation_id=t.conversation, created_at=ordered[0].at, config=config
        )
        for event in ordered:
            builder.feed(event)
        builder.add_to(fast, other, now=NOW)
    assert fast.report() == _per_object(events, by, config)
    assert other.report() == _per_object(events, ("channel",), config)
    assert compute_metrics(events, now=NOW, by=by, config=config) == fast.report()


def _summary(values: list[int]) -> Summary:
    distribution = Distribution()
    distribution.extend(values)
    return distribution.summary()


_MANY = {"reopen_reply": "reopen_replies", "next_reply": "next_replies"}


def _oracle(facts: list[ConversationFacts]) -> GroupMetrics:
    """One group's figures computed plainly from its facts, one metric at a time."""
    solved = [f for f in facts if f.status in (Status.SOLVED, Status.CLOSED)]
    ever = [f for f in facts if f.first_resolution is not None]
    fcr = [f.first_contact_resolution for f in facts if f.first_contact_resolution is not None]
    csat = [f.csat_satisfied for f in facts if f.csat_satisfied is not None]
    nps = [f.nps_score for f in facts if f.nps_score is not None]
    offered = [f for f in facts if f.survey_offered]

    def timings(f: ConversationFacts, name: str) -> tuple[Timing, ...]:
        if name in _MANY:
            return getattr(f, _MANY[name])  # type: ignore[no-any-return]
        timing = getattr(f, name)
        return () if timing is None else (timing,)

    return GroupMetrics(
        conversations=len(facts),
        solved=len(solved),
        reopened=Rate(part=sum(f.reopens > 0 for f in ever), whole=len(ever)),
        one_touch=Rate(part=sum(f.agent_replies <= 1 for f in solved), whole=len(solved)),
        zero_touch=Rate(part=sum(f.agent_replies == 0 for f in solved), whole=len(solved)),
        outbound_first=sum(f.outbound_first for f in facts),
        # The backlog at now, as ``backlog_at`` reads it from the active spans.
        backlog=_summary(
            [int((NOW - f.created_at).total_seconds()) for f in facts if was_active(f, NOW)]
        ),
        first_contact_resolution=Rate(part=sum(fcr), whole=len(fcr)),
        csat=Rate(part=sum(csat), whole=len(csat)),
        nps=Nps(
            promoters=sum(n >= 9 for n in nps),
            passives=sum(7 <= n <= 8 for n in nps),
            detractors=sum(n <= 6 for n in nps),
        ),
        ces=_summary([f.ces_score for f in facts if f.ces_score is not None]),
        survey_response=Rate(part=sum(f.survey_answered for f in offered), whole=len(offered)),
        agent_replies=_summary([f.agent_replies for f in solved]),
        durations={
            name: _summary([t.seconds for f in facts for t in timings(f, name)])
            for name in DURATIONS
        },
        business_durations={
            name: _summary(
                [
                    t.business_seconds
                    for f in facts
                    for t in timings(f, name)
                    if t.business_seconds is not None
                ]
            )
            for name in DURATIONS
        },
    )


@given(many, st.sampled_from(BREAKDOWNS), st.booleans())
def test_figures_equal_a_plain_computation_from_facts(ts, by, with_calendar) -> None:
    """Every figure equals the metric computed plainly, group by group, from the facts."""
    config = MetricsConfig(calendar=HalfTime() if with_calendar else None)
    events = _events(ts)
    facts = facts_by_conversation(events, now=NOW, config=config)
    members: dict[tuple[str, ...], list[ConversationFacts]] = {}
    for item in facts:
        for key in group_keys(item, by):
            members.setdefault(key, []).append(item)
    expected = {key: _oracle(group) for key, group in sorted(members.items())}
    assert dict(compute_metrics(events, now=NOW, by=by, config=config).groups) == expected


def _epoch_builder(events: list[Event], config: MetricsConfig) -> FactsBuilder:
    """The same steps as ``feed`` would take, with every instant as epoch seconds."""
    ordered = sorted(events, key=lambda e: e.at)
    builder = FactsBuilder(
        conversation_id="c", created_at=ordered[0].at.timestamp(), customer_id="u1", config=config
    )
    for event in ordered:
        if isinstance(event, MessageEvent):
            m = event.message
            outbound = m.direction.value == "outbound"
            builder.message(
                event.at.timestamp(),
                channel=m.channel.name,
                inbound=not outbound,
                human_reply=m.is_public_human_reply,
                machine_reply=outbound and m.public and m.author.kind in _MACHINES,
            )
        elif isinstance(event, StatusChanged):
            builder.status(event.at.timestamp(), event.status)
        else:
            builder.feed(event)  # steps without an instant
    return builder


@given(conversations("c"), st.booleans(), st.sampled_from(BREAKDOWNS))
def test_epoch_seconds_give_the_same_figures_as_datetimes(t, with_calendar, by) -> None:
    """A builder fed epoch seconds gives the facts and figures of one fed datetimes."""
    config = MetricsConfig(calendar=HalfTime() if with_calendar else None)
    builder = _epoch_builder(t.events, config)
    facts = fold_conversation(t.events, now=NOW, config=config)
    assert builder.facts(NOW) == facts
    assert builder.facts(NOW.timestamp()) == facts
    fast = MetricsAccumulator(by=by)
    builder.add_to(fast, now=NOW.timestamp())
    slow = MetricsAccumulator(by=by)
    slow.add(facts)
    assert fast.report() == slow.report()


def test_a_datetime_builder_takes_now_as_epoch_seconds(timeline) -> None:
    """``now`` may be given in either kind: the first contact resolution reads it the same."""
    t = timeline().inbound(0).reply(1).solve(2)
    builder = FactsBuilder(conversation_id="c1", created_at=t.at(0))
    for event in t.events:
        builder.feed(event)
    later = t.at(60 * 24 * 8)
    assert builder.facts(later.timestamp()) == builder.facts(later)
    assert builder.facts(later).first_contact_resolution is True


def test_counting_in_batches_equals_counting_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Groups counted a batch at a time, mid-way and at the end, report the same figures."""
    events = []
    for i in range(40):
        t = Timeline(f"c{i}").inbound(i, "chat" if i % 3 else "email").reply(i + i % 5)
        if i % 4:
            t.solve(i + 30).survey(i + 31, SurveyKind.CSAT, 1 + i % 5)
        events += t.events
    whole = [compute_metrics(events, now=NOW, by=by) for by in BREAKDOWNS]
    monkeypatch.setattr(_accumulator, "_BATCH", 7)
    assert [compute_metrics(events, now=NOW, by=by) for by in BREAKDOWNS] == whole


def _reference_buckets(values: list[float]) -> Counter[int]:
    scale = 1 / _sketch._LOG_GAMMA
    return Counter(math.ceil(math.log(v) * scale) if v > 0 else _sketch._ZERO for v in values)


@pytest.mark.parametrize(
    "values",
    [
        [float(v) * 1.37 for v in range(1, 3000)],  # distinct, positive
        [0, *range(1, 3000), 0, 0],  # distinct with zeros
        [-1.0, 0.0, *range(1, 3000)],  # distinct with a value below zero
        [v % 7 for v in range(3000)],  # many repeats
        [],
    ],
)
def test_every_way_of_counting_buckets_agrees(values: list[float]) -> None:
    """The sketch counts each value into the same bucket whichever way a batch is counted."""
    buckets: dict[int, int] = {}
    _sketch.add_to_buckets(buckets, values)
    assert buckets == dict(_reference_buckets(values))


def test_rows_are_snapshots(timeline) -> None:
    """Steps a builder takes after add_to never change what was counted."""
    builder = FactsBuilder(conversation_id="c1", created_at=timeline.at(0))
    builder.message(timeline.at(0), channel="chat", inbound=True)
    builder.message(timeline.at(1), channel="chat", inbound=False, human_reply=True)
    builder.message(timeline.at(2), channel="chat", inbound=True)
    builder.message(timeline.at(3), channel="chat", inbound=False, human_reply=True)
    builder.attributes({"plan": "pro"})
    accumulator = MetricsAccumulator(by=("attr.plan",))
    builder.add_to(accumulator, now=timeline.at(4))
    before = accumulator.report()
    builder.message(timeline.at(5), channel="chat", inbound=True)
    builder.message(timeline.at(9), channel="chat", inbound=False, human_reply=True)
    builder.attributes({"plan": "free"})
    assert accumulator.report() == before
    assert before.groups[("pro",)].durations["next_reply"].count == 1
    assert timedelta(seconds=before.groups[("pro",)].durations["next_reply"].total) == timedelta(
        minutes=1
    )


def test_reopen_replies_in_business_seconds(timeline) -> None:
    """With a calendar, a reply after a reopen has its business seconds, in facts and figures."""
    t = timeline().inbound(0).reply(2).solve(3).reopen(10).reply(16).solve(20)
    config = MetricsConfig(calendar=HalfTime())
    facts = fold_conversation(t.events, now=NOW, config=config)
    assert facts.reopen_replies == (Timing(seconds=360, business_seconds=180),)
    report = compute_metrics(t.events, now=NOW, config=config)
    assert report.groups[()].business_durations["reopen_reply"].total == 180


def test_timing_between() -> None:
    """Timing.between counts whole calendar seconds, and business seconds with a calendar."""
    start = datetime(2024, 1, 1, tzinfo=UTC)
    end = start + timedelta(seconds=90, microseconds=999_999)
    assert Timing.between(start, end, None) == Timing(seconds=90)
    assert Timing.between(start, end, HalfTime()) == Timing(seconds=90, business_seconds=45)


def test_accumulators_with_the_same_conversations_compare_equal(timeline) -> None:
    """Equality compares figures, whether or not pending rows were counted yet."""
    facts = facts_by_conversation(
        timeline("a").inbound(0).reply(3).solve(4).events + timeline("b").inbound(1).events,
        now=NOW,
    )
    left, right = MetricsAccumulator(by=("channel",)), MetricsAccumulator(by=("channel",))
    left.add_all(facts)
    right.add_all(facts)
    left.report()  # counts left's pending rows; right's stay pending
    assert left == right
    right.add(facts[0])
    assert left != right
    assert _group.Group().__eq__(left) is NotImplemented


def test_large_groups_through_add_to_equal_the_per_object_path() -> None:
    """Past EXACT_LIMIT values (the sketch), add_to and add(facts) still report the same."""
    fast, slow = MetricsAccumulator(by=("channel",)), MetricsAccumulator(by=("channel",))
    for i in range(3000):
        start = 1_700_000_000 + i * 37
        builder = FactsBuilder(conversation_id=f"c{i}", created_at=start)
        builder.message(start, channel="chat" if i % 4 == 0 else "email", inbound=True)
        builder.message(start + i % 977, channel="chat", inbound=False, human_reply=True)
        builder.message(start + 2000, channel="chat", inbound=True)
        builder.message(start + 2000 + i, channel="chat", inbound=False, human_reply=True)
        builder.status(start + 9000 + i * 3, Status.SOLVED if i % 5 else Status.PENDING)
        builder.add_to(fast, now=NOW)
        slow.add(builder.facts(NOW))
    report = fast.report()
    assert report == slow.report()
    assert report.groups[("email",)].durations["first_reply"].exact is False
