"""SLA engine state kept in the conversation record, so each call folds only new events."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from omnicx import serde
from omnicx._caches import BoundedCache
from omnicx._frozen import assembled, freeze
from omnicx.errors import ValidationError
from omnicx.sla import Policy, SlaEngine, SlaState

_POLICY = "policy"
_STATE = "state"
_LIMIT = 4_096
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
    objects, so their encoded form is taken from the conversation's last
    dump. That last state is kept with the data it was stored as: a record
    whose stored data is unchanged skips decoding. Nothing else is kept, so
    the codec holds one state per conversation it saw recently (at most
    4,096, least recently used out, so memory stays flat however many
    conversations a desk sees; erasure empties it).
    """

    # Conversation facts carry the customer's attributes: erasure empties it.
    _states: BoundedCache[str, tuple[Mapping[str, Any], SlaState]] = attrs.field(
        factory=lambda: BoundedCache("SlaCodec.states", _LIMIT, personal=True), init=False
    )
    # States decoded under one engine are wrong under another: the engine is part
    # of every key, held once here, and a new engine empties the memory.
    _engine: SlaEngine | None = attrs.field(default=None, init=False)

    def forget(self) -> None:
        """Drop every remembered state (erasure, or a new SLA engine)."""
        self._states.clear()
        self._engine = None

    def dump(self, conversation_id: str, state: SlaState) -> Mapping[str, Any]:
        """Encode ``state`` exactly as ``serde.to_dict`` would, policy by name, frozen.

        The result is frozen once here (it goes into a frozen record, whose
        converter then keeps it as it is), so the record's ``sla_state`` is the
        very mapping remembered and ``load`` knows it without comparing.
        """
        last = self._states.get(conversation_id)
        before, old = (last[1], last[0][_STATE]) if last is not None else (None, {})
        encoded: dict[str, Any] = {}
        for field in _FIELDS:
            value = getattr(state, field)
            if field == _POLICY:
                encoded[_POLICY] = None
            elif before is not None and value is getattr(before, field):
                encoded[field] = old[field]
            elif type(value) is tuple:
                # The old tuple lives in ``before`` for this call: its ids are unique.
                pairs = (
                    () if before is None else zip(getattr(before, field), old[field], strict=True)
                )
                kept = {id(item): data for item, data in pairs}
                encoded[field] = tuple(
                    [kept[id(item)] if id(item) in kept else _encode(item) for item in value]
                )
            else:
                encoded[field] = _encode(value)
        name = state.policy.name if state.policy is not None else None
        # Each part is frozen already (new ones by _encode, the rest reused
        # from the last dump): assemble them without walking them again.
        stored = assembled({_POLICY: name, _STATE: assembled(encoded)})
        self._states.put(conversation_id, (stored, state))
        return stored

    def load(
        self, engine: SlaEngine, conversation_id: str, data: Mapping[str, Any]
    ) -> SlaState | None:
        """``load_sla``, answered from memory when ``data`` is what was last dumped."""
        if engine is not self._engine:
            if self._engine is not None:
                self._states.clear()
            self._engine = engine
        remembered = self._states.get(conversation_id)
        # Stored data comes back frozen (lists as tuples): compare it frozen.
        if remembered is not None and (remembered[0] is data or remembered[0] == freeze(data)):
            return remembered[1]
        return load_sla(engine, data)


def _encode(value: object) -> Any:
    if value is None or type(value) in _ATOMS:
        return value
    return freeze(serde.to_dict(value))
