"""A replay of agents working many conversations: nobody is ever over capacity.

The suite runs 50 agents and 1,000 conversations; ``OMNICX_REPLAY_CONVERSATIONS=10000``
runs the full size (see benchmarks/README.md).
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterable
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from omnicx import FixedClock
from omnicx.desk import Desk, OfferNotOpenError, OutboxKind, Outgoing, Receipt
from omnicx.model import AgentStatus, Channel
from omnicx.routing import AssignmentPolicy, Strategy
from omnicx.storage import MemoryStore, SqliteStore

from .conftest import T0
from .test_agents import RULES, inbound, online

CONVERSATIONS = int(os.environ.get("OMNICX_REPLAY_CONVERSATIONS", "1000"))


class Replay:
    """Drives a desk with random arrivals, answers to offers, solves and presence changes."""

    def __init__(self, desk: Desk, clock: FixedClock, rng: random.Random) -> None:
        self.desk, self.clock, self.rng = desk, clock, rng
        self.open_offers: dict[str, str] = {}
        self.assigned: dict[str, str] = {}
        self.offers = 0
        self.solved = 0
        self.max_share = 0.0

    def took(self, receipts: Iterable[Receipt]) -> None:
        for receipt in receipts:
            for item in receipt.outbox:
                if item.kind is OutboxKind.OFFER:
                    self.offered(item)

    def offered(self, item: Outgoing) -> None:
        # Every offer satisfies eligibility at the moment it is made.
        assert item.target is not None
        agent = self.desk.agent(item.target).agent
        work = self.desk.store.waiting(item.conversation_id)  # type: ignore[attr-defined]
        conversation = self.desk.conversation(item.conversation_id).conversation
        assert agent.status is AgentStatus.ONLINE
        assert conversation.queue in agent.queues
        assert conversation.language is None or conversation.language in agent.languages
        if work is not None:
            assert item.target not in work.declined_by
            self.open_offers[item.conversation_id] = item.target
        else:
            self.assigned[item.conversation_id] = item.target
        self.offers += 1

    def check(self) -> None:
        policy = self.desk.assignment
        assert policy is not None
        for record in self.desk.agents():
            limit = policy.limit(record.agent)
            assert record.load <= limit, (record.id, record.load, limit)
            if limit:
                self.max_share = max(self.max_share, record.load / limit)

    def step(self, n: int) -> None:
        rng = self.rng
        channel = rng.choice([Channel.EMAIL] * 6 + [Channel.CHAT] * 3 + [Channel.VOICE])
        text = "hola" if rng.random() < 0.2 else "hello"
        self.took([self.desk.receive(inbound(n, text, channel))])
        for cid, agent_id in list(self.open_offers.items()):
            roll = rng.random()
            if roll < 0.1:
                continue  # left to time out
            del self.open_offers[cid]
            try:
                if roll < 0.85:
                    self.took([self.desk.accept(cid, agent_id=agent_id)])
                    self.assigned[cid] = agent_id
                else:
                    self.took([self.desk.decline(cid, agent_id=agent_id)])
            except OfferNotOpenError:
                pass  # it timed out first
        for cid, agent_id in list(self.assigned.items()):
            if rng.random() < 0.3:
                del self.assigned[cid]
                self.took([self.desk.solve(cid, actor_id=agent_id)])
                self.solved += 1
        if rng.random() < 0.05:
            agent = rng.choice(self.desk.agents()).agent
            status = rng.choice(list(AgentStatus))
            self.took(self.desk.set_presence(agent.id, status))
        if n % 5 == 0:
            self.clock.advance(timedelta(seconds=20))
            self.took(self.desk.tick().receipts)
        self.check()


def build(agents: int, rng: random.Random, store: object, strategy: Strategy) -> Replay:
    clock = FixedClock(T0)
    policy = AssignmentPolicy(strategy=strategy, offer_timeout=timedelta(seconds=30),
                              max_offers_per_minute=20)  # fmt: skip
    desk = Desk(store=store, clock=clock, rules=RULES, assignment=policy)  # type: ignore[arg-type]
    for i in range(agents):
        languages = {"en", "es"} if i % 3 == 0 else {"en"}
        status = AgentStatus.ONLINE if rng.random() < 0.8 else AgentStatus.AWAY
        desk.put_agent(online(f"agent{i:02d}", capacity=rng.randint(2, 8),
                              languages=languages, status=status))  # fmt: skip
    return Replay(desk, clock, rng)


def test_fifty_agents_never_over_capacity() -> None:
    rng = random.Random(7)
    replay = build(50, rng, MemoryStore(), Strategy.LEAST_LOADED)
    for n in range(1, CONVERSATIONS + 1):
        replay.step(n)
    assert replay.solved > CONVERSATIONS // 2
    assert replay.offers >= replay.solved
    print(f"\nreplay: {CONVERSATIONS} conversations, {replay.offers} offers, "
          f"{replay.solved} solved, highest load share {replay.max_share:.2f}")  # fmt: skip


def test_round_robin_on_sqlite_never_over_capacity() -> None:
    rng = random.Random(11)
    replay = build(10, rng, SqliteStore(), Strategy.ROUND_ROBIN)
    for n in range(1, 151):
        replay.step(n)
    assert replay.solved > 0


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32), agents=st.integers(1, 6), steps=st.integers(1, 40),
       strategy=st.sampled_from(Strategy))  # fmt: skip
def test_random_sequences_keep_capacity_and_eligibility(
    seed: int, agents: int, steps: int, strategy: Strategy
) -> None:
    rng = random.Random(seed)
    replay = build(agents, rng, MemoryStore(), strategy)
    for n in range(1, steps + 1):
        replay.step(n)
    # What the agents hold is exactly the open offers and live assignments.
    held = {cid for record in replay.desk.agents() for cid in record.holding}
    store = replay.desk.store
    offered = {w.id for w in store.waiting_work(offered=True)}  # type: ignore[attr-defined]
    live = {cid for cid in held if replay.desk.conversation(cid).conversation.assignee is not None}
    assert held == offered | live
