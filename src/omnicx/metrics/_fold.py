"""The state machine behind ``fold_conversation``: one event at a time.

The rules it implements (docs/metrics.md explains each):

- Only public, human agent replies fulfil reply metrics (``Message.
  is_public_human_reply``); bots, automations and private messages never do.
- First reply window: opens at creation, or, for an agent-initiated
  conversation, at the first customer message; a reopen opens a new window at
  the reopen (Chatwoot resets first response from the reopen).
- Next reply: "the clock starts from the oldest unanswered customer message"
  (Zendesk next reply time): later customer messages don't restart it; a bot
  or automation reply clears the wait without a sample (Chatwoot).
- "Solving fulfils or clears outstanding reply clocks" (dbt_zendesk): a solve
  closes any open reply window and wait without a sample.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from omnicx.metrics._config import MetricsConfig
from omnicx.metrics._timing import Timing
from omnicx.model import (
    Assigned,
    AuthorKind,
    CustomEvent,
    Direction,
    Event,
    MessageEvent,
    PriorityChanged,
    Status,
    StatusChanged,
    SurveyKind,
    SurveyResponse,
    TagsChanged,
)

_MACHINE_AUTHORS = frozenset({AuthorKind.BOT, AuthorKind.AUTOMATION})
# Zendesk's duration metrics: requester wait counts new, open and on-hold;
# agent work counts new and open; on-hold counts on-hold.
_REQUESTER_WAIT = (Status.NEW, Status.OPEN, Status.ON_HOLD)
_AGENT_WORK = (Status.NEW, Status.OPEN)


class Fold:
    """Mutable fold state for one conversation; ``finish`` returns the facts' fields."""

    def __init__(self, first: Event, config: MetricsConfig) -> None:
        self.config = config
        self.calendar = config.calendar
        self.conversation_id = first.conversation_id
        self.customer_id = first.customer_id
        self.created = first.at
        self.channel: str | None = None
        self.channels: set[str] = set()
        self.queue: str | None = None
        self.agent: str | None = None
        self.priority = "normal"
        self.tags: set[str] = set()
        self.attributes: dict[str, str] = {}
        self.status = Status.NEW
        self.status_since = first.at
        self.per_status: dict[Status, Timing] = {}
        self.outbound_first = False
        self.reopens = 0
        self.agent_replies = 0
        self.first_window_pending = True
        self.window_start: datetime | None = None
        self.waiting_since: datetime | None = None
        self.first_reply: Timing | None = None
        self.reopen_replies: list[Timing] = []
        self.next_replies: list[Timing] = []
        self.first_solve: datetime | None = None
        self.last_solve: datetime | None = None
        self.follow_up: datetime | None = None
        self.survey_offered = False
        self.csat_satisfied: bool | None = None
        self.nps_score: int | None = None
        self.ces_score: int | None = None
        self.span_start: datetime | None = first.at
        self.spans: list[tuple[datetime, datetime | None]] = []

    def feed(self, event: Event) -> None:
        """Apply one event (events arrive in time order)."""
        self.customer_id = event.customer_id
        if isinstance(event, MessageEvent):
            self._message(event)
        elif isinstance(event, StatusChanged):
            self._status(event.status, event.at)
        elif isinstance(event, Assigned):
            self.agent = event.assignee
            if event.queue is not None:
                self.queue = event.queue
        elif isinstance(event, PriorityChanged):
            self.priority = event.priority.value
        elif isinstance(event, TagsChanged):
            self.tags = (self.tags | event.added) - event.removed
        elif isinstance(event, SurveyResponse):
            self._survey(event)
        elif isinstance(event, CustomEvent):
            if event.name == self.config.survey_sent_event:
                self.survey_offered = True
            elif event.name == self.config.attributes_event:
                self.attributes.update({str(k): str(v) for k, v in event.data.items()})

    def _message(self, event: MessageEvent) -> None:
        message, at = event.message, event.at
        if self.channel is None:
            self.channel = message.channel.name
            if message.direction is Direction.INBOUND:
                self.window_start = self.created
            else:
                self.outbound_first = True
        self.channels.add(message.channel.name)
        if message.direction is Direction.INBOUND:
            if self.first_solve is not None and self.follow_up is None:
                self.follow_up = at
            if self.first_window_pending and self.window_start is None:
                self.window_start = at  # agent-initiated: the customer's first answer opens it
            elif self.window_start is None and self.waiting_since is None:
                self.waiting_since = at
        elif message.is_public_human_reply:
            self.agent_replies += 1
            if self.window_start is not None:
                sample = Timing.between(self.window_start, at, self.calendar)
                if self.first_window_pending:
                    self.first_reply = sample
                    self.first_window_pending = False
                else:
                    self.reopen_replies.append(sample)
                self.window_start = None
                self.waiting_since = None
            elif self.waiting_since is not None:
                self.next_replies.append(Timing.between(self.waiting_since, at, self.calendar))
                self.waiting_since = None
        elif message.public and message.author.kind in _MACHINE_AUTHORS:
            self.waiting_since = None

    def _status(self, status: Status, at: datetime) -> None:
        spent = Timing.between(self.status_since, at, self.calendar)
        previous = self.per_status.get(self.status)
        self.per_status[self.status] = spent if previous is None else previous + spent
        self.status_since = at
        was_active, is_active = self.status.is_active, status.is_active
        if was_active and not is_active:
            self.first_solve = self.first_solve or at
            self.last_solve = at
            if self.window_start is not None:
                self.first_window_pending = False
            self.window_start = None
            self.waiting_since = None
            self.spans.append((self.span_start or at, at))
            self.span_start = None
        elif is_active and not was_active:
            self.reopens += 1
            self.first_window_pending = False
            self.window_start = at
            if self.follow_up is None:
                self.follow_up = at
            self.span_start = at
        self.status = status

    def _survey(self, event: SurveyResponse) -> None:
        self.survey_offered = True
        if event.survey is SurveyKind.CSAT:
            self.csat_satisfied = self.config.is_satisfied(
                event.score, event.scale_min, event.scale_max
            )
        elif event.survey is SurveyKind.NPS:
            self.nps_score = event.score
        else:
            self.ces_score = event.score

    def _in(self, statuses: tuple[Status, ...]) -> Timing:
        total = Timing(seconds=0, business_seconds=None if self.calendar is None else 0)
        for status in statuses:
            if status in self.per_status:
                total = total + self.per_status[status]
        return total

    def finish(self, now: datetime) -> dict[str, Any]:
        """The fields of ``ConversationFacts`` as of ``now``."""
        solved = not self.status.is_active
        between = Timing.between
        spans = list(self.spans)
        if self.span_start is not None:
            spans.append((self.span_start, None))
        return {
            "conversation_id": self.conversation_id,
            "customer_id": self.customer_id,
            "created_at": self.created,
            "channel": self.channel,
            "channels": frozenset(self.channels),
            "queue": self.queue,
            "agent": self.agent,
            "priority": self.priority,
            "tags": frozenset(self.tags),
            "attributes": dict(self.attributes),
            "status": self.status,
            "outbound_first": self.outbound_first,
            "reopens": self.reopens,
            "agent_replies": self.agent_replies,
            "first_reply": self.first_reply,
            "reopen_replies": tuple(self.reopen_replies),
            "next_replies": tuple(self.next_replies),
            "first_resolution": None
            if self.first_solve is None
            else between(self.created, self.first_solve, self.calendar),
            "full_resolution": None
            if not solved or self.last_solve is None
            else between(self.created, self.last_solve, self.calendar),
            "requester_wait": self._in(_REQUESTER_WAIT) if solved else None,
            "agent_work": self._in(_AGENT_WORK) if solved else None,
            "on_hold": self._in((Status.ON_HOLD,)) if solved else None,
            "one_touch": self.agent_replies <= 1 if solved else None,
            "first_contact_resolution": self._fcr(now),
            "survey_offered": self.survey_offered,
            "csat_satisfied": self.csat_satisfied,
            "nps_score": self.nps_score,
            "ces_score": self.ces_score,
            "active_spans": tuple(spans),
        }

    def _fcr(self, now: datetime) -> bool | None:
        if self.first_solve is None:
            return None
        window_end = self.first_solve + self.config.fcr_window
        if self.follow_up is not None and self.follow_up <= window_end:
            return False
        # Without a follow-up, the answer is only known once the window has passed.
        return True if now >= window_end else None
