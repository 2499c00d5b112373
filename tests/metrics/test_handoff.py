"""Bot metrics: handoff rate, time to handoff, bot-resolved; partials merge and travel."""

from __future__ import annotations

import json
import pickle
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omnicx import FixedClock
from omnicx.errors import ValidationError
from omnicx.metrics import HandoffAccumulator, handoff_metrics
from omnicx.model import BotOwned, HandedOff, HandoffReason, Status, StatusChanged

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


def _owned(cid: str, minutes: int = 0) -> BotOwned:
    return BotOwned(id=f"{cid}-o", at=T0 + timedelta(minutes=minutes), customer_id="p",
                    conversation_id=cid, bot="b")  # fmt: skip


def _handoff(cid: str, minutes: int, reason: HandoffReason, n: int = 0) -> HandedOff:
    return HandedOff(id=f"{cid}-h{n}", at=T0 + timedelta(minutes=minutes), customer_id="p",
                     conversation_id=cid, bot="b", reason=reason, turns=n + 2)  # fmt: skip


def _status(cid: str, minutes: int, status: Status) -> StatusChanged:
    return StatusChanged(id=f"{cid}-s{minutes}", at=T0 + timedelta(minutes=minutes),
                         customer_id="p", conversation_id=cid, previous=None, status=status)  # fmt: skip


def _stream() -> list[object]:
    return [
        _owned("c1"), _handoff("c1", 4, HandoffReason.CUSTOMER),
        _owned("c2"), _status("c2", 3, Status.SOLVED),
        _owned("c3"), _handoff("c3", 10, HandoffReason.TURNS),
        _status("c3", 20, Status.SOLVED), _handoff("c3", 30, HandoffReason.RULE, 1),
        _status("c4", 1, Status.SOLVED),  # people only: not a bot conversation
        _owned("c5"),  # still with the bot
    ]  # fmt: skip


def test_the_figures_of_a_small_stream() -> None:
    report = handoff_metrics(_stream())  # type: ignore[arg-type]
    assert report.bot_conversations == 4
    assert (report.handoff_rate.part, report.handoff_rate.value) == (2, 0.5)
    assert (report.bot_resolved.part, report.bot_resolved.value) == (1, 0.25)
    assert report.time_to_handoff.median == 4 * 60
    assert report.time_to_handoff.count == 2
    assert report.turns_to_handoff.total == 4  # each first handoff's turns: 2 + 2
    assert report.reasons == {"bot": 0, "rule": 1, "customer": 1, "turns": 1, "agent": 0}


def test_no_bot_conversation_is_no_rate_rather_than_zero() -> None:
    report = handoff_metrics([_status("c4", 1, Status.SOLVED)])
    assert report.handoff_rate.value is None
    assert report.time_to_handoff.median is None


def test_a_reopened_handed_off_conversation_is_not_bot_resolved() -> None:
    report = handoff_metrics([_owned("c"), _status("c", 1, Status.SOLVED),
                              _status("c", 2, Status.OPEN), _handoff("c", 3, HandoffReason.BOT)])  # fmt: skip
    assert (report.bot_resolved.part, report.handoff_rate.part) == (0, 1)


@settings(max_examples=30, deadline=None)
@given(cut=st.lists(st.integers(0, 2), min_size=5, max_size=5))
def test_partials_merge_to_the_whole_in_any_grouping(cut: list[int]) -> None:
    events = _stream()
    conversations = ["c1", "c2", "c3", "c4", "c5"]
    shards = [HandoffAccumulator() for _ in range(3)]
    for cid, shard in zip(conversations, cut, strict=True):
        shards[shard].add_events([e for e in events if e.conversation_id == cid])  # type: ignore[attr-defined]
    left = shards[0].merge(shards[1]).merge(shards[2])
    right = shards[2].merge(shards[0].merge(shards[1]))
    whole = HandoffAccumulator()
    whole.add_events(events)  # type: ignore[arg-type]
    assert left.report() == right.report() == whole.report()


def test_a_partial_travels_as_json_and_by_pickle() -> None:
    accumulator = HandoffAccumulator()
    accumulator.add_events(_stream())  # type: ignore[arg-type]
    data = json.loads(json.dumps(accumulator.to_dict()))
    assert data["format"] == "omnicx.metrics-handoff-partial"
    assert HandoffAccumulator.from_dict(data).report() == accumulator.report()
    assert pickle.loads(pickle.dumps(accumulator)).report() == accumulator.report()


def test_a_bad_partial_names_every_problem() -> None:
    data = HandoffAccumulator().to_dict()
    data["counts"] = {"bot_conversations": -1, "handed_off": 0, "bot_resolved": 0}
    data["reasons"]["bot"] = "many"
    with pytest.raises(ValidationError) as caught:
        HandoffAccumulator.from_dict(data)
    assert str(caught.value).splitlines() == [
        "counts.bot_conversations: must be a non-negative integer, not -1",
        "reasons.bot: must be a non-negative integer, not 'many'",
    ]
    with pytest.raises(ValidationError, match=r"format: must be 'omnicx\.metrics-handoff-partial'"):
        HandoffAccumulator.from_dict({**data, "format": "omnicx.metrics-partial"})


def test_the_desk_s_events_give_the_figures() -> None:
    """End to end: a desk's bot conversation, handed off, counted from the store's events."""
    from omnicx.channels import MessageReceived
    from omnicx.desk import Desk
    from omnicx.identity import email_identifier
    from omnicx.model import Author, AuthorKind, Channel, Direction, Message
    from omnicx.routing import RuleEngine, load_rules
    from omnicx.storage import MemoryStore

    rules = RuleEngine.compile(load_rules({"rules": [{"id": "b", "then": {"bot": "b"}}]}))
    clock = FixedClock(T0)
    desk = Desk(store=MemoryStore(), clock=clock, rules=rules)
    for n, text in enumerate(["hi", "a human please"]):
        message = Message(id=f"chat:{n}", channel=Channel.CHAT, direction=Direction.INBOUND,
                          author=Author(kind=AuthorKind.CUSTOMER), text=text,
                          sent_at=clock.advance(minutes=2), external_id=str(n))  # fmt: skip
        desk.receive(MessageReceived(message=message, sender=(email_identifier("a@x.example"),)))
    report = handoff_metrics(desk.store.events())
    assert (report.bot_conversations, report.handoff_rate.part) == (1, 1)
    assert report.time_to_handoff.median == 120
    assert report.reasons["customer"] == 1
