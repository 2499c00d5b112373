"""Metrics over a Dask bag or dataframe of events: partials per partition, a tree reduction.

Each partition holds whole conversations (every event of a conversation in
the same partition: a bag built from per-conversation lists, a dataframe
indexed by conversation id). Each partition is folded into one partial
``MetricsAccumulator`` per breakdown where it lives, the partials travel
(they pickle through their JSON form) and merge pairwise up a tree
(``split_every`` at a time), so the result is exactly the single-pass report:
merging is associative and commutative.

Install with the ``dask`` extra. This module imports Dask only when a
collection is computed; ``partition_partials`` and ``merge_partials`` need no
Dask at all, and are what another engine (Spark's ``mapPartitions`` and
``treeReduce``) runs the same way (docs/metrics.md).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any

from omnicx import serde
from omnicx.errors import IncompatiblePartialsError, Problem, ValidationError
from omnicx.metrics import MetricsAccumulator, MetricsConfig, MetricsReport
from omnicx.metrics._accumulator import count_events
from omnicx.model import Event
from omnicx.model._checks import require_aware

__all__ = ["compute_breakdowns", "compute_report", "merge_partials", "partition_partials"]

_SPLIT_EVERY = 8


def _as_event(item: object) -> Event:
    # Elements may be events, their serde dicts, or those dicts as JSON text.
    if isinstance(item, str | bytes):
        item = json.loads(item)
    if isinstance(item, Mapping):
        return serde.event_from_dict(item)
    return item  # type: ignore[return-value]


def _events(items: Iterable[object]) -> Iterator[Event]:
    for item in items:
        yield _as_event(item)


def partition_partials(
    events: Iterable[object],
    *,
    now: datetime,
    breakdowns: Sequence[Sequence[str]] = ((),),
    config: MetricsConfig | None = None,
    tz: tzinfo = UTC,
) -> list[MetricsAccumulator]:
    """One partition's partials: a ``MetricsAccumulator`` per breakdown, in order.

    ``events`` are omnicx events, their ``serde.event_to_dict`` mappings, or
    those as JSON text; every event of a conversation must be among them.
    Each conversation is folded once for every breakdown.
    """
    accumulators = [MetricsAccumulator(by=tuple(by), tz=tz) for by in breakdowns]
    count_events(_events(events), *accumulators, now=now, config=config)
    return accumulators


def merge_partials(
    left: Sequence[MetricsAccumulator], right: Sequence[MetricsAccumulator]
) -> list[MetricsAccumulator]:
    """Two partitions' partials merged, breakdown by breakdown (neither input changes).

    Raises:
        IncompatiblePartialsError: the two hold other breakdowns (or other
            settings): each problem names the breakdown's position.
    """
    if len(left) != len(right):
        raise IncompatiblePartialsError(
            [Problem("breakdowns", f"can't merge {len(right)} breakdowns into {len(left)}")]
        )
    merged = []
    for index, (mine, theirs) in enumerate(zip(left, right, strict=True)):
        try:
            merged.append(mine.merge(theirs))
        except IncompatiblePartialsError as error:
            problems = [p.under(f"breakdowns[{index}]") for p in error.problems]
            raise IncompatiblePartialsError(problems) from None
    return merged


def _aggregate(partials: Iterable[Sequence[MetricsAccumulator]]) -> list[MetricsAccumulator]:
    return functools.reduce(merge_partials, partials)  # type: ignore[arg-type]


def _as_bag(collection: Any, column: str) -> Any:
    import dask.bag

    if isinstance(collection, dask.bag.Bag):
        return collection
    import dask.dataframe

    if isinstance(collection, dask.dataframe.DataFrame):
        if column not in collection.columns:
            raise ValidationError.single(
                "collection",
                f"the dataframe has no column {column!r} of events; name it with column=",
            )
        return collection[column].to_bag()
    if isinstance(collection, dask.dataframe.Series):
        return collection.to_bag()  # type: ignore[no-untyped-call]
    raise ValidationError.single(
        "collection",
        f"expected a dask Bag, DataFrame or Series of events, not {type(collection).__name__}",
    )


def compute_breakdowns(
    collection: Any,
    *,
    now: datetime,
    breakdowns: Sequence[Sequence[str]],
    config: MetricsConfig | None = None,
    tz: tzinfo = UTC,
    column: str = "event",
    split_every: int = _SPLIT_EVERY,
) -> list[MetricsReport]:
    """Every breakdown's report over a Dask collection of events, in one pass over it.

    Args:
        collection: a ``dask.bag.Bag`` of events (or their serde mappings
            or JSON text), or a dask ``DataFrame`` whose ``column`` holds
            them (or such a ``Series``), partitioned by conversation.
        breakdowns: the ``by`` of each report.
        split_every: how many partials each step of the tree merges.

    Computes with the current Dask scheduler (a ``distributed.Client``
    when one is active). The reports equal ``omnicx.metrics.compute_metrics``
    on the same events.
    """
    require_aware(now, "now")
    shapes = [tuple(by) for by in breakdowns]
    for by in shapes:
        MetricsAccumulator(by=by, tz=tz)  # every bad name, before anything runs
    perpartition = functools.partial(
        partition_partials, now=now, breakdowns=shapes, config=config, tz=tz
    )
    bag = _as_bag(collection, column)
    total = bag.reduction(perpartition, _aggregate, split_every=split_every).compute()
    return [accumulator.report() for accumulator in total]


def compute_report(
    collection: Any,
    *,
    now: datetime,
    by: Sequence[str] = (),
    config: MetricsConfig | None = None,
    tz: tzinfo = UTC,
    column: str = "event",
    split_every: int = _SPLIT_EVERY,
) -> MetricsReport:
    """One breakdown's report over a Dask collection of events (see ``compute_breakdowns``)."""
    (report,) = compute_breakdowns(
        collection, now=now, breakdowns=[by], config=config, tz=tz, column=column,
        split_every=split_every,
    )  # fmt: skip
    return report
