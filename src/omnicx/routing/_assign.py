"""Offer routed work to agents: a pure function over an explicit snapshot.

Eligibility, capacity and ordering follow Salesforce Omni-Channel and
Chatwoot's capacity model (DOMAIN.md section 10): "Routing eligibility =
online ∧ skill-matched ∧ Σ open weights + item weight ≤ capacity"; "Order
items by (routing priority asc, secondary priority asc, original age asc)";
"Don't re-offer an item to the agent who just declined it".
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

import attrs

from omnicx._frozen import FrozenMap, frozen_map, frozen_seq, frozen_set
from omnicx.model import Agent, AgentStatus, Channel, Priority
from omnicx.model._checks import aware, non_empty, non_negative

__all__ = [
    "AgentLoad",
    "AssignOutcome",
    "Assignment",
    "AssignmentPolicy",
    "Strategy",
    "WorkItem",
    "assign",
]


class Strategy(enum.Enum):
    """How to pick among eligible agents; ties always go to the smallest agent id."""

    LEAST_LOADED = "least_loaded"
    """The agent with the lowest share of capacity in use."""
    ROUND_ROBIN = "round_robin"
    """The next eligible agent after the one assigned last, by agent id."""


class AssignOutcome(enum.Enum):
    """Whether an item was assigned and, if not, why nobody could take it."""

    ASSIGNED = "assigned"
    NO_AGENT_ONLINE = "no_agent_online"
    """No agent is online."""
    NOT_IN_QUEUE = "not_in_queue"
    """Agents are online, but none works the item's queue."""
    SKILL_MISSING = "skill_missing"
    """Skills-based routing: no online agent has every required skill."""
    LANGUAGE_MISSING = "language_missing"
    """No otherwise eligible agent speaks the item's language."""
    DECLINED = "declined"
    """The only eligible agents declined this item."""
    AT_CAPACITY = "at_capacity"
    """Every eligible agent is at capacity."""
    RATE_LIMITED = "rate_limited"
    """Every eligible agent with room was offered its limit of work this minute."""


DEFAULT_WEIGHTS: Mapping[str, int] = FrozenMap(
    {
        "chat": 2,
        "email": 1,
        "instagram": 2,
        "messenger": 2,
        "sms": 1,
        "web_form": 1,
        "whatsapp": 2,
        "x": 1,
    }
)
"""Units one conversation weighs per channel by default; voice takes the whole capacity."""


@attrs.frozen(kw_only=True)
class AssignmentPolicy:
    """How work is weighed and agents are chosen.

    Attributes:
        strategy: least-loaded or round robin.
        weights: units per channel name; channels not listed weigh ``default_weight``.
        percentage: if True, weights and loads are percentages of each
            agent's capacity (the limit is 100), Salesforce's percentage model.
        skills_based: if True, eligibility needs every required skill and
            ignores the queue; otherwise it needs the queue.
        max_offers_per_minute: at most this many offers to one agent in
            any minute (Chatwoot's assignment rate limit); None: no limit.
        offer_timeout: how long an offer to an agent stays open in
            ``omnicx.desk.Desk`` before ``tick`` takes it back (counted as
            declined by that agent).
        auto_accept: push mode: the desk assigns the work at once instead
            of offering it for ``Desk.accept``.
    """

    strategy: Strategy = Strategy.LEAST_LOADED
    weights: Mapping[str, int] = attrs.field(default=DEFAULT_WEIGHTS, converter=frozen_map)
    default_weight: int = attrs.field(default=1, validator=non_negative)
    percentage: bool = False
    skills_based: bool = False
    max_offers_per_minute: int | None = attrs.field(
        default=None, validator=attrs.validators.optional(non_negative)
    )
    offer_timeout: timedelta = timedelta(minutes=2)
    auto_accept: bool = False

    def limit(self, agent: Agent) -> int:
        """The load at which ``agent`` is full."""
        return 100 if self.percentage else agent.capacity

    def weight(self, channel: Channel, agent: Agent) -> int:
        """What an item on ``channel`` weighs for ``agent``; voice takes it all."""
        if channel == Channel.VOICE:
            return self.limit(agent)
        return self.weights.get(channel.name, self.default_weight)


@attrs.frozen(kw_only=True)
class WorkItem:
    """A routed conversation waiting for an agent.

    ``arrived_at`` is the original age, kept when an item is declined or
    times out; ``declined_by`` holds agents never to offer it to again.
    """

    id: str = attrs.field(validator=non_empty)
    channel: Channel
    arrived_at: datetime = attrs.field(validator=aware)
    priority: Priority = Priority.NORMAL
    queue: str | None = None
    skills: frozenset[str] = attrs.field(default=frozenset(), converter=frozen_set)
    language: str | None = None
    declined_by: frozenset[str] = attrs.field(default=frozenset(), converter=frozen_set)


@attrs.frozen(kw_only=True)
class AgentLoad:
    """An agent and the units of work they carry right now.

    ``offers_left`` is how many more offers the agent may get now (the
    rate limit's allowance); None is unlimited.
    """

    agent: Agent
    load: int = attrs.field(default=0, validator=non_negative)
    offers_left: int | None = None


@attrs.frozen(kw_only=True)
class Assignment:
    """The outcome for one item: the agent chosen, or why none was."""

    item_id: str
    outcome: AssignOutcome
    agent_id: str | None = None


@attrs.frozen(kw_only=True)
class AssignmentRound:
    """What one ``assign`` call produced: outcomes in work order, new loads, cursor."""

    assignments: tuple[Assignment, ...] = attrs.field(converter=frozen_seq)
    loads: tuple[AgentLoad, ...] = attrs.field(converter=frozen_seq)
    cursor: str | None


def _speaks(agent: Agent, language: str | None) -> bool:
    if language is None:
        return True
    primary = language.split("-")[0].lower()
    spoken = {tag.lower() for tag in agent.languages}
    return language.lower() in spoken or primary in spoken


def _eligible(
    item: WorkItem,
    loads: Mapping[str, int],
    agents: Sequence[Agent],
    policy: AssignmentPolicy,
    allowance: Mapping[str, int | None],
) -> tuple[list[Agent], AssignOutcome]:
    stages: list[tuple[AssignOutcome, list[Agent]]] = []
    pool = [a for a in agents if a.status is AgentStatus.ONLINE]
    stages.append((AssignOutcome.NO_AGENT_ONLINE, pool))
    if policy.skills_based:
        pool = [a for a in pool if item.skills <= a.skills]
        stages.append((AssignOutcome.SKILL_MISSING, pool))
    elif item.queue is not None:
        pool = [a for a in pool if item.queue in a.queues]
        stages.append((AssignOutcome.NOT_IN_QUEUE, pool))
    pool = [a for a in pool if _speaks(a, item.language)]
    stages.append((AssignOutcome.LANGUAGE_MISSING, pool))
    pool = [a for a in pool if a.id not in item.declined_by]
    stages.append((AssignOutcome.DECLINED, pool))
    pool = [a for a in pool if loads[a.id] + policy.weight(item.channel, a) <= policy.limit(a)]
    stages.append((AssignOutcome.AT_CAPACITY, pool))
    pool = [a for a in pool if allowance[a.id] != 0]
    stages.append((AssignOutcome.RATE_LIMITED, pool))
    for outcome, agents_left in stages:
        if not agents_left:
            return [], outcome
    return pool, AssignOutcome.ASSIGNED


def assign(
    items: Iterable[WorkItem],
    agents: Iterable[AgentLoad],
    policy: AssignmentPolicy = AssignmentPolicy(),
    *,
    cursor: str | None = None,
) -> AssignmentRound:
    """Offer each item, most urgent then oldest first, to one eligible agent.

    Pure: the same snapshot gives the same result. ``cursor`` is the id of
    the agent assigned last (round robin continues after it); pass the
    returned cursor to the next call.
    """
    snapshot = sorted(agents, key=lambda a: a.agent.id)
    roster = [a.agent for a in snapshot]
    loads = {a.agent.id: a.load for a in snapshot}
    allowance = {a.agent.id: a.offers_left for a in snapshot}
    ordered = sorted(items, key=lambda i: (-i.priority.rank, i.arrived_at, i.id))
    results: list[Assignment] = []
    for item in ordered:
        pool, outcome = _eligible(item, loads, roster, policy, allowance)
        if not pool:
            results.append(Assignment(item_id=item.id, outcome=outcome))
            continue
        if policy.strategy is Strategy.ROUND_ROBIN:
            after = [a for a in pool if cursor is not None and a.id > cursor]
            chosen = (after or pool)[0]
        else:
            chosen = min(
                pool, key=lambda a: (loads[a.id] / max(policy.limit(a), 1), loads[a.id], a.id)
            )
        loads[chosen.id] += policy.weight(item.channel, chosen)
        left = allowance[chosen.id]
        if left is not None:
            allowance[chosen.id] = left - 1
        cursor = chosen.id
        results.append(Assignment(item_id=item.id, outcome=outcome, agent_id=chosen.id))
    new_loads = tuple(
        AgentLoad(agent=a, load=loads[a.id], offers_left=allowance[a.id]) for a in roster
    )
    return AssignmentRound(assignments=tuple(results), loads=new_loads, cursor=cursor)
