"""Customers, agents, queues and teams."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from omnicx._frozen import EMPTY_MAP, frozen_json, frozen_seq, frozen_set
from omnicx.model._checks import MONEY_FIX, aware, non_empty, non_negative, of_type
from omnicx.model._identifier import Identifier


@attrs.frozen(kw_only=True)
class Customer:
    """One person (or business) the support team talks to, across all channels.

    Attributes:
        id: the profile id; stable, and still resolvable after a merge.
        identifiers: every identifier known for this customer.
        name: a display name, if known. A name alone never links profiles.
        vip: whether routing and SLAs should treat this customer as VIP.
        tier: a host-defined service tier (``"gold"``).
        language: preferred language as a BCP 47 tag (``"de"``, ``"pt-BR"``).
        timezone: the customer's IANA time zone, if known.
        lifetime_value: money spent so far, in the host's reporting currency.
        attributes: any further JSON-compatible attributes the host tracks.
        created_at: when the profile was first seen.
    """

    id: str = attrs.field(validator=non_empty)
    identifiers: tuple[Identifier, ...] = attrs.field(default=(), converter=frozen_seq)
    name: str | None = attrs.field(
        default=None,
        validator=of_type(str, "a str or None", "pass the display name as a string", optional=True),
    )
    vip: bool = attrs.field(default=False, validator=of_type(bool, "a bool", "pass True or False"))
    tier: str | None = None
    language: str | None = None
    timezone: str | None = None
    lifetime_value: Decimal | None = attrs.field(
        default=None,
        validator=[of_type(Decimal, "a Decimal or None", MONEY_FIX, optional=True), non_negative],
    )
    attributes: Mapping[str, Any] = attrs.field(default=EMPTY_MAP, converter=frozen_json)
    created_at: datetime | None = attrs.field(default=None, validator=aware)


class AgentStatus(enum.Enum):
    """Whether an agent can take new work right now."""

    ONLINE = "online"
    """Takes new assignments."""
    AWAY = "away"
    """Keeps current work, takes nothing new."""
    OFFLINE = "offline"
    """Not working; takes nothing new."""


@attrs.frozen(kw_only=True)
class Agent:
    """A human who answers customers.

    Attributes:
        capacity: how many units of work the agent carries at once; what one
            conversation weighs per channel is assignment configuration.
        queues: ids of the queues the agent works.
        skills: skill names the agent has (``"refunds"``, ``"spanish"``).
        languages: BCP 47 tags the agent can answer in.
    """

    id: str = attrs.field(validator=non_empty)
    name: str = ""
    status: AgentStatus = AgentStatus.OFFLINE
    capacity: int = attrs.field(
        default=10,
        validator=[of_type(int, "an int", "pass a whole number of work units"), non_negative],
    )
    queues: frozenset[str] = attrs.field(default=frozenset(), converter=frozen_set)
    skills: frozenset[str] = attrs.field(default=frozenset(), converter=frozen_set)
    languages: frozenset[str] = attrs.field(default=frozenset(), converter=frozen_set)


@attrs.frozen(kw_only=True)
class Queue:
    """A line of work that conversations are routed into.

    ``calendar`` names the business calendar its SLA clocks use, if any.
    """

    id: str = attrs.field(validator=non_empty)
    name: str = ""
    team: str | None = None
    calendar: str | None = None


@attrs.frozen(kw_only=True)
class Team:
    """A group of agents, usually owning one or more queues."""

    id: str = attrs.field(validator=non_empty)
    name: str = ""
    agents: frozenset[str] = attrs.field(default=frozenset(), converter=frozen_set)
