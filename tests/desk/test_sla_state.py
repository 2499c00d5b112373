"""The SLA state codec: the stored form is serde's, and memory never changes an answer."""

from __future__ import annotations

from datetime import timedelta

import attrs
import pytest
from hypothesis import given
from tests.sla.test_engine_properties import ENGINE, timelines

from omnicx import serde
from omnicx._frozen import thaw
from omnicx.desk import _sla_state
from omnicx.desk._sla_state import SlaCodec, load_sla
from omnicx.model import Event
from omnicx.sla import SlaState


def _serde_form(state: SlaState) -> dict[str, object]:
    return {
        "policy": state.policy.name if state.policy is not None else None,
        "state": serde.to_dict(attrs.evolve(state, policy=None)),
    }


@given(timelines())
def test_every_folded_state_encodes_as_serde_does_and_loads_back(events: list[Event]) -> None:
    """At each step of a random timeline, the codec's data equals serde's and decodes back."""
    codec = SlaCodec()
    state = ENGINE.start()
    for event in events:
        state, _ = ENGINE.apply(state, event, event.at)
        stored = codec.dump("c1", state)
        assert thaw(stored) == _serde_form(state)
        assert load_sla(ENGINE, stored) == state
        assert codec.load(ENGINE, "c1", stored) is state


@given(timelines())
def test_changed_stored_data_is_decoded_not_remembered(events: list[Event]) -> None:
    """A record whose stored data differs from the last dump is decoded from that data."""
    codec = SlaCodec()
    state, _ = ENGINE.replay(events, events[-1].at)
    codec.dump("c1", state)
    later, _ = ENGINE.advance(state, events[-1].at + timedelta(days=30))
    assert codec.load(ENGINE, "c1", SlaCodec().dump("c1", later)) == later
    assert codec.load(ENGINE, "c1", {}) is None


@given(timelines())
def test_a_full_codec_forgets_the_least_recent_and_still_encodes_exactly(
    events: list[Event],
) -> None:
    """Past the memory limit the least recently used conversations are forgotten:
    their next dump is encoded afresh, and every dump still equals serde's form."""
    state = ENGINE.start()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_sla_state, "_LIMIT", 4)
        codec = SlaCodec()
        for i, event in enumerate(events):
            state, _ = ENGINE.apply(state, event, event.at)
            for conversation in (f"c{i % 7}", "hot"):
                assert thaw(codec.dump(conversation, state)) == _serde_form(state)
                assert len(codec._states) <= 4
        assert codec.load(ENGINE, "hot", _serde_form(state)) is state
