"""A small timeline builder for metrics tests: minutes after a fixed start."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from omnicx.metrics import ConversationFacts, MetricsConfig, fold_conversation
from omnicx.model import (
    Assigned,
    Author,
    AuthorKind,
    Channel,
    CustomEvent,
    Direction,
    Event,
    Message,
    MessageEvent,
    Priority,
    PriorityChanged,
    Status,
    StatusChanged,
    SurveyKind,
    SurveyResponse,
    TagsChanged,
)

START = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)  # a Monday
_ids = itertools.count()


class Timeline:
    """Builds one conversation's events; every time is minutes after ``START``."""

    def __init__(self, conversation: str = "c1", customer: str = "u1") -> None:
        self.conversation = conversation
        self.customer = customer
        self.events: list[Event] = []
        self._status = Status.NEW

    @staticmethod
    def at(minute: float) -> datetime:
        """The instant ``minute`` minutes after ``START``."""
        return START + timedelta(minutes=minute)

    def facts(self, now: float = 10**6, **config: Any) -> ConversationFacts:
        """Fold the events as of ``now`` minutes."""
        return fold_conversation(self.events, now=self.at(now), config=MetricsConfig(**config))

    def _base(self, minute: float) -> dict[str, Any]:
        return {
            "id": f"e{next(_ids)}",
            "at": START + timedelta(minutes=minute),
            "customer_id": self.customer,
            "conversation_id": self.conversation,
        }

    def _message(
        self, minute: float, direction: Direction, kind: AuthorKind, channel: str, public: bool
    ) -> Timeline:
        base = self._base(minute)
        message = Message(
            id=f"m{base['id']}",
            channel=Channel(channel),
            direction=direction,
            author=Author(kind=kind, id="a1" if kind is AuthorKind.AGENT else None),
            sent_at=base["at"],
            public=public,
        )
        self.events.append(MessageEvent(**base, message=message))
        return self

    def inbound(self, minute: float, channel: str = "email") -> Timeline:
        return self._message(minute, Direction.INBOUND, AuthorKind.CUSTOMER, channel, True)

    def reply(self, minute: float, channel: str = "email", public: bool = True) -> Timeline:
        return self._message(minute, Direction.OUTBOUND, AuthorKind.AGENT, channel, public)

    def bot(self, minute: float, kind: AuthorKind = AuthorKind.BOT) -> Timeline:
        return self._message(minute, Direction.OUTBOUND, kind, "email", True)

    def status(self, minute: float, status: Status) -> Timeline:
        self.events.append(
            StatusChanged(**self._base(minute), previous=self._status, status=status)
        )
        self._status = status
        return self

    def solve(self, minute: float) -> Timeline:
        return self.status(minute, Status.SOLVED)

    def reopen(self, minute: float) -> Timeline:
        return self.status(minute, Status.OPEN)

    def assign(self, minute: float, agent: str | None, queue: str | None = None) -> Timeline:
        self.events.append(Assigned(**self._base(minute), assignee=agent, queue=queue))
        return self

    def tags(self, minute: float, *added: str, removed: frozenset[str] = frozenset()) -> Timeline:
        self.events.append(
            TagsChanged(**self._base(minute), added=frozenset(added), removed=removed)
        )
        return self

    def priority(self, minute: float, priority: Priority) -> Timeline:
        self.events.append(PriorityChanged(**self._base(minute), previous=None, priority=priority))
        return self

    def survey(
        self, minute: float, kind: SurveyKind, score: int, low: int = 1, high: int = 5
    ) -> Timeline:
        self.events.append(
            SurveyResponse(
                **self._base(minute), survey=kind, score=score, scale_min=low, scale_max=high
            )
        )
        return self

    def custom(self, minute: float, name: str, data: Mapping[str, Any] | None = None) -> Timeline:
        self.events.append(CustomEvent(**self._base(minute), name=name, data=dict(data or {})))
        return self


@pytest.fixture
def timeline() -> Callable[..., Timeline]:
    return Timeline
