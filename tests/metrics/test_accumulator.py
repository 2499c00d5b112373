"""Group figures: rates, surveys, SLA, breakdowns, business time, and mergeability."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicx.errors import ValidationError
from omnicx.metrics import (
    EXACT_LIMIT,
    NONE,
    ConversationFacts,
    MetricsAccumulator,
    MetricsConfig,
    SlaOutcome,
    SlaTally,
    Timing,
    compute_metrics,
    facts_by_conversation,
    group_keys,
)
from omnicx.model import Status, SurveyKind


class HalfTime:
    """A fake calendar: half of every interval is business time."""

    def seconds_between(self, start: datetime, end: datetime) -> int:
        return int((end - start).total_seconds()) // 2


def _report(timeline, conversations, by=(), **config):
    events = [e for t in conversations for e in t.events]
    return compute_metrics(events, now=timeline.at(10**6), by=by, config=MetricsConfig(**config))


def test_volume_by_channel_hour_weekday_and_tag(timeline) -> None:
    """Volume is the conversation count of a group; tags put one conversation in several."""
    a = timeline("a").inbound(0, "chat").tags(1, "vip", "refund")
    b = timeline("b").inbound(60 * 24, "email")
    c = timeline("c").inbound(61, "email")
    report = _report(timeline, [a, b, c], by=("channel",))
    assert {k: g.conversations for k, g in report.groups.items()} == {("chat",): 1, ("email",): 2}
    report = _report(timeline, [a, b, c], by=("weekday", "hour"))
    assert {k: g.conversations for k, g in report.groups.items()} == {
        ("mon", "09"): 1,
        ("mon", "10"): 1,
        ("tue", "09"): 1,
    }
    report = _report(timeline, [a, b, c], by=("tag",))
    assert {k: g.conversations for k, g in report.groups.items()} == {
        (NONE,): 2,
        ("refund",): 1,
        ("vip",): 1,
    }


def test_time_buckets_and_custom_attributes() -> None:
    """Day, week, month and attr.<name> dimensions read the facts' creation and attributes."""
    facts = ConversationFacts(
        conversation_id="c",
        customer_id="u",
        created_at=datetime(2024, 12, 30, 23, 30, tzinfo=UTC),
        attributes={"plan": "pro"},
    )
    keys = group_keys(facts, ("day", "week", "month", "attr.plan", "attr.region", "status"))
    assert keys == [("2024-12-30", "2025-W01", "2024-12", "pro", NONE, "new")]


def test_unknown_dimensions_are_reported_with_a_hint() -> None:
    """Every unknown dimension is named with its path and closest match."""
    with pytest.raises(ValidationError) as caught:
        MetricsAccumulator(by=("chanel", "queue", "attr."))
    assert str(caught.value).splitlines() == [
        "by[0]: unknown dimension 'chanel' (did you mean 'channel'?)",
        "by[2]: unknown dimension 'attr.'",
    ]


def test_rates(timeline) -> None:
    """One-touch over solved, reopen rate over ever solved, FCR over decided conversations."""
    one = timeline("a").inbound(0).reply(1).solve(2)
    two = timeline("b").inbound(0).reply(1).reply(2).solve(3).reopen(4).solve(5)
    open_ = timeline("c").inbound(0)
    group = _report(timeline, [one, two, open_]).groups[()]
    assert (group.conversations, group.solved) == (3, 2)
    assert (group.one_touch.part, group.one_touch.whole, group.one_touch.value) == (1, 2, 0.5)
    assert (group.reopened.part, group.reopened.whole) == (1, 2)
    assert (group.first_contact_resolution.part, group.first_contact_resolution.whole) == (1, 2)
    assert group.agent_replies.mean == 1.5
    assert group.durations["first_reply"].count == 2  # c has no reply yet
    assert group.durations["reopen_reply"].count == 0


def test_rates_are_null_without_a_denominator(timeline) -> None:
    """Nothing measured gives null rates and scores, never zero."""
    group = _report(timeline, [timeline().inbound(0)]).groups[()]
    for rate in (group.one_touch, group.reopened, group.csat, group.survey_response):
        assert rate.value is None
    assert group.nps.score is None
    assert group.ces.mean is None
    assert group.durations["first_reply"].median is None


def test_surveys(timeline) -> None:
    """CSAT share satisfied, NPS promoters minus detractors, CES mean, response rate."""
    conversations = [
        timeline("a").custom(0, "survey.sent").survey(1, SurveyKind.CSAT, 5),
        timeline("b").custom(0, "survey.sent").survey(1, SurveyKind.CSAT, 3),
        timeline("c").custom(0, "survey.sent"),
        timeline("d").survey(0, SurveyKind.NPS, 10, 0, 10).survey(1, SurveyKind.CES, 2, 1, 7),
        timeline("e").survey(0, SurveyKind.NPS, 8, 0, 10).survey(1, SurveyKind.CES, 5, 1, 7),
        timeline("f").survey(0, SurveyKind.NPS, 6, 0, 10),
        timeline("g").survey(0, SurveyKind.NPS, 0, 0, 10),
    ]
    group = _report(timeline, conversations).groups[()]
    assert (group.csat.part, group.csat.whole) == (1, 2)
    assert (group.nps.promoters, group.nps.passives, group.nps.detractors) == (1, 1, 2)
    assert group.nps.responses == 4
    assert group.nps.score == -25
    assert group.ces.mean == 3.5
    assert (group.survey_response.part, group.survey_response.whole) == (6, 7)


def test_sla_attainment_and_breaches(timeline) -> None:
    """SLA outcomes group by their own dimensions; attainment = achieved / (achieved + breached)."""
    at = timeline.at(0)
    outcomes = [
        SlaOutcome(
            conversation_id="a",
            target="first_reply",
            achieved=True,
            at=at,
            dimensions={"channel": "email"},
        ),
        SlaOutcome(
            conversation_id="b",
            target="first_reply",
            achieved=False,
            at=at,
            dimensions={"channel": "email"},
        ),
        SlaOutcome(
            conversation_id="b",
            target="next_reply",
            achieved=False,
            at=at,
            dimensions={"channel": "email"},
        ),
        SlaOutcome(conversation_id="c", target="first_reply", achieved=True, at=at),
    ]
    report = compute_metrics(timeline("a").inbound(0).events, now=at, by=("channel",), sla=outcomes)
    email = report.groups[("email",)]
    assert email.sla == {
        "first_reply": SlaTally(achieved=1, breached=1),
        "next_reply": SlaTally(achieved=0, breached=1),
    }
    assert email.sla["first_reply"].attainment == 0.5
    assert email.sla["next_reply"].attainment == 0
    assert report.groups[(NONE,)].sla["first_reply"].attainment == 1
    assert report.groups[(NONE,)].conversations == 0
    assert SlaTally().attainment is None


def test_business_durations_use_the_calendar(timeline) -> None:
    """With a calendar every duration also has business seconds; without one they are empty."""
    t = timeline().inbound(0).reply(10).inbound(20).reply(30).solve(40)
    group = _report(timeline, [t], calendar=HalfTime()).groups[()]
    assert group.durations["first_reply"].median == 600
    assert group.business_durations["first_reply"].median == 300
    assert group.business_durations["next_reply"].median == 300
    assert group.business_durations["full_resolution"].median == 1200
    assert group.business_durations["agent_work"].median == 1200
    plain = _report(timeline, [t]).groups[()]
    assert plain.business_durations["first_reply"].count == 0


def test_business_durations_with_the_sla_calendar(timeline) -> None:
    """omnicx.sla's BusinessCalendar fits BusinessTime: a reply across the night counts open hours."""
    load_calendar = getattr(pytest.importorskip("omnicx.sla"), "load_calendar", None)
    if load_calendar is None:
        pytest.skip("omnicx.sla has no public load_calendar yet")
    calendar = load_calendar(
        {"timezone": "UTC", "hours": {"mon": ["09:00-17:00"], "tue": ["09:00-17:00"]}}
    )
    # Monday 16:00 -> Tuesday 10:00: one open hour on Monday, one on Tuesday.
    t = timeline().inbound(7 * 60).reply(25 * 60)
    group = _report(timeline, [t], calendar=calendar).groups[()]
    assert group.durations["first_reply"].median == 18 * 3600
    assert group.business_durations["first_reply"].median == 2 * 3600


def test_merging_accumulators_with_different_breakdowns_fails() -> None:
    """Only partials of the same breakdown merge."""
    with pytest.raises(ValueError, match="can't merge a breakdown by"):
        MetricsAccumulator(by=("channel",)).merge(MetricsAccumulator(by=("queue",)))


# --- properties -----------------------------------------------------------------


@st.composite
def conversations(draw: st.DrawFn, name: str) -> object:
    from tests.metrics.conftest import Timeline

    t = Timeline(name)
    minute = 0.0
    t.inbound(minute, draw(st.sampled_from(["email", "chat", "sms"])))
    status = Status.NEW
    for action in draw(st.lists(st.integers(0, 6), max_size=8)):
        minute += draw(st.integers(0, 3000))
        if action == 0:
            t.inbound(minute)
        elif action == 1:
            t.reply(minute)
        elif action == 2 and status.is_active:
            status = Status.SOLVED
            t.solve(minute)
        elif action == 3 and not status.is_active:
            status = Status.OPEN
            t.reopen(minute)
        elif action == 4:
            t.assign(
                minute, draw(st.sampled_from(["ann", "bob"])), draw(st.sampled_from(["q1", "q2"]))
            )
        elif action == 5:
            t.survey(minute, SurveyKind.CSAT, draw(st.integers(1, 5)))
        else:
            t.tags(minute, draw(st.sampled_from(["vip", "bug"])))
    return t


def _facts(ts: list[object]) -> list[ConversationFacts]:
    events = [e for t in ts for e in t.events]  # type: ignore[attr-defined]
    return facts_by_conversation(events, now=datetime(2030, 1, 1, tzinfo=UTC))


@given(
    st.integers(1, 12).flatmap(lambda n: st.tuples(*(conversations(f"c{i}") for i in range(n)))),
    st.sampled_from([(), ("channel",), ("queue", "agent"), ("tag",)]),
    st.randoms(),
)
def test_merging_partitions_in_any_grouping_equals_the_whole(ts, by, rng: random.Random) -> None:
    """Shard the conversations anyhow, accumulate each shard, merge in any order: same report."""
    facts = _facts(list(ts))
    whole = MetricsAccumulator(by=by)
    whole.add_all(facts)
    shards = [MetricsAccumulator(by=by) for _ in range(rng.randint(1, 4))]
    for item in facts:
        rng.choice(shards).add(item)
    while len(shards) > 1:
        rng.shuffle(shards)
        shards.append(shards.pop().merge(shards.pop()))
    assert shards[0].report() == whole.report()


@given(
    st.integers(1, 6).flatmap(lambda n: st.tuples(*(conversations(f"c{i}") for i in range(n)))),
    conversations("other"),
)
def test_an_unrelated_conversation_never_changes_another_group(ts, other) -> None:
    """Adding a conversation on another channel leaves every other channel's figures as they were."""
    facts = _facts(list(ts))
    extra = attrs_evolve_channel(_facts([other])[0])
    before = MetricsAccumulator(by=("channel",))
    before.add_all(facts)
    after = MetricsAccumulator(by=("channel",))
    after.add_all([*facts, extra])
    groups = dict(after.report().groups)
    assert groups.pop(("unrelated",)).conversations == 1
    assert groups == before.report().groups


def attrs_evolve_channel(facts: ConversationFacts) -> ConversationFacts:
    return attrs.evolve(facts, channel="unrelated")


def test_first_reply_count_across_a_week(timeline) -> None:
    """A week of conversations: FRT median and p90 per channel are exact order statistics."""
    ts = [
        timeline(f"c{i}").inbound(i, "chat" if i % 2 else "email").reply(i + i % 7)
        for i in range(20)
    ]
    report = _report(timeline, ts, by=("channel",))
    chat = report.groups[("chat",)].durations["first_reply"]
    minutes = sorted((i % 7) * 60 for i in range(20) if i % 2)
    assert chat.median == minutes[4]
    assert chat.p90 == minutes[8]
    assert timedelta(seconds=chat.total) == timedelta(
        minutes=sum(i % 7 for i in range(20) if i % 2)
    )


def test_large_groups_switch_to_the_sketch_however_they_are_split() -> None:
    """Past EXACT_LIMIT values a group's quantiles come from the sketch, whole or merged."""
    start = datetime(2024, 1, 1, tzinfo=UTC)
    facts = [
        ConversationFacts(
            conversation_id=f"c{i}",
            customer_id="u",
            created_at=start,
            channel="email",
            status=Status.SOLVED,
            agent_replies=i % 3,
            first_reply=Timing(seconds=i * 7 % 5000),
            next_replies=(Timing(seconds=i), Timing(seconds=i + 1)),
        )
        for i in range(EXACT_LIMIT + 500)
    ]
    whole = MetricsAccumulator(by=("channel",))
    whole.add_all(facts)
    left, right = MetricsAccumulator(by=("channel",)), MetricsAccumulator(by=("channel",))
    left.add_all(facts[:700])
    right.add_all(facts[700:])
    report = whole.report()
    figures = report.groups[("email",)]
    assert figures.durations["first_reply"].exact is False
    assert figures.durations["next_reply"].count == 2 * len(facts)
    assert figures.agent_replies.exact is False
    assert left.merge(right).report() == report
