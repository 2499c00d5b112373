"""A deterministic inbound stream for the pipeline benchmark, and the desk it runs on.

Several hundred customers write on email, SMS, WhatsApp, Instagram and web
chat over two weeks; threads of 1-8 messages carry the references each
channel really sends (provider thread ids; Message-ID, In-Reply-To and
References on email). Texts are drawn from a support team's usual mix so the
routing rules fire across the whole rule set.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from omnicx.channels import MessageReceived
from omnicx.model import (
    Author,
    AuthorKind,
    Channel,
    Direction,
    Identifier,
    Message,
    Priority,
    ThreadRefs,
)
from omnicx.routing import RuleEngine, load_rules
from omnicx.sla import Escalation, Match, Metric, Policy, SlaEngine, Target, load_calendar

START = datetime(2026, 3, 2, 8, tzinfo=UTC)
RULES_FILE = Path(__file__).resolve().parents[2] / "examples" / "rules" / "support.yaml"
CHANNELS = (Channel.EMAIL, Channel.SMS, Channel.WHATSAPP, Channel.INSTAGRAM, Channel.CHAT)
TEXTS = (
    "Hi, where is my order? Tracking shows nothing",
    "My order 123456 is late, still waiting",
    "I would like a refund please",
    "The item arrived broken",
    "Can I get a copy of my invoice?",
    "I was charged twice for the same order",
    "I want to return this, wrong size",
    "Please cancel my order",
    "Someone logged in to my account, I think I was hacked",
    "Thanks, that solved it!",
    "Hola, necesito ayuda con mi pedido",
    "Is there a discount for students?",
    "URGENT: payment failed at checkout",
    "ok",
)


def _sender(rng: random.Random, channel: Channel, customer: int) -> tuple[Identifier, ...]:
    email = Identifier.email(f"c{customer}@example.com", verified=True)
    phone = Identifier.phone(f"+4477009{customer:05d}", verified=True)
    if channel == Channel.EMAIL:
        return (email,)
    if channel == Channel.INSTAGRAM:
        return (Identifier.handle("instagram", f"ig{customer}"),)
    if channel == Channel.CHAT:
        handle = Identifier.handle("chat", f"v{customer}")
        return (handle, email) if rng.random() < 0.5 else (handle,)
    return (phone,)


def inbound(
    n: int, *, customers: int | None = None, seed: int = 7, days: int = 14
) -> list[MessageReceived]:
    """``n`` inbound messages in the order they were sent, threads started over ``days``."""
    rng = random.Random(seed)
    customers = customers or max(10, n // 12)
    threads: list[list[MessageReceived]] = []
    count = 0
    while count < n:
        customer = rng.randrange(customers)
        channel = rng.choice(CHANNELS)
        at = START + timedelta(minutes=rng.randrange(days * 24 * 60))
        thread: list[MessageReceived] = []
        ids: list[str] = []
        for _ in range(min(rng.randint(1, 8), n - count)):
            number = count
            count += 1
            at += timedelta(minutes=rng.randint(1, 240))
            mid = f"<m{number}@mail.example>" if channel == Channel.EMAIL else None
            refs = ThreadRefs(
                message_id=mid,
                in_reply_to=tuple(ids[-1:]),
                references=tuple(ids),
                provider_thread_id=None if channel == Channel.EMAIL else f"t{len(threads)}",
                subject="Order help" if channel == Channel.EMAIL else None,
            )
            if mid is not None:
                ids.append(mid)
            message = Message(
                id=f"{channel.name}:x{number}",
                channel=channel,
                direction=Direction.INBOUND,
                author=Author(kind=AuthorKind.CUSTOMER, id=f"c{customer}"),
                sent_at=at,
                text=rng.choice(TEXTS),
                external_id=f"x{number}",
                thread=refs,
            )
            thread.append(MessageReceived(message=message, sender=_sender(rng, channel, customer)))
        threads.append(thread)
    stream = [event for thread in threads for event in thread]
    stream.sort(key=lambda e: (e.message.sent_at, e.message.id))
    return stream


def rules() -> RuleEngine:
    """The example support team's rule set (35 rules, first match)."""
    return RuleEngine.compile(load_rules(RULES_FILE))


def sla() -> SlaEngine:
    """VIP and standard policies and those the rules name, in business hours with a ladder."""
    office = load_calendar(
        {
            "timezone": "Europe/London",
            "hours": {d: ["09:00-17:30"] for d in ("mon", "tue", "wed", "thu", "fri")},
            "holidays": ["2026-04-03", "2026-04-06", "2026-05-04"],
        }
    )
    hours = {Priority.URGENT: 1, Priority.HIGH: 4, Priority.NORMAL: 8, Priority.LOW: 24}
    ladder = (
        Escalation(percent=75, action="warn-assignee"),
        Escalation(percent=100, action="notify-lead"),
    )

    def targets(scale: float) -> dict[Metric, dict[Priority, Target]]:
        return {
            Metric.FIRST_REPLY: {
                p: Target(seconds=int(h * scale * 3600), warn_percent=75) for p, h in hours.items()
            },
            Metric.NEXT_REPLY: {p: Target(seconds=int(h * scale * 7200)) for p, h in hours.items()},
            Metric.RESOLUTION: {
                p: Target(seconds=int(h * scale * 5 * 3600)) for p, h in hours.items()
            },
        }

    vip = Policy(
        name="vip",
        when=Match(customer={"vip": frozenset({True})}),
        targets=targets(0.5),
        calendar=office,
        escalations=ladder,
    )
    standard = Policy(name="standard", targets=targets(1.0), calendar=office, escalations=ladder)
    # The policies the rule file names (``sla_policy``): chosen by name only.
    named = tuple(
        Policy(name=name, when=_by_name_only, targets=targets(scale), calendar=office,
               escalations=ladder)
        for name, scale in NAMED_POLICIES.items()
    )  # fmt: skip
    return SlaEngine(policies=(vip, *named), default=standard)


NAMED_POLICIES = {"urgent-1h": 0.125, "vip-15m": 0.03, "vip-1h": 0.125, "social-1h": 0.125,
                  "gdpr-30d": 90.0}  # fmt: skip
"""The SLA policies examples/rules/support.yaml names, and their target scale."""


def _by_name_only(_facts: object) -> bool:
    return False
