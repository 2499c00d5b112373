"""Assignment: eligibility, capacity weights, ordering, strategies and outcomes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from omnicx.model import Agent, AgentStatus, Channel, Priority
from omnicx.routing import (
    AgentLoad,
    Assignment,
    AssignmentPolicy,
    AssignOutcome,
    Strategy,
    WorkItem,
    assign,
)

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _agent(id: str, **kw: object) -> AgentLoad:
    load = int(kw.pop("load", 0))  # type: ignore[call-overload]
    fields: dict[str, object] = {
        "status": AgentStatus.ONLINE,
        "queues": frozenset({"support"}),
        "languages": frozenset({"en"}),
        "capacity": 4,
    }
    fields.update(kw)
    return AgentLoad(agent=Agent(id=id, **fields), load=load)  # type: ignore[arg-type]


def _item(id: str, minutes: int = 0, **kw: object) -> WorkItem:
    fields: dict[str, object] = {"channel": Channel.EMAIL, "queue": "support"}
    fields.update(kw)
    return WorkItem(id=id, arrived_at=T0 + timedelta(minutes=minutes), **fields)  # type: ignore[arg-type]


def _outcome(item: WorkItem, *agents: AgentLoad, **policy: object) -> Assignment:
    return assign([item], agents, AssignmentPolicy(**policy)).assignments[0]  # type: ignore[arg-type]


def test_work_is_ordered_by_priority_then_age() -> None:
    """Urgent first; among equals the oldest (original arrival) first."""
    items = [
        _item("new-normal", 5),
        _item("old-normal", 1),
        _item("urgent", 9, priority=Priority.URGENT),
    ]
    result = assign(items, [_agent("a", capacity=2)])
    assert [(a.item_id, a.agent_id) for a in result.assignments] == [
        ("urgent", "a"),
        ("old-normal", "a"),
        ("new-normal", None),
    ]
    assert result.assignments[2].outcome is AssignOutcome.AT_CAPACITY
    assert result.loads[0].load == 2


def test_least_loaded_picks_the_lowest_share_with_id_ties() -> None:
    """Least-loaded compares load over capacity; equal shares go to the smaller id."""
    agents = [_agent("b", load=1), _agent("a", load=1), _agent("c", load=2, capacity=10)]
    assert _outcome(_item("x"), *agents).agent_id == "c"
    assert _outcome(_item("x"), _agent("b", load=1), _agent("a", load=1)).agent_id == "a"


def test_round_robin_continues_after_the_cursor() -> None:
    """Round robin walks agents by id from the last one assigned, wrapping around."""
    agents = [_agent("a"), _agent("b"), _agent("c")]
    policy = AssignmentPolicy(strategy=Strategy.ROUND_ROBIN)
    first = assign([_item("1"), _item("2", 1)], agents, policy, cursor="b")
    assert [a.agent_id for a in first.assignments] == ["c", "a"]
    assert first.cursor == "a"
    again = assign([_item("3")], first.loads, policy, cursor=first.cursor)
    assert again.assignments[0].agent_id == "b"


def test_voice_takes_the_whole_capacity() -> None:
    """A call needs an idle agent, and an agent on a call takes nothing else."""
    busy = _agent("a", load=1)
    assert _outcome(_item("call", channel=Channel.VOICE), busy).outcome is AssignOutcome.AT_CAPACITY
    result = assign(
        [_item("call", channel=Channel.VOICE), _item("mail", 1)], [_agent("a")], AssignmentPolicy()
    )
    assert [a.outcome for a in result.assignments] == [
        AssignOutcome.ASSIGNED,
        AssignOutcome.AT_CAPACITY,
    ]


def test_channel_weights_and_the_percentage_model() -> None:
    """A chat weighs 2 units by default; with percentages the limit is 100 for everyone."""
    assert _outcome(_item("c", channel=Channel.CHAT), _agent("a", load=3)).outcome is (
        AssignOutcome.AT_CAPACITY
    )
    policy = {"percentage": True, "weights": {"chat": 40}}
    assert (
        _outcome(_item("c", channel=Channel.CHAT), _agent("a", load=60), **policy).agent_id == "a"
    )
    assert (
        _outcome(_item("c", channel=Channel.CHAT), _agent("a", load=61), **policy).agent_id is None
    )


def test_never_reoffered_to_the_agent_who_declined() -> None:
    """A declined item goes to someone else, or reports DECLINED if nobody else fits."""
    item = _item("x", declined_by=frozenset({"a"}))
    assert _outcome(item, _agent("a"), _agent("b", load=3)).agent_id == "b"
    assert _outcome(item, _agent("a")).outcome is AssignOutcome.DECLINED


def test_outcomes_say_why_nobody_could_take_it() -> None:
    """Each eligibility stage has its own outcome."""
    assert _outcome(_item("x"), _agent("a", status=AgentStatus.AWAY)).outcome is (
        AssignOutcome.NO_AGENT_ONLINE
    )
    assert _outcome(_item("x", queue="billing"), _agent("a")).outcome is AssignOutcome.NOT_IN_QUEUE
    assert _outcome(_item("x", language="de"), _agent("a")).outcome is (
        AssignOutcome.LANGUAGE_MISSING
    )
    skilled = _item("x", queue="other", skills=frozenset({"refunds"}))
    assert _outcome(skilled, _agent("a"), skills_based=True).outcome is AssignOutcome.SKILL_MISSING
    expert = _agent("a", skills=frozenset({"refunds", "de"}))
    assert _outcome(skilled, expert, skills_based=True).agent_id == "a"


def test_language_matches_on_the_primary_subtag() -> None:
    """An item in pt-BR can go to an agent who speaks pt; no language means anyone."""
    assert _outcome(_item("x", language="pt-BR"), _agent("a", languages=frozenset({"pt"}))).agent_id
    assert _outcome(_item("x", queue=None), _agent("a", languages=frozenset())).agent_id == "a"


@given(
    loads=st.lists(st.integers(0, 4), min_size=1, max_size=5),
    count=st.integers(0, 8),
    strategy=st.sampled_from(list(Strategy)),
)
def test_capacity_is_never_exceeded_and_input_order_does_not_matter(
    loads: list[int], count: int, strategy: Strategy
) -> None:
    """No agent ends above capacity, and shuffling the snapshot changes nothing."""
    agents = [_agent(f"a{i}", load=load) for i, load in enumerate(loads)]
    items = [
        _item(f"i{i}", i % 3, channel=Channel.CHAT if i % 2 else Channel.EMAIL)
        for i in range(count)
    ]
    policy = AssignmentPolicy(strategy=strategy)
    result = assign(items, agents, policy)
    assert all(r.load <= max(r.agent.capacity, loads[int(r.agent.id[1:])]) for r in result.loads)
    assert assign(reversed(items), list(reversed(agents)), policy) == result
