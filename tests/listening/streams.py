"""Deterministic mention streams for the listening tests."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from omnicx.listening import Mention, TopicSet, load_topics

START = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday

TOPICS: TopicSet = load_topics(
    {
        "bucket": "1h",
        "topics": [
            {
                "id": "acme",
                "query": {"any": ["acme", "@acme", "#acme"]},
                "alerts": [
                    {"kind": "volume_spike", "window": "1h", "cooldown": "6h"},
                    {"kind": "volume_spike", "window": "3h", "sensitivity": "strict"},
                    {"kind": "sentiment_dip", "window": "2h", "cooldown": "3h"},
                ],
            },
            {
                "id": "outage",
                "query": {"all": ["acme", {"any": ["outage", "is down", "#acmedown"]}]},
                "alerts": [{"kind": "volume_spike", "sensitivity": "sensitive", "min_volume": 5}],
            },
            {"id": "globex", "query": "globex", "competitor_of": "acme"},
        ],
    }
)

CALM = [
    "love acme",
    "acme order arrived",
    "globex is fine",
    "thanks @acme support",
    "acme app update",
]
ANGRY = "acme is down again, terrible #acmedown outage"


def stream(
    hours: int,
    *,
    seed: int = 7,
    burst_at: int | None = None,
    burst: int = 150,
    silent: range = range(0),
    base: int = 12,
) -> Iterator[Mention]:
    """Hourly mentions with a daytime bump, an optional burst of angry posts and a silent stretch."""
    rng = random.Random(seed)
    n = 0
    for hour in range(hours):
        if hour in silent:
            continue
        volume = base + (base // 2 if 9 <= hour % 24 <= 17 else 0) + rng.randint(-2, 2)
        extra = burst if hour == burst_at else 0
        for j in range(volume + extra):
            n += 1
            text = ANGRY if j >= volume else rng.choice(CALM)
            yield Mention(
                id=str(n),
                network=rng.choice(["x", "instagram"]),
                text=text,
                at=START + timedelta(hours=hour, seconds=rng.randrange(3600)),
                reach=rng.randrange(5000),
            )
