"""The fold of one conversation into ``ConversationFacts``: the metric rules live here.

The rules (docs/metrics.md explains each):

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

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from omnicx.errors import ValidationError
from omnicx.metrics._config import MetricsConfig
from omnicx.metrics._facts import ConversationFacts
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

_DEFAULT = MetricsConfig()
_MACHINE_AUTHORS = frozenset({AuthorKind.BOT, AuthorKind.AUTOMATION})
# Zendesk's duration metrics: requester wait counts new, open and on-hold;
# agent work counts new and open; on-hold counts on-hold. Pending (waiting on
# the customer) counts in none.
_NEW, _OPEN, _ON_HOLD = Status.NEW, Status.OPEN, Status.ON_HOLD
_SOLVED, _CLOSED = Status.SOLVED, Status.CLOSED
_NO_NAMES: frozenset[str] = frozenset()
_ZERO, _ZERO_BUSINESS = Timing(seconds=0), Timing(seconds=0, business_seconds=0)


class FactsBuilder:
    """Folds one conversation's history, step by step, into ``ConversationFacts``.

    ``feed(event)`` takes omnicx events; the other methods take the same steps
    as plain values, so a host holding columnar data (a warehouse export, a
    dataframe) folds without building event objects, through the same rules.
    Steps must arrive in time order; ``created_at`` is the first one's time.
    """

    __slots__ = (
        "agent", "agent_replies", "attribute_map", "calendar", "ces_score", "channel",
        "channels", "config", "conversation_id", "created", "csat_satisfied", "current",
        "customer_id", "first_reply", "first_solve", "first_window_pending", "follow_up",
        "held", "held_business", "last_solve", "next_replies", "nps_score", "outbound_first", "priority_name",
        "queue", "reopen_replies", "reopens", "span_start", "spans", "status_since",
        "survey_offered", "tag_set", "waiting_since", "window_start", "worked",
        "worked_business",
    )  # fmt: skip

    def __init__(
        self,
        *,
        conversation_id: str,
        created_at: datetime,
        customer_id: str = "",
        config: MetricsConfig = _DEFAULT,
    ) -> None:
        self.config = config
        self.calendar = config.calendar
        self.conversation_id = conversation_id
        self.customer_id = customer_id
        self.created = created_at
        self.channel: str | None = None
        # Containers are immutable and shared until a step changes them: most
        # conversations never do, and every allocation here is per conversation.
        self.channels: frozenset[str] = _NO_NAMES
        self.queue: str | None = None
        self.agent: str | None = None
        self.priority_name = "normal"
        self.tag_set: frozenset[str] = _NO_NAMES
        self.attribute_map: dict[str, str] | None = None
        self.current = Status.NEW
        self.status_since = created_at
        # Seconds in new+open and in on-hold statuses, calendar and business.
        self.worked = self.worked_business = self.held = self.held_business = 0
        self.outbound_first = False
        self.reopens = 0
        self.agent_replies = 0
        self.first_window_pending = True
        self.window_start: datetime | None = None
        self.waiting_since: datetime | None = None
        self.first_reply: Timing | None = None
        self.reopen_replies: tuple[Timing, ...] = ()
        self.next_replies: list[Timing] | None = None
        self.first_solve: datetime | None = None
        self.last_solve: datetime | None = None
        self.follow_up: datetime | None = None
        self.survey_offered = False
        self.csat_satisfied: bool | None = None
        self.nps_score: int | None = None
        self.ces_score: int | None = None
        self.span_start: datetime | None = created_at
        self.spans: tuple[tuple[datetime, datetime | None], ...] = ()

    def feed(self, event: Event) -> None:
        """Apply one omnicx event."""
        self.customer_id = event.customer_id
        if isinstance(event, MessageEvent):
            m = event.message
            outbound = m.direction is Direction.OUTBOUND
            self.message(
                event.at,
                channel=m.channel.name,
                inbound=not outbound,
                human_reply=m.is_public_human_reply,
                machine_reply=outbound and m.public and m.author.kind in _MACHINE_AUTHORS,
            )
        elif isinstance(event, StatusChanged):
            self.status(event.at, event.status)
        elif isinstance(event, Assigned):
            self.assigned(event.assignee, event.queue)
        elif isinstance(event, PriorityChanged):
            self.priority_name = event.priority.value
        elif isinstance(event, TagsChanged):
            self.tags(event.added, event.removed)
        elif isinstance(event, SurveyResponse):
            self.survey(event.survey, event.score, event.scale_min, event.scale_max)
        elif isinstance(event, CustomEvent):
            if event.name == self.config.survey_sent_event:
                self.survey_offered = True
            elif event.name == self.config.attributes_event:
                self.attributes(event.data)

    def message(
        self,
        at: datetime,
        *,
        channel: str,
        inbound: bool,
        human_reply: bool = False,
        machine_reply: bool = False,
    ) -> None:
        """A message: from the customer (``inbound``), a public human agent reply, or other.

        ``machine_reply`` marks a public bot or automation reply, which clears
        the customer's wait without a reply-time sample.
        """
        if self.channel is None:
            self.channel = channel
            if inbound:
                self.window_start = self.created
            else:
                self.outbound_first = True
        if channel not in self.channels:
            self.channels = self.channels | {channel}
        if inbound:
            if self.first_solve is not None and self.follow_up is None:
                self.follow_up = at
            if self.first_window_pending and self.window_start is None:
                self.window_start = at  # agent-initiated: the customer's first answer opens it
            elif self.window_start is None and self.waiting_since is None:
                self.waiting_since = at
        elif human_reply:
            self.agent_replies += 1
            if self.window_start is not None:
                sample = Timing.between(self.window_start, at, self.calendar)
                if self.first_window_pending:
                    self.first_reply = sample
                    self.first_window_pending = False
                else:
                    self.reopen_replies += (sample,)  # one per reopen: a short tuple
                self.window_start = None
                self.waiting_since = None
            elif self.waiting_since is not None:
                sample = Timing.between(self.waiting_since, at, self.calendar)
                if self.next_replies is None:
                    self.next_replies = [sample]
                else:
                    self.next_replies.append(sample)
                self.waiting_since = None
        elif machine_reply:
            self.waiting_since = None

    def status(self, at: datetime, status: Status) -> None:
        """The conversation moved to ``status``; solved/closed to active counts as a reopen."""
        current = self.current
        if current is _NEW or current is _OPEN or current is _ON_HOLD:
            seconds = int((at - self.status_since).total_seconds())
            business = (
                0 if self.calendar is None else self.calendar.seconds_between(self.status_since, at)
            )
            if current is _ON_HOLD:
                self.held += seconds
                self.held_business += business
            else:
                self.worked += seconds
                self.worked_business += business
        self.status_since = at
        was_active = not (current is _SOLVED or current is _CLOSED)
        is_active = not (status is _SOLVED or status is _CLOSED)
        if was_active and not is_active:
            self.first_solve = self.first_solve or at
            self.last_solve = at
            if self.window_start is not None:
                self.first_window_pending = False
            self.window_start = None
            self.waiting_since = None
            self.spans += ((self.span_start or at, at),)  # one per solve: a short tuple
            self.span_start = None
        elif is_active and not was_active:
            self.reopens += 1
            self.first_window_pending = False
            self.window_start = at
            if self.follow_up is None:
                self.follow_up = at
            self.span_start = at
        self.current = status

    def assigned(self, agent: str | None, queue: str | None = None) -> None:
        """Assigned to ``agent`` (None: unassigned); a None ``queue`` keeps the queue."""
        self.agent = agent
        if queue is not None:
            self.queue = queue

    def priority(self, name: str) -> None:
        """The priority changed (``Priority.value``)."""
        self.priority_name = name

    def tags(self, added: Iterable[str] = (), removed: Iterable[str] = ()) -> None:
        """Tags were added and removed."""
        self.tag_set = (self.tag_set | set(added)) - set(removed)

    def attributes(self, data: Mapping[str, Any]) -> None:
        """Custom attributes were set (values become strings; later writes win)."""
        if self.attribute_map is None:
            self.attribute_map = {}
        self.attribute_map.update({str(k): str(v) for k, v in data.items()})

    def survey(self, kind: SurveyKind, score: int, scale_min: int, scale_max: int) -> None:
        """A survey was answered (which also means it was offered); the latest answer wins."""
        self.survey_offered = True
        if kind is SurveyKind.CSAT:
            self.csat_satisfied = self.config.is_satisfied(score, scale_min, scale_max)
        elif kind is SurveyKind.NPS:
            self.nps_score = score
        else:
            self.ces_score = score

    def _spent(self) -> tuple[Timing, Timing, Timing]:
        # (requester wait, agent work, on hold). Most conversations are never
        # on hold: their requester wait is their agent work, and on-hold is a
        # shared zero (Timing is frozen, so sharing one object is safe).
        worked, held = self.worked, self.held
        if self.calendar is None:
            work = Timing(seconds=worked)
            if not held:
                return work, work, _ZERO
            return Timing(seconds=worked + held), work, Timing(seconds=held)
        worked_business, held_business = self.worked_business, self.held_business
        work = Timing(seconds=worked, business_seconds=worked_business)
        if not held and not held_business:
            return work, work, _ZERO_BUSINESS
        wait = Timing(seconds=worked + held, business_seconds=worked_business + held_business)
        return wait, work, Timing(seconds=held, business_seconds=held_business)

    def facts(self, now: datetime) -> ConversationFacts:
        """The conversation's facts as of ``now`` (at or after the last step)."""
        solved = self.current is _SOLVED or self.current is _CLOSED
        calendar = self.calendar
        spans = self.spans
        if self.span_start is not None:
            spans = (*spans, (self.span_start, None))
        first_solve, last_solve = self.first_solve, self.last_solve
        first_resolution = (
            None if first_solve is None else Timing.between(self.created, first_solve, calendar)
        )
        full_resolution = None
        wait = work = held = None
        if solved:
            if last_solve is not None:
                # Never reopened: the full resolution is the first one.
                full_resolution = (
                    first_resolution
                    if last_solve == first_solve
                    else Timing.between(self.created, last_solve, calendar)
                )
            wait, work, held = self._spent()
        return ConversationFacts(
            conversation_id=self.conversation_id,
            customer_id=self.customer_id,
            created_at=self.created,
            channel=self.channel,
            channels=self.channels,
            queue=self.queue,
            agent=self.agent,
            priority=self.priority_name,
            tags=self.tag_set,
            attributes={} if self.attribute_map is None else dict(self.attribute_map),
            status=self.current,
            outbound_first=self.outbound_first,
            reopens=self.reopens,
            agent_replies=self.agent_replies,
            first_reply=self.first_reply,
            reopen_replies=self.reopen_replies,
            next_replies=() if self.next_replies is None else tuple(self.next_replies),
            first_resolution=first_resolution,
            full_resolution=full_resolution,
            requester_wait=wait,
            agent_work=work,
            on_hold=held,
            one_touch=self.agent_replies <= 1 if solved else None,
            first_contact_resolution=self._fcr(now),
            survey_offered=self.survey_offered,
            csat_satisfied=self.csat_satisfied,
            nps_score=self.nps_score,
            ces_score=self.ces_score,
            active_spans=spans,
        )

    def _fcr(self, now: datetime) -> bool | None:
        if self.first_solve is None:
            return None
        window_end = self.first_solve + self.config.fcr_window
        if self.follow_up is not None and self.follow_up <= window_end:
            return False
        # Without a follow-up, the answer is only known once the window has passed.
        return True if now >= window_end else None


def fold_conversation(
    events: Iterable[Event], *, now: datetime, config: MetricsConfig = _DEFAULT
) -> ConversationFacts:
    """Fold one conversation's events into its facts, as of ``now``.

    Events are read in time order (ties keep their input order); events after
    ``now`` are ignored, so facts are a point-in-time view.

    Raises:
        ValidationError: no event of the conversation happened by ``now``, or
            the events belong to different conversations.
    """
    ordered = sorted((e for e in events if e.at <= now), key=_at)
    if not ordered:
        raise ValidationError.single("events", "no event of the conversation happened by now")
    ids = {e.conversation_id for e in ordered}
    if len(ids) != 1 or None in ids:
        names = ", ".join(sorted(repr(i) for i in ids))
        raise ValidationError.single("events", f"expected one conversation, got {names}")
    first = ordered[0]
    builder = FactsBuilder(
        conversation_id=first.conversation_id or "", created_at=first.at, config=config
    )
    for event in ordered:
        builder.feed(event)
    return builder.facts(now)


def facts_by_conversation(
    events: Iterable[Event], *, now: datetime, config: MetricsConfig = _DEFAULT
) -> list[ConversationFacts]:
    """Group events by ``conversation_id`` and fold each group, as of ``now``.

    Events without a conversation, and conversations with no event by
    ``now``, are skipped. The result is ordered by conversation id.
    """
    groups: dict[str, list[Event]] = {}
    for event in events:
        if event.conversation_id is not None and event.at <= now:
            groups.setdefault(event.conversation_id, []).append(event)
    return [fold_conversation(groups[key], now=now, config=config) for key in sorted(groups)]


def _at(event: Event) -> datetime:
    return event.at
