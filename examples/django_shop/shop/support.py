"""The shop's side of omnicx: its SLA policies, and how the outbox is "sent".

``OMNICX`` in settings.py names these by dotted path.
"""

from __future__ import annotations

import logging
from typing import Any

from omnicx.model import Priority
from omnicx.sla import Metric, Policy, SlaEngine, Target, load_calendar

log = logging.getLogger("shop.outbox")
# What the demo "sent" (newest last); a real shop hands items to its provider clients.
SENT: list[dict[str, Any]] = []


def sla() -> SlaEngine:
    """One policy for everybody: first reply within 4 business hours, resolution in 24."""
    calendar = load_calendar(
        {"timezone": "Europe/London",
         "hours": {day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}}
    )  # fmt: skip
    hours = {Metric.FIRST_REPLY: 4, Metric.RESOLUTION: 24}
    targets = {
        metric: {priority: Target(seconds=h * 3600) for priority in Priority}
        for metric, h in hours.items()
    }
    return SlaEngine(policies=[], default=Policy(name="standard", calendar=calendar,
                                                 targets=targets))  # fmt: skip


def send(item: dict[str, Any]) -> None:
    """The outbox sender: a real shop renders the item with its channel's adapter and sends it.

    It takes JSON data, so a Celery task's ``delay`` could stand here as it is.
    The demo logs it and marks it handed over.
    """
    from omnicx.contrib.django.outbox import mark_sent

    SENT.append(item)
    log.info("send %s to %s on %s", item["kind"], item["to"], item["channel"])
    mark_sent(item["id"])
