"""Shared results stay put, collaborators are checked, and swapped engines take effect."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from omnicx import FixedClock
from omnicx.channels import MessageReceived
from omnicx.desk import Desk
from omnicx.desk._sla_state import SlaCodec
from omnicx.errors import ValidationError
from omnicx.model import Author, AuthorKind, Channel, Direction, Identifier, Message, Priority
from omnicx.routing import Decision, RuleEngine, load_rules
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


def _hello(n: int, at: datetime) -> MessageReceived:
    message = Message(
        id=f"chat:m{n}", channel=Channel.CHAT, direction=Direction.INBOUND,
        author=Author(kind=AuthorKind.CUSTOMER), sent_at=at, text="I want a refund please",
        external_id=f"m{n}",
    )  # fmt: skip
    return MessageReceived(message=message, sender=(Identifier.handle("chat", f"v-{n}"),))


def _queue_rules(queue: str) -> RuleEngine:
    return RuleEngine.compile(load_rules({"rules": [{"id": queue, "then": {"queue": queue}}]}))


def _first_reply_due(desk: Desk, conversation_id: str) -> datetime | None:
    report = desk.sla_report(conversation_id)
    assert report is not None
    return next(t.due for t in report.targets if t.metric is Metric.FIRST_REPLY)


def test_swapped_rules_route_the_next_message() -> None:
    """``desk.rules = other`` takes effect at the very next receive."""
    desk = Desk(store=MemoryStore(), clock=FixedClock(T0), rules=_queue_rules("first"))
    assert desk.receive(_hello(1, T0)).queue == "first"
    desk.rules = _queue_rules("second")
    receipt = desk.receive(_hello(2, T0))
    assert (receipt.queue, receipt.fired) == ("second", ("second",))


def test_swapped_sla_engine_answers_the_next_report() -> None:
    """``desk.sla = other`` takes effect at the next ``sla_report``, even under the same policy name.

    The stored state was encoded under the old engine; the desk's codec
    remembers it, so only an engine-complete key keeps the old targets out.
    """
    same_name = "standard"

    def engine(seconds: int) -> SlaEngine:
        targets = {p: Target(seconds=seconds, business=False) for p in Priority}
        return SlaEngine(
            policies=[], default=Policy(name=same_name, targets={Metric.FIRST_REPLY: targets})
        )

    desk = Desk(store=MemoryStore(), clock=FixedClock(T0), sla=engine(60))
    conversation = desk.receive(_hello(1, T0)).conversation_id
    assert _first_reply_due(desk, conversation) == T0 + timedelta(seconds=60)
    desk.sla = engine(3600)
    assert _first_reply_due(desk, conversation) == T0 + timedelta(seconds=3600)
    desk.sla = _engine(120)  # a policy the stored state never heard of: replayed
    assert _first_reply_due(desk, conversation) == T0 + timedelta(seconds=120)
