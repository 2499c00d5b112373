"""SLA engine state kept in the conversation record, so each call folds only new events."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import attrs

from omnicx import serde
from omnicx.errors import ValidationError
from omnicx.sla import Policy, SlaEngine, SlaState

_POLICY = "policy"
_STATE = "state"
_LIMIT = 20_000
_FIELDS = tuple(field.name for field in attrs.fields(SlaState))
_ATOMS = (bool, int, str)


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


@attrs.define
class SlaCodec:
    """SLA state to JSON-ready data and back, with memory, for the desk's hot path.

    The stored form is ``serde``'s, with the policy stored by name (it holds
    code).

    A new event replaces only some clocks; the others are the same frozen
    objects, so their encoded form is reused. The last state per
    conversation is kept with the data it was stored as: a record whose
    stored data is unchanged skips decoding.
    """

    # Encoded parts by object id; holding the object keeps its id unique.
    _parts: dict[int, tuple[object, Any]] = attrs.field(factory=dict, init=False)
    _states: dict[str, tuple[Mapping[str, Any], SlaState]] = attrs.field(factory=dict, init=False)

    def dump(self, conversation_id: str, state: SlaState) -> dict[str, Any]:
        """Encode ``state`` exactly as ``serde.to_dict`` would, policy by name."""
        encoded: dict[str, Any] = {}
        for field in _FIELDS:
            value = getattr(state, field)
            if field == _POLICY:
                encoded[_POLICY] = None
            elif type(value) is tuple:
                encoded[field] = self._parts_of(value)
            else:
                encoded[field] = self._part(value)
        name = state.policy.name if state.policy is not None else None
        stored = {_POLICY: name, _STATE: encoded}
        if len(self._states) >= _LIMIT:
            self._states.clear()
        self._states[conversation_id] = (stored, state)
        return stored

    def load(
        self, engine: SlaEngine, conversation_id: str, data: Mapping[str, Any]
    ) -> SlaState | None:
        """``load_sla``, answered from memory when ``data`` is what was last dumped."""
        remembered = self._states.get(conversation_id)
        if remembered is not None and (remembered[0] is data or remembered[0] == data):
            return remembered[1]
        return load_sla(engine, data)

    def _parts_of(self, values: tuple[object, ...]) -> list[Any]:
        # Most events leave the clock tuple itself unchanged: reuse its list.
        hit = self._parts.get(id(values))
        if hit is not None and hit[0] is values:
            return cast(list[Any], hit[1])
        encoded = [self._part(item) for item in values]
        self._keep(values, encoded)
        return encoded

    def _part(self, value: object) -> Any:
        if value is None or type(value) in _ATOMS:
            return value
        hit = self._parts.get(id(value))
        if hit is not None and hit[0] is value:
            return hit[1]
        encoded = serde.to_dict(value)
        self._keep(value, encoded)
        return encoded

    def _keep(self, value: object, encoded: Any) -> None:
        if len(self._parts) >= _LIMIT:
            self._parts.clear()
        self._parts[id(value)] = (value, encoded)
