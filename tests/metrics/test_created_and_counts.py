"""The creation event, queue moves, zero-touch, outbound-first, the backlog and the bot opener."""

from __future__ import annotations

import json
from datetime import timedelta

import attrs
from hypothesis import given
from hypothesis import strategies as st
from tests.metrics.conftest import Timeline
from tests.metrics.test_fast_path import BREAKDOWNS, NOW, many

from omnicx.metrics import MetricsAccumulator, compute_metrics, fold_conversation
from omnicx.model import (
    AuthorKind,
    Channel,
    ConversationCreated,
    Event,
    MessageEvent,
    Priority,
    QueueChanged,
)


def _created(t: Timeline, channel: str, queue: str | None = None, **kw: object) -> Event:
    first = t.events[0]
    return ConversationCreated(id=f"new-{t.conversation}", at=first.at,
                               customer_id=t.customer, conversation_id=t.conversation,
                               channel=Channel(channel), queue=queue, **kw)  # type: ignore[arg-type]  # fmt: skip


def _with_creation(ts: tuple[Timeline, ...]) -> list[Event]:
    out: list[Event] = []
    for t in ts:
        first = next((e for e in t.events if isinstance(e, MessageEvent)), None)
        assert first is not None
        out += [_created(t, first.message.channel.name), *t.events]
    return out


@given(many, st.sampled_from(BREAKDOWNS))
def test_a_log_without_creation_events_reports_as_one_with_them(ts, by) -> None:
    """Old logs (no ConversationCreated) fold as before: the same figures either way."""
    old = [e for t in ts for e in t.events]
    assert compute_metrics(old, now=NOW, by=by) == compute_metrics(
        _with_creation(ts), now=NOW, by=by
    )


def test_the_creation_event_sets_channel_queue_and_priority() -> None:
    """Channel, queue and priority come from creation; later steps still change them."""
    t = Timeline("c1").inbound(1, "email")
    events = [_created(t, "whatsapp", "billing", priority=Priority.HIGH), *t.events]
    facts = fold_conversation(events, now=NOW)
    assert (facts.channel, facts.queue, facts.priority) == ("whatsapp", "billing", "high")
    assert facts.channels == {"whatsapp", "email"}
    t.assign(2, "ann")
    later = fold_conversation([events[0], *t.events], now=NOW)
    assert (later.queue, later.agent) == ("billing", "ann")


def test_a_creation_event_after_an_earlier_message_changes_nothing() -> None:
    """A late message sent before creation moved the start back: its channel wins."""
    t = Timeline("c1").inbound(1, "email").priority(2, Priority.URGENT)
    created = _created(t, "whatsapp", "billing")
    events = [*t.events, attrs.evolve(created, at=Timeline.at(3))]
    facts = fold_conversation(events, now=NOW)
    assert (facts.channel, facts.queue, facts.priority) == ("email", None, "urgent")


def test_a_queue_move_keeps_the_agent() -> None:
    """QueueChanged moves the queue (None clears it); the assignee stays."""
    t = Timeline("c1").inbound(1).assign(2, "ann", "q1")
    base = {"customer_id": "u1", "conversation_id": "c1"}
    moved = QueueChanged(id="m1", at=Timeline.at(3), previous="q1", queue="q2", **base)
    facts = fold_conversation([*t.events, moved], now=NOW)
    assert (facts.queue, facts.agent) == ("q2", "ann")
    cleared = QueueChanged(id="m2", at=Timeline.at(4), previous="q2", queue=None, **base)
    assert fold_conversation([*t.events, moved, cleared], now=NOW).queue is None


def test_zero_touch_one_touch_and_exactly_one_reply() -> None:
    """Zero-touch and one-touch count solved conversations; their difference is exactly one reply."""
    zero = Timeline("c0").inbound(0).solve(5)
    one = Timeline("c1").inbound(0).reply(2).solve(5)
    two = Timeline("c2").inbound(0).reply(2).inbound(3).reply(4).solve(5)
    still_open = Timeline("c3").inbound(0)
    events = [e for t in (zero, one, two, still_open) for e in t.events]
    group = compute_metrics(events, now=NOW).groups[()]
    assert (group.solved, group.one_touch.part, group.zero_touch.part) == (3, 2, 1)
    assert group.zero_touch.value == 1 / 3
    assert group.one_touch.part - group.zero_touch.part == 1  # exactly one reply


def test_the_backlog_counts_active_conversations_at_now_with_their_ages() -> None:
    """backlog.count is the open conversations at now; the distribution is their age."""
    solved = Timeline("c0").inbound(0).solve(5)
    waiting = Timeline("c1").inbound(0)
    pending = Timeline("c2").inbound(30).reply(31)
    events = [e for t in (solved, waiting, pending) for e in t.events]
    now = Timeline.at(60)
    backlog = compute_metrics(events, now=now).groups[()].backlog
    assert backlog.count == 2
    assert backlog.total == 3600 + 1800
    assert backlog.median == 1800


def test_outbound_first_counts_agent_openers_only() -> None:
    """An agent's opener makes a conversation agent-initiated; a bot's or automation's does not."""
    agent = Timeline("c0").reply(0).inbound(10).reply(20)
    bot = Timeline("c1").bot(0).inbound(10).reply(20)
    automation = Timeline("c2").bot(0, AuthorKind.AUTOMATION).inbound(10).reply(20)
    customer = Timeline("c3").inbound(0).reply(20)
    events = [e for t in (agent, bot, automation, customer) for e in t.events]
    assert compute_metrics(events, now=NOW).groups[()].outbound_first == 1
    for t in (agent, bot, automation):
        facts = fold_conversation(t.events, now=NOW)
        # The greeting is no request: the first reply is timed from the customer's message.
        assert facts.first_reply is not None
        assert facts.first_reply.seconds == 600
        assert facts.outbound_first is (t is agent)
    # The bot's greeting is no agent reply: one touch, where the agent's opener makes two.
    assert fold_conversation(bot.events, now=NOW).agent_replies == 1
    assert fold_conversation(agent.events, now=NOW).agent_replies == 2


@given(many, st.sampled_from(BREAKDOWNS), st.integers(1, 4))
def test_the_new_counts_merge_and_travel_exactly(ts, by, shards) -> None:
    """Zero-touch, outbound-first and backlog merge across shards and survive JSON."""
    partials = [MetricsAccumulator(by=by) for _ in range(shards)]
    for i, t in enumerate(ts):
        partials[i % shards].add_events(t.events, now=NOW)
    merged = MetricsAccumulator(by=by)
    for partial in partials:
        merged = merged.merge(
            MetricsAccumulator.from_dict(json.loads(json.dumps(partial.to_dict())))
        )
    assert merged.report() == compute_metrics([e for t in ts for e in t.events], now=NOW, by=by)


def test_backlog_age_is_whole_seconds_down() -> None:
    """Ages are whole seconds, rounded down, like every duration."""
    t = Timeline("c1").inbound(0)
    now = Timeline.at(0) + timedelta(seconds=90.9)
    assert compute_metrics(t.events, now=now).groups[()].backlog.total == 90
