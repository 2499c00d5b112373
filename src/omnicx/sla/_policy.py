"""SLA policies: which conversations they cover and the targets they set.

Policies are an ordered list; the first whose condition matches applies
(Zendesk orders by ``position``; an unordered match is Frappe's failure mode).
Conditions are any ``Condition``: a callable taking ``SlaFacts``. The
plain field matcher ``Match`` covers channel, priority, queue, tags and
customer attributes; richer compiled rule conditions plug in the same way.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Mapping
from typing import Any, Protocol

import attrs

from omnicx._frozen import EMPTY_MAP, FrozenMap, frozen_json, frozen_seq, frozen_set
from omnicx.model import Channel, Priority, Status
from omnicx.model._checks import callable_value, in_range, non_empty, of_type
from omnicx.sla._calendar import ALWAYS_OPEN, Calendar

_BOOL_FIX = "pass True for business hours or False for calendar time"
_ACTION_FIX = "name what to do, e.g. 'notify:lead'"


class Metric(enum.Enum):
    """What an SLA target measures (definitions in docs/sla.md)."""

    FIRST_REPLY = "first_reply"
    """From the first customer message (or a reopen) to the first public human reply."""
    NEXT_REPLY = "next_reply"
    """From the oldest unanswered customer message to the next public human reply."""
    PERIODIC_UPDATE = "periodic_update"
    """From one public human reply to the next, until solved."""
    PAUSABLE_UPDATE = "pausable_update"
    """Periodic update that pauses while pending."""
    REQUESTER_WAIT = "requester_wait"
    """Time the customer waits: the conversation's life until solved, minus pending."""
    AGENT_WORK = "agent_work"
    """Time the team owns the work: until solved, minus pending and on-hold."""
    RESOLUTION = "resolution"
    """From creation to solved, never paused."""


REPLY_METRICS = frozenset({Metric.FIRST_REPLY, Metric.NEXT_REPLY})

_P, _H = Status.PENDING, Status.ON_HOLD
DEFAULT_PAUSES: Mapping[Metric, frozenset[Status]] = FrozenMap(
    {
        # Zendesk: "requester wait time ... excludes pending"; "agent work time
        # ... excludes pending and on-hold"; pausable update pauses in pending;
        # reply metrics are never paused by status.
        Metric.REQUESTER_WAIT: frozenset({_P}),
        Metric.AGENT_WORK: frozenset({_P, _H}),
        Metric.PAUSABLE_UPDATE: frozenset({_P}),
    }
)
"""Zendesk's pause sets: the statuses in which each metric's clock stops."""

NO_PAUSES: Mapping[Metric, frozenset[Status]] = EMPTY_MAP
"""No clock ever pauses on status: the Chatwoot model, as an explicit choice."""


@attrs.frozen(kw_only=True)
class SlaFacts:
    """What a policy condition sees about a conversation at one moment."""

    channel: Channel | None = None
    status: Status = Status.NEW
    priority: Priority = Priority.NORMAL
    queue: str | None = None
    assignee: str | None = None
    tags: frozenset[str] = attrs.field(default=frozenset(), converter=frozen_set)
    customer: Mapping[str, Any] = attrs.field(default=EMPTY_MAP, converter=frozen_json)
    """Host-supplied customer attributes (``vip``, ``tier``...)."""
    sla_policy: str | None = None
    """The policy named for the conversation (a rule's ``sla_policy``), if any."""
    bot: str | None = None
    """The bot that owns the conversation; while one does, no clock runs."""


class Condition(Protocol):
    """Anything that says whether a policy covers a conversation."""

    def __call__(self, facts: SlaFacts, /) -> bool:
        """True when the policy applies."""
        ...


def _channels(value: Iterable[Channel] | None) -> frozenset[Channel] | None:
    return None if value is None else frozenset(value)


def _priorities(value: Iterable[Priority] | None) -> frozenset[Priority] | None:
    return None if value is None else frozenset(value)


def _names(value: Iterable[str] | None) -> frozenset[str] | None:
    return None if value is None else frozenset(value)


def _tags(value: Iterable[str]) -> frozenset[str]:
    return frozenset(value)


@attrs.frozen(kw_only=True)
class Match:
    """A plain field matcher: every given field must match (None: any value).

    ``tags`` must all be present; ``customer`` maps an attribute to the
    allowed values (``{"tier": {"gold", "platinum"}}``).
    """

    channel: frozenset[Channel] | None = attrs.field(default=None, converter=_channels)
    priority: frozenset[Priority] | None = attrs.field(default=None, converter=_priorities)
    queue: frozenset[str] | None = attrs.field(default=None, converter=_names)
    tags: frozenset[str] = attrs.field(default=frozenset(), converter=_tags)
    customer: Mapping[str, Collection[Any]] = attrs.field(default=EMPTY_MAP, converter=frozen_json)

    def __call__(self, facts: SlaFacts, /) -> bool:
        """True when every given field matches ``facts``."""
        # The first failing field settles it: selection runs on every fact change.
        if self.channel is not None and facts.channel not in self.channel:
            return False
        if self.priority is not None and facts.priority not in self.priority:
            return False
        if self.queue is not None and facts.queue not in self.queue:
            return False
        if self.tags and not self.tags <= facts.tags:
            return False
        customer = facts.customer
        return all(customer.get(k) in v for k, v in self.customer.items())


@attrs.frozen(kw_only=True)
class Target:
    """One goal: ``seconds`` of business (or calendar) time, with a warning.

    ``warn_percent`` (1-99) marks the clock warned once that share is used.
    """

    seconds: int = attrs.field(validator=in_range(0))
    business: bool = attrs.field(default=True, validator=of_type(bool, "a bool", _BOOL_FIX))
    warn_percent: int | None = attrs.field(default=None, validator=in_range(1, 99))


@attrs.frozen(kw_only=True)
class Escalation:
    """A ladder step: at ``percent`` of a target used, emit ``action``.

    100 is the breach instant; above 100 keeps escalating a breached clock.
    ``metrics`` limits the step to some metrics (empty: all).
    """

    percent: int = attrs.field(validator=in_range(1))
    action: str = attrs.field(validator=[of_type(str, "text", _ACTION_FIX), non_empty])
    metrics: frozenset[Metric] = attrs.field(default=frozenset(), converter=frozen_set)


@attrs.frozen(kw_only=True)
class Policy:
    """An SLA policy: a condition, per-metric per-priority targets, a calendar.

    ``version`` is recorded with every application, so a history says which
    revision of the policy applied. ``pauses`` maps each metric to the
    statuses that pause it (``DEFAULT_PAUSES``, ``NO_PAUSES`` or your own).
    """

    name: str = attrs.field(validator=[of_type(str, "text", "name the policy"), non_empty])
    version: int = attrs.field(default=1, validator=in_range(1))
    when: Condition = attrs.field(
        factory=Match,
        validator=callable_value(
            "a condition", "pass Match(...) (Match() covers every conversation) or a function"
        ),
    )
    targets: Mapping[Metric, Mapping[Priority, Target]] = attrs.field(
        default=EMPTY_MAP, converter=frozen_json
    )
    calendar: Calendar = ALWAYS_OPEN
    pauses: Mapping[Metric, frozenset[Status]] = attrs.field(
        default=DEFAULT_PAUSES, converter=frozen_json
    )
    escalations: tuple[Escalation, ...] = attrs.field(default=(), converter=frozen_seq)

    def target(self, metric: Metric, priority: Priority) -> Target | None:
        """The target for a metric at a priority, or None when the policy sets none."""
        return self.targets.get(metric, {}).get(priority)

    def calendar_for(self, target: Target) -> Calendar:
        """The calendar a target counts in: the policy's, or ``ALWAYS_OPEN``."""
        return self.calendar if target.business else ALWAYS_OPEN
