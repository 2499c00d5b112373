"""Desk.listen: the listening state lives in the store, alerts act through rules, one case per alert."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest

from omnicx.clock import FixedClock
from omnicx.desk import LISTENING_CHANNEL, Desk, Listening, OutboxKind
from omnicx.errors import ConflictError, ValidationError
from omnicx.listening import Mention, load_topics
from omnicx.model import MessageEvent, Priority
from omnicx.routing import RuleEngine, load_rules
from omnicx.storage import ListeningRecord, MemoryStore, SqliteStore

MONDAY = datetime(2026, 3, 2, tzinfo=UTC)
TOPICS = load_topics(
    {
        "bucket": "1h",
        "topics": [
            {
                "id": "acme",
                "query": {"any": ["acme", "@acme"]},
                "alerts": [{"kind": "volume_spike", "cooldown": "6h"}],
            }
        ],
    }
)
RULES = RuleEngine.compile(
    load_rules(
        {
            "mode": "first_match",
            "channels": ["listening"],
            "rules": [
                {
                    "id": "outage-to-network",
                    "when": {
                        "all": [
                            {"field": "message.metadata.kind", "op": "eq", "value": "volume_spike"},
                            {"field": "message.metadata.terms", "op": "contains", "value": "down"},
                        ]
                    },
                    "then": {"queue": "network", "priority": "urgent", "add_tags": ["outage"],
                             "notify": ["#network-oncall"]},
                },
                {
                    "id": "any-alert",
                    "when": {"field": "channel", "op": "eq", "value": "listening"},
                    "then": {"notify": ["#social-team"]},
                },
            ],
        }
    )
)  # fmt: skip
CALM = ["love my acme phone", "@acme thanks", "acme store opens at 9", "acme or globex?"]


def _calm_week() -> Iterator[Mention]:
    for hour in range(24 * 7):
        for i in range(6 if 8 <= hour % 24 < 22 else 2):
            yield Mention(id=f"{hour}-{i}", network="x", text=CALM[(hour + i) % 4],
                          at=MONDAY + timedelta(hours=hour, minutes=9 * i))  # fmt: skip


def _outage(text: str = "acme is down again, app broken") -> list[Mention]:
    at = MONDAY + timedelta(days=7, hours=10)
    return [Mention(id=f"out-{i}", network="x", text=text, at=at + timedelta(minutes=i),
                    reach=10 * i) for i in range(40)]  # fmt: skip


def _desk(store: Any, now: datetime, rules: RuleEngine | None = RULES) -> Desk:
    return Desk(store=store, clock=FixedClock(now), listening=Listening(topics=TOPICS, rules=rules))


def _through_the_spike(store: Any) -> Any:
    week = list(_calm_week())
    _desk(store, week[-1].at).listen(week)
    _desk(store, MONDAY + timedelta(days=7, hours=10, minutes=45)).listen(_outage())
    return _desk(store, MONDAY + timedelta(days=7, hours=11)).listen()


@pytest.mark.parametrize("make", [MemoryStore, lambda: SqliteStore(":memory:")])
def test_a_spike_of_outage_mentions_opens_one_case_for_the_network_team(make: Any) -> None:
    """The alert rule routes the spike to the network queue, urgent, with the driving posts."""
    store = make()
    report = _through_the_spike(store)
    (outcome,) = report.alerts
    assert outcome.fired == ("outage-to-network",)
    assert outcome.notify == ("#network-oncall",)
    case = store.conversation(outcome.conversation_id)
    assert case.conversation.queue == "network"
    assert case.conversation.priority is Priority.URGENT
    assert "outage" in case.conversation.tags
    assert case.conversation.channel == LISTENING_CHANNEL
    notes = [o for o in outcome.case.outbox if o.kind is OutboxKind.NOTIFICATION]
    assert [o.target for o in notes] == ["#network-oncall"]
    desk = _desk(store, MONDAY + timedelta(days=8))
    (message,) = [e.message for e in desk.timeline(case.conversation.customer_id)
                  if isinstance(e, MessageEvent)]  # fmt: skip
    assert "Driving posts:\n- x:out-39\n- x:out-38" in message.text
    assert message.metadata["topic"] == "acme"
    assert message.metadata["severity"] == "high"
    # The state is in the store, with nothing left pending.
    stored = store.listening("listening")
    assert stored.pending == ()
    assert stored.version == report.version


def test_redelivery_and_restart_open_no_second_case() -> None:
    """The same alert acted on again (a crash before pending cleared) finds its case."""
    store = MemoryStore()
    first = _through_the_spike(store).alerts[0]
    record = store.listening("listening")
    # A worker that stored the state and stopped before acting leaves it pending.
    from omnicx.desk._listen import _alert_json

    store.put_listening(attrs.evolve(record, pending=(_alert_json(first.alert),)))
    again = _desk(store, MONDAY + timedelta(days=7, hours=11, minutes=5)).listen()
    (outcome,) = again.alerts
    assert outcome.case.replayed
    assert outcome.conversation_id == first.conversation_id
    assert len([r for r in store.records.values() if r.conversation.queue == "network"]) == 1
    # The outage batch delivered again counts nothing twice (its bucket closed).
    late = _desk(store, MONDAY + timedelta(days=7, hours=11, minutes=6)).listen(_outage())
    assert late.alerts == ()
    assert late.late >= 40


def test_an_alert_no_rule_sends_to_a_queue_only_notifies() -> None:
    """Without "down" among the drivers the second rule fires: a notification, no case."""
    store = MemoryStore()
    week = list(_calm_week())
    _desk(store, week[-1].at).listen(week)
    _desk(store, MONDAY + timedelta(days=7, hours=10, minutes=45)).listen(
        _outage("acme giveaway today, free stickers")
    )
    (outcome,) = _desk(store, MONDAY + timedelta(days=7, hours=11)).listen().alerts
    assert outcome.fired == ("any-alert",)
    assert outcome.notify == ("#social-team",)
    assert outcome.case is None
    assert outcome.conversation_id is None
    assert store.records == {}


def test_without_rules_alerts_are_only_reported() -> None:
    """Listening with no alert rules reports the alert and opens nothing."""
    store = MemoryStore()
    week = list(_calm_week())
    _desk(store, week[-1].at, rules=None).listen(week)
    _desk(store, MONDAY + timedelta(days=7, hours=10, minutes=45), rules=None).listen(_outage())
    (outcome,) = _desk(store, MONDAY + timedelta(days=7, hours=11), rules=None).listen().alerts
    assert outcome.fired == ()
    assert outcome.case is None
    assert outcome.alert.severity in {"critical", "high", "elevated"}


def test_listening_survives_a_restart_as_if_it_never_stopped() -> None:
    """A desk fed in pieces (a new desk each call) alerts as one fed everything."""
    pieces, whole = MemoryStore(), MemoryStore()
    week = list(_calm_week())
    for day in range(7):
        chunk = week[sum(1 for m in week if m.at < MONDAY + timedelta(days=day)) :][:]
        chunk = [m for m in chunk if m.at < MONDAY + timedelta(days=day + 1)]
        _desk(pieces, MONDAY + timedelta(days=day + 1) - timedelta(minutes=1)).listen(chunk)
    _desk(whole, week[-1].at).listen(week)
    assert pieces.listening("listening").state == whole.listening("listening").state


def test_a_stale_worker_conflicts_and_writes_nothing() -> None:
    """Two workers read the same state; the one that writes second raises ConflictError."""

    class Racing(MemoryStore):  # another worker writes between this one's read and write
        def put_listening(self, record: ListeningRecord) -> None:
            if record.version == 0 and self.listening(record.name) is None:
                super().put_listening(ListeningRecord(name=record.name, state=record.state))
            super().put_listening(record)

    store = Racing()
    with pytest.raises(ConflictError, match="listening state 'listening' changed"):
        _desk(store, MONDAY).listen(list(_calm_week())[:5])
    assert store.listening("listening").version == 1


def test_listen_says_what_is_missing() -> None:
    """No listening configured, or a store without listening state: the error says the fix."""
    with pytest.raises(ValidationError, match=r"Desk\.listening: no listening configured"):
        Desk(store=MemoryStore(), clock=FixedClock(MONDAY)).listen()

    class Bare:
        def commit(self, changes: object) -> None: ...
        def conversation(self, conversation_id: str) -> None: ...

    desk = Desk(store=Bare(), clock=FixedClock(MONDAY),  # type: ignore[arg-type]
                listening=Listening(topics=TOPICS))  # fmt: skip
    with pytest.raises(ValidationError, match="keeps no listening state"):
        desk.listen()
    with pytest.raises(ValidationError, match=r"Desk\.listening: expected a Listening"):
        Desk(store=MemoryStore(), clock=FixedClock(MONDAY), listening=TOPICS)  # type: ignore[arg-type]


def test_response_rate_and_time_of_mentions_that_expect_an_answer() -> None:
    """Answered ones count by the time they were answered; each mention once; others ignored."""
    from omnicx.listening import responses

    def asked(i: int, minutes: int | None) -> Mention:
        at = MONDAY + timedelta(hours=i)
        answered = None if minutes is None else at + timedelta(minutes=minutes)
        return Mention(id=str(i), network="x", text="@acme help?", at=at, expects_answer=True,
                       answered_at=answered)  # fmt: skip

    posts = [asked(0, 10), asked(1, 30), asked(2, 120), asked(3, None), asked(4, 5)]
    posts += [posts[0], Mention(id="n", network="x", text="acme", at=MONDAY)]
    report = responses(posts, MONDAY, MONDAY + timedelta(days=1))
    assert (report.expecting, report.answered, report.response_rate) == (5, 4, 0.8)
    assert (report.median_seconds, report.p90_seconds) == (600.0, 7200.0)
    assert report.unanswered_oldest == MONDAY + timedelta(hours=3)
    early = responses(posts, MONDAY, MONDAY + timedelta(days=1), as_of=MONDAY + timedelta(hours=1))
    assert early.answered == 1
    assert responses([], MONDAY, MONDAY).response_rate is None
    with pytest.raises(ValidationError, match="answered_at: is before the mention was posted"):
        Mention(id="b", network="x", text="", at=MONDAY, answered_at=MONDAY - timedelta(1))
    with pytest.raises(ValidationError, match="end: the period ends before it starts"):
        responses(posts, MONDAY, MONDAY - timedelta(days=1))


def test_the_demo_spike_opens_a_case_for_the_web_team(capsys: pytest.CaptureFixture[str]) -> None:
    """``omnicx demo`` shows the outage spike that opened a case, and the dip that notified."""
    from omnicx.cli import main
    from omnicx.desk._listen_demo import demo_listening

    store = MemoryStore()
    spike, dip = demo_listening(store).alerts
    assert spike.fired == ("outage-case",)
    assert store.conversation(spike.conversation_id).conversation.queue == "web-team"
    assert dip.case is None
    assert dip.notify == ("#social-team",)
    assert main(["demo", "--colour", "never"]) == 0
    out = capsys.readouterr().out
    assert "Listening: public mentions that warn before the crisis" in out
    assert "-> rule outage-case; notify #web-oncall; opened case" in out
    assert all(len(line) <= 100 for line in out.splitlines())
