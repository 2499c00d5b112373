"""Conversations, their statuses and priorities."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime

import attrs

from omnicx._frozen import EMPTY_MAP, frozen_map, frozen_set
from omnicx.model._bot import BotOwner
from omnicx.model._channel import Channel
from omnicx.model._checks import aware, non_empty

FieldValue = str | int | float | bool | None
"""What a custom conversation field holds."""


class Status(enum.Enum):
    """Where a conversation stands. See ``omnicx.model.LIFECYCLE`` for the moves."""

    NEW = "new"
    """Arrived, nobody has worked on it yet."""
    OPEN = "open"
    """The team owes the customer an answer."""
    PENDING = "pending"
    """Waiting on the customer."""
    ON_HOLD = "on_hold"
    """Waiting on a third party (a carrier, another team)."""
    SOLVED = "solved"
    """Answered; a customer reply within the reopen window reopens it."""
    CLOSED = "closed"
    """Final; a customer reply starts a linked follow-up conversation."""

    @property
    def is_active(self) -> bool:
        """True for statuses that count toward the backlog (not solved or closed)."""
        return self not in (Status.SOLVED, Status.CLOSED)


class Priority(enum.Enum):
    """How urgent a conversation is; ordered with ``rank``."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        """0 for low up to 3 for urgent; higher is more urgent."""
        return _RANKS[self]


_RANKS = {p: i for i, p in enumerate(Priority)}


@attrs.frozen(kw_only=True)
class Conversation:
    """A unit of work with one customer: what other tools call a ticket or case.

    Attributes:
        channel: the channel it started on; later messages may use others.
        follow_up_of: the closed conversation this one follows up, if any.
        skills: what an agent needs to take it (routing's ``skills`` action).
        language: the language to answer in (routing's ``language`` action).
        sla_policy: the SLA policy a rule chose for it (``sla_policy``); None
            lets the SLA engine pick by its ordered policies.
        fields: custom field name -> value (a string, number, boolean or
            None), set by rules' ``set_fields`` and checked against the
            desk's field schema.
        snoozed_until: when a snoozed conversation wakes (``Desk.tick``
            reopens it then); None when it is not snoozed.
        bot: the bot that owns it (``BotOwner``: id, name, since, turns);
            None when people do. While a bot owns it no human SLA clock
            runs; a handoff gives it back to people.
    """

    id: str = attrs.field(validator=non_empty)
    customer_id: str = attrs.field(validator=non_empty)
    channel: Channel
    created_at: datetime = attrs.field(validator=aware)
    status: Status = Status.NEW
    priority: Priority = Priority.NORMAL
    queue: str | None = None
    assignee: str | None = None
    tags: frozenset[str] = attrs.field(default=frozenset(), converter=frozen_set)
    subject: str | None = None
    follow_up_of: str | None = None
    skills: frozenset[str] = attrs.field(default=frozenset(), converter=frozen_set)
    language: str | None = None
    sla_policy: str | None = None
    fields: Mapping[str, FieldValue] = attrs.field(default=EMPTY_MAP, converter=frozen_map)
    snoozed_until: datetime | None = attrs.field(default=None, validator=aware)
    bot: BotOwner | None = None
