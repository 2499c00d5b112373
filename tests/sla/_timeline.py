"""Builders for SLA test timelines: short, readable events at given minutes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from omnicx.model import (
    Author,
    AuthorKind,
    Channel,
    DetailsChanged,
    Direction,
    Event,
    Message,
    MessageEvent,
    Priority,
    PriorityChanged,
    Status,
    StatusChanged,
    TagsChanged,
)

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def message(
    minute: float,
    kind: AuthorKind = AuthorKind.CUSTOMER,
    *,
    public: bool = True,
    channel: Channel = Channel.EMAIL,
) -> MessageEvent:
    direction = Direction.INBOUND if kind is AuthorKind.CUSTOMER else Direction.OUTBOUND
    msg = Message(
        id=f"m{minute}-{kind.value}",
        channel=channel,
        direction=direction,
        author=Author(kind=kind),
        sent_at=at(minute),
        public=public,
    )
    return MessageEvent(id=f"e{minute}-{kind.value}", at=at(minute), customer_id="c1", message=msg)


def customer(minute: float) -> MessageEvent:
    return message(minute)


def agent(minute: float, *, public: bool = True) -> MessageEvent:
    return message(minute, AuthorKind.AGENT, public=public)


def status(minute: float, new: Status, previous: Status | None = None) -> StatusChanged:
    return StatusChanged(
        id=f"s{minute}", at=at(minute), customer_id="c1", previous=previous, status=new
    )


def priority(minute: float, new: Priority) -> PriorityChanged:
    return PriorityChanged(
        id=f"p{minute}", at=at(minute), customer_id="c1", previous=None, priority=new
    )


def tags(minute: float, *added: str) -> TagsChanged:
    return TagsChanged(id=f"t{minute}", at=at(minute), customer_id="c1", added=frozenset(added))


def named(minute: float, policy: str | None) -> DetailsChanged:
    """A rule named the SLA policy (None: a details change that names none)."""
    return DetailsChanged(
        id=f"d{minute}", at=at(minute), customer_id="c1", sla_policy=policy,
        fields={} if policy else {"topic": "x"},
    )  # fmt: skip


def timeline(*events: Event) -> list[Event]:
    return list(events)
