"""``omnicx.contrib.dask`` on a local cluster of worker processes: exactly the single-pass report.

The cluster listens on localhost only, with two worker processes of one
thread each; the events are partitioned by conversation, in more partitions
than workers, so partials cross processes and merge up a tree.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.metrics.conftest import Timeline

from omnicx import serde
from omnicx.contrib.dask import (
    compute_breakdowns,
    compute_report,
    merge_partials,
    partition_partials,
)
from omnicx.errors import IncompatiblePartialsError, ValidationError
from omnicx.metrics import compute_metrics as single_pass
from omnicx.model import AuthorKind, Event, Priority, Status, SurveyKind

NOW = datetime(2030, 1, 1, tzinfo=UTC)
BREAKDOWNS = [("channel",), ("queue", "agent"), ("hour",), ()]


def _conversations(n: int) -> list[list[Event]]:
    """``n`` varied conversations: replies, bots, solves, reopens, surveys, queues."""
    out = []
    for i in range(n):
        t = Timeline(f"c{i:04d}", f"u{i % 37}")
        start = i * 7.5
        channel = ("email", "chat", "sms")[i % 3]
        if i % 5 == 0:
            t.bot(start, AuthorKind.BOT)
        t.inbound(start + 1, channel).assign(start + 2, f"a{i % 4}", f"q{i % 3}")
        if i % 4:
            t.reply(start + 3 + i % 11, channel)
        if i % 6 == 0:
            t.priority(start + 4, Priority.HIGH)
        if i % 7:
            t.solve(start + 30 + i % 13)
            if i % 2:
                t.survey(start + 31, SurveyKind.CSAT, 1 + i % 5, 1, 5)
            if i % 9 == 0:
                t.inbound(start + 600).reopen(start + 600).reply(start + 640)
                t.status(start + 700, Status.SOLVED)
        out.append(t.events)
    return out


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """A local Dask cluster of two worker processes, on localhost only."""
    pytest.importorskip("dask.bag")
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None, worker_dashboard_address=None,
    )  # fmt: skip
    with cluster, distributed.Client(cluster) as connected:
        yield connected


def test_a_bag_on_worker_processes_gives_the_single_pass_reports(client: Any) -> None:
    """Every breakdown equals omnicx.metrics.compute_metrics on the same events."""
    import dask.bag as db

    conversations = _conversations(300)
    events = [e for c in conversations for e in c]
    bag = db.from_sequence(conversations, npartitions=9).flatten()  # whole conversations
    reports = compute_breakdowns(bag, now=NOW, breakdowns=BREAKDOWNS, split_every=2)
    assert reports == [single_pass(events, now=NOW, by=by) for by in BREAKDOWNS]
    workers = client.run(lambda: __import__("os").getpid())
    assert len(set(workers.values())) == 2  # two processes did the work


def test_a_dataframe_of_json_events_gives_the_single_pass_report(client: Any) -> None:
    """A dataframe indexed by conversation, one event's JSON per row, reports the same."""
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    conversations = _conversations(120)
    events = [e for c in conversations for e in c]
    frame = pd.DataFrame(
        {
            "conversation": [e.conversation_id for e in events],
            "event": [json.dumps(serde.event_to_dict(e)) for e in events],
        }
    ).set_index("conversation")
    # Rows of one index value stay in one partition: partitioned by conversation.
    ddf = dd.from_pandas(frame, npartitions=5, sort=True)
    assert ddf.npartitions > 1
    report = compute_report(ddf, now=NOW, by=("channel",))
    assert report == single_pass(events, now=NOW, by=("channel",))
    started = [c[0].message.channel.name for c in conversations]  # type: ignore[union-attr]
    assert report.groups[("email",)].conversations == started.count("email") > 0


def test_partials_merge_in_any_tree_without_dask() -> None:
    """What Spark's mapPartitions and treeReduce run: any grouping, the same report."""
    conversations = _conversations(40)
    events = [e for c in conversations for e in c]
    shards = [[e for c in conversations[i::3] for e in c] for i in range(3)]
    partials = [partition_partials(s, now=NOW, breakdowns=BREAKDOWNS) for s in shards]
    left = merge_partials(merge_partials(partials[0], partials[1]), partials[2])
    right = merge_partials(partials[2], merge_partials(partials[1], partials[0]))
    expected = [single_pass(events, now=NOW, by=by) for by in BREAKDOWNS]
    assert [a.report() for a in left] == [a.report() for a in right] == expected
    as_text = [json.dumps(serde.event_to_dict(e)) for e in shards[0]]
    assert partition_partials(as_text, now=NOW) == partition_partials(shards[0], now=NOW)


def test_partials_of_other_breakdowns_do_not_merge() -> None:
    """Merging says which breakdown differs, and how many there are."""
    one = partition_partials([], now=NOW, breakdowns=[("channel",)])
    other = partition_partials([], now=NOW, breakdowns=[("queue",)])
    with pytest.raises(IncompatiblePartialsError, match=r"breakdowns\[0\]\.by"):
        merge_partials(one, other)
    with pytest.raises(IncompatiblePartialsError, match="can't merge 2 breakdowns into 1"):
        merge_partials(one, one + one)


def test_bad_input_fails_before_anything_runs() -> None:
    """A naive now, an unknown dimension or a list instead of a collection: ValidationError."""
    pytest.importorskip("dask.bag")
    with pytest.raises(ValidationError, match="now"):
        compute_report([], now=datetime(2030, 1, 1))
    with pytest.raises(ValidationError, match="chanel"):
        compute_report([], now=NOW, by=("chanel",))
    with pytest.raises(ValidationError, match="expected a dask Bag"):
        compute_report([], now=NOW + timedelta(days=1))
