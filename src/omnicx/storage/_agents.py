"""What the desk keeps about agents and the work waiting for them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Protocol

import attrs

from omnicx._frozen import EMPTY_MAP, frozen_map, frozen_seq, frozen_set
from omnicx.errors import ConflictError
from omnicx.model import Agent, Channel, Priority


@attrs.frozen(kw_only=True)
class AgentRecord:
    """An agent as stored: the agent (presence included) and the work it carries.

    Attributes:
        agent: the agent, its ``status`` being its presence.
        holding: conversation id -> the units of capacity it takes, for
            every conversation the agent is assigned or has been offered
            and not yet answered.
        offered_at: when the agent was last offered work, newest last
            (only those inside the rate-limit window are kept).
        version: the stored version; 0 for an agent never stored. Each
            commit of the record stores ``version + 1``.
    """

    agent: Agent
    holding: Mapping[str, int] = attrs.field(default=EMPTY_MAP, converter=frozen_map)
    offered_at: tuple[datetime, ...] = attrs.field(default=(), converter=frozen_seq)
    version: int = 0

    @property
    def id(self) -> str:
        """The agent's id."""
        return self.agent.id

    @property
    def load(self) -> int:
        """The units of capacity in use."""
        return sum(self.holding.values())


@attrs.frozen(kw_only=True)
class WaitingWork:
    """A routed conversation waiting for an agent.

    Attributes:
        id: the conversation's id.
        arrived_at: its original age: kept when an offer is declined or
            times out, so it keeps its place in line.
        declined_by: agents who declined it (or let an offer time out);
            it is never offered to them again.
        offered_to: the agent it is offered to now, if any.
        offer_expires: when that offer times out.
        version: the stored version (0: never stored); commits check it.
    """

    id: str
    channel: Channel
    arrived_at: datetime
    priority: Priority = Priority.NORMAL
    queue: str | None = None
    skills: frozenset[str] = attrs.field(default=frozenset(), converter=frozen_set)
    language: str | None = None
    declined_by: frozenset[str] = attrs.field(default=frozenset(), converter=frozen_set)
    offered_to: str | None = None
    offer_expires: datetime | None = None
    version: int = 0


def waiting_order(work: WaitingWork) -> tuple[int, datetime, str]:
    """The order waiting work is served in: priority, then original age, then id."""
    return (-work.priority.rank, work.arrived_at, work.id)


class AgentStore(Protocol):
    """The reads a store offers for agents and waiting work (``Desk.assignment``).

    Writes go through ``commit`` with ``Changes.agents``,
    ``Changes.waiting`` and ``Changes.waiting_done``, version-checked
    like conversations.
    """

    def agent(self, agent_id: str) -> AgentRecord | None:
        """Return the stored agent record, or None."""
        ...

    def agents(self) -> list[AgentRecord]:
        """Return every stored agent record, by agent id."""
        ...

    def waiting(self, conversation_id: str) -> WaitingWork | None:
        """Return the conversation's waiting work, or None."""
        ...

    def waiting_work(
        self, *, offered: bool | None = None, limit: int | None = None
    ) -> list[WaitingWork]:
        """Return waiting work by ``waiting_order``, at most ``limit``.

        ``offered`` True keeps only work offered to someone now, False only
        work offered to nobody; None keeps both.
        """
        ...


def check_agent_versions(
    changes: _HasAgentWrites,
    stored_agent_version: Callable[[str], int],
    stored_waiting_version: Callable[[str], int],
) -> None:
    """Raise ``ConflictError`` if an agent or waiting work written was changed since read."""
    for record in changes.agents:
        stored = stored_agent_version(record.id)
        if stored != record.version:
            raise ConflictError(
                f"agent {record.id!r} changed since it was read "
                f"(read version {record.version}, stored {stored}); reload and retry"
            )
    for work in (*changes.waiting, *changes.waiting_done):
        stored = stored_waiting_version(work.id)
        if stored != work.version:
            raise ConflictError(
                f"waiting work for conversation {work.id!r} changed since it was read "
                f"(read version {work.version}, stored {stored}); reload and retry"
            )


class _HasAgentWrites(Protocol):
    @property
    def agents(self) -> tuple[AgentRecord, ...]: ...
    @property
    def waiting(self) -> tuple[WaitingWork, ...]: ...
    @property
    def waiting_done(self) -> tuple[WaitingWork, ...]: ...
