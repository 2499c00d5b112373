"""Per-conversation facts: each definition of docs/metrics.md and its edge cases."""

from __future__ import annotations

from datetime import timedelta

import pytest

from omnicx.errors import ValidationError
from omnicx.metrics import Timing, facts_by_conversation, fold_conversation
from omnicx.model import AuthorKind, Priority, Status, SurveyKind


def test_first_reply_from_creation_to_first_public_human_reply(timeline) -> None:
    """FRT runs from creation to the first public human agent reply."""
    facts = timeline().inbound(0).reply(30).reply(40).facts()
    assert facts.first_reply == Timing(seconds=1800)
    assert facts.agent_replies == 2
    assert facts.next_replies == ()


def test_bots_automation_and_private_messages_never_fulfil_replies(timeline) -> None:
    """Bot, automation and private agent messages don't stop the first reply clock."""
    t = timeline().inbound(0).bot(1).bot(2, AuthorKind.AUTOMATION).reply(3, public=False)
    facts = t.reply(10).facts()
    assert facts.first_reply == Timing(seconds=600)
    assert facts.agent_replies == 1


def test_first_reply_is_null_until_a_reply_exists(timeline) -> None:
    """A metric whose endpoint does not exist yet is null, never zero."""
    facts = timeline().inbound(0).facts()
    assert facts.first_reply is None
    assert facts.first_resolution is None
    assert facts.full_resolution is None
    assert facts.one_touch is None
    assert facts.first_contact_resolution is None
    assert facts.requester_wait is None


def test_next_reply_runs_from_the_oldest_unanswered_customer_message(timeline) -> None:
    """Later customer messages don't restart the next reply clock."""
    facts = timeline().inbound(0).reply(5).inbound(10).inbound(20).reply(25).facts()
    assert facts.first_reply == Timing(seconds=300)
    assert facts.next_replies == (Timing(seconds=900),)


def test_customer_messages_before_the_first_reply_are_part_of_the_first_window(timeline) -> None:
    """A second customer message before any reply yields no next-reply sample."""
    facts = timeline().inbound(0).inbound(3).reply(5).facts()
    assert facts.next_replies == ()


def test_bot_reply_clears_the_wait_without_a_sample(timeline) -> None:
    """A bot answer ends the customer's wait but is no reply-time sample (Chatwoot)."""
    facts = timeline().inbound(0).reply(1).inbound(5).bot(6).reply(30).facts()
    assert facts.next_replies == ()
    facts = timeline().inbound(0).reply(1).inbound(5).bot(6).inbound(10).reply(30).facts()
    assert facts.next_replies == (Timing(seconds=1200),)


def test_solve_clears_reply_clocks(timeline) -> None:
    """Solving closes an open first reply window and wait without a sample."""
    facts = timeline().inbound(0).solve(10).facts()
    assert facts.first_reply is None
    facts = timeline().inbound(0).reply(1).inbound(2).solve(3).facts()
    assert facts.next_replies == ()


def test_reopen_starts_a_new_first_reply_window(timeline) -> None:
    """A reopen opens a new window at the reopen; its reply is a reopen-reply sample."""
    t = timeline().inbound(0).reply(10).solve(20).inbound(60).reopen(65).reply(80)
    facts = t.facts()
    assert facts.first_reply == Timing(seconds=600)
    assert facts.reopen_replies == (Timing(seconds=900),)
    assert facts.next_replies == ()
    assert facts.reopens == 1


def test_first_and_full_resolution(timeline) -> None:
    """First resolution stops at the first solve, full resolution at the latest one."""
    t = timeline().inbound(0).reply(10).solve(20).reopen(60).reply(70).solve(100)
    facts = t.facts()
    assert facts.first_resolution == Timing(seconds=1200)
    assert facts.full_resolution == Timing(seconds=6000)
    assert facts.solved


def test_full_resolution_is_null_while_reopened(timeline) -> None:
    """A reopened conversation has no full resolution until solved again."""
    facts = timeline().inbound(0).solve(20).reopen(60).facts()
    assert facts.first_resolution == Timing(seconds=1200)
    assert facts.full_resolution is None
    assert not facts.solved


def test_closing_a_solved_conversation_keeps_the_solve_time(timeline) -> None:
    """Solved -> closed is not a second solve."""
    facts = timeline().inbound(0).solve(20).status(500, Status.CLOSED).facts()
    assert facts.full_resolution == Timing(seconds=1200)
    assert facts.status is Status.CLOSED


def test_status_durations(timeline) -> None:
    """Requester wait = new+open+on-hold, agent work = new+open, on-hold alone; pending excluded."""
    t = timeline().inbound(0).status(10, Status.OPEN).status(20, Status.PENDING)
    t.status(50, Status.ON_HOLD).status(55, Status.OPEN).solve(60)
    facts = t.facts()
    assert facts.agent_work == Timing(seconds=(10 + 10 + 5) * 60)
    assert facts.on_hold == Timing(seconds=5 * 60)
    assert facts.requester_wait == Timing(seconds=(10 + 10 + 5 + 5) * 60)


def test_agent_initiated_conversation_opens_its_window_at_the_customer_answer(timeline) -> None:
    """Outbound-first: the opener is no reply; FRT runs from the customer's first message."""
    facts = timeline().reply(0).inbound(60).reply(75).facts()
    assert facts.outbound_first
    assert facts.first_reply == Timing(seconds=900)
    assert facts.agent_replies == 2


def test_agent_initiated_without_customer_answer_has_no_first_reply(timeline) -> None:
    """Outbound-first with no customer message: FRT stays null."""
    facts = timeline().reply(0).reply(10).facts()
    assert facts.first_reply is None


def test_channel_switch_keeps_the_starting_channel(timeline) -> None:
    """A conversation that moves from chat to email counts under chat; channels lists both."""
    facts = timeline().inbound(0, "chat").reply(5, "email").inbound(9, "email").facts()
    assert facts.channel == "chat"
    assert facts.channels == frozenset({"chat", "email"})
    assert facts.first_reply == Timing(seconds=300)


def test_merged_customers_count_once_under_the_latest_customer(timeline) -> None:
    """Events of one conversation carrying two customer ids (a merge) fold into one."""
    t = timeline(customer="old").inbound(0)
    t.customer = "survivor"
    facts = t.reply(5).facts()
    assert facts.customer_id == "survivor"
    assert facts.first_reply == Timing(seconds=300)
    assert len(facts_by_conversation(t.events, now=t.at(100))) == 1


def test_one_touch(timeline) -> None:
    """One-touch: solved with at most one agent reply; null while unsolved."""
    assert timeline().inbound(0).reply(1).solve(2).facts().one_touch is True
    assert timeline().inbound(0).solve(2).facts().one_touch is True
    assert timeline().inbound(0).reply(1).reply(2).solve(3).facts().one_touch is False
    assert timeline().inbound(0).reply(1).facts().one_touch is None


def test_first_contact_resolution_window(timeline) -> None:
    """FCR: no customer follow-up within the window after the first solve."""
    day = 24 * 60
    solved = timeline().inbound(0).reply(1).solve(2)
    assert solved.facts(now=3).first_contact_resolution is None  # window still running
    assert solved.facts(now=2 + 7 * day).first_contact_resolution is True
    assert solved.facts(now=3, fcr_window=timedelta(0)).first_contact_resolution is True
    followed = timeline().inbound(0).reply(1).solve(2).inbound(2 + day)
    assert followed.facts(now=3 + day).first_contact_resolution is False
    late = timeline().inbound(0).reply(1).solve(2).inbound(2 + 8 * day)
    assert late.facts().first_contact_resolution is True
    reopened = timeline().inbound(0).solve(2).reopen(3)
    assert reopened.facts().first_contact_resolution is False


def test_surveys(timeline) -> None:
    """The latest answer per survey counts; CSAT on another scale is mapped linearly."""
    t = timeline().inbound(0).survey(1, SurveyKind.CSAT, 2).survey(2, SurveyKind.CSAT, 5)
    t.survey(3, SurveyKind.NPS, 9, 0, 10).survey(4, SurveyKind.CES, 3, 1, 7)
    facts = t.facts()
    assert facts.csat_satisfied is True
    assert facts.nps_score == 9
    assert facts.ces_score == 3
    assert facts.survey_offered
    assert facts.survey_answered
    # On 1-10, 8 maps to 4.11 of 1-5 (satisfied) and 7 to 3.67 (not).
    assert timeline().survey(0, SurveyKind.CSAT, 8, 1, 10).facts().csat_satisfied is True
    assert timeline().survey(0, SurveyKind.CSAT, 7, 1, 10).facts().csat_satisfied is False
    assert timeline().survey(0, SurveyKind.CSAT, 3).facts(csat_satisfied_from=3).csat_satisfied


def test_survey_offer_and_attributes_from_custom_events(timeline) -> None:
    """``survey.sent`` marks an offer; ``conversation.attributes`` sets custom attributes."""
    t = (
        timeline()
        .inbound(0)
        .custom(1, "survey.sent")
        .custom(2, "conversation.attributes", {"plan": "pro", "seats": 3})
    )
    facts = t.custom(3, "other").facts()
    assert facts.survey_offered
    assert not facts.survey_answered
    assert facts.attributes == {"plan": "pro", "seats": "3"}


def test_dimensions_hold_their_latest_values(timeline) -> None:
    """Queue, agent, priority and tags are the latest values; unassigning clears the agent."""
    t = (
        timeline()
        .inbound(0)
        .assign(1, "ann", "billing")
        .assign(2, "bob")
        .priority(3, Priority.HIGH)
    )
    t.tags(4, "vip", "refund").tags(5, removed=frozenset({"refund"}))
    facts = t.facts()
    assert (facts.queue, facts.agent, facts.priority, facts.tags) == (
        "billing",
        "bob",
        "high",
        frozenset({"vip"}),
    )
    assert t.assign(6, None).facts().agent is None


def test_events_after_now_are_ignored_and_order_does_not_matter(timeline) -> None:
    """Facts are a point-in-time view, and input order is irrelevant."""
    t = timeline().inbound(0).reply(10).solve(20)
    assert t.facts(now=15).first_resolution is None
    shuffled = list(reversed(t.events))
    assert fold_conversation(shuffled, now=t.at(100)) == t.facts(now=100)


def test_active_spans(timeline) -> None:
    """Active periods end at a solve and restart at a reopen."""
    facts = timeline().inbound(0).solve(10).reopen(20).facts()
    at = timeline.at
    assert facts.active_spans == ((at(0), at(10)), (at(20), None))


def test_fold_rejects_empty_and_mixed_input(timeline) -> None:
    """Folding needs events of exactly one conversation by ``now``."""
    with pytest.raises(ValidationError) as caught:
        fold_conversation([], now=timeline.at(0))
    assert str(caught.value) == "events: no event of the conversation happened by now"
    mixed = timeline("a").inbound(0).events + timeline("b").inbound(0).events
    with pytest.raises(ValidationError) as caught:
        fold_conversation(mixed, now=timeline.at(1))
    assert str(caught.value) == "events: expected one conversation, got 'a', 'b'"


def test_facts_by_conversation_groups_and_skips_unattached_events(timeline) -> None:
    """Events are grouped by conversation id; events without one are skipped."""
    events = timeline("b").inbound(0).events + timeline("a").inbound(0).events
    events += timeline(None).inbound(0).events
    facts = facts_by_conversation(events, now=timeline.at(1))
    assert [f.conversation_id for f in facts] == ["a", "b"]


def test_facts_builder_steps_equal_the_event_fold(timeline) -> None:
    """A host folding plain values through FactsBuilder gets the same facts as from events."""
    from omnicx.metrics import FactsBuilder

    t = timeline().inbound(0, "chat").assign(1, "ann", "q1").bot(2).reply(5).inbound(9)
    t.priority(10, Priority.HIGH).tags(11, "vip").reply(12).solve(20)
    t.survey(21, SurveyKind.NPS, 10, 0, 10).custom(22, "conversation.attributes", {"plan": "pro"})
    builder = FactsBuilder(conversation_id="c1", created_at=t.at(0), customer_id="u1")
    builder.message(t.at(0), channel="chat", inbound=True)
    builder.assigned("ann", "q1")
    builder.message(t.at(2), channel="email", inbound=False, machine_reply=True)
    builder.message(t.at(5), channel="email", inbound=False, human_reply=True)
    builder.message(t.at(9), channel="email", inbound=True)
    builder.priority("high")
    builder.tags(["vip"])
    builder.message(t.at(12), channel="email", inbound=False, human_reply=True)
    builder.status(t.at(20), Status.SOLVED)
    builder.survey(SurveyKind.NPS, 10, 0, 10)
    builder.attributes({"plan": "pro"})
    assert builder.facts(t.at(10**6)) == t.facts()


def test_facts_are_a_snapshot_later_steps_leave_alone(timeline) -> None:
    """Facts taken mid-way keep their values when the builder takes more steps."""
    from omnicx.metrics import FactsBuilder

    t = timeline()
    builder = FactsBuilder(conversation_id="c1", created_at=t.at(0))
    builder.message(t.at(0), channel="chat", inbound=True)
    builder.message(t.at(1), channel="chat", inbound=False, human_reply=True)
    builder.message(t.at(2), channel="chat", inbound=True)
    builder.message(t.at(4), channel="chat", inbound=False, human_reply=True)
    builder.tags(["vip"])
    builder.attributes({"plan": "pro"})
    builder.status(t.at(5), Status.SOLVED)
    before = builder.facts(t.at(6))
    builder.status(t.at(7), Status.OPEN)
    builder.message(t.at(8), channel="email", inbound=False, human_reply=True)
    builder.message(t.at(9), channel="email", inbound=True)
    builder.message(t.at(12), channel="email", inbound=False, human_reply=True)
    builder.tags(["billing"], ["vip"])
    builder.attributes({"plan": "free"})
    builder.status(t.at(13), Status.SOLVED)
    after = builder.facts(t.at(14))
    assert before.channels == frozenset({"chat"})
    assert before.tags == frozenset({"vip"})
    assert before.attributes == {"plan": "pro"}
    assert [r.seconds for r in before.next_replies] == [120]
    assert before.reopen_replies == ()
    assert before.active_spans == ((t.at(0), t.at(5)),)
    assert after.channels == frozenset({"chat", "email"})
    assert after.tags == frozenset({"billing"})
    assert after.attributes == {"plan": "free"}
    assert [r.seconds for r in after.next_replies] == [120, 180]
    assert [r.seconds for r in after.reopen_replies] == [60]
    assert after.active_spans == ((t.at(0), t.at(5)), (t.at(7), t.at(13)))


def test_on_hold_time_in_business_seconds(timeline) -> None:
    """With a calendar, requester wait adds the on-hold time to the agent work, in both units."""
    from omnicx.metrics import FactsBuilder, MetricsConfig

    class HalfTime:
        def seconds_between(self, start, end) -> int:
            return int((end - start).total_seconds()) // 2

    t = timeline()
    builder = FactsBuilder(
        conversation_id="c1", created_at=t.at(0), config=MetricsConfig(calendar=HalfTime())
    )
    builder.message(t.at(0), channel="chat", inbound=True)
    builder.status(t.at(2), Status.ON_HOLD)
    builder.status(t.at(5), Status.OPEN)
    builder.status(t.at(6), Status.SOLVED)
    facts = builder.facts(t.at(7))
    assert facts.agent_work == Timing(seconds=180, business_seconds=90)
    assert facts.on_hold == Timing(seconds=180, business_seconds=90)
    assert facts.requester_wait == Timing(seconds=360, business_seconds=180)
