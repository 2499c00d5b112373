"""Mergeable accumulators: conversations in, figures per group out.

A host can run one ``MetricsAccumulator`` per shard (a Spark partition, a
Dask chunk, one file of an export) and ``merge`` the partials: merging is
associative and commutative, and every figure of a group depends only on the
conversations in that group.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, tzinfo
from itertools import count
from typing import Any

import attrs

from omnicx.errors import IncompatiblePartialsError, Problem, ValidationError
from omnicx.metrics._by_conversation import events_by_conversation
from omnicx.metrics._config import MetricsConfig
from omnicx.metrics._dimensions import NONE, check_dimensions, key_function, plain_position
from omnicx.metrics._facts import ConversationFacts
from omnicx.metrics._fold import FactsBuilder
from omnicx.metrics._group import Group
from omnicx.metrics._partial import (
    FORMAT,
    VERSION,
    group_to_json,
    read_partial,
    sketch_settings,
    tz_name,
)
from omnicx.metrics._rows import Dims, Values, facts_row
from omnicx.metrics._values import MetricsReport, SlaOutcome
from omnicx.model import Event
from omnicx.model._checks import require_aware

# Rows held uncounted across all groups before every group counts its batch:
# large batches make counting cheap, and this bounds the memory they take.
_BATCH = 32_768


@attrs.define
class MetricsAccumulator:
    """Accumulates conversations and SLA outcomes into groups.

    ``by`` names the breakdown dimensions (see ``DIMENSIONS``); ``tz`` is the
    zone of the time buckets (hour, weekday, day, week, month). Feed it
    ``ConversationFacts`` with ``add``, or let ``FactsBuilder.add_to`` count a
    conversation without building its facts: both give the same figures.
    """

    by: tuple[str, ...] = attrs.field(default=(), converter=check_dimensions)
    tz: tzinfo = UTC
    _groups: dict[tuple[str, ...], Group] = attrs.field(factory=dict, init=False)
    _keys: Callable[[Dims], list[tuple[str, ...]]] = attrs.field(init=False, eq=False, repr=False)
    # Breakdown by one plain dimension (channel, queue...): its position in
    # ``Dims``, and each raw value's group's ``pending.append``, so counting a
    # conversation allocates no key.
    _position: int | None = attrs.field(default=None, init=False, eq=False, repr=False)
    _appends: dict[object, Callable[[Values], None]] = attrs.field(
        factory=dict, init=False, eq=False, repr=False
    )
    # Counts rows added; an iterator, so counting never goes through attrs' setattr hooks.
    _added: Iterator[int] = attrs.field(factory=lambda: count(1), init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        self._keys = key_function(self.by, self.tz)
        self._position = plain_position(self.by)

    def add(self, facts: ConversationFacts) -> None:
        """Count one conversation in every group it belongs to."""
        self._add_row(*facts_row(facts))

    def add_all(self, facts: Iterable[ConversationFacts]) -> None:
        """Count many conversations."""
        for item in facts:
            self._add_row(*facts_row(item))

    def _add_row(self, dims: Dims, values: Values) -> None:
        """Count one conversation's row (``omnicx.metrics._rows``); the fast path's entry."""
        groups = self._groups
        position = self._position
        if position is not None:
            append = self._appends.get(dims[position])
            if append is None:
                (key,) = self._keys(dims)
                append = self._appends[dims[position]] = self._group(key).pending.append
            append(values)
        else:
            for key in self._keys(dims):
                self._group(key).pending.append(values)
        if next(self._added) % _BATCH == 0:
            for group in groups.values():
                group.flush()

    def _group(self, key: tuple[str, ...]) -> Group:
        group = self._groups.get(key)
        if group is None:
            group = self._groups[key] = Group()
        return group

    def add_events(
        self, events: Iterable[Event], *, now: datetime, config: MetricsConfig | None = None
    ) -> None:
        """Fold events into conversations and count each one, as of ``now``.

        Every event of a conversation must come in the same call (a shard
        partitioned by conversation); events without a conversation, and
        events after ``now``, are skipped. What ``compute_metrics`` counts.
        """
        count_events(events, self, now=now, config=config)

    def add_sla(self, outcome: SlaOutcome) -> None:
        """Count one SLA outcome in the group its ``dimensions`` name."""
        key = tuple(outcome.dimensions.get(name, NONE) for name in self.by)
        group = self._group(key)
        tally = group.sla.setdefault(outcome.target, [0, 0])
        tally[0 if outcome.achieved else 1] += 1

    def _add_sla_row(self, dims: Dims, outcomes: list[tuple[str, bool]]) -> None:
        """Count a conversation's SLA outcomes (target, achieved) in the groups of its row."""
        for key in self._keys(dims):
            tallies = self._group(key).sla
            for target, achieved in outcomes:
                tally = tallies.setdefault(target, [0, 0])
                tally[0 if achieved else 1] += 1

    def merge(self, other: MetricsAccumulator) -> MetricsAccumulator:
        """Return a new accumulator holding both partials; neither input's figures change.

        Raises:
            IncompatiblePartialsError: the two were computed with different
                settings; each problem names one (``by``, ``tz``).
        """
        problems = []
        if self.by != other.by:
            problems.append(
                Problem("by", f"can't merge a breakdown by {other.by} into one by {self.by}")
            )
        mine, theirs = tz_name(self.tz), tz_name(other.tz)
        # Named zones compare by name (UTC and ZoneInfo("UTC") bucket alike).
        same_tz = self.tz == other.tz if mine is None and theirs is None else mine == theirs
        if not same_tz:
            problems.append(
                Problem(
                    "tz",
                    f"can't merge time buckets in {theirs or other.tz!r} into ones in "
                    f"{mine or self.tz!r}",
                )
            )
        if problems:
            raise IncompatiblePartialsError(problems)
        merged = MetricsAccumulator(by=self.by, tz=self.tz)
        for key in self._groups.keys() | other._groups.keys():
            left, right = self._groups.get(key), other._groups.get(key)
            merged._groups[key] = (left or Group()).merge(right or Group())
        return merged

    def to_dict(self) -> dict[str, Any]:
        """The partial as a JSON-ready mapping (docs/metrics.md, "Partials that travel").

        ``from_dict`` reads it back into an equal accumulator, on any machine.

        Raises:
            ValidationError: ``tz`` is a time zone without a name (use a
                ``zoneinfo.ZoneInfo``, ``datetime.UTC`` or a fixed offset).
        """
        name = tz_name(self.tz)
        if name is None:
            raise ValidationError.single(
                "tz",
                f"{self.tz!r} has no name to write; use a zoneinfo.ZoneInfo, UTC or a fixed offset",
            )
        return {
            "format": FORMAT,
            "version": VERSION,
            "by": list(self.by),
            "tz": name,
            "sketch": sketch_settings(),
            "groups": [group_to_json(key, self._groups[key]) for key in sorted(self._groups)],
        }

    @classmethod
    def from_dict(cls, data: object) -> MetricsAccumulator:
        """Read a partial written by ``to_dict`` (here or by another process).

        Raises:
            ValidationError: every problem of the document, each with its path;
                a version this omnicx does not read, or other sketch settings.
        """
        by, tz, groups = read_partial(data)
        return cls._restore(by, tz, groups)

    @classmethod
    def _restore(
        cls, by: tuple[str, ...], tz: tzinfo, groups: dict[tuple[str, ...], Group]
    ) -> MetricsAccumulator:
        accumulator = cls(by=by, tz=tz)
        accumulator._groups.update(groups)
        return accumulator

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickles carry the groups' JSON form (the key function and the
        # appends are rebuilt), so a pickle is as portable as ``to_dict``.
        groups = [group_to_json(key, self._groups[key]) for key in sorted(self._groups)]
        return (_unpickle, (self.by, self.tz, groups))

    def report(self) -> MetricsReport:
        """The figures of every group, ordered by group key."""
        return MetricsReport(
            by=self.by, groups={key: self._groups[key].result() for key in sorted(self._groups)}
        )


def _unpickle(by: tuple[str, ...], tz: tzinfo, groups: list[Any]) -> MetricsAccumulator:
    document = {
        "format": FORMAT, "version": VERSION, "by": list(by), "tz": "UTC",
        "sketch": sketch_settings(), "groups": groups,
    }  # fmt: skip
    _, _, read = read_partial(document)
    return MetricsAccumulator._restore(by, tz, read)


def count_events(
    events: Iterable[Event],
    *accumulators: MetricsAccumulator,
    now: datetime,
    config: MetricsConfig | None = None,
) -> None:
    """Fold events into conversations and count each one into every accumulator, as of ``now``.

    Each conversation is folded once for all the accumulators (one per
    breakdown). Every event of a conversation must be among ``events``.
    """
    config = config or MetricsConfig()
    require_aware(now, "now")
    groups = events_by_conversation(events, now)
    for conversation_id in sorted(groups):
        ordered = groups[conversation_id]
        builder = FactsBuilder(
            conversation_id=conversation_id, created_at=ordered[0].at, config=config
        )
        for event in ordered:
            builder.feed(event)
        builder.add_to(*accumulators, now=now)


def compute_metrics(
    events: Iterable[Event],
    *,
    now: datetime,
    by: Sequence[str] = (),
    config: MetricsConfig | None = None,
    sla: Iterable[SlaOutcome] = (),
    tz: tzinfo = UTC,
) -> MetricsReport:
    """Fold events into conversations and report every metric per group, as of ``now``.

    The same figures as ``facts_by_conversation`` + ``MetricsAccumulator``,
    counted through ``FactsBuilder.add_to`` without building the facts.
    Events without a conversation, and events after ``now``, are skipped.
    """
    accumulator = MetricsAccumulator(by=tuple(by), tz=tz)
    accumulator.add_events(events, now=now, config=config)
    for outcome in sla:
        accumulator.add_sla(outcome)
    return accumulator.report()
