"""``omnicx.sla.__all__`` is pinned: adding a public name is a visible decision."""

from __future__ import annotations

import omnicx.sla

PINNED = [
    "ALWAYS_OPEN", "DEFAULT_PAUSES", "NO_PAUSES", "BusinessCalendar", "Calendar",
    "ClockEvent", "ClockEventKind", "ClockState", "Condition", "Effect", "Escalate",
    "Escalation", "Match", "Metric", "Policy", "PolicyApplied", "SlaClock", "SlaEngine",
    "SlaFacts", "SlaReport", "SlaState", "Target", "TargetStatus", "load_calendar",
]  # fmt: skip


def test_all_is_pinned() -> None:
    """The package exports exactly the pinned names, each resolvable and documented."""
    assert omnicx.sla.__all__ == PINNED
    for name in PINNED:
        value = getattr(omnicx.sla, name)
        if isinstance(value, type) or callable(value):
            assert value.__doc__, name
