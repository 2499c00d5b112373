"""SLA policies and business calendars.

Business calendars (``BusinessCalendar``, ``load_calendar``, ``ALWAYS_OPEN``)
do exact integer-second arithmetic in open hours across time zones, DST,
split and overnight shifts, holidays and special dates. ``SlaEngine`` folds
a conversation's timeline into per-metric, per-occurrence clocks under the
first matching ``Policy``, emitting clock events and escalations as values.
See docs/sla.md.
"""

from omnicx.sla._calendar import ALWAYS_OPEN, BusinessCalendar, Calendar
from omnicx.sla._clock import (
    ClockEvent,
    ClockEventKind,
    ClockState,
    Effect,
    Escalate,
    PolicyApplied,
    SlaClock,
    SlaReport,
    TargetStatus,
)
from omnicx.sla._customer import customer_facts
from omnicx.sla._engine import SlaEngine, SlaState
from omnicx.sla._file import load_policies
from omnicx.sla._load import load_calendar
from omnicx.sla._policy import (
    DEFAULT_PAUSES,
    NO_PAUSES,
    Condition,
    Escalation,
    Match,
    Metric,
    Policy,
    SlaFacts,
    Target,
)

__all__ = [
    "ALWAYS_OPEN",
    "DEFAULT_PAUSES",
    "NO_PAUSES",
    "BusinessCalendar",
    "Calendar",
    "ClockEvent",
    "ClockEventKind",
    "ClockState",
    "Condition",
    "Effect",
    "Escalate",
    "Escalation",
    "Match",
    "Metric",
    "Policy",
    "PolicyApplied",
    "SlaClock",
    "SlaEngine",
    "SlaFacts",
    "SlaReport",
    "SlaState",
    "Target",
    "TargetStatus",
    "customer_facts",
    "load_calendar",
    "load_policies",
]
