"""The SLA engine: a pure fold of timeline events into clocks and effects.

``apply(state, event, now) -> (state, effects)`` is the whole contract;
``status(events, now)`` replays a timeline through it, so the two agree.
The engine schedules nothing: ``next_deadline`` says when to call again.

Time is UTC instants throughout. Every datetime entering the engine (an
event's ``at``, a ``now``) is turned into UTC at the public boundary, and
all ordering, subtraction and keying runs on those instants. Aware datetimes
sharing one tzinfo compare and subtract by wall clock with ``fold`` ignored
(PEP 495), so without this two events in a fall-back repeated hour would be
ordered and timed by their wall readings. Emitted effects and clock fields
therefore carry UTC datetimes.

Events at the same instant are folded in input order: ``replay`` sorts by
``(UTC instant, input position)``, a stable sort, so it agrees with a host
that ``apply``-s the same list one event at a time. Events at distinct
instants are ordered by instant whatever the input order or zone. A reply and
a customer message at the same instant count as the reply answering the
message in either order: the reply clock the message starts is fulfilled at
that instant with no time elapsed, so list order never makes a breach.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import attrs

from omnicx._frozen import FrozenMap, frozen_seq
from omnicx.model import (
    AuthorKind,
    Direction,
    Event,
    HandedOff,
    Message,
    MessageEvent,
    Status,
    StatusChanged,
)
from omnicx.sla._clock import (
    ClockEvent,
    ClockEventKind,
    Effect,
    Escalate,
    PolicyApplied,
    SlaClock,
    SlaReport,
)
from omnicx.sla._fold import Step, answered_call, banked, emitted, idle, same_or_new, updated
from omnicx.sla._plan import ThresholdPlanner
from omnicx.sla._policy import REPLY_METRICS, Metric, Policy, SlaFacts
from omnicx.sla._report import report_of

K = ClockEventKind
_DONE = (Status.SOLVED, Status.CLOSED)
_UPDATES = (Metric.PERIODIC_UPDATE, Metric.PAUSABLE_UPDATE)
_LIFETIME = (Metric.RESOLUTION, Metric.REQUESTER_WAIT, Metric.AGENT_WORK)
_MACHINES = (AuthorKind.BOT, AuthorKind.AUTOMATION)


def utc(at: datetime) -> datetime:
    """The UTC instant of an aware datetime (itself when already in ``UTC``)."""
    return at if at.tzinfo is UTC else at.astimezone(UTC)


def _policies(value: Iterable[Policy]) -> tuple[Policy, ...]:
    return tuple(value)


def _public_human_reply(message: Message) -> bool:
    return message.is_public_human_reply


@attrs.frozen(kw_only=True)
class SlaState:
    """Everything the engine knows about one conversation's SLAs."""

    facts: SlaFacts = attrs.field(factory=SlaFacts)
    policy: Policy | None = None
    applied: tuple[PolicyApplied, ...] = attrs.field(default=(), converter=frozen_seq)
    """Which policy (name, version) applied from when: the full history."""
    clocks: tuple[SlaClock, ...] = attrs.field(default=(), converter=frozen_seq)
    time: datetime | None = None
    """The latest event instant seen."""
    created: bool = False
    first_reply_started: bool = False
    reopens: int = 0
    replied_at: datetime | None = None
    """The instant of the latest reply that fulfilled reply targets."""


def _with_clocks(state: SlaState, clocks: tuple[SlaClock, ...]) -> SlaState:
    # ``state`` with other clocks, by one constructor call (attrs.evolve costs twice).
    return SlaState(
        facts=state.facts,
        policy=state.policy,
        applied=state.applied,
        clocks=clocks,
        time=state.time,
        created=state.created,
        first_reply_started=state.first_reply_started,
        reopens=state.reopens,
        replied_at=state.replied_at,
    )


@attrs.frozen(kw_only=True)
class SlaEngine:
    """Applies ordered SLA policies to a conversation's timeline.

    A conversation whose facts name a policy (``SlaFacts.sla_policy``, set by
    a ``DetailsChanged`` event: a routing rule's ``sla_policy``) gets that
    policy by name; otherwise the ordered policies decide. A name the engine
    does not know falls back to the ordered policies (``policy_named``).

    Attributes:
        policies: tried in order; the first whose ``when`` matches applies.
        default: applies when none matches (None: no SLA, stated explicitly).
        fulfils_reply: which messages fulfil reply targets; by default
            ``Message.is_public_human_reply`` (no bot, automation or note).
        bot_reply_clears: a public bot or automation reply cancels the open
            reply clocks without a sample (Chatwoot); off by default.
        breach_on_reply: the Intercom variant: a reply clock that runs past
            its target is marked breached only when it is fulfilled, at that
            instant; off by default (breach at the target instant).
    """

    policies: tuple[Policy, ...] = attrs.field(converter=_policies)
    default: Policy | None = None
    fulfils_reply: Callable[[Message], bool] = _public_human_reply
    bot_reply_clears: bool = False
    breach_on_reply: bool = False
    _planner: ThresholdPlanner = attrs.field(init=False, repr=False, eq=False)
    _named: Mapping[str, Policy] = attrs.field(init=False, repr=False, eq=False)

    @_planner.default
    def _new_planner(self) -> ThresholdPlanner:
        return ThresholdPlanner(breach_on_reply=self.breach_on_reply)

    @_named.default
    def _by_name(self) -> Mapping[str, Policy]:
        named: dict[str, Policy] = {}
        for policy in (*self.policies, self.default):
            if policy is not None:
                named.setdefault(policy.name, policy)  # the first of a name wins
        return FrozenMap(named)

    @property
    def policy_names(self) -> tuple[str, ...]:
        """Every policy's name, in order, ``default``'s last: what a rule's ``sla_policy`` may name."""
        return tuple(self._named)

    def policy_named(self, name: str) -> Policy | None:
        """The policy called ``name`` (the first of that name, ``default`` included), or None."""
        return self._named.get(name)

    def start(self, customer: Mapping[str, Any] | None = None) -> SlaState:
        """An empty state; ``customer`` holds the attributes conditions may test."""
        return SlaState(facts=SlaFacts(customer=dict(customer or {})))

    def select(self, facts: SlaFacts) -> Policy | None:
        """The policy ``facts`` name, else the first whose condition matches, else ``default``."""
        if facts.sla_policy is not None:
            named = self._named.get(facts.sla_policy)
            if named is not None:
                return named
        for policy in self.policies:
            if policy.when(facts):
                return policy
        return self.default

    def _advance(
        self, state: SlaState, now: datetime, *, strict: bool = False
    ) -> tuple[SlaState, list[Effect]]:
        # The calendar-free bound settles most calls; the exact instants are
        # computed only when something may be due.
        clocks = state.clocks
        outlook = self._planner.outlook(clocks, state.policy, state.facts.priority)
        bound = outlook.bound
        if bound is None or bound > now or (strict and bound == now):
            return state, []
        earliest = self._planner.earliest(outlook)
        if earliest is None or earliest > now or (strict and earliest == now):
            return state, []
        due = [
            (instant, i, order, key, percent)
            for i, plan in enumerate(outlook.plans)
            if plan is not None
            for instant, order, key, percent in self._planner.pending(plan)
            if instant < now or (not strict and instant == now)
        ]
        if not due:
            return state, []
        changed = list(clocks)
        effects: list[Effect] = []
        for instant, i, _order, key, percent in sorted(due):
            clock = changed[i] = emitted(changed[i], key, instant)
            metric, occurrence = clock.metric, clock.occurrence
            if key == "warn":
                effects.append(
                    ClockEvent(kind=K.WARN, metric=metric, occurrence=occurrence, at=instant)
                )
            elif key == "breach":
                # Breach is stamped at the target instant, once, and stays.
                effects.append(
                    ClockEvent(kind=K.BREACH, metric=metric, occurrence=occurrence, at=instant)
                )
            else:
                assert state.policy is not None
                step = state.policy.escalations[int(key.split(":")[1])]
                effects.append(
                    Escalate(
                        action=step.action,
                        metric=metric,
                        occurrence=occurrence,
                        percent=percent,
                        at=instant,
                    )
                )
        return _with_clocks(state, tuple(changed)), effects

    def _close(self, state: SlaState, at: datetime) -> SlaState:
        # Bank every running segment at ``at`` in the calendar in force, so
        # a policy or priority change only affects time after it.
        clocks = []
        table = self._planner.templates(state.policy, state.facts.priority)
        for clock in state.clocks:
            since = clock.running_since
            if since is not None and since < at:
                spent = table[id(clock.metric)].calendar.seconds_between(since, at)
                clock = banked(clock, clock.elapsed + spent, at)
            clocks.append(clock)
        new = same_or_new(state.clocks, clocks)
        return state if new is state.clocks else _with_clocks(state, new)

    def apply(
        self, state: SlaState, event: Event, now: datetime
    ) -> tuple[SlaState, tuple[Effect, ...]]:
        """Fold one timeline event in, then run time forward to ``now``.

        Feed events in timeline order; one older than the latest seen is
        taken as happening at that latest instant. A fulfilment at exactly
        the target instant counts as achieved.
        """
        new, effects = self._apply(state, event, utc(event.at), utc(now))
        self._superseded(state, new)
        return new, effects

    def _superseded(self, old: SlaState, new: SlaState) -> None:
        # Hosts keep the new state; the old one's memo entry would only hold
        # garbage (and give the garbage collector more to walk) until evicted.
        clocks, policy, priority = old.clocks, old.policy, old.facts.priority
        if (
            clocks is not new.clocks
            or policy is not new.policy
            or priority is not new.facts.priority
        ):
            self._planner.forget(clocks, policy, priority)

    def _apply(
        self, state: SlaState, event: Event, instant: datetime, now: datetime
    ) -> tuple[SlaState, tuple[Effect, ...]]:
        # ``instant`` and ``now`` are UTC (see the module docstring).
        at = instant if state.time is None or instant >= state.time else state.time
        before, previous = state.facts, state.policy
        facts = updated(before, event)
        # Selection is a function of the facts: unchanged facts, same policy.
        policy = previous if facts is before and state.created else self.select(facts)
        if (
            policy is previous
            and facts.priority is before.priority
            and state.created
            and not self.breach_on_reply
            and idle(event, state.facts.status, state.first_reply_started, state.clocks)
        ):
            # No clock starts, stops or changes calendar: what was due before
            # the event and what falls due up to ``now`` are one run of time.
            state, effects = self._advance(state, now if now > at else at)
            return SlaState(
                facts=facts,
                policy=policy,
                applied=state.applied,
                clocks=state.clocks,
                time=at,
                created=True,
                first_reply_started=state.first_reply_started,
                reopens=state.reopens,
                replied_at=state.replied_at,
            ), tuple(effects)
        state, effects = self._advance(state, at, strict=True)
        if policy is not previous or facts.priority is not before.priority:
            # Bank running time in the old calendar: the change only
            # affects time after it.
            state = self._close(state, at)

        table = self._planner.templates(policy, facts.priority)

        def bank(clock: SlaClock) -> int:
            since = clock.running_since
            if since is None:
                return 0
            return table[id(clock.metric)].calendar.seconds_between(since, at)

        step = Step(list(state.clocks), effects, at, bank)
        applied = state.applied
        if policy is not previous or not state.created:
            record = PolicyApplied(
                name=policy.name if policy else None,
                version=policy.version if policy else None,
                at=at,
            )
            if applied or policy is not None:
                effects.append(record)
                applied = (*applied, record)
        if not state.created:
            for metric in _LIFETIME:
                step.activate(metric)
        # One construction instead of an evolve per change: this is the hot path.
        state = SlaState(
            facts=facts,
            policy=policy,
            applied=applied,
            clocks=state.clocks,
            time=at,
            created=True,
            first_reply_started=state.first_reply_started,
            reopens=state.reopens,
            replied_at=state.replied_at,
        )
        if isinstance(event, MessageEvent):
            state = self._on_message(state, step, event.message)
        elif answered_call(event):
            # An agent talking to the customer (a callback answered, or the
            # customer's call picked up) answers them as a reply does.
            state = self._on_reply(state, step)
        elif isinstance(event, StatusChanged):
            state = self._on_status(state, step, before.status, event.status)
        elif isinstance(event, HandedOff):
            state = self._on_handoff(state, step)
        if self.breach_on_reply:
            step.breach_late_replies(policy, facts.priority)
        # A clock's pause depends on the policy, its metric and the status:
        # with none of them changed and no clock added, none moves.
        settled = (
            policy is previous
            and facts.status is before.status
            and facts.bot == before.bot
            and len(step.clocks) == len(state.clocks)
        )
        pauses = policy.pauses if policy else {}
        # While a bot owns the conversation no clock runs: the team's time
        # starts (or resumes) at the handoff.
        by_bot = facts.bot is not None
        for i, clock in enumerate(() if settled else step.clocks):
            if not clock.is_open:
                continue
            paused = by_bot or facts.status in pauses.get(clock.metric, frozenset())
            if paused and clock.running_since is not None:
                step.stop(i, K.PAUSE)
            elif not paused and clock.running_since is None:
                step.put(i, attrs.evolve(clock, running_since=at), K.RESUME)
        clocks = same_or_new(state.clocks, step.clocks)
        if clocks is not state.clocks:
            state = _with_clocks(state, clocks)
        state, late = self._advance(state, max(now, at))
        return state, (*effects, *late)

    def _on_message(self, state: SlaState, step: Step, message: Message) -> SlaState:
        active = state.facts.status not in _DONE
        if message.direction is Direction.INBOUND and message.author.kind is AuthorKind.CUSTOMER:
            if not active or state.facts.bot is not None:
                # A bot answers it; the handoff starts the team's reply clock.
                return state
            if not state.first_reply_started:
                step.activate(Metric.FIRST_REPLY)
                state = attrs.evolve(state, first_reply_started=True)
            elif not step.open_of(REPLY_METRICS):
                # Zendesk: next reply runs from the oldest unanswered customer
                # message; later ones don't reset it.
                step.activate(Metric.NEXT_REPLY)
            else:
                return state
            if state.replied_at == step.at:
                # A reply in the same instant answers this message whichever
                # of the two was listed first (module docstring).
                step.fulfil(REPLY_METRICS)
        elif self.fulfils_reply(message):
            return self._on_reply(state, step)
        elif (
            self.bot_reply_clears
            and message.direction is Direction.OUTBOUND
            and message.public
            and message.author.kind in _MACHINES
        ):
            for i in step.open_of(REPLY_METRICS):
                step.stop(i, K.CANCEL, cancelled_at=step.at)
        return state

    def _on_reply(self, state: SlaState, step: Step) -> SlaState:
        # The customer was answered: reply clocks are met, update clocks start over.
        step.fulfil(REPLY_METRICS | set(_UPDATES))
        if state.facts.status not in _DONE:
            for metric in _UPDATES:
                step.activate(metric)
        return attrs.evolve(state, replied_at=step.at)

    def _on_handoff(self, state: SlaState, step: Step) -> SlaState:
        # A handoff opens a first reply window from the handoff (Chatwoot
        # last_non_human_activity), unless a reply clock the bot's time
        # paused is still open: that one resumes with the other clocks.
        if state.facts.status in _DONE or step.open_of(REPLY_METRICS):
            return state
        step.activate(Metric.FIRST_REPLY)
        return attrs.evolve(state, first_reply_started=True)

    def _on_status(self, state: SlaState, step: Step, old: Status, new: Status) -> SlaState:
        if new in _DONE and old not in _DONE:
            # dbt_zendesk counts a solve as fulfilling reply metrics; Chatwoot
            # clears waiting_since on resolve.
            step.fulfil(set(Metric))
        elif old in _DONE and new not in _DONE:
            # A reopen starts a new first reply from the reopen (Chatwoot
            # last_non_human_activity) and resumes the lifetime clocks.
            step.activate(Metric.FIRST_REPLY)
            for metric in _LIFETIME:
                i = max(j for j, c in enumerate(step.clocks) if c.metric is metric)
                clock = attrs.evolve(step.clocks[i], fulfilled_at=None, running_since=step.at)
                step.put(i, clock, K.RESUME)
            return attrs.evolve(state, first_reply_started=True, reopens=state.reopens + 1)
        return state

    def advance(self, state: SlaState, now: datetime) -> tuple[SlaState, tuple[Effect, ...]]:
        """Run time forward to ``now``: emit warnings, breaches and escalations due by then."""
        new, effects = self._advance(state, utc(now))
        self._superseded(state, new)
        return new, tuple(effects)

    def next_deadline(self, state: SlaState, now: datetime) -> datetime | None:
        """The next instant after ``now`` at which ``advance`` would emit something."""
        state, _ = self._advance(state, utc(now))
        return self._earliest_pending(state)

    def _earliest_pending(self, state: SlaState) -> datetime | None:
        outlook = self._planner.outlook(state.clocks, state.policy, state.facts.priority)
        return self._planner.earliest(outlook)

    def report(self, state: SlaState, now: datetime) -> SlaReport:
        """Every clock's state, due instant and remaining time at ``now``."""
        now = utc(now)
        outlook = self._planner.outlook(state.clocks, state.policy, state.facts.priority)
        if outlook.bound is not None and outlook.bound <= now:  # else nothing is due
            state, _ = self._advance(state, now)
            outlook = self._planner.outlook(state.clocks, state.policy, state.facts.priority)
        applied = state.applied[-1] if state.applied else None
        return report_of(self._planner, outlook, applied, now)

    def replay(
        self, events: Iterable[Event], now: datetime, customer: Mapping[str, Any] | None = None
    ) -> tuple[SlaState, tuple[Effect, ...]]:
        """Fold a timeline (events up to ``now``) and run to ``now``.

        Events are folded by ``(UTC instant, input position)``: events at one
        instant keep their input order (module docstring).
        """
        now = utc(now)
        state, effects = self.start(customer), list[Effect]()
        keyed = []
        for position, event in enumerate(events):
            instant = utc(event.at)
            if instant <= now:
                keyed.append((instant, position, event))
        keyed.sort(key=lambda k: k[:2])
        for instant, _position, event in keyed:
            new, emitted = self._apply(state, event, instant, instant)
            self._superseded(state, new)
            state = new
            effects += emitted
        state, emitted = self.advance(state, now)
        return state, (*effects, *emitted)

    def status(
        self, events: Iterable[Event], now: datetime, customer: Mapping[str, Any] | None = None
    ) -> SlaReport:
        """Replay a conversation's timeline and report every clock at ``now``."""
        state, _ = self.replay(events, now, customer)
        return self.report(state, now)
