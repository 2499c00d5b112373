"""The fold of one conversation: the metric rules live here.

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

Instants are kept as the host gives them, datetimes or epoch seconds, so
durations are whole seconds of exact differences either way; business
seconds are computed only when a calendar is configured.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from omnicx.metrics._config import MetricsConfig
from omnicx.metrics._derive import builder_dims, builder_facts, builder_values
from omnicx.metrics._facts import ConversationFacts
from omnicx.model import (
    Assigned,
    AuthorKind,
    ConversationCreated,
    CustomEvent,
    DetailsChanged,
    Direction,
    Event,
    MessageEvent,
    PriorityChanged,
    QueueChanged,
    Status,
    StatusChanged,
    SurveyKind,
    SurveyResponse,
    TagsChanged,
)

if TYPE_CHECKING:
    from omnicx.metrics._accumulator import MetricsAccumulator

_DEFAULT = MetricsConfig()
_MACHINE_AUTHORS = frozenset({AuthorKind.BOT, AuthorKind.AUTOMATION})
# Zendesk's duration metrics: requester wait counts new, open and on-hold;
# agent work counts new and open; on-hold counts on-hold. Pending (waiting on
# the customer) counts in none.
_NEW, _OPEN, _ON_HOLD = Status.NEW, Status.OPEN, Status.ON_HOLD
_SOLVED, _CLOSED = Status.SOLVED, Status.CLOSED
_NO_NAMES: frozenset[str] = frozenset()

Instant = datetime | float
"""A point in time: an aware datetime, or epoch seconds (an int or a float)."""


def whole_seconds(delta: timedelta) -> int:
    """``delta`` in whole seconds, rounded toward zero."""
    return int(delta.total_seconds())


def _field_text(value: Any) -> str:
    if value is True or value is False:
        return "true" if value else "false"
    return str(value)


class FactsBuilder:
    """Folds one conversation's history, step by step, into its figures.

    ``feed(event)`` takes omnicx events; the other methods take the same steps
    as plain values, so a host holding columnar data (a warehouse export, a
    dataframe) folds without building event objects, through the same rules.
    Steps must arrive in time order; ``created_at`` is the first one's time.

    Instants are aware datetimes or epoch seconds (int or float); every
    instant given to one builder must be of the kind ``created_at`` is
    (``now`` may be either). Epoch seconds skip datetime arithmetic, the
    cheaper choice for columnar data.

    Read the result as ``facts(now)``, or count it straight into accumulators
    with ``add_to(*accumulators, now=now)``: the same figures, without
    building ``ConversationFacts``.
    """

    __slots__ = (
        "agent", "agent_replies", "attribute_map", "calendar", "ces_score", "channel",
        "config", "conversation_id", "created", "csat_satisfied", "current",
        "customer_id", "fcr_window", "first_reply", "first_reply_business", "first_solve",
        "first_window_pending", "follow_up", "held", "held_business", "last_solve", "messaged",
        "next_business", "next_replies", "nps_score", "numeric", "other_channels", "outbound_first",
        "priority_name", "queue", "reopen_business", "reopen_replies", "reopens",
        "seconds_of", "span_start", "spans", "status_since", "survey_offered", "tag_set",
        "waiting_since", "window_start", "worked", "worked_business",
    )  # fmt: skip

    def __init__(
        self,
        *,
        conversation_id: str,
        created_at: Instant,
        customer_id: str = "",
        config: MetricsConfig = _DEFAULT,
    ) -> None:
        self.config = config
        self.calendar = config.calendar
        numeric = self.numeric = not isinstance(created_at, datetime)
        self.seconds_of: Any = int if numeric else whole_seconds
        self.fcr_window: Any = config.fcr_window.total_seconds() if numeric else config.fcr_window
        self.conversation_id = conversation_id
        self.customer_id = customer_id
        self.created: Any = created_at
        self.channel: str | None = None
        self.messaged = False  # a first message was seen (the channel may come from creation)
        # Containers are immutable and shared until a step changes them: most
        # conversations never do, and every allocation here is per conversation.
        self.other_channels: frozenset[str] = _NO_NAMES  # used after the first one
        self.queue: str | None = None
        self.agent: str | None = None
        self.priority_name = "normal"
        self.tag_set: frozenset[str] = _NO_NAMES
        self.attribute_map: dict[str, str] | None = None
        self.current = Status.NEW
        self.status_since: Any = created_at
        # Seconds in new+open and in on-hold statuses.
        self.worked = self.held = 0
        self.outbound_first = False
        self.reopens = 0
        self.agent_replies = 0
        self.first_window_pending = True
        self.window_start: Any = None
        self.waiting_since: Any = None
        # Reply samples in whole seconds.
        self.first_reply: int | None = None
        self.reopen_replies: tuple[int, ...] = ()
        self.next_replies: tuple[int, ...] = ()  # usually one or two: a tuple is cheapest
        if self.calendar is not None:
            # The same in business seconds: only read when there is a calendar.
            self.worked_business = self.held_business = 0
            self.first_reply_business: int | None = None
            self.reopen_business: tuple[int, ...] = ()
            self.next_business: tuple[int, ...] = ()
        self.first_solve: Any = None
        self.last_solve: Any = None
        self.follow_up: Any = None
        self.survey_offered = False
        self.csat_satisfied: bool | None = None
        self.nps_score: int | None = None
        self.ces_score: int | None = None
        self.span_start: Any = created_at
        self.spans: tuple[tuple[Any, Any], ...] = ()

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
        elif isinstance(event, QueueChanged):
            self.queue = event.queue
        elif isinstance(event, ConversationCreated):
            self.created_as(event.channel.name, event.queue, event.priority.value)
        elif isinstance(event, PriorityChanged):
            self.priority_name = event.priority.value
        elif isinstance(event, TagsChanged):
            self.tags(event.added, event.removed)
        elif isinstance(event, SurveyResponse):
            self.survey(event.survey, event.score, event.scale_min, event.scale_max)
        elif isinstance(event, DetailsChanged):
            if event.fields:
                self.fields(event.fields)
        elif isinstance(event, CustomEvent):
            if event.name == self.config.survey_sent_event:
                self.survey_offered = True
            elif event.name == self.config.attributes_event:
                self.attributes(event.data)

    def message(
        self,
        at: Instant,
        *,
        channel: str,
        inbound: bool,
        human_reply: bool = False,
        machine_reply: bool = False,
    ) -> None:
        """A message: from the customer (``inbound``), a public human agent reply, or other.

        ``machine_reply`` marks a public bot or automation reply, which clears
        the customer's wait without a reply-time sample; as the first message
        it does not make the conversation agent-initiated.
        """
        if not self.messaged:
            self.messaged = True
            if self.channel is None:
                self.channel = channel
            elif channel != self.channel:
                self.other_channels = frozenset((channel,))
            if inbound:
                self.window_start = self.created
            else:
                # A bot's or automation's opener (a greeting) is no agent's
                # initiative: only an agent's makes it agent-initiated. Either
                # way the first reply window opens at the customer's first message.
                self.outbound_first = not machine_reply
        elif channel != self.channel and channel not in self.other_channels:
            self.other_channels = self.other_channels | {channel}
        if inbound:
            if self.first_solve is not None and self.follow_up is None:
                self.follow_up = at
            if self.first_window_pending and self.window_start is None:
                self.window_start = at  # agent-initiated: the customer's first answer opens it
            elif self.window_start is None and self.waiting_since is None:
                self.waiting_since = at
        elif human_reply:
            self.agent_replies += 1
            start = self.window_start
            if start is not None:
                seconds = self.seconds_of(at - start)
                business = None if self.calendar is None else self._business(start, at)
                if self.first_window_pending:
                    self.first_reply = seconds
                    if business is not None:
                        self.first_reply_business = business
                    self.first_window_pending = False
                else:
                    # One per reopen: short tuples.
                    self.reopen_replies += (seconds,)
                    if business is not None:
                        self.reopen_business += (business,)
                self.window_start = None
                self.waiting_since = None
            elif self.waiting_since is not None:
                self._next_reply(self.waiting_since, at)
                self.waiting_since = None
        elif machine_reply:
            self.waiting_since = None

    def _next_reply(self, start: Any, at: Any) -> None:
        seconds = self.seconds_of(at - start)
        self.next_replies += (seconds,)
        if self.calendar is not None:
            self.next_business += (self._business(start, at),)

    def _business(self, start: Any, end: Any) -> int:
        calendar = self.calendar
        assert calendar is not None
        if self.numeric:
            start, end = self._datetime(start), self._datetime(end)
        return calendar.seconds_between(start, end)

    def _datetime(self, instant: Any) -> datetime:
        if self.numeric:
            return datetime.fromtimestamp(instant, UTC)
        return instant  # type: ignore[no-any-return]

    def _instant(self, when: Instant) -> Any:
        """``when`` as this builder's kind of instant."""
        if isinstance(when, datetime):
            return when.timestamp() if self.numeric else when
        return when if self.numeric else datetime.fromtimestamp(when, UTC)

    def status(self, at: Instant, status: Status) -> None:
        """The conversation moved to ``status``; solved/closed to active counts as a reopen."""
        current = self.current
        if current is _NEW or current is _OPEN or current is _ON_HOLD:
            seconds = self.seconds_of(at - self.status_since)
            if current is _ON_HOLD:
                self.held += seconds
            else:
                self.worked += seconds
            if self.calendar is not None:
                business = self._business(self.status_since, at)
                if current is _ON_HOLD:
                    self.held_business += business
                else:
                    self.worked_business += business
        self.status_since = at
        was_active = not (current is _SOLVED or current is _CLOSED)
        is_active = not (status is _SOLVED or status is _CLOSED)
        if was_active and not is_active:
            if self.first_solve is None:
                self.first_solve = at
            self.last_solve = at
            if self.window_start is not None:
                self.first_window_pending = False
            self.window_start = None
            self.waiting_since = None
            self.spans += ((self.span_start, at),)  # one per solve: a short tuple
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

    def created_as(self, channel: str, queue: str | None = None, priority: str = "normal") -> None:
        """The conversation was created on ``channel``, in ``queue``, with ``priority``.

        The first step when the log has it (``ConversationCreated``): the
        channel it names is the one the conversation started on. After a
        message (a late one, sent earlier, moved the start back) it changes
        nothing: the first message says where the conversation began.
        """
        if self.messaged or self.channel is not None:
            return
        self.channel = channel
        if queue is not None:
            self.queue = queue
        self.priority_name = priority

    def moved_to_queue(self, queue: str | None) -> None:
        """Moved to ``queue`` (None: no queue); the assignee stays."""
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

    def fields(self, changes: Mapping[str, Any]) -> None:
        """Custom fields were set (None clears one): ``attr.<name>`` breakdowns group by them.

        Booleans read ``true``/``false``, numbers and text as ``str`` gives them.
        """
        if self.attribute_map is None:
            self.attribute_map = {}
        for name, value in changes.items():
            if value is None:
                self.attribute_map.pop(name, None)
            else:
                self.attribute_map[name] = _field_text(value)

    def survey(self, kind: SurveyKind, score: int, scale_min: int, scale_max: int) -> None:
        """A survey was answered (which also means it was offered); the latest answer wins."""
        self.survey_offered = True
        if kind is SurveyKind.CSAT:
            self.csat_satisfied = self.config.is_satisfied(score, scale_min, scale_max)
        elif kind is SurveyKind.NPS:
            self.nps_score = score
        else:
            self.ces_score = score

    def facts(self, now: Instant) -> ConversationFacts:
        """The conversation's facts as of ``now`` (at or after the last step)."""
        return builder_facts(self, self._instant(now))

    def add_to(self, *accumulators: MetricsAccumulator, now: Instant) -> None:
        """Count the conversation, as of ``now``, into each accumulator.

        The same as ``accumulator.add(self.facts(now))`` for each, without
        building the facts: the figures are derived once and shared by every
        accumulator (a breakdown by channel and one by queue, say).
        """
        dims, values = builder_dims(self), builder_values(self, self._instant(now))
        for accumulator in accumulators:
            accumulator._add_row(dims, values)
