"""One group's running figures: rows in, ``GroupMetrics`` out.

Rows wait in a list and are counted in batches, a column at a time
(``sum`` over a column of booleans, ``extend`` of a column of seconds): the
per-conversation work stays one ``append``. Counting a batch gives the same
figures as counting its rows one by one: counters add, and a distribution
depends only on the values it holds (its exact-or-sketch switch only on
their count), not on when they arrived.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain

from omnicx.metrics import _rows as row
from omnicx.metrics._distribution import EXACT_LIMIT, Distribution
from omnicx.metrics._values import DURATIONS, GroupMetrics, Nps, Rate, SlaTally

_SLICE = 512


def _extend(distribution: Distribution, values: Iterable[float]) -> None:
    held = distribution.values
    held.extend(values)
    if len(held) > EXACT_LIMIT:
        distribution.add_pending()


class Group:
    """The figures of one group: counters, distributions and SLA tallies."""

    __slots__ = (
        "backlog",
        "business",
        "calendar",
        "ces",
        "conversations",
        "counts",
        "pending",
        "replies",
        "sla",
    )

    def __init__(self) -> None:
        self.conversations = 0
        self.counts = [0] * len(row.COUNTERS)
        self.calendar = {name: Distribution() for name in DURATIONS}
        self.business = {name: Distribution() for name in DURATIONS}
        self.ces = Distribution()
        self.replies = Distribution()
        self.backlog = Distribution()
        self.sla: dict[str, list[int]] = {}
        self.pending: list[row.Values] = []
        """Rows appended since the last ``flush`` (the list lives as long as the group)."""

    def flush(self) -> None:
        """Count the pending rows."""
        rows = self.pending
        if not rows:
            return
        self.conversations += len(rows)
        # A slice at a time: ``zip(*rows)`` makes one iterator per row, and
        # tens of thousands at once would set the garbage collector running.
        for start in range(0, len(rows), _SLICE):
            self._count(rows[start : start + _SLICE])
        rows.clear()  # in place: accumulators hold ``pending.append``

    def _count(self, rows: list[row.Values]) -> None:
        columns = list(zip(*rows, strict=True))
        counts = self.counts
        for index, position in enumerate(row.COUNTERS):
            counts[index] += sum(columns[position])
        _extend(self.replies, [v for v in columns[row.REPLIES] if v is not None])
        _extend(self.ces, [v for v in columns[row.CES] if v is not None])
        _extend(self.backlog, [v for v in columns[row.BACKLOG_AGE] if v is not None])
        self._durations(self.calendar, columns[row.FIRST_SINGLE : row.BUSINESS])
        business = [b for b in columns[row.BUSINESS] if b is not None]
        if business:
            self._durations(self.business, list(zip(*business, strict=True)))

    @staticmethod
    def _durations(into: dict[str, Distribution], columns: list[tuple[object, ...]]) -> None:
        # ``columns``: the six single durations, then the reopen and next reply tuples.
        for name, column in zip(row.SINGLE_DURATIONS, columns, strict=False):
            _extend(into[name], [v for v in column if v is not None])  # type: ignore[misc]
        _extend(into["reopen_reply"], chain.from_iterable(columns[-2]))  # type: ignore[arg-type]
        _extend(into["next_reply"], chain.from_iterable(columns[-1]))  # type: ignore[arg-type]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Group):
            return NotImplemented
        self.flush()
        other.flush()
        return self._state() == other._state()

    __hash__ = None  # type: ignore[assignment]  # mutable

    def _state(self) -> tuple[object, ...]:
        return (
            self.conversations, self.counts, self.calendar, self.business, self.ces,
            self.replies, self.backlog, self.sla,
        )  # fmt: skip

    def merge(self, other: Group) -> Group:
        """A new group holding both groups' figures; neither input's figures change."""
        self.flush()
        other.flush()
        merged = Group()
        merged.conversations = self.conversations + other.conversations
        merged.counts = [a + b for a, b in zip(self.counts, other.counts, strict=True)]
        merged.calendar = {k: self.calendar[k].merge(other.calendar[k]) for k in DURATIONS}
        merged.business = {k: self.business[k].merge(other.business[k]) for k in DURATIONS}
        merged.ces = self.ces.merge(other.ces)
        merged.replies = self.replies.merge(other.replies)
        merged.backlog = self.backlog.merge(other.backlog)
        merged.sla = {
            k: [
                a + b
                for a, b in zip(self.sla.get(k, [0, 0]), other.sla.get(k, [0, 0]), strict=True)
            ]
            for k in self.sla.keys() | other.sla.keys()
        }
        return merged

    def result(self) -> GroupMetrics:
        """The group's figures."""
        self.flush()
        (
            solved, one_touch, ever_solved, reopened, fcr_decided, fcr, csat_answers,
            csat_satisfied, promoters, passives, detractors, offered, answered, zero_touch,
            outbound_first,
        ) = self.counts  # fmt: skip
        return GroupMetrics(
            conversations=self.conversations,
            solved=solved,
            reopened=Rate(part=reopened, whole=ever_solved),
            one_touch=Rate(part=one_touch, whole=solved),
            zero_touch=Rate(part=zero_touch, whole=solved),
            outbound_first=outbound_first,
            backlog=self.backlog.summary(),
            first_contact_resolution=Rate(part=fcr, whole=fcr_decided),
            csat=Rate(part=csat_satisfied, whole=csat_answers),
            nps=Nps(promoters=promoters, passives=passives, detractors=detractors),
            ces=self.ces.summary(),
            survey_response=Rate(part=answered, whole=offered),
            agent_replies=self.replies.summary(),
            durations={k: d.summary() for k, d in self.calendar.items()},
            business_durations={k: d.summary() for k, d in self.business.items()},
            sla={k: SlaTally(achieved=v[0], breached=v[1]) for k, v in sorted(self.sla.items())},
        )
