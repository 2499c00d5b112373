"""``MetricsStream``: one pass, memory bounded by open conversations, the plain path's figures.

Solved conversations leave memory (first to a short queue, then to a
temporary file) and come back when a later event arrives (a survey answer, a
reopen); every figure must equal ``compute_metrics`` on the same events.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from tests.metrics.conftest import Timeline
from tests.metrics.test_fast_path import BREAKDOWNS, NOW, HalfTime, many

from omnicx.metrics import MetricsAccumulator, MetricsConfig, MetricsStream, compute_metrics
from omnicx.model import Event


def _interleaved(ts: tuple[Timeline, ...]) -> list[Event]:
    # One log in time order across conversations (ties keep their order).
    return sorted((e for t in ts for e in t.events), key=lambda e: e.at)


def _streamed(
    events: list[Event], by: tuple[str, ...], config: MetricsConfig, keep: int
) -> tuple[MetricsAccumulator, MetricsStream]:
    accumulator = MetricsAccumulator(by=by)
    with MetricsStream(config=config, keep_solved=keep) as stream:
        for event in events:
            assert stream.feed(event) is None
        stream.add_to(accumulator, now=NOW)
    return accumulator, stream


@given(many, st.sampled_from(BREAKDOWNS), st.booleans(), st.integers(0, 3))
def test_the_stream_reports_what_the_plain_path_does(ts, by, with_calendar, keep) -> None:
    """Retiring solved conversations and reading them back on reopen changes no figure."""
    config = MetricsConfig(calendar=HalfTime() if with_calendar else None)
    events = _interleaved(ts)
    accumulator, _ = _streamed(events, by, config, keep)
    assert accumulator.report() == compute_metrics(events, now=NOW, by=by, config=config)


def _solved_then_reopened(n: int) -> list[Event]:
    """``n`` conversations solved, then each reopened, answered and solved again, later."""
    out: list[Event] = []
    for i in range(n):
        t = Timeline(f"c{i:03d}", f"u{i}").inbound(i, "chat").reply(i + 1).solve(i + 2)
        out += t.events
    for i in range(n):
        t = Timeline(f"c{i:03d}", f"u{i}").inbound(1000 + i).reopen(1000 + i)
        t.reply(1001 + i).solve(1002 + i)
        out += t.events
    return out


def test_memory_holds_the_open_conversations_and_a_short_queue_of_solved_ones() -> None:
    """Solved conversations past ``keep_solved`` go to the file; a reopen reads one back."""
    events = _solved_then_reopened(50)
    first_half = events[: 3 * 50]
    stream = MetricsStream(keep_solved=5)
    with stream:
        for event in first_half:
            stream.feed(event)
        assert (stream.in_memory, stream.retired) == (5, 45)
        reopen = events[3 * 50 : 3 * 50 + 2]  # c000: a customer message, then the reopen
        for event in reopen:
            stream.feed(event)
        # c000 came back from the file (its message), took the queue's newest
        # place (the oldest there left for the file) and is open again.
        assert (stream.in_memory, stream.retired) == (5, 45)
        for event in events[3 * 50 + 2 :]:
            stream.feed(event)
        accumulator = MetricsAccumulator(by=("channel",))
        stream.add_to(accumulator, now=NOW)
    report = accumulator.report()
    assert report == compute_metrics(events, now=NOW, by=["channel"])
    chat = report.groups[("chat",)]
    assert chat.reopened.part == 50
    assert chat.durations["reopen_reply"].count == 50


def test_an_event_back_in_time_is_skipped_and_says_when_the_conversation_was() -> None:
    """One pass needs time order per conversation: the stream names the latest instant."""
    t = Timeline("c1").inbound(10).reply(20)
    late = Timeline("c1").inbound(5).events[0]
    with MetricsStream(keep_solved=0) as stream:
        for event in t.events:
            stream.feed(event)
        assert stream.feed(late) == Timeline.at(20)
        t.solve(30)
        stream.feed(t.events[-1])  # solved and retired at once
        assert stream.retired == 1
        assert stream.feed(late) == Timeline.at(30)  # read back to check, then kept
        accumulator = MetricsAccumulator()
        stream.add_to(accumulator, now=NOW)
    assert accumulator.report() == compute_metrics(t.events, now=NOW)
