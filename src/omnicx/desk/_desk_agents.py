"""The desk's agents and assignment: presence, offers of waiting work, accepts and declines."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import cast

import attrs

from omnicx.desk import _agent_changes as changes
from omnicx.desk import _assignment as assigning
from omnicx.desk._desk_base import DeskBase
from omnicx.desk._receipt import Receipt
from omnicx.desk._unit import Unit, receipt_for
from omnicx.errors import ConflictError, NotFoundError, ValidationError
from omnicx.model import Agent, AgentStatus
from omnicx.routing import AgentLoad, AssignmentPolicy
from omnicx.routing import assign as allocate
from omnicx.storage import AgentRecord, AgentStore, Changes, ConversationRecord


class DeskAgents(DeskBase):
    """The desk's agents and offers (with ``Desk.assignment``)."""

    # Round robin's place (``Desk._cursor``): this group's own state.
    __slots__ = ("_cursor",)

    _cursor: str | None

    def _policy(self) -> AssignmentPolicy:
        if self.assignment is None:
            raise ValidationError.single(
                "Desk.assignment",
                "this desk keeps no agents: pass assignment=AssignmentPolicy(...) to Desk",
            )
        return self.assignment

    def _agent_store(self) -> AgentStore:
        # With ``assignment`` set, Desk's validator took only a store that keeps agents.
        return cast(AgentStore, self.store)

    def put_agent(self, agent: Agent) -> tuple[Receipt, ...]:
        """Add an agent or update one (name, presence, capacity, queues, skills, languages).

        The work the agent carries stays theirs. Returns the receipts of
        the offers this made possible (an agent coming online with room).
        """
        self._policy()
        if not isinstance(agent, Agent):
            raise ValidationError.single("agent", f"expected an Agent, got {type(agent).__name__}")
        unit = Unit.open(self.store, f"agent:{agent.id}", self.clock.now())
        stored = unit.agent(agent.id)
        record = AgentRecord(agent=agent) if stored is None else attrs.evolve(stored, agent=agent)
        unit.put_agent(record)
        self.store.commit(Changes(agents=tuple(unit.agents_written.values())))
        return tuple(self.offer_waiting())

    def set_presence(self, agent_id: str, status: AgentStatus) -> tuple[Receipt, ...]:
        """Set an agent online, away or offline; returns the offers made (online).

        Away and offline agents keep the work they carry and get nothing new.

        Raises:
            UnknownAgentError: no agent with this id (``put_agent`` first).
        """
        record = self.agent(agent_id)
        if not isinstance(status, AgentStatus):
            raise ValidationError.single(
                "status", f"expected an AgentStatus, got {type(status).__name__}"
            )
        if record.agent.status is status:
            return ()
        return self.put_agent(attrs.evolve(record.agent, status=status))

    def agent(self, agent_id: str) -> AgentRecord:
        """The stored agent with its presence and the work it carries; ``UnknownAgentError``."""
        self._policy()
        found = self._agent_store().agent(agent_id)
        if found is None:
            raise assigning.UnknownAgentError(agent_id)
        return found

    def agents(self) -> list[AgentRecord]:
        """Every stored agent, by id."""
        self._policy()
        return list(self._agent_store().agents())

    def accept(
        self, conversation_id: str, *, agent_id: str, request_id: str | None = None
    ) -> Receipt:
        """The agent accepts the open offer: the conversation is assigned to them.

        Raises:
            OfferNotOpenError: no open offer of it to this agent (never
                made, answered already, or timed out).
        """
        self._policy()

        def change(unit: Unit, record: ConversationRecord) -> ConversationRecord:
            assigning.open_offer(unit, conversation_id, agent_id)
            return changes.assign(agent_id=agent_id, actor_id=agent_id, queue=None,
                                  seen_version=None)(unit, record)  # fmt: skip

        return self._act(conversation_id, request_id, change, agent_id, None,
                         ("accept", conversation_id, agent_id))  # fmt: skip

    def decline(
        self, conversation_id: str, *, agent_id: str, request_id: str | None = None
    ) -> Receipt:
        """The agent declines the open offer; it is offered to someone else, never to them.

        The conversation keeps its original age (its place in line). The
        receipt's outbox carries the offers made next.

        Raises:
            OfferNotOpenError: no open offer of it to this agent.
        """
        self._policy()

        def change(unit: Unit, record: ConversationRecord) -> ConversationRecord:
            assigning.open_offer(unit, conversation_id, agent_id)
            assigning.take_back(unit, record, agent_id, "offer_declined")
            return record

        return self._act(conversation_id, request_id, change, agent_id, None,
                         ("decline", conversation_id, agent_id))  # fmt: skip

    def offer_waiting(self) -> list[Receipt]:
        """Offer waiting work to eligible agents, by DOMAIN.md section 10.

        Eligible: online, in the item's queue (or, ``skills_based``, with
        every skill), speaking its language, not having declined it, with
        room for its weight (voice takes all of it) and within the rate
        limit. Most urgent first, then oldest by original age; agents
        chosen least-loaded or round robin. Each offer is its own
        version-checked commit: two processes never put one agent over
        capacity (the loser skips). Returns one receipt per offer, its
        outbox holding the ``OFFER`` for the host to deliver.
        """
        return self._offer_waiting({})

    def _offer_waiting(self, caused: Mapping[str, datetime]) -> list[Receipt]:
        # ``caused``: conversation id -> the instant its offer is stamped.
        policy = self._policy()
        store = self._agent_store()
        now = self.clock.now()
        waiting = store.waiting_work(offered=False)
        if not waiting:
            return []
        records: dict[str, AgentRecord] = {r.id: r for r in store.agents()}
        loads = [AgentLoad(agent=r.agent, load=r.load,
                           offers_left=assigning.offers_left(r, policy, now))
                 for r in records.values()]  # fmt: skip
        if not any(r.agent.status is AgentStatus.ONLINE for r in records.values()):
            return []
        by_id = {w.id: w for w in waiting}
        chosen = allocate([assigning.work_item(w) for w in waiting], loads, policy,
                          cursor=self._cursor)  # fmt: skip
        self._cursor = chosen.cursor
        receipts: list[Receipt] = []
        for assignment in chosen.assignments:
            if assignment.agent_id is None:
                continue
            work = by_id[assignment.item_id]
            agent_id = assignment.agent_id
            try:
                stored = self._record(work.id)
                # Work leaves the line and comes back (unassigned, reopened)
                # at its first version again: the conversation's version
                # tells those rounds apart, so each offer has its own key.
                key = f"offer:{work.id}@{work.version}.{stored.version}"
                unit = Unit.open(self.store, key, now)
                unit.agents_read[agent_id] = records[agent_id]
                unit.work_read[work.id] = work
                record = unit.load(stored)
                if record.erased_at is not None:
                    # Nothing more is done for an erased customer's conversation.
                    unit.drop_work(work.id)
                    self.store.commit(Changes(waiting_done=tuple(unit.work_done.values())))
                    continue
                offered = assigning.offer(unit, policy, record, agent_id, caused.get(work.id))
                customer_id = offered.conversation.customer_id
                offered, _ = self._track(unit, offered, self.customer(customer_id))
                unit.put(offered)
                receipts.append(unit.commit(receipt_for(unit, offered, customer_id)))
            except (ConflictError, NotFoundError):
                # Another process changed the agent or the work first: read
                # the agent again for the rest of this round.
                fresh = store.agent(agent_id)
                if fresh is not None:
                    records[agent_id] = fresh
                continue
            written = unit.agents_written[agent_id]
            records[agent_id] = attrs.evolve(written, version=written.version + 1)
        return receipts

    def _expire_offers(self, now: datetime) -> list[Receipt]:
        # Offers nobody answered in time go back in line, as declined.
        store = self._agent_store()
        receipts: list[Receipt] = []
        for work in store.waiting_work(offered=True):
            if work.offered_to is None or work.offer_expires is None or work.offer_expires > now:
                continue
            try:
                stored = self._record(work.id)
                key = f"expire:{work.id}@{work.version}.{stored.version}"
                unit = Unit.open(self.store, key, now)
                unit.work_read[work.id] = work
                record = unit.load(stored)
                assigning.take_back(unit, record, work.offered_to, "offer_timed_out")
                unit.put(record)
                customer_id = record.conversation.customer_id
                receipts.append(unit.commit(receipt_for(unit, record, customer_id)))
            except (ConflictError, NotFoundError):
                continue
        return receipts

    def _with_offers(
        self, receipt: Receipt, caused: Mapping[str, datetime] | None = None
    ) -> Receipt:
        # A call that freed capacity or queued work offers it at once; the
        # offers' outbox items join the call's receipt (each offer also has
        # its own receipt, under its own key).
        offers = self._offer_waiting(caused or {})
        if not offers:
            return receipt
        extra = tuple(item for r in offers for item in r.outbox)
        receipt = attrs.evolve(receipt, outbox=(*receipt.outbox, *extra))
        # The call's own conversation offered (or, push mode, assigned): the
        # receipt says so, at the version the offer left it.
        own = [r for r in offers if r.conversation_id == receipt.conversation_id]
        if own:
            receipt = attrs.evolve(receipt, assignee=own[-1].assignee,
                                   conversation_version=own[-1].conversation_version)  # fmt: skip
        return receipt
