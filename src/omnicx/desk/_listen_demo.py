"""The demo's listening: a calm week of public mentions, then an outage spike that opens a case."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

from omnicx.clock import FixedClock
from omnicx.desk._desk import Desk
from omnicx.desk._listen import Listening, ListenReport
from omnicx.desk._sample import DEMO_NOW
from omnicx.listening import Mention, load_topics
from omnicx.routing import RuleEngine, load_rules
from omnicx.storage import DeskStore

__all__ = ["DEMO_ALERT_RULES", "DEMO_TOPICS", "demo_listening"]

DEMO_TOPICS: Mapping[str, Any] = {
    "bucket": "1h",
    "topics": [
        {
            "id": "shop",
            "query": {"any": ["northwind", "@northwind", "#northwind"]},
            "alerts": [
                {"kind": "volume_spike", "window": "1h", "cooldown": "6h"},
                {"kind": "sentiment_dip", "window": "2h", "negative_floor": 0.6},
            ],
        }
    ],
}
"""The demo shop's one listening topic: mentions of the shop, with a spike and a dip alert."""

DEMO_ALERT_RULES: Mapping[str, Any] = {
    "mode": "first_match",
    "channels": ["listening"],
    "rules": [
        {
            "id": "outage-case",
            "description": "A spike of site-down posts opens an urgent case for the web team",
            "when": {"all": [
                {"field": "message.metadata.kind", "op": "eq", "value": "volume_spike"},
                {"field": "message.text", "op": "contains_any",
                 "value": ["down", "outage", "checkout", "broken"]},
            ]},
            "then": {"queue": "web-team", "priority": "urgent", "add_tags": ["outage"],
                     "notify": ["#web-oncall"]},
        },
        {
            "id": "tell-social",
            "when": {"field": "channel", "op": "eq", "value": "listening"},
            "then": {"notify": ["#social-team"]},
        },
    ],
}  # fmt: skip
"""The demo's alert rules: an outage spike becomes a case, anything else a notification."""

_CALM = (
    "love my new @northwind jacket 😍",
    "northwind delivery was quick, thanks!",
    "does northwind ship to canada?",
    "northwind or globex for boots?",
)
_OUTAGE = (
    "@northwind checkout is down, can't pay 😡",
    "is northwind down?? site broken again",
    "northwind app keeps crashing at checkout, ugh",
)


def _calm_week() -> Iterator[Mention]:
    start = DEMO_NOW - timedelta(days=7, hours=18)
    for hour in range(24 * 7 + 15):
        for i in range(5 if 8 <= hour % 24 < 22 else 1):
            yield Mention(id=f"calm-{hour}-{i}", network="x", text=_CALM[(hour + i) % 4],
                          at=start + timedelta(hours=hour, minutes=11 * i), reach=120 + 40 * i)  # fmt: skip


def _outage() -> Iterator[Mention]:
    start = DEMO_NOW - timedelta(hours=3)
    for i in range(36):
        yield Mention(id=f"down-{i}", network="x", text=_OUTAGE[i % 3],
                      at=start + timedelta(minutes=i), reach=80 * i, expects_answer=True)  # fmt: skip


def demo_listening(store: DeskStore) -> ListenReport:
    """Feed the demo's mentions through ``Desk.listen`` on ``store``; the spike opens a case."""
    listening = Listening(
        topics=load_topics(DEMO_TOPICS), rules=RuleEngine.compile(load_rules(DEMO_ALERT_RULES))
    )

    def desk(now: Any) -> Desk:
        return Desk(store=store, clock=FixedClock(now), listening=listening)

    week = list(_calm_week())
    desk(week[-1].at).listen(week)
    burst = list(_outage())
    desk(burst[-1].at).listen(burst)
    return desk(DEMO_NOW - timedelta(hours=2)).listen()
