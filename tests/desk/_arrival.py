"""Feeding one stream through a desk in order, or redelivered and shuffled.

A ``Delivery`` is one webhook arriving: the event and the desk's clock at
that moment. ``in_order`` delivers each message once, when it was received;
``redelivered`` delivers each 1-3 times, shuffled within windows of
``window`` deliveries, each copy at an arrival time no earlier than the
message's receipt (a late copy arrives later than it was sent).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta

import attrs

from omnicx import FixedClock
from omnicx.channels import MessageReceived
from omnicx.desk import Desk
from omnicx.model import Author, AuthorKind, Channel, Direction, Identifier, Message, ThreadRefs
from omnicx.storage import DeskStore
from omnicx.testing import FinalState, final_state


@attrs.frozen
class Delivery:
    """One arrival of a message: the event and the desk's clock when it came."""

    event: MessageReceived
    at: datetime


def received(event: MessageReceived) -> datetime:
    """When the message was received: its ``received_at``, else its sent time."""
    return event.received_at if event.received_at is not None else event.message.sent_at


def in_order(stream: Iterable[MessageReceived]) -> list[Delivery]:
    """Each message once, in the order received, the clock at its receipt."""
    ordered = sorted(stream, key=lambda e: (received(e), e.message.id))
    return [Delivery(event, received(event)) for event in ordered]


def redelivered(
    stream: Iterable[MessageReceived], *, seed: int, window: int = 100
) -> list[Delivery]:
    """Each message 1-3 times, shuffled within windows, each copy at a monotone clock."""
    rng = random.Random(seed)
    copies = [e for e in in_order_events(stream) for _ in range(rng.randint(1, 3))]
    shuffled: list[MessageReceived] = []
    for start in range(0, len(copies), window):
        part = copies[start : start + window]
        rng.shuffle(part)
        shuffled.extend(part)
    deliveries, clock = [], None
    for event in shuffled:
        # The desk's clock never runs back; a copy never arrives before its receipt.
        clock = received(event) if clock is None else max(clock, received(event))
        clock += timedelta(seconds=rng.randint(0, 90))
        deliveries.append(Delivery(event, clock))
    return deliveries


def in_order_events(stream: Iterable[MessageReceived]) -> list[MessageReceived]:
    return [d.event for d in in_order(stream)]


def feed(
    make_desk: Callable[[DeskStore, FixedClock], Desk],
    store: DeskStore,
    deliveries: Sequence[Delivery],
    *,
    end: datetime,
) -> FinalState:
    """Receive every delivery at its clock, tick at ``end``, and return the final state."""
    clock = FixedClock(deliveries[0].at if deliveries else end)
    desk = make_desk(store, clock)
    for delivery in deliveries:
        clock.set(delivery.at)
        desk.receive(delivery.event)
    clock.set(end)
    while desk.tick().more:
        pass
    return final_state(store)


CONTINUITY = timedelta(hours=2)
"""The continuity window the streams below are built around (``ThreadingPolicy``)."""

TOPICS = ("refund please", "the item arrived broken", "a copy of my invoice", "hello there")
CHANNELS = (Channel.EMAIL, Channel.SMS, Channel.WHATSAPP, Channel.CHAT)
FAST = timedelta(days=30)


def bursty(
    rng: random.Random, *, start: datetime, customers: int, bursts: int
) -> list[MessageReceived]:
    """A stream meeting docs/timeline.md's order condition, drawn from ``rng``.

    Each customer writes in bursts on any channel: the messages of one burst
    are at most ``CONTINUITY`` apart from first to last and share a topic;
    bursts are more than ``CONTINUITY`` apart. Every message carries the
    customer's email (so the first message of any order finds the same
    customer), emails of a burst reply to each other, chats share a session.
    Some customers' clocks run 30 days fast; their provider stamps the true
    receipt time (``received_at``).
    """
    stream: list[MessageReceived] = []
    for c in range(customers):
        fast = rng.random() < 0.25
        email = Identifier.email(f"c{c}@example.com", verified=True)
        at = start + timedelta(minutes=rng.randrange(0, 24 * 60))
        for b in range(bursts):
            if b:
                at += CONTINUITY + timedelta(minutes=rng.randint(1, 48 * 60))
            topic = rng.choice(TOPICS)
            offsets = sorted(
                rng.randint(0, int(CONTINUITY.total_seconds() // 60) - 1)
                for _ in range(rng.randint(1, 5))
            )
            mail_ids: list[str] = []
            for k, offset in enumerate(offsets):
                true = at + timedelta(minutes=offset, seconds=rng.randint(0, 59))
                channel = rng.choice(CHANNELS)
                number = len(stream)
                mid = f"m{c}.{b}.{k}@mail.example" if channel == Channel.EMAIL else None
                refs = ThreadRefs(
                    message_id=mid,
                    in_reply_to=tuple(mail_ids[-1:]) if mid else (),
                    references=tuple(mail_ids) if mid else (),
                    provider_thread_id=f"s{c}.{b}" if channel == Channel.CHAT else None,
                    subject=f"Order {c}-{b}" if mid else None,
                )
                if mid is not None:
                    mail_ids.append(mid)
                message = Message(
                    id=f"{channel.name}:x{number}",
                    channel=channel,
                    direction=Direction.INBOUND,
                    author=Author(kind=AuthorKind.CUSTOMER),
                    sent_at=true + FAST if fast else true,
                    text=f"{topic} ({channel.name})",
                    external_id=f"x{number}",
                    thread=refs,
                )
                other = {
                    Channel.SMS: Identifier.phone(f"+4477009{c:05d}", verified=True),
                    Channel.WHATSAPP: Identifier.phone(f"+4477009{c:05d}", verified=True),
                    Channel.CHAT: Identifier.handle("chat", f"v{c}"),
                }.get(channel)
                sender = (email,) if other is None else (other, email)
                stamped = fast or rng.random() < 0.5
                stream.append(MessageReceived(message=message, sender=sender,
                                              received_at=true if stamped else None))  # fmt: skip
            at += CONTINUITY
    return stream
