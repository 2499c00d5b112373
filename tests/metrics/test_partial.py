"""Partials that travel: the JSON form, pickling, and merging checks."""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import pickle
import random
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.metrics.test_accumulator import conversations

from omnicx import serde
from omnicx.errors import IncompatiblePartialsError, ValidationError
from omnicx.metrics import (
    EXACT_LIMIT,
    ConversationFacts,
    MetricsAccumulator,
    SlaOutcome,
    Timing,
    compute_metrics,
)
from omnicx.model import Event, Status

NOW = datetime(2030, 1, 1, tzinfo=UTC)
BREAKDOWNS = [(), ("channel",), ("queue", "agent"), ("tag",), ("weekday", "hour"), ("day",)]
ZONES = [UTC, ZoneInfo("Europe/Paris"), timezone(timedelta(hours=-5, minutes=-30))]


def _events(ts: Any) -> list[Event]:
    return [e for t in ts for e in t.events]


def _outcomes(ts: Any, rng: random.Random) -> list[SlaOutcome]:
    return [
        SlaOutcome(
            conversation_id=t.conversation,
            target=rng.choice(["first_reply", "next_reply"]),
            achieved=rng.random() < 0.5,
            at=NOW,
            dimensions={"channel": rng.choice(["email", "chat"])},
        )
        for t in ts
    ]


def _accumulator(events: list[Event], by: tuple[str, ...], tz: Any) -> MetricsAccumulator:
    accumulator = MetricsAccumulator(by=by, tz=tz)
    accumulator.add_events(events, now=NOW)
    return accumulator


_timelines = st.integers(1, 10).flatmap(
    lambda n: st.tuples(*(conversations(f"c{i}") for i in range(n)))
)


@given(_timelines, st.sampled_from(BREAKDOWNS), st.sampled_from(ZONES), st.randoms())
def test_json_and_pickle_round_trips_give_an_equal_accumulator(ts, by, tz, rng) -> None:
    """to_dict -> JSON text -> from_dict, and pickle, give back an equal partial."""
    accumulator = _accumulator(_events(ts), by, tz)
    for outcome in _outcomes(ts, rng):
        accumulator.add_sla(outcome)
    text = json.dumps(accumulator.to_dict())
    again = MetricsAccumulator.from_dict(json.loads(text))
    assert again == accumulator
    assert again.report() == accumulator.report()
    assert json.dumps(again.to_dict()) == text
    unpickled = pickle.loads(pickle.dumps(accumulator))
    assert unpickled == accumulator
    assert unpickled.report() == accumulator.report()


@given(
    _timelines,
    st.sampled_from(BREAKDOWNS),
    st.sampled_from(ZONES),
    st.sampled_from(["json", "pickle"]),
    st.randoms(),
)
def test_partials_over_any_partition_merge_to_the_single_pass(ts, by, tz, travel, rng) -> None:
    """Conversations split anyhow over shards that travel as JSON or pickle, merged in any
    order, report exactly what one pass over every event reports."""
    outcomes = _outcomes(ts, rng)
    whole = compute_metrics(_events(ts), now=NOW, by=by, sla=outcomes, tz=tz)
    shards: list[list[Any]] = [[] for _ in range(rng.randint(1, 4))]
    for t in ts:
        rng.choice(shards).append(t)
    partials = []
    for shard in shards:
        partial = _accumulator(_events(shard), by, tz)
        names = {t.conversation for t in shard}
        for outcome in outcomes:
            if outcome.conversation_id in names:
                partial.add_sla(outcome)
        if travel == "json":
            partials.append(MetricsAccumulator.from_dict(json.loads(json.dumps(partial.to_dict()))))
        else:
            partials.append(pickle.loads(pickle.dumps(partial)))
    while len(partials) > 1:
        rng.shuffle(partials)
        partials.append(partials.pop().merge(partials.pop()))
    assert partials[0].report() == whole


def test_an_unpickled_partial_keeps_counting_like_the_original(timeline) -> None:
    """The key function and the fast path's appends are rebuilt: adding after unpickling
    counts into the same groups as adding before."""
    first = [timeline(f"a{i}").inbound(i, "chat").reply(i + 3) for i in range(5)]
    later = [timeline(f"b{i}").inbound(i, "email") for i in range(3)]
    for by in [("channel",), ("weekday", "hour")]:
        accumulator = _accumulator(_events(first), by, ZoneInfo("Europe/Paris"))
        copy = pickle.loads(pickle.dumps(accumulator))
        accumulator.add_events(_events(later), now=NOW)
        copy.add_events(_events(later), now=NOW)
        assert copy.report() == accumulator.report()
        assert copy.report() == _accumulator(_events(first + later), by, accumulator.tz).report()


def _shard(lines: list[str]) -> MetricsAccumulator:
    """One worker process's partial: the breakdown by channel of its conversations."""
    return _accumulator(
        [serde.event_from_dict(json.loads(line)) for line in lines], ("channel",), UTC
    )


def test_partials_computed_in_other_processes_merge_to_the_single_pass(timeline) -> None:
    """Two worker processes (spawned, so nothing is inherited) send their partials back by
    pickle; merged, they report what one pass reports."""
    ts = [
        timeline(f"c{i}")
        .inbound(i, ["chat", "email", "sms"][i % 3])
        .reply(i + i % 11)
        .solve(i + 20)
        for i in range(60)
    ]
    shards = [[json.dumps(serde.event_to_dict(e)) for e in _events(ts[i::2])] for i in range(2)]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        left, right = pool.map(_shard, shards)
    assert left.merge(right).report() == compute_metrics(_events(ts), now=NOW, by=("channel",))


def test_a_sketched_group_round_trips_exactly() -> None:
    """Past EXACT_LIMIT values the sketch's buckets, count and total travel as they are."""
    accumulator = MetricsAccumulator(by=("channel",))
    accumulator.add_all(
        ConversationFacts(
            conversation_id=f"c{i}",
            customer_id="u",
            created_at=NOW,
            channel="email",
            status=Status.SOLVED,
            agent_replies=i % 4,
            first_reply=Timing(seconds=i * 7 % 5000 + 0.25),
        )
        for i in range(EXACT_LIMIT + 300)
    )
    data = accumulator.to_dict()
    first_reply = data["groups"][0]["durations"]["first_reply"]
    assert first_reply["sketch"]["count"] + len(first_reply["values"]) == EXACT_LIMIT + 300
    again = MetricsAccumulator.from_dict(json.loads(json.dumps(data)))
    assert again == accumulator
    assert again.report().groups[("email",)].durations["first_reply"].exact is False
    assert again.report() == accumulator.report()


def test_merging_partials_of_other_settings_names_every_difference() -> None:
    """The error is typed, names each field that differs, and gives both values."""
    left = MetricsAccumulator(by=("channel",))
    right = MetricsAccumulator(by=("queue",), tz=ZoneInfo("Europe/Paris"))
    with pytest.raises(IncompatiblePartialsError) as caught:
        left.merge(right)
    assert caught.value.paths == ("by", "tz")
    assert str(caught.value).splitlines() == [
        "by: can't merge a breakdown by ('queue',) into one by ('channel',)",
        "tz: can't merge time buckets in 'Europe/Paris' into ones in 'UTC'",
    ]
    assert isinstance(caught.value, ValidationError)
    # Named zones compare by name: both bucket in UTC.
    MetricsAccumulator(tz=ZoneInfo("UTC")).merge(MetricsAccumulator(tz=UTC))


def _document() -> dict[str, Any]:
    accumulator = MetricsAccumulator(by=("channel",))
    accumulator.add_sla(
        SlaOutcome(conversation_id="c", target="first_reply", achieved=True, at=NOW)
    )
    return accumulator.to_dict()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d.update(version=2),
            "version: version 2 is not one this omnicx reads (1); upgrade omnicx",
        ),
        (
            lambda d: d.update(format="other"),
            "format: must be 'omnicx.metrics-partial', not 'other'",
        ),
        (
            lambda d: d["sketch"].update(relative_error=0.02),
            "sketch: {'relative_error': 0.02, 'exact_limit': 2048} differs from this omnicx's "
            "{'relative_error': 0.01, 'exact_limit': 2048}; partials merge only with partials "
            "computed with the same distribution settings",
        ),
        (lambda d: d.update(tz="Mars/Base"), "tz: unknown time zone 'Mars/Base'"),
        (
            lambda d: d["groups"][0]["counts"].update(solved=-1),
            "groups[0].counts.solved: must be a non-negative integer, not -1",
        ),
        (
            lambda d: d["groups"][0]["durations"]["first_reply"].update(values=[3, "x"]),
            "groups[0].durations.first_reply.values[1]: must be a non-negative number, not 'x'",
        ),
        (
            lambda d: d["groups"][0].update(key=["a", "b"]),
            "groups[0].key: has 2 values for 1 dimensions of 'by'",
        ),
        (
            lambda d: d["groups"][0]["sla"].update(first_reply=[1]),
            "groups[0].sla.first_reply: must be an [achieved, breached] pair",
        ),
        (lambda d: d["groups"][0].pop("ces"), "groups[0].ces: is missing"),
        (lambda d: d.update(extra=1), "extra: is not a field of this form"),
        (lambda d: d["groups"].append(d["groups"][0]), "groups[1].key: repeats the key ['(none)']"),
        (
            lambda d: d["groups"][0]["ces"].update(
                sketch={"count": 3, "total": 9, "buckets": [[1, 2], ["x", 1]]}
            ),
            "groups[0].ces.sketch.buckets[1]: must be an [index, count] pair of integers\n"
            "groups[0].ces.sketch.count: differs from the sum of the bucket counts",
        ),
        (
            lambda d: d["groups"][0]["ces"].update(values=list(range(EXACT_LIMIT + 1))),
            f"groups[0].ces.values: holds more than {EXACT_LIMIT} values without a sketch",
        ),
        (lambda d: d.update(tz="+25:00"), "tz: unknown time zone '+25:00'"),
        (lambda d: d.update(tz=3), "tz: must be a time zone name such as 'Europe/Paris'"),
        (lambda d: d.update(by="channel"), "by: must be a list of dimension names"),
        (lambda d: d.update(groups={}), "groups: must be a list of groups"),
        (lambda d: d.pop("groups"), "groups: is missing"),
        (
            lambda d: d.update(by=["chanel"]),
            "by[0]: unknown dimension 'chanel' (did you mean 'channel'?)",
        ),
    ],
)
def test_a_bad_document_is_refused_with_its_path(change, message) -> None:
    """Each problem names the field and what is wrong with it."""
    document = _document()
    change(document)
    with pytest.raises(ValidationError) as caught:
        MetricsAccumulator.from_dict(document)
    assert str(caught.value) == message


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(
    st.fixed_dictionaries(
        {"format": st.just("omnicx.metrics-partial"), "version": st.just(1)},
        optional={"by": _json, "tz": _json, "sketch": _json, "groups": st.lists(_json, max_size=3)},
    )
    | _json
)
def test_arbitrary_json_either_reads_or_raises_validation_error(data) -> None:
    """Junk never escapes as a builtin exception."""
    with contextlib.suppress(ValidationError):
        MetricsAccumulator.from_dict(data)


def test_a_time_zone_without_a_name_cannot_be_written() -> None:
    """to_dict needs a zone it can name; the message says which kinds it can."""

    class Anonymous(tzinfo):
        def utcoffset(self, dt: object) -> timedelta:
            return timedelta(hours=1)

        def dst(self, dt: object) -> timedelta:
            return timedelta(0)

    with pytest.raises(ValidationError, match=r"^tz: .* has no name to write; use a zoneinfo"):
        MetricsAccumulator(tz=Anonymous()).to_dict()
