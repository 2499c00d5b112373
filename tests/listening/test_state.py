"""The state is a value: JSON round trips, resuming and merging alert as one run does."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.listening.streams import START, TOPICS, stream

from omnicx.errors import ConflictError, ValidationError
from omnicx.listening import Alert, Listener, ListeningState, Mention, load_topics, merge_states

HOURS = 24 * 3
BURSTS = [24 + 14, 24 * 2 + 3]
END = START + timedelta(hours=HOURS + 1)


def mentions() -> list[Mention]:
    # Two bursts after the warm-up day, so the runs being compared do alert.
    calm = list(stream(HOURS, seed=3))
    angry = [m for b in BURSTS for m in stream(b + 1, seed=b, base=0, burst_at=b)]
    return calm + [
        Mention(id=f"b{i}", network=m.network, text=m.text, at=m.at, reach=m.reach)
        for i, m in enumerate(angry)
    ]


MENTIONS = sorted(mentions(), key=lambda m: m.at)


def one_run() -> tuple[list[Alert], str]:
    listener = Listener(TOPICS)
    alerts = [*listener.feed(MENTIONS), *listener.advance(END)]
    return alerts, listener.snapshot().to_json()


ONE_RUN = one_run()


def test_the_reference_run_alerts() -> None:
    assert {a.start for a in ONE_RUN[0]} >= {START + timedelta(hours=b) for b in BURSTS}


@settings(max_examples=25)
@given(st.lists(st.integers(0, len(MENTIONS)), max_size=4))
def test_resuming_from_stored_state_alerts_as_one_run(cuts: list[int]) -> None:
    alerts: list[Alert] = []
    state: ListeningState | None = None
    edges = [0, *sorted(cuts), len(MENTIONS)]
    for lo, hi in itertools.pairwise(edges):
        listener = Listener(TOPICS) if state is None else Listener.resume(TOPICS, state)
        alerts += listener.feed(MENTIONS[lo:hi])
        state = ListeningState.from_json(listener.snapshot().to_json())
    assert state is not None
    listener = Listener.resume(TOPICS, state)
    alerts += listener.advance(END)
    assert (alerts, listener.snapshot().to_json()) == ONE_RUN


@settings(max_examples=25)
@given(st.sampled_from(range(26, HOURS)), st.integers(2, 3), st.integers(0, 2**32))
def test_workers_that_split_a_bucket_merge_into_one_run(hour: int, workers: int, salt: int) -> None:
    """Every worker advances to a bucket's start, takes its share of the bucket; the merge carries on."""
    boundary = START + timedelta(hours=hour)
    before = [m for m in MENTIONS if m.at < boundary]
    inside = [m for m in MENTIONS if boundary <= m.at < boundary + timedelta(hours=1)]
    after = [m for m in MENTIONS if m.at >= boundary + timedelta(hours=1)]
    listener = Listener(TOPICS)
    alerts = [*listener.feed(before), *listener.advance(boundary)]
    base = listener.snapshot()
    parts = []
    for w in range(workers):
        worker = Listener.resume(TOPICS, base)
        share = [m for m in inside if hash((m.key, salt)) % workers == w]
        assert worker.feed(share) == ()
        parts.append(worker.snapshot())
    merged = parts[0]
    for part in parts[1:]:
        merged = merge_states(merged, part)
    listener = Listener.resume(TOPICS, merged)
    alerts += [*listener.feed(after), *listener.advance(END)]
    assert (alerts, listener.snapshot().to_json()) == ONE_RUN


def test_merging_refuses_states_that_cannot_add_up() -> None:
    listener = Listener(TOPICS)
    listener.feed(MENTIONS[:100])
    state = listener.snapshot()
    with pytest.raises(ConflictError, match="both counted the same mention"):
        merge_states(state, state)
    later = Listener.resume(TOPICS, state)
    later.advance(START + timedelta(hours=30))
    with pytest.raises(ConflictError, match="different open buckets"):
        merge_states(state, later.snapshot())


def test_stored_state_is_checked_when_read() -> None:
    with pytest.raises(ValidationError, match="a listening state must be JSON text"):
        ListeningState.from_json("{")
    with pytest.raises(ValidationError, match="format: not a listening state"):
        ListeningState.from_json('{"format": "other"}')
    with pytest.raises(ValidationError, match="version: state version 99 is not one"):
        ListeningState.from_json('{"format": "omnicx.listening.state", "version": 99}')
    quarter = load_topics({"bucket": "15m", "topics": [{"id": "acme", "query": "acme"}]})
    with pytest.raises(ValidationError, match="bucket_minutes: the state has 60-minute buckets"):
        Listener.resume(quarter, Listener(TOPICS).snapshot())


def test_topics_added_later_start_cold_and_removed_ones_drop() -> None:
    listener = Listener(TOPICS)
    listener.feed(MENTIONS[:500])
    fewer = load_topics(
        {"topics": [{"id": "acme", "query": "acme"}, {"id": "new", "query": "app"}]}
    )
    resumed = Listener.resume(fewer, listener.snapshot())
    assert set(resumed.snapshot().data()["topics"]) == {"acme", "new"}
    assert resumed.series("new").baseline.n == 0


def test_memory_does_not_grow_with_the_number_of_mentions() -> None:
    """Four times the mentions over four times the weeks: the state stays the same size."""

    def size(days: int) -> int:
        listener = Listener(TOPICS, history=48)
        listener.feed(stream(24 * days))
        return len(listener.snapshot().to_json())

    two_weeks, eight_weeks = size(14), size(56)
    assert eight_weeks < 1.05 * two_weeks


def test_late_mentions_of_two_workers_add_up_once() -> None:
    listener = Listener(TOPICS)
    listener.feed(MENTIONS[:300])
    listener.feed([Mention(id="late-0", network="x", text="acme", at=START)])
    listener.advance(START + timedelta(hours=30))
    base = listener.snapshot()
    parts = []
    for w in range(2):
        worker = Listener.resume(TOPICS, base)
        worker.feed([Mention(id=f"late-{w + 1}", network="x", text="acme", at=START)])
        parts.append(worker.snapshot())
    assert Listener.resume(TOPICS, merge_states(*parts)).late == listener.late + 2 == 3
