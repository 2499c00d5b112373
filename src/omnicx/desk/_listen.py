"""Listening at the desk: the state in the store, alerts through the rules, a case per alert.

``Desk.listen`` resumes the listener from the store, feeds it, and stores
the new state together with the alerts it raised (``pending``) in one
compare-and-set write. Then it acts on every pending alert: the alert rules
decide (the alert's facts are ``message.metadata.*`` of a message on the
``listening`` channel), a notification goes to the outbox, and a decision
that names a queue opens a case there through ``Desk.receive``: a
conversation whose message id is the alert's key, so a redelivered batch, a
retry or a restart between the two writes never opens a second one. Last,
the alerts acted on leave ``pending``.
"""

from __future__ import annotations

from typing import Any

import attrs

from omnicx import serde
from omnicx._frozen import frozen_seq
from omnicx.channels import MessageReceived
from omnicx.errors import ConflictError, ValidationError
from omnicx.listening import Alert, AlertKind, Knobs, Listener, ListeningState, TopicSet
from omnicx.model import Author, AuthorKind, Channel, Direction, Identifier, IdentifierKind, Message
from omnicx.routing import Decision, RoutingContext, RuleEngine, SentimentClassifier
from omnicx.storage import ListeningRecord, ListeningStore

__all__ = ["LISTENING_CHANNEL", "AlertOutcome", "ListenReport", "Listening", "alert_message"]

LISTENING_CHANNEL = Channel("listening")
"""The channel of the message that carries an alert into a case."""

_CLEAR_ATTEMPTS = 5


@attrs.frozen(kw_only=True)
class Listening:
    """What a desk listens for, and how its alerts act.

    Attributes:
        topics: the topic set (``omnicx.listening.load_topics``).
        rules: the alert rules (``RuleEngine.compile(load_rules(...))``),
            reading the alert's facts as ``message.metadata.*``: ``topic``,
            ``kind`` (``volume_spike``/``sentiment_dip``), ``severity``,
            ``sensitivity``, ``observed``, ``expected``, ``ratio``, ``score``,
            ``threshold``, ``volume``, ``terms``, ``hashtags``, ``posts``;
            ``message.text`` is the alert's reason. A rule's ``notify``
            notifies; a ``queue`` opens a case there (with its priority,
            tags, skills, SLA policy). None: alerts are only reported.
        name: the store's key for this listener's state.
        classifier: the sentiment classifier (None: the listener's default).
        history: closed buckets kept for reports.
        knobs: the detector's rates.
    """

    topics: TopicSet
    rules: RuleEngine | None = None
    name: str = "listening"
    classifier: SentimentClassifier | None = None
    history: int = 7 * 24
    knobs: Knobs = attrs.field(factory=Knobs)

    def listener(self, state: ListeningState | None) -> Listener:
        """A listener on these topics, resumed from ``state`` when there is one."""
        if state is None:
            listener = Listener(self.topics, history=self.history, knobs=self.knobs)
            if self.classifier is not None:
                listener.classifier = self.classifier
            return listener
        return Listener.resume(
            self.topics, state, classifier=self.classifier, history=self.history, knobs=self.knobs
        )


@attrs.frozen(kw_only=True)
class AlertOutcome:
    """What one alert did: the rules that fired, who was notified, the case it opened.

    ``case`` is the receipt of the case's message (``replayed`` when the case
    was opened before, by an earlier call); None when no rule named a queue.
    """

    alert: Alert
    fired: tuple[str, ...] = attrs.field(default=(), converter=frozen_seq)
    notify: tuple[str, ...] = attrs.field(default=(), converter=frozen_seq)
    case: Any = None  # Receipt (typed Any: the receipt module imports the desk's)

    @property
    def conversation_id(self) -> str | None:
        """The case's conversation id, if one was opened."""
        return None if self.case is None else str(self.case.conversation_id)


@attrs.frozen(kw_only=True)
class ListenReport:
    """What one ``Desk.listen`` call did.

    ``alerts`` holds every alert acted on, those raised by this call and any
    an earlier call stored but did not finish; ``late`` is the listener's
    count of mentions left out because their bucket had closed.
    """

    alerts: tuple[AlertOutcome, ...] = attrs.field(converter=frozen_seq)
    late: int
    version: int


def alert_facts(alert: Alert) -> dict[str, Any]:
    """The alert as rule facts (``message.metadata.*``), JSON-ready."""
    spike = alert.kind is AlertKind.VOLUME_SPIKE
    ratio = alert.observed / alert.expected if spike and alert.expected > 0 else None
    return {
        "alert": alert.key,
        "topic": alert.topic,
        "kind": alert.kind.value,
        "severity": alert.severity,
        "sensitivity": alert.sensitivity.value,
        "observed": alert.observed,
        "expected": alert.expected,
        "ratio": None if ratio is None else round(ratio, 3),
        "score": round(alert.score, 3),
        "threshold": alert.threshold,
        "volume": alert.volume,
        "by_floor": alert.by_floor,
        "start": serde.to_dict(alert.start),
        "end": serde.to_dict(alert.end),
        "terms": [d.token for d in alert.terms],
        "hashtags": [d.token for d in alert.hashtags],
        "posts": list(alert.posts),
    }


def alert_message(alert: Alert) -> MessageReceived:
    """The inbound message that carries ``alert`` into a case (its id is the alert's key)."""
    posts = "\n".join(f"- {key}" for key in alert.posts)
    text = alert.reason + (f"\nDriving posts:\n{posts}" if posts else "")
    message = Message(
        id=f"{LISTENING_CHANNEL.name}:{alert.key}",
        channel=LISTENING_CHANNEL,
        direction=Direction.INBOUND,
        author=Author(kind=AuthorKind.SYSTEM, id=f"listening:{alert.topic}"),
        sent_at=alert.end,
        text=text,
        external_id=alert.key,
        metadata=alert_facts(alert),
    )
    sender = Identifier(kind=IdentifierKind.EXTERNAL, namespace="listening", value=alert.topic)
    return MessageReceived(
        message=message, sender=(sender,), sender_name=f"Listening: {alert.topic}",
        received_at=alert.end,
    )  # fmt: skip


def decide(rules: RuleEngine, event: MessageReceived) -> Decision:
    """What the alert rules decide for an alert's message (no store involved)."""
    return rules.decide(RoutingContext(now=event.message.sent_at, message=event.message))


def listening_store(store: object) -> ListeningStore:
    """``store`` as a ``ListeningStore``, or the error saying what it lacks."""
    if not all(callable(getattr(store, n, None)) for n in ("listening", "put_listening")):
        raise ValidationError.single(
            "Desk.store",
            f"{type(store).__name__} keeps no listening state: use a store with listening() "
            "and put_listening() (omnicx.storage.ListeningStore)",
        )
    return store  # type: ignore[return-value]


def store_fed(
    store: ListeningStore, listening: Listening, feed: Any
) -> tuple[ListeningRecord, int]:
    """Resume, feed (``feed(listener)`` returns the alerts), store state and pending alerts.

    Raises ``ConflictError`` when another worker stored the state meanwhile:
    nothing was written, and the whole call can run again.
    """
    record = store.listening(listening.name)
    state = None if record is None else ListeningState.from_json(record.state)
    listener = listening.listener(state)
    alerts: tuple[Alert, ...] = feed(listener)
    known = () if record is None else record.pending
    pending = (*known, *(_alert_json(a) for a in alerts if _alert_json(a) not in known))
    written = ListeningRecord(
        name=listening.name,
        state=listener.snapshot().to_json(),
        pending=pending,
        version=0 if record is None else record.version,
    )
    store.put_listening(written)
    return attrs.evolve(written, version=written.version + 1), listener.late


def clear_pending(store: ListeningStore, name: str, done: set[str]) -> int:
    """Drop the alerts acted on from ``pending``; return the stored version."""
    for _ in range(_CLEAR_ATTEMPTS):
        record = store.listening(name)
        if record is None or not done & set(record.pending):
            return 0 if record is None else record.version
        try:
            store.put_listening(
                attrs.evolve(record, pending=tuple(p for p in record.pending if p not in done))
            )
        except ConflictError:
            continue  # another worker wrote meanwhile: read again
        return record.version + 1
    raise ConflictError(f"listening state {name!r} kept changing; call Desk.listen again")


def _alert_json(alert: Alert) -> str:
    import json

    return json.dumps(serde.to_dict(alert), sort_keys=True, separators=(",", ":"))


def alert_of(text: str) -> Alert:
    """The alert a pending entry holds."""
    import json

    return serde.from_dict(Alert, json.loads(text))
