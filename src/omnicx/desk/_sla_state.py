"""SLA engine state kept in the conversation record, so each call folds only new events."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from omnicx import serde
from omnicx.errors import ValidationError
from omnicx.sla import Policy, SlaEngine, SlaState

_POLICY = "policy"
_STATE = "state"


def dump_sla(state: SlaState) -> dict[str, Any]:
    """The state as JSON-ready data; the policy is stored by name (it holds code)."""
    name = state.policy.name if state.policy is not None else None
    return {_POLICY: name, _STATE: serde.to_dict(attrs.evolve(state, policy=None))}


def load_sla(engine: SlaEngine, data: Mapping[str, Any]) -> SlaState | None:
    """The stored state with its policy looked up in ``engine``; None when absent or stale.

    A state whose policy the engine no longer has (renamed or removed) is
    stale: the caller rebuilds it by replaying the conversation's events.
    """
    if _STATE not in data:
        return None
    name = data.get(_POLICY)
    policy: Policy | None = None
    if name is not None:
        known = {p.name: p for p in (*engine.policies, engine.default) if p is not None}
        if name not in known:
            return None
        policy = known[name]
    try:
        state = serde.from_dict(SlaState, data[_STATE])
    except ValidationError:
        return None
    return attrs.evolve(state, policy=policy)
