"""Shared results stay put, collaborators are checked, and swapped engines take effect."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from omnicx import FixedClock
from omnicx.desk import Desk
from omnicx.desk._sla_state import SlaCodec
from omnicx.errors import ValidationError
from omnicx.model import Priority
from omnicx.routing import Decision, load_rules
from omnicx.sla import Metric, Policy, SlaEngine, Target
from omnicx.sla._plan import ThresholdPlanner
from omnicx.storage import MemoryStore

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _engine(seconds: int) -> SlaEngine:
    targets = {p: Target(seconds=seconds, business=False) for p in Priority}
    return SlaEngine(policies=[Policy(name=f"p{seconds}", targets={Metric.FIRST_REPLY: targets})])


def test_decision_fields_cannot_be_changed_by_a_reader() -> None:
    """A Decision is shared between calls, so its fields mapping is read-only."""
    decision = Decision(fields={"team": "a"})
    with pytest.raises(TypeError):
        decision.fields["team"] = "b"  # type: ignore[index]
    assert decision.fields == {"team": "a"}


def test_decision_copies_the_mapping_it_is_given() -> None:
    """Changing the dict a caller passed in never changes the Decision."""
    given = {"team": "a"}
    decision = Decision(fields=given)
    given["team"] = "b"
    assert decision.fields["team"] == "a"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"store": "x.db", "clock": FixedClock(T0)},
            "Desk.store: expected a store, got str: pass a store object, "
            "e.g. SqliteStore('support.sqlite3')",
        ),
        (
            {"store": MemoryStore(), "clock": T0},
            "Desk.clock: expected a clock with now(), got datetime: "
            "pass SystemClock() or FixedClock(datetime)",
        ),
        (
            {"store": MemoryStore(), "clock": FixedClock(T0), "rules": load_rules({"rules": []})},
            "Desk.rules: expected a RuleEngine, got RuleSet: "
            "compile the rule set first with RuleEngine.compile(rule_set)",
        ),
        (
            {"store": MemoryStore(), "clock": FixedClock(T0), "sla": "vip"},
            "Desk.sla: expected an SlaEngine, got str: build one with SlaEngine(...)",
        ),
    ],
)
def test_desk_refuses_a_wrong_collaborator_at_construction(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        Desk(**kwargs)  # type: ignore[arg-type]
    assert str(caught.value) == message


def test_desk_is_keyword_only() -> None:
    with pytest.raises(TypeError):
        Desk(MemoryStore(), FixedClock(T0))  # type: ignore[misc]


def test_sla_codec_forgets_states_decoded_under_another_engine() -> None:
    """The codec's memory is keyed by engine too: a swapped engine decodes afresh."""
    codec = SlaCodec()
    old, new = _engine(60), _engine(3600)
    state = old.start()
    data = codec.dump("c1", state)
    assert codec.load(old, "c1", data) is state
    assert codec.load(new, "c1", data) is not state


def test_planner_forget_is_safe_under_thread_switching() -> None:
    """forget pops atomically: racing forgets of one key never raise KeyError."""
    import sys

    planner = ThresholdPlanner()
    clocks: tuple[object, ...] = ()
    errors: list[BaseException] = []
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:

        def run() -> None:
            try:
                for _ in range(2000):
                    planner._outlooks[(id(clocks), id(None), id(Priority.NORMAL))] = _FakeOutlook(
                        clocks
                    )
                    planner.forget(clocks, None, Priority.NORMAL)  # type: ignore[arg-type]
            except BaseException as error:  # pragma: no cover - the failure being tested
                errors.append(error)

        threads = [threading.Thread(target=run) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
    assert errors == []


class _FakeOutlook:
    def __init__(self, clocks: tuple[object, ...]) -> None:
        self.clocks = clocks
