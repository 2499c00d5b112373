"""Call metrics: time to answer, abandonment, talk time, after-call work, callback time;
partials merge in any grouping and travel as JSON and by pickle."""

from __future__ import annotations

import json
import pickle
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omnicx.errors import ValidationError
from omnicx.metrics import CallAccumulator, call_metrics
from omnicx.model import (
    Author,
    AuthorKind,
    CallEvent,
    CallStatus,
    CallWrappedUp,
    Channel,
    Direction,
    Event,
    Message,
    MessageEvent,
)

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


def call(customer: str, call_id: str, status: CallStatus, seconds: int, *, duration: int = 0,
         direction: Direction = Direction.INBOUND, answered: bool = True) -> CallEvent:  # fmt: skip
    return CallEvent(id=f"{call_id}:{status.value}", at=T0 + timedelta(seconds=seconds),
                     customer_id=customer, direction=direction, duration_seconds=duration,
                     answered=answered, call_id=call_id, status=status)  # fmt: skip


def reply(customer: str, seconds: int) -> MessageEvent:
    message = Message(id=f"m-{customer}-{seconds}", channel=Channel.SMS,
                      direction=Direction.OUTBOUND, author=Author(kind=AuthorKind.AGENT, id="ann"),
                      sent_at=T0 + timedelta(seconds=seconds), text="Calling you back")  # fmt: skip
    return MessageEvent(id=f"msg:{message.id}", at=message.sent_at, customer_id=customer,
                        conversation_id="c", message=message)  # fmt: skip


def stream() -> list[Event]:
    return [
        # p1: rang 12 s, talked 188 s, wrapped up 45 s after the end.
        call("p1", "A", CallStatus.RINGING, 0),
        call("p1", "A", CallStatus.IN_PROGRESS, 12),
        call("p1", "A", CallStatus.COMPLETED, 200, duration=188),
        CallWrappedUp(
            id="w", at=T0 + timedelta(seconds=245), customer_id="p1", call_id="A", agent_id="ann"
        ),
        # p2: no-answer, called back by an outbound call 600 s later that talks 60 s.
        call("p2", "B", CallStatus.RINGING, 0),
        call("p2", "B", CallStatus.NO_ANSWER, 30, answered=False),
        call("p2", "C", CallStatus.RINGING, 630, direction=Direction.OUTBOUND),
        call("p2", "C", CallStatus.COMPLETED, 700, duration=60, direction=Direction.OUTBOUND),
        # p3: abandoned (completed of 0 seconds), answered by SMS 120 s later.
        call("p3", "D", CallStatus.RINGING, 0),
        call("p3", "D", CallStatus.COMPLETED, 20, answered=False),
        reply("p3", 140),
        # p4: answered without an in-progress callback: 50 s from its 60 s end.
        call("p4", "E", CallStatus.RINGING, 0),
        call("p4", "E", CallStatus.COMPLETED, 60, duration=50),
        # p5: busy, never called back.
        call("p5", "F", CallStatus.BUSY, 5, answered=False),
    ]


def test_every_figure() -> None:
    """Each figure as docs/metrics.md, "Calls", defines it."""
    report = call_metrics(stream())
    assert (report.inbound, report.outbound) == (5, 1)
    assert (report.answered.part, report.answered.whole) == (2, 5)
    assert (report.missed.part, report.abandoned.part) == (3, 1)
    assert (report.called_back.part, report.called_back.whole) == (2, 3)
    figures = {
        name: (s.count, s.total)
        for name, s in (
            ("time_to_answer", report.time_to_answer),
            ("talk_time", report.talk_time),
            ("after_call_work", report.after_call_work),
            ("callback_time", report.callback_time),
        )
    }
    assert figures == {
        "time_to_answer": (2, 12 + 10),
        "talk_time": (3, 188 + 50 + 60),  # the outbound callback C is talk time too
        "after_call_work": (1, 45),
        "callback_time": (2, 600 + 120),
    }


def test_a_call_still_ringing_is_counted_but_neither_answered_nor_missed() -> None:
    report = call_metrics([call("p", "X", CallStatus.RINGING, 0)])
    assert (report.inbound, report.answered.part, report.missed.part) == (1, 0, 0)


@settings(max_examples=30, deadline=None)
@given(cut=st.lists(st.integers(0, 2), min_size=5, max_size=5), data=st.data())
def test_partials_merge_to_the_whole_in_any_grouping_and_order(
    cut: list[int], data: st.DataObject
) -> None:
    """Shards by customer, merged in any grouping, give the figures of the whole; event order
    inside a customer does not matter."""
    events = stream()
    shards = [CallAccumulator() for _ in range(3)]
    for customer, shard in zip(["p1", "p2", "p3", "p4", "p5"], cut, strict=True):
        mine = data.draw(st.permutations([e for e in events if e.customer_id == customer]))
        shards[shard].add_customer(mine)
    left = shards[0].merge(shards[1]).merge(shards[2])
    right = shards[2].merge(shards[0].merge(shards[1]))
    whole = CallAccumulator()
    whole.add_events(events)
    assert left.report() == right.report() == whole.report()


def test_a_partial_travels_as_json_and_by_pickle() -> None:
    accumulator = CallAccumulator()
    accumulator.add_events(stream())
    data = json.loads(json.dumps(accumulator.to_dict()))
    assert data["format"] == "omnicx.metrics-call-partial"
    assert CallAccumulator.from_dict(data).report() == accumulator.report()
    assert pickle.loads(pickle.dumps(accumulator)).report() == accumulator.report()


def test_a_bad_partial_names_every_problem() -> None:
    data = CallAccumulator().to_dict()
    data["counts"]["inbound"] = -1
    data["counts"]["missed"] = "many"
    with pytest.raises(ValidationError) as caught:
        CallAccumulator.from_dict(data)
    assert str(caught.value).splitlines() == [
        "counts.inbound: must be a non-negative integer, not -1",
        "counts.missed: must be a non-negative integer, not 'many'",
    ]
    with pytest.raises(ValidationError, match=r"format: must be 'omnicx\.metrics-call-partial'"):
        CallAccumulator.from_dict({**data, "format": "omnicx.metrics-partial"})


def test_the_desk_s_events_give_the_figures() -> None:
    """End to end: Twilio webhooks through the desk, then a reply; counted from the store."""
    from omnicx import FixedClock
    from omnicx.channels import TwilioVoiceAdapter
    from omnicx.desk import Desk
    from omnicx.storage import MemoryStore
    from omnicx.testing import call_status, voice_request

    adapter = TwilioVoiceAdapter(account_sid="AC1", auth_token="t")
    clock = FixedClock(T0)
    store = MemoryStore()
    desk = Desk(store=store, clock=clock)
    for status, seconds in (("ringing", 0), ("no-answer", 25)):
        request = voice_request(call_status(status, duration=0 if seconds else None),
                                auth_token="t", received_at=T0 + timedelta(seconds=seconds))  # fmt: skip
        (event,) = adapter.parse(request)
        receipt = desk.receive_call(event)  # type: ignore[arg-type]
    assert receipt.conversation_id is not None
    clock.advance(timedelta(minutes=10))
    desk.reply(receipt.conversation_id, agent_id="ann", text="Sorry we missed you")
    report = call_metrics(store.events())
    assert (report.inbound, report.missed.part, report.called_back.part) == (1, 1, 1)
    assert (report.callback_time.count, report.callback_time.total) == (1, 600 - 25)


_STATUSES = st.sampled_from(list(CallStatus))


@st.composite
def _timelines(draw: st.DrawFn) -> list[Event]:
    # Random call histories of a few customers: statuses in any order, wrap-ups, replies.
    events: list[Event] = []
    for customer in range(draw(st.integers(1, 4))):
        for call_index in range(draw(st.integers(0, 3))):
            call_id = f"CA{customer}-{call_index}"
            direction = draw(st.sampled_from(Direction))
            for status in draw(st.lists(_STATUSES, min_size=1, max_size=4, unique=True)):
                events.append(call(f"p{customer}", call_id, status, draw(st.integers(0, 900)),
                                   duration=draw(st.integers(0, 600)), direction=direction,
                                   answered=draw(st.booleans())))  # fmt: skip
            if draw(st.booleans()):
                events.append(CallWrappedUp(id=f"w-{call_id}", call_id=call_id,
                                            customer_id=f"p{customer}",
                                            at=T0 + timedelta(seconds=draw(st.integers(0, 1200)))))  # fmt: skip
        if draw(st.booleans()):
            events.append(reply(f"p{customer}", draw(st.integers(0, 1200))))
    return events


@settings(max_examples=60, deadline=None)
@given(events=_timelines(), data=st.data())
def test_any_streams_merge_exactly_and_round_trip(events: list[Event], data: st.DataObject) -> None:
    """Random call histories: shards by customer merged in any order equal the whole, and each
    shard survives JSON and pickle unchanged."""
    customers = sorted({e.customer_id for e in events})
    cut = data.draw(st.lists(st.integers(0, 2), min_size=len(customers), max_size=len(customers)))
    shards = [CallAccumulator() for _ in range(3)]
    for customer, shard in zip(customers, cut, strict=True):
        shards[shard].add_customer(data.draw(st.permutations(
            [e for e in events if e.customer_id == customer])))  # fmt: skip
    order = data.draw(st.permutations(shards))
    merged = order[0].merge(order[1]).merge(order[2])
    whole = CallAccumulator()
    whole.add_events(events)
    assert merged.report() == whole.report()
    for shard in shards:
        travelled = CallAccumulator.from_dict(json.loads(json.dumps(shard.to_dict())))
        assert travelled.report() == shard.report()
        assert pickle.loads(pickle.dumps(shard)).report() == shard.report()
