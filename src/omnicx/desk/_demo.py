"""The demo: a desk configured like a small shop's, fed the sample week."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from omnicx._frozen import frozen_map, frozen_tree
from omnicx.channels import ChannelAdapter, MessageReceived
from omnicx.clock import FixedClock
from omnicx.desk._desk import Desk
from omnicx.desk._receipt import Receipt
from omnicx.desk._sample import (
    DEMO_NOW,
    EMAIL,
    INSTAGRAM,
    SHOPIFY,
    TWILIO,
    WEBCHAT,
    WHATSAPP,
    AgentStep,
    Delivery,
    sample_week,
)
from omnicx.desk._tick import TickReport
from omnicx.model import Agent, AgentStatus, Priority, SurveyKind
from omnicx.routing import AssignmentPolicy, RuleEngine, load_rules
from omnicx.sla import Match, Metric, Policy, SlaEngine, Target, load_calendar
from omnicx.storage import DeskStore

DEMO_RULES: Mapping[str, Any] = {
    "mode": "first_match",
    "rules": [
        {
            "id": "refund",
            "description": "Refunds and double charges go to billing, with an acknowledgement",
            "when": {"field": "message.text", "op": "contains_any",
                     "value": ["refund", "charged twice", "money back"]},
            "then": {"queue": "billing", "priority": "high", "add_tags": ["refund"],
                     "auto_reply": {"template": "refund-received"}},
        },
        {
            "id": "high-value",
            "description": "Customers who spent 1,000 or more get the VIP team",
            "when": {"field": "customer.lifetime_value", "op": "gte", "value": 1000},
            "then": {"queue": "vip-care", "priority": "high", "add_tags": ["vip"]},
        },
        {
            "id": "returns",
            "when": {"field": "message.text", "op": "contains_any",
                     "value": ["return", "doesn't fit", "exchange"]},
            "then": {"queue": "returns", "add_tags": ["return"]},
        },
        {
            "id": "social",
            "description": "Instagram and Messenger DMs to the social team",
            "when": {"field": "message.channel", "op": "in", "value": ["instagram", "messenger"]},
            "then": {"queue": "social"},
        },
        {"id": "everything-else", "then": {"queue": "general"}},
    ],
}  # fmt: skip
"""The demo's routing rules, in the rule language (see docs/rules.md)."""

DEMO_CALENDAR: Mapping[str, Any] = {
    "timezone": "Europe/London",
    "hours": {day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")},
}
"""Support opening hours: Monday to Friday, 9 to 5, London time."""


def _hours(hours: float) -> Target:
    # Warned at three quarters of the target, so a tick has warnings to fire.
    return Target(seconds=int(hours * 3600), warn_percent=75)


def demo_sla() -> SlaEngine:
    """The demo's SLA policies: VIP first, then a standard one for everybody."""
    calendar = load_calendar(DEMO_CALENDAR)
    vip = Policy(
        name="vip",
        when=Match(tags={"vip"}),
        calendar=calendar,
        targets={Metric.FIRST_REPLY: _by_priority({"normal": 0.5, "high": 0.5, "urgent": 0.25}),
                 Metric.NEXT_REPLY: _by_priority({"normal": 2, "high": 1, "urgent": 0.5})},
    )  # fmt: skip
    standard = Policy(
        name="standard",
        calendar=calendar,
        targets={Metric.FIRST_REPLY: _by_priority({"low": 8, "normal": 4, "high": 1, "urgent": 1}),
                 Metric.NEXT_REPLY: _by_priority({"low": 8, "normal": 8, "high": 4, "urgent": 2}),
                 Metric.RESOLUTION: _by_priority({p.value: 24 for p in Priority})},
    )  # fmt: skip
    return SlaEngine(policies=[vip], default=standard)


def _by_priority(hours: Mapping[str, float]) -> dict[Priority, Target]:
    return {Priority(name): _hours(value) for name, value in hours.items()}


DEMO_AGENTS: tuple[Agent, ...] = (
    Agent(id="anna", name="Anna", status=AgentStatus.ONLINE, capacity=3,
          queues={"billing", "vip-care", "general"}, languages={"en"}),
    Agent(id="ben", name="Ben", status=AgentStatus.ONLINE, capacity=3,
          queues={"general", "returns", "social"}, languages={"en"}),
)  # fmt: skip
"""The demo's agents: which queues each works, and how much they carry at once."""


def demo_desk(store: DeskStore) -> Desk:
    """A desk with the demo's rules, SLAs and agents over ``store``, on a fixed clock.

    Routed work is assigned to the least-loaded online agent of its queue at
    once (push mode: ``AssignmentPolicy(auto_accept=True)``).
    """
    desk = Desk(
        store=store,
        clock=FixedClock(DEMO_NOW.replace(day=1)),
        rules=RuleEngine.compile(load_rules(DEMO_RULES)),
        sla=demo_sla(),
        assignment=AssignmentPolicy(auto_accept=True),
    )
    for agent in DEMO_AGENTS:
        desk.put_agent(agent)
    return desk


_ADAPTERS: Mapping[str, ChannelAdapter] = {
    "email": EMAIL,
    "sms": TWILIO,
    "whatsapp": WHATSAPP,
    "instagram": INSTAGRAM,
    "chat": WEBCHAT,
}


@attrs.frozen(kw_only=True)
class DemoRun:
    """What running the sample produced, for display and tests.

    Attributes:
        inbound: every inbound delivery with its receipt, in order.
        conversations: sample customer name -> their latest conversation id.
        customers: sample customer name -> customer id.
        ticked: what ``Desk.tick`` did at ``DEMO_NOW``, with no new message.
    """

    inbound: tuple[tuple[Delivery, Receipt], ...] = attrs.field(converter=frozen_tree)
    conversations: Mapping[str, str] = attrs.field(converter=frozen_map)
    customers: Mapping[str, str] = attrs.field(converter=frozen_map)
    ticked: TickReport | None = None


def run_sample(desk: Desk) -> DemoRun:
    """Feed the sample week to ``desk``; its clock must be a ``FixedClock``.

    Each delivery is verified and parsed by its real adapter, then received;
    each agent step acts on the sample customer's latest conversation. The
    clock ends at ``DEMO_NOW``, where the scheduled work runs (``Desk.tick``):
    the SLA thresholds passed since each conversation's last message fire.
    """
    clock = desk.clock
    if not isinstance(clock, FixedClock):
        raise TypeError("run_sample needs a desk on a FixedClock")
    inbound: list[tuple[Delivery, Receipt]] = []
    latest: dict[str, str] = {}
    customers: dict[str, str] = {}
    for step in sample_week():
        clock.set(step.at)
        if isinstance(step, AgentStep):
            _act(desk, step, latest[step.customer])
            continue
        if step.adapter == "shopify":
            SHOPIFY.verify(step.request, now=step.at)
            customers[step.who] = desk.enrich(
                SHOPIFY.parse(step.request), key=step.headers["X-Shopify-Webhook-Id"]
            )
            continue
        adapter = _ADAPTERS[step.adapter]
        adapter.verify(step.request, now=step.at)
        for event in adapter.parse(step.request):
            if isinstance(event, MessageReceived):
                receipt = desk.receive(event)
                inbound.append((step, receipt))
                latest[step.who] = receipt.conversation_id
                customers[step.who] = receipt.customer_id
    clock.set(DEMO_NOW)
    ticked = desk.tick()
    final = {who: desk.customer(cid).id for who, cid in customers.items()}
    return DemoRun(inbound=tuple(inbound), conversations=latest, customers=final, ticked=ticked)


def _act(desk: Desk, step: AgentStep, conversation_id: str) -> None:
    if step.action == "reply":
        desk.reply(conversation_id, agent_id=step.agent, text=step.text)
    elif step.action == "solve":
        desk.solve(conversation_id, actor_id=step.agent)
    else:
        desk.record_survey(conversation_id, survey=SurveyKind.CSAT, score=step.score)
