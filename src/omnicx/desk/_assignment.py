"""Agents' capacity and the work waiting for them, kept in step with conversations.

Every write of a conversation under ``Desk.assignment`` goes through
``reconcile``: an active, unassigned conversation waits for an agent; an
assigned one takes its weight of the assignee's capacity; a solved or
closed one (or one assigned elsewhere) gives it back. Capacity follows the
conversation's status, never a screen event (DOMAIN.md section 10).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import attrs

from omnicx.desk._receipt import OutboxKind, Outgoing
from omnicx.desk._unit import ACTIVE, SYSTEM, Unit
from omnicx.errors import ConflictError, NotFoundError
from omnicx.model import Assigned, CustomEvent
from omnicx.routing import AssignmentPolicy, WorkItem
from omnicx.storage import AgentRecord, ConversationRecord, WaitingWork

RATE_WINDOW = timedelta(minutes=1)
"""The window ``AssignmentPolicy.max_offers_per_minute`` counts offers in."""


class UnknownAgentError(NotFoundError):
    """The desk keeps no agent with this id (``Desk.put_agent`` adds one)."""

    def __init__(self, agent_id: str) -> None:
        super().__init__("agent", agent_id)


class AgentAtCapacityError(ConflictError):
    """The work would put the agent over capacity; nothing was written.

    Attributes:
        agent_id: the agent.
        load: the units the agent carries.
        weight: what the conversation weighs for them.
        limit: the agent's limit.
    """

    def __init__(self, agent_id: str, conversation_id: str, load: int, weight: int, limit: int):
        self.agent_id = agent_id
        self.load = load
        self.weight = weight
        self.limit = limit
        super().__init__(
            f"agent {agent_id!r} carries {load} of {limit} units; conversation "
            f"{conversation_id!r} weighs {weight}: solve or reassign some of their work first"
        )


class OfferNotOpenError(ConflictError):
    """No open offer of this conversation to this agent (never made, answered or timed out)."""

    def __init__(self, conversation_id: str, agent_id: str) -> None:
        self.conversation_id = conversation_id
        self.agent_id = agent_id
        super().__init__(
            f"conversation {conversation_id!r} is not offered to agent {agent_id!r} now "
            "(never offered, already answered, or timed out); reload the agent's offers"
        )


def work_item(work: WaitingWork) -> WorkItem:
    """The routing snapshot's view of waiting work."""
    return WorkItem(id=work.id, channel=work.channel, arrived_at=work.arrived_at,
                    priority=work.priority, queue=work.queue, skills=work.skills,
                    language=work.language, declined_by=work.declined_by)  # fmt: skip


def offers_left(record: AgentRecord, policy: AssignmentPolicy, now: datetime) -> int | None:
    """How many more offers the rate limit allows the agent now."""
    if policy.max_offers_per_minute is None:
        return None
    recent = sum(1 for at in record.offered_at if at > now - RATE_WINDOW)
    return max(policy.max_offers_per_minute - recent, 0)


def hold(
    unit: Unit, policy: AssignmentPolicy, agent_id: str, record: ConversationRecord, *, strict: bool
) -> bool:
    """Take the conversation's weight of the agent's capacity; False if it cannot.

    ``strict`` raises instead (``UnknownAgentError``, ``AgentAtCapacityError``).
    """
    agent = unit.agent(agent_id)
    if agent is None:
        if strict:
            raise UnknownAgentError(agent_id)
        return False
    weight = policy.weight(record.conversation.channel, agent.agent)
    limit = policy.limit(agent.agent)
    if agent.load + weight > limit:
        if strict:
            raise AgentAtCapacityError(agent_id, record.id, agent.load, weight, limit)
        return False
    holding = {**agent.holding, record.id: weight}
    unit.put_agent(attrs.evolve(agent, holding=holding))
    return True


def release(unit: Unit, agent_id: str, conversation_id: str) -> None:
    """Give back what the conversation took of the agent's capacity."""
    agent = unit.agent(agent_id)
    if agent is not None and conversation_id in agent.holding:
        holding = {k: v for k, v in agent.holding.items() if k != conversation_id}
        unit.put_agent(attrs.evolve(agent, holding=holding))


def _holder(unit: Unit, conversation_id: str, candidates: set[str]) -> str | None:
    for agent_id in sorted(candidates):
        agent = unit.agent(agent_id)
        if agent is not None and conversation_id in agent.holding:
            return agent_id
    return None


def reconcile(
    unit: Unit,
    policy: AssignmentPolicy,
    before: ConversationRecord | None,
    after: ConversationRecord,
    *,
    strict: bool,
) -> None:
    """Bring capacity and waiting work in line with ``after``, the record about to be written."""
    cid = after.id
    conversation = after.conversation
    work = unit.work(cid)
    candidates = {a for a in (conversation.assignee, work and work.offered_to) if a}
    if before is not None and before.conversation.assignee:
        candidates.add(before.conversation.assignee)
    old = _holder(unit, cid, candidates)
    # A bot's conversation is nobody's work until the handoff.
    active = conversation.status in ACTIVE and conversation.bot is None
    new: str | None = None
    if active:
        new = conversation.assignee or (work.offered_to if work is not None else None)
    if old != new:
        if old is not None:
            release(unit, old, cid)
        if new is not None:
            hold(unit, policy, new, after, strict=strict)
    if active and conversation.assignee is None:
        wanted = WaitingWork(
            id=cid, channel=conversation.channel,
            arrived_at=work.arrived_at if work is not None else conversation.created_at,
            priority=conversation.priority, queue=conversation.queue,
            skills=conversation.skills, language=conversation.language,
            declined_by=work.declined_by if work is not None else frozenset(),
            offered_to=work.offered_to if work is not None else None,
            offer_expires=work.offer_expires if work is not None else None,
            version=work.version if work is not None else 0,
        )  # fmt: skip
        if wanted != work:
            unit.put_work(wanted)
    elif work is not None:
        unit.drop_work(cid)


def take_back(unit: Unit, record: ConversationRecord, agent_id: str, why: str) -> None:
    """The agent declined the open offer (or let it time out): it goes back in line.

    It keeps its original age and is never offered to that agent again.
    """
    work = unit.work(record.id)
    if work is None or work.offered_to != agent_id:
        raise OfferNotOpenError(record.id, agent_id)
    release(unit, agent_id, record.id)
    unit.put_work(attrs.evolve(work, offered_to=None, offer_expires=None,
                               declined_by=work.declined_by | {agent_id}))  # fmt: skip
    conversation = record.conversation
    unit.events.append(
        CustomEvent(id=unit.event_id(), at=unit.now, customer_id=conversation.customer_id,
                    conversation_id=conversation.id, name=why, data={"agent_id": agent_id})
    )  # fmt: skip


def open_offer(unit: Unit, conversation_id: str, agent_id: str) -> WaitingWork:
    """The open offer of the conversation to the agent; ``OfferNotOpenError`` if none."""
    work = unit.work(conversation_id)
    if (
        work is None
        or work.offered_to != agent_id
        or (work.offer_expires is not None and work.offer_expires <= unit.now)
    ):
        raise OfferNotOpenError(conversation_id, agent_id)
    return work


def offer(
    unit: Unit,
    policy: AssignmentPolicy,
    record: ConversationRecord,
    agent_id: str,
    at: datetime | None = None,
) -> ConversationRecord:
    """Offer the waiting conversation to the agent (or, ``auto_accept``, assign it).

    Takes its weight of the agent's capacity at once (an open offer counts
    against capacity), counts it for the rate limit, and puts an ``OFFER``
    for the agent in the outbox and the offer on the timeline, stamped
    ``at`` (the instant of the message that caused it) or the unit's now.
    """
    stamp = unit.now if at is None else at
    work = unit.work(record.id)
    if work is None or work.offered_to is not None:
        raise OfferNotOpenError(record.id, agent_id)
    hold(unit, policy, agent_id, record, strict=True)
    agent = unit.agent(agent_id)
    assert agent is not None  # held above
    recent = tuple(at for at in agent.offered_at if at > unit.now - RATE_WINDOW)
    unit.put_agent(attrs.evolve(agent, offered_at=(*recent, unit.now)))
    conversation = record.conversation
    expires = unit.now + policy.offer_timeout
    if policy.auto_accept:
        unit.drop_work(record.id)
        unit.events.append(
            Assigned(id=unit.event_id(), at=stamp, customer_id=conversation.customer_id,
                     conversation_id=conversation.id, assignee=agent_id, previous=None,
                     queue=conversation.queue, actor=SYSTEM)
        )  # fmt: skip
        record = attrs.evolve(record, conversation=attrs.evolve(conversation, assignee=agent_id))
    else:
        unit.put_work(attrs.evolve(work, offered_to=agent_id, offer_expires=expires))
        unit.events.append(
            CustomEvent(id=unit.event_id(), at=stamp, customer_id=conversation.customer_id,
                        conversation_id=conversation.id, name="offered",
                        data={"agent_id": agent_id, "expires_at": expires.isoformat()})
        )  # fmt: skip
    unit.outbox.append(
        Outgoing(kind=OutboxKind.OFFER, conversation_id=conversation.id,
                 customer_id=conversation.customer_id, target=agent_id,
                 channel=conversation.channel,
                 variables={"expires_at": "" if policy.auto_accept else expires.isoformat(),
                            "assigned": "true" if policy.auto_accept else "false"})
    )  # fmt: skip
    return record
