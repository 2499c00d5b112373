"""One pass over an event stream with memory bounded by the open conversations.

``MetricsStream`` folds each event into its conversation's ``FactsBuilder``
as it arrives. Builders of active conversations stay in memory; a solved or
closed conversation moves to a short queue of recently solved ones (a CSAT
answer or a reopen usually comes soon after the solve), and from there, once
the queue is full, its builder's state is written to a temporary SQLite file
and dropped from memory. A later event for a conversation held there (a
late survey answer, a reopen weeks on) reads the state back and goes on
folding where it stopped, so every figure is the one of the plain fold: the
conversations are counted only at the end (``add_to``), when ``now`` is known.

The file lives in a temporary directory the stream owns and removes on
``close`` (or leaving a ``with`` block); it is written only when more solved
conversations than ``keep_solved`` have been seen.
"""

from __future__ import annotations

import heapq
import pickle
import sqlite3
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from omnicx.metrics._config import MetricsConfig
from omnicx.metrics._derive import builder_dims
from omnicx.metrics._fold import FactsBuilder, whole_seconds
from omnicx.metrics._sla import StatePickler, add_outcomes, clock_outcomes
from omnicx.model import Event, Status

if TYPE_CHECKING:
    from omnicx.metrics._accumulator import MetricsAccumulator
    from omnicx.sla import SlaEngine, SlaState

_SOLVED, _CLOSED = Status.SOLVED, Status.CLOSED
# Set from the stream's config when a state is read back, never written per conversation.
_SHARED = frozenset({"config", "calendar", "numeric", "seconds_of", "fcr_window"})
_BUSINESS = frozenset(
    {"worked_business", "held_business", "first_reply_business", "reopen_business",
     "next_business"}
)  # fmt: skip


def _state_names(kind: type[FactsBuilder]) -> tuple[str, ...]:
    """The slots of a builder class (its bases' too) that a retired state keeps."""
    slots = [name for klass in reversed(kind.__mro__) for name in getattr(klass, "__slots__", ())]
    return tuple(name for name in dict.fromkeys(slots) if name not in _SHARED)


_STATE = _state_names(FactsBuilder)
_READ_BATCH = 4096

KEEP_SOLVED = 20_000
"""Recently solved conversations a ``MetricsStream`` holds in memory by default."""


class _Retired:
    """Builder states of solved conversations, in a temporary SQLite file."""

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="omnicx-metrics-")
        path = Path(self._dir.name) / "retired.sqlite"
        # A scratch file: no journal, no syncing, a small page cache.
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("PRAGMA cache_size=-8000")
        self._db.execute("CREATE TABLE retired (id TEXT PRIMARY KEY, state BLOB) WITHOUT ROWID")
        self._db.execute("BEGIN")
        self.count = 0

    def put(self, conversation_id: str, state: bytes) -> None:
        self._db.execute("INSERT INTO retired VALUES (?, ?)", (conversation_id, state))
        self.count += 1

    def take(self, conversation_id: str) -> bytes | None:
        row = self._db.execute(
            "SELECT state FROM retired WHERE id = ?", (conversation_id,)
        ).fetchone()
        if row is None:
            return None
        self._db.execute("DELETE FROM retired WHERE id = ?", (conversation_id,))
        self.count -= 1
        return row[0]  # type: ignore[no-any-return]

    def states(self) -> Iterator[bytes]:
        cursor = self._db.execute("SELECT state FROM retired ORDER BY id")
        while rows := cursor.fetchmany(_READ_BATCH):
            for (state,) in rows:
                yield state

    def close(self) -> None:
        self._db.close()
        self._dir.cleanup()


class MetricsStream:
    """Folds events one at a time, holding only open conversations in memory.

    Feed every event in order (each conversation's events in time order),
    then count every conversation into accumulators with ``add_to``: the
    figures of ``compute_metrics`` on the same events (which ignores events
    after ``now``: leave those out of the stream). Use it as a context
    manager (or call ``close``) so the temporary file of retired states goes.

    Args:
        config: the metric settings every conversation is folded with.
        keep_solved: how many recently solved conversations stay in memory
            before the oldest are written to the temporary file.
        sla: an engine whose policies decide each conversation's SLA
            outcomes, counted in its groups (``GroupMetrics.sla``, by
            metric name); without one, no SLA figures.
        builder: the ``FactsBuilder`` class each conversation is folded
            with (a subclass may keep more in its own ``__slots__``; they
            are retired and restored with the rest).
    """

    def __init__(
        self,
        *,
        config: MetricsConfig | None = None,
        keep_solved: int = KEEP_SOLVED,
        sla: SlaEngine | None = None,
        builder: type[FactsBuilder] = FactsBuilder,
    ) -> None:
        self.config = config or MetricsConfig()
        self.keep_solved = keep_solved
        self.sla = sla
        self._builder = builder
        self._state = _STATE if builder is FactsBuilder else _state_names(builder)
        self._sla: dict[str, SlaState] = {}  # the SLA state of each conversation in memory
        self._pickler = None if sla is None else StatePickler(sla)
        self._open: dict[str, FactsBuilder] = {}
        self._last: dict[str, datetime] = {}
        self._solved: dict[str, FactsBuilder] = {}  # oldest solve first
        self._retired: _Retired | None = None

    @property
    def in_memory(self) -> int:
        """How many conversations' builders are in memory (active and recently solved)."""
        return len(self._open) + len(self._solved)

    @property
    def retired(self) -> int:
        """How many solved conversations' states are in the temporary file."""
        return 0 if self._retired is None else self._retired.count

    def feed(self, event: Event) -> datetime | None:
        """Fold one event into its conversation; events without one are skipped.

        Returns None when the event was folded, or the conversation's latest
        instant when the event goes back before it (the event is skipped:
        one pass needs each conversation's events in time order).
        """
        conversation_id = event.conversation_id
        if conversation_id is None:
            return None
        at = event.at
        builder = self._open.get(conversation_id)
        if builder is None:
            builder = self._find(conversation_id, at)
        last = self._last[conversation_id]
        skipped = at < last
        if not skipped:
            builder.feed(event)
            self.folded(conversation_id, event)
        self.settle(conversation_id, builder)
        return last if skipped else None

    def _find(self, conversation_id: str, at: datetime) -> FactsBuilder:
        # Not active: recently solved, retired, or new.
        builder = self._solved.pop(conversation_id, None)
        if builder is None and self._retired is not None:
            state = self._retired.take(conversation_id)
            if state is not None:
                builder, self._last[conversation_id], sla = self._restore(state)
                if sla is not None:
                    self._sla[conversation_id] = sla
        if builder is None:
            builder = self._builder(conversation_id=conversation_id, created_at=at,
                                    config=self.config)  # fmt: skip
            self._last[conversation_id] = at
        self._open[conversation_id] = builder  # moved on by ``feed`` if it is solved after it
        return builder

    def open(self, conversation_id: str, at: datetime) -> tuple[FactsBuilder, datetime, bool]:
        """A conversation's builder, its latest instant, and whether it is new, to fold by hand.

        ``feed`` in three steps, for a reader that looks at the builder
        between them: ``open``, feed the builder itself (unless the event
        goes back before the latest instant), ``folded``, then ``settle``.
        """
        builder = self._open.get(conversation_id)
        new = False
        if builder is None:
            # New unless it was recently solved or retired (the count drops as it comes back).
            held, retired = conversation_id in self._solved, self.retired
            builder = self._find(conversation_id, at)
            new = not held and self.retired == retired
        return builder, self._last[conversation_id], new

    def folded(self, conversation_id: str, event: Event) -> None:
        """Record that ``open``'s builder took ``event`` (its instant; its SLA clocks)."""
        at = event.at
        self._last[conversation_id] = at
        engine = self.sla
        if engine is not None:
            state = self._sla.get(conversation_id)
            if state is None:
                state = engine.start()
            self._sla[conversation_id], _ = engine.apply(state, event, at)

    def settle(self, conversation_id: str, builder: FactsBuilder) -> None:
        """After ``open``: a solved or closed conversation leaves the active ones."""
        current = builder.current
        if current is _SOLVED or current is _CLOSED:
            del self._open[conversation_id]
            self._solve(conversation_id, builder)

    def conversations(self) -> Iterator[tuple[FactsBuilder, SlaState | None]]:
        """Every conversation's builder and SLA state, in conversation id order."""
        held = sorted((*self._open.values(), *self._solved.values()), key=_conversation_id)
        in_memory = ((b, self._sla.get(b.conversation_id)) for b in held)
        if self._retired is None:
            yield from in_memory
            return
        restored = ((b, sla) for b, _, sla in map(self._restore, self._retired.states()))
        yield from heapq.merge(in_memory, restored, key=_first_id)

    def _solve(self, conversation_id: str, builder: FactsBuilder) -> None:
        solved = self._solved
        solved[conversation_id] = builder
        while len(solved) > self.keep_solved:
            oldest = next(iter(solved))
            self._retire(oldest, solved.pop(oldest))

    def _retire(self, conversation_id: str, builder: FactsBuilder) -> None:
        if self._retired is None:
            self._retired = _Retired()
        state = tuple(getattr(builder, name, None) for name in self._state)
        last = self._last.pop(conversation_id)
        if self._pickler is None:
            data = pickle.dumps((state, last), protocol=5)
        else:
            sla = self._sla.pop(conversation_id, None)
            data = self._pickler.dumps((state, last, sla))
        self._retired.put(conversation_id, data)

    def _restore(self, data: bytes) -> tuple[FactsBuilder, datetime, SlaState | None]:
        sla = None
        if self._pickler is None:
            state, last = pickle.loads(data)
        else:
            state, last, sla = self._pickler.loads(data)
        builder = self._builder.__new__(self._builder)
        has_calendar = self.config.calendar is not None
        for name, value in zip(self._state, state, strict=True):
            if has_calendar or name not in _BUSINESS:
                setattr(builder, name, value)
        _share_config(builder, self.config)
        return builder, last, sla

    def add_to(self, *accumulators: MetricsAccumulator, now: datetime | float) -> None:
        """Count every conversation fed so far, as of ``now``, into each accumulator.

        With an SLA engine, ``now`` is an aware datetime: the clocks run to it.
        """
        for builder in (*self._open.values(), *self._solved.values()):
            builder.add_to(*accumulators, now=now)
            self._count_sla(builder, self._sla.get(builder.conversation_id), accumulators, now)
        if self._retired is not None:
            for data in self._retired.states():
                builder, _, sla = self._restore(data)
                builder.add_to(*accumulators, now=now)
                self._count_sla(builder, sla, accumulators, now)

    def _count_sla(
        self,
        builder: FactsBuilder,
        state: SlaState | None,
        accumulators: tuple[MetricsAccumulator, ...],
        now: datetime | float,
    ) -> None:
        if self.sla is not None and state is not None and isinstance(now, datetime):
            outcomes = clock_outcomes(self.sla, state, now)
            add_outcomes(accumulators, builder_dims(builder), outcomes)

    def close(self) -> None:
        """Remove the temporary file of retired states: call it once done counting."""
        if self._retired is not None:
            self._retired.close()
            self._retired = None

    def __enter__(self) -> MetricsStream:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _conversation_id(builder: FactsBuilder) -> str:
    return builder.conversation_id


def _first_id(pair: tuple[FactsBuilder, Any]) -> str:
    return pair[0].conversation_id


def _share_config(builder: Any, config: MetricsConfig) -> None:
    # What ``FactsBuilder.__init__`` derives from the config and the kind of instant.
    builder.config = config
    builder.calendar = config.calendar
    numeric = builder.numeric = not isinstance(builder.created, datetime)
    builder.seconds_of = int if numeric else whole_seconds
    builder.fcr_window = config.fcr_window.total_seconds() if numeric else config.fcr_window
