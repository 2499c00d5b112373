"""For random rule sets and messages, everything ``decide`` returns is visible afterwards.

Visible three ways: the stored conversation, the receipt, and the timeline (folding its
routing events gives the stored conversation back), on both shipped stores.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omnicx import FixedClock
from omnicx.channels import MessageReceived
from omnicx.desk import Desk, FieldSchema, Receipt
from omnicx.identity import phone_identifier
from omnicx.model import (
    Assigned,
    Author,
    AuthorKind,
    Channel,
    Conversation,
    DetailsChanged,
    Direction,
    Event,
    FieldValue,
    Message,
    MessageEvent,
    Priority,
    PriorityChanged,
    QueueChanged,
    Status,
    TagsChanged,
)
from omnicx.routing import Decision, RoutingContext, RuleEngine, load_rules
from omnicx.sla import Match, Policy, SlaEngine
from omnicx.storage import DeskStore, MemoryStore, SqliteStore

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WORDS = ("refund", "order", "broken", "hello", "urgent")
CHANNELS = (Channel.WHATSAPP, Channel.SMS)
POLICIES = ("gold", "silver", "bronze")
SCHEMA = FieldSchema.from_data(
    {"plan": {"type": "choice", "choices": ["free", "pro"]}, "seats": "int", "ratio": "float",
     "vip_case": "bool", "topic": "string"}
)  # fmt: skip
SLA = SlaEngine(
    policies=(
        Policy(name="standard"),
        *(Policy(name=name, when=Match(tags={"never-set"})) for name in POLICIES),
    )
)
VALUES: Mapping[str, st.SearchStrategy[Any]] = {
    "plan": st.sampled_from(["free", "pro"]),
    "seats": st.integers(-5, 500),
    "ratio": st.floats(-10, 10, allow_nan=False),
    "vip_case": st.booleans(),
    "topic": st.text("abc xyz", max_size=6),
}
_tags = st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=2, unique=True)


@st.composite
def _fields(draw: Callable[..., Any]) -> dict[str, Any]:
    names = draw(st.lists(st.sampled_from(sorted(VALUES)), max_size=3, unique=True))
    return {name: draw(st.none() | VALUES[name]) for name in names}


_actions = st.fixed_dictionaries(
    {},
    optional={
        "queue": st.sampled_from(["billing", "returns", "general"]),
        "priority": st.sampled_from([p.value for p in Priority]),
        "add_tags": _tags,
        "remove_tags": _tags,
        "skills": st.lists(st.sampled_from(["refunds", "german", "tech"]), min_size=1, max_size=2),
        "language": st.sampled_from(["en", "de", "fr"]),
        "sla_policy": st.sampled_from(POLICIES),
        "set_fields": _fields(),
    },
).filter(bool)


@st.composite
def _rule(draw: Callable[..., Any], i: int) -> dict[str, Any]:
    when = draw(
        st.sampled_from(
            [
                {"field": "message.text", "op": "contains", "value": draw(st.sampled_from(WORDS))},
                {"field": "channel", "op": "eq", "value": draw(st.sampled_from(CHANNELS)).name},
            ]
        )
    )
    return {"id": f"r{i}", "when": when, "then": draw(_actions), "stop": draw(st.booleans())}


@st.composite
def rule_sets(draw: Callable[..., Any]) -> dict[str, Any]:
    """A valid rule set: conditions on the text and the channel, any mix of actions."""
    mode = draw(st.sampled_from(["first_match", "accumulate"]))
    count = draw(st.integers(1, 5))
    rules = [draw(_rule(i)) for i in range(count)]
    if mode == "first_match":
        for rule in rules:
            rule.pop("stop")
    return {"mode": mode, "rules": rules}


# One step: a message (its words and channel), or an agent action between messages.
_message = st.tuples(st.just("message"), st.lists(st.sampled_from(WORDS), min_size=1, max_size=3),
                     st.sampled_from(CHANNELS))  # fmt: skip
_solve = st.tuples(st.just("solve"))
_agent_fields = st.tuples(st.just("fields"), _fields())
steps = st.lists(st.one_of(_message, _message, _solve, _agent_fields), min_size=1, max_size=6)


def _received(n: int, text: str, channel: Channel, at: datetime) -> MessageReceived:
    message = Message(
        id=f"{channel.name}:m{n}", channel=channel, direction=Direction.INBOUND,
        author=Author(kind=AuthorKind.CUSTOMER), sent_at=at, text=text, external_id=f"m{n}",
    )  # fmt: skip
    return MessageReceived(message=message, sender=(phone_identifier("+4915112345678"),))


def _with(fields: Mapping[str, FieldValue], changes: Mapping[str, FieldValue]) -> dict[str, Any]:
    out = dict(fields)
    for name, value in changes.items():
        if value is None:
            out.pop(name, None)
        else:
            out[name] = value
    return out


def _check_decided(
    conversation: Conversation,
    decision: Decision,
    *,
    fresh: bool,
    before: Mapping[str, FieldValue],
) -> None:
    """What ``decision`` asked for is on ``conversation``, as the documented semantics say."""
    if fresh and decision.queue:
        assert conversation.queue == decision.queue
    if decision.priority is not None:
        assert conversation.priority.rank >= decision.priority.rank
    assert decision.tags <= conversation.tags
    assert not decision.removed_tags & conversation.tags
    if fresh and decision.skills:
        assert conversation.skills == decision.skills
    if fresh and decision.language:
        assert conversation.language == decision.language
    if fresh and decision.sla_policy:
        assert conversation.sla_policy == decision.sla_policy
    for name, value in decision.fields.items():
        if fresh or name not in before:
            assert conversation.fields.get(name) == value
        else:
            assert conversation.fields[name] == before[name]  # never overwritten


def _check_receipt(receipt: Receipt, conversation: Conversation) -> None:
    assert (receipt.queue, receipt.priority) == (conversation.queue, conversation.priority.value)
    assert (receipt.tags, receipt.skills) == (conversation.tags, conversation.skills)
    assert (receipt.language, receipt.sla_policy) == (
        conversation.language,
        conversation.sla_policy,
    )
    assert receipt.fields == conversation.fields
    assert receipt.sla_applied == (conversation.sla_policy or "standard")


def _folded(events: list[Event], conversation_id: str) -> dict[str, Any]:
    """The routed state the timeline's events describe, folded in timeline order."""
    state: dict[str, Any] = {"queue": None, "priority": Priority.NORMAL, "tags": frozenset(),
                             "skills": frozenset(), "language": None, "sla_policy": None,
                             "fields": {}}  # fmt: skip
    for event in events:
        if event.conversation_id != conversation_id:
            continue
        if (isinstance(event, Assigned) and event.queue is not None) or isinstance(
            event, QueueChanged
        ):
            state["queue"] = event.queue
        elif isinstance(event, PriorityChanged):
            state["priority"] = event.priority
        elif isinstance(event, TagsChanged):
            state["tags"] = (state["tags"] | event.added) - event.removed
        elif isinstance(event, DetailsChanged):
            for key in ("skills", "language", "sla_policy"):
                if getattr(event, key) is not None:
                    state[key] = getattr(event, key)
            state["fields"] = _with(state["fields"], event.fields)
    return state


def _state(conversation: Conversation) -> dict[str, Any]:
    return {"queue": conversation.queue, "priority": conversation.priority,
            "tags": conversation.tags, "skills": conversation.skills,
            "language": conversation.language, "sla_policy": conversation.sla_policy,
            "fields": dict(conversation.fields)}  # fmt: skip


def _run(store: DeskStore, raw_rules: dict[str, Any], plan: list[tuple[Any, ...]]) -> None:
    engine = RuleEngine.compile(load_rules(raw_rules))
    clock = FixedClock(T0)
    desk = Desk(store=store, clock=clock, rules=engine, sla=SLA, fields=SCHEMA)
    conversation_id: str | None = None
    solved = False
    for n, step in enumerate(plan):
        at = T0 + timedelta(minutes=n)
        clock.set(at + timedelta(seconds=1))
        if step[0] == "message":
            _, words, channel = step
            event = _received(n, " ".join(words), channel, at)
            decision = engine.decide(RoutingContext(now=at, message=event.message))
            before = (
                {} if conversation_id is None else desk.conversation(conversation_id).conversation
            )
            before_fields = {} if isinstance(before, dict) else dict(before.fields)
            receipt = desk.receive(event)
            fresh = receipt.conversation_id != conversation_id or solved
            conversation_id, solved = receipt.conversation_id, False
            stored = desk.conversation(conversation_id).conversation
            _check_decided(stored, decision, fresh=fresh, before=before_fields)
            _check_receipt(receipt, stored)
            assert receipt.fired == decision.fired
        elif conversation_id is not None and step[0] == "solve":
            if desk.conversation(conversation_id).conversation.status is not Status.SOLVED:
                desk.solve(conversation_id, actor_id="agent-1")
                solved = True
        elif conversation_id is not None:
            receipt = desk.set_fields(conversation_id, step[1], actor_id="agent-1")
            stored = desk.conversation(conversation_id).conversation
            for name, value in step[1].items():
                assert stored.fields.get(name) == value
            _check_receipt(receipt, stored)
    if conversation_id is None:
        return
    stored = desk.conversation(conversation_id).conversation
    timeline = list(desk.timeline(stored.customer_id))
    assert _folded(timeline, conversation_id) == _state(stored)
    # A message's routing events follow it directly on the timeline.
    owner = None
    for event in timeline:
        if isinstance(event, MessageEvent):
            owner = event.message.id
        elif isinstance(event, DetailsChanged) and event.id.startswith("in:"):
            assert event.id.startswith(f"in:{owner}#")


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw_rules=rule_sets(), plan=steps)
def test_everything_decided_is_observable(
    kind: str, raw_rules: dict[str, Any], plan: list[tuple[Any, ...]]
) -> None:
    """Queue, priority, tags, skills, language, SLA policy and fields all reach the desk."""
    store: DeskStore = MemoryStore() if kind == "memory" else SqliteStore()
    _run(store, raw_rules, plan)
