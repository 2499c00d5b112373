"""SLA outcomes counted with the conversations: what ``--sla`` adds to a metrics pass.

Each conversation's events go through an ``SlaEngine`` as they are folded;
at the end, as of ``now``, every clock that breached counts as breached and
every clock with a target fulfilled in time as achieved, in the same groups as
its conversation. A clock the policy sets no target for (it runs all the
same) is neither; a reopen withdraws a lifetime clock's achievement until
the next solve; a cancelled clock counts for nothing.
"""

from __future__ import annotations

import io
import pickle
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from omnicx.sla import SlaEngine, SlaState

if TYPE_CHECKING:
    from omnicx.metrics._accumulator import MetricsAccumulator
    from omnicx.metrics._rows import Dims


def clock_outcomes(engine: SlaEngine, state: SlaState, now: datetime) -> Iterator[tuple[str, bool]]:
    """Each decided clock of ``state`` as of ``now``: (metric name, achieved)."""
    state, _ = engine.advance(state, now)
    policy, priority = state.policy, state.facts.priority
    for clock in state.clocks:
        if clock.breached_at is not None:
            yield clock.metric.value, False
        elif (
            clock.fulfilled_at is not None
            and clock.cancelled_at is None
            and policy is not None
            and policy.target(clock.metric, priority) is not None
        ):
            yield clock.metric.value, True


def add_outcomes(
    accumulators: Iterable[MetricsAccumulator], dims: Dims, outcomes: Iterable[tuple[str, bool]]
) -> None:
    """Count outcomes in the groups a conversation with ``dims`` belongs to."""
    found = list(outcomes)
    if found:
        for accumulator in accumulators:
            accumulator._add_sla_row(dims, found)


class StatePickler:
    """Pickles SLA states with the engine's policies as references, not copies.

    A state names its policy; writing the policy (and its calendar) into
    every retired conversation would cost more than the rest of its state.
    """

    def __init__(self, engine: SlaEngine) -> None:
        self._policies = [p for p in (*engine.policies, engine.default) if p is not None]
        self._ids = {id(p): i for i, p in enumerate(self._policies)}

    def dumps(self, value: Any) -> bytes:
        """``value`` pickled, the engine's policies by their index."""
        out = io.BytesIO()
        pickler = pickle.Pickler(out, protocol=5)
        ids = self._ids
        pickler.persistent_id = lambda obj: ids.get(id(obj))  # type: ignore[method-assign]
        pickler.dump(value)
        return out.getvalue()

    def loads(self, data: bytes) -> Any:
        """What ``dumps`` wrote, with the engine's own policies back in place."""
        unpickler = pickle.Unpickler(io.BytesIO(data))
        unpickler.persistent_load = self._policies.__getitem__  # type: ignore[method-assign]
        return unpickler.load()
