"""Synthetic inputs for the listening benchmark: 100 topics and a stream of mentions."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from omnicx.listening import Mention

START = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday
BRANDS = [f"brand{i}" for i in range(40)]
ISSUES = ["outage", "refund", "broken", "slow", "crash", "delivery", "scam", "login"]
VOCAB = [f"w{i}" for i in range(3000)] + ["love", "great", "terrible", "awful", "thanks", "hate"]
NETWORKS = ["x", "instagram", "facebook", "tiktok"]
LANGUAGES = ["en", "en", "en", "es", "pt", "de"]


def topics() -> dict[str, Any]:
    """100 topics: 40 brands (10 of them competitors of another), 40 brand issues, 20 campaigns."""
    alerts = [
        {"kind": "volume_spike", "window": "1h", "cooldown": "6h"},
        {"kind": "volume_spike", "window": "3h", "sensitivity": "strict"},
        {"kind": "sentiment_dip", "window": "3h", "negative_floor": 0.6},
    ]
    out: list[dict[str, Any]] = []
    for i, brand in enumerate(BRANDS):
        topic: dict[str, Any] = {
            "id": brand,
            "query": {"any": [brand, f"@{brand}", f"#{brand}"]},
            "alerts": alerts,
        }
        if i >= 30:
            topic["competitor_of"] = BRANDS[i - 30]
        out.append(topic)
    for i, brand in enumerate(BRANDS):
        issue = ISSUES[i % len(ISSUES)]
        out.append(
            {
                "id": f"{brand}-{issue}",
                "query": {
                    "all": [brand, {"any": [issue, f"#{issue}", "is down"]}, {"not": "hiring"}]
                },
                "networks": NETWORKS[: 2 + i % 3],
                "alerts": alerts[:1],
            }
        )
    for i in range(20):
        out.append(
            {
                "id": f"campaign{i}",
                "query": {"any": [f"#camp{i}", f"launch{i} day"]},
                "languages": ["en", "es"],
                "alerts": alerts[:1],
            }
        )
    return {"bucket": "1h", "topics": out}


def mentions(total: int, *, seed: int = 1, per_hour: int = 1500) -> Iterator[Mention]:
    """``total`` mentions, ``per_hour`` an hour; about one in three names a brand.

    Every 71st hour, half the mentions report an outage of one brand.
    """
    rng = random.Random(seed)
    for n in range(total):
        words = rng.choices(VOCAB, k=rng.randint(6, 16))
        roll = rng.random()
        hour = n // per_hour
        if hour % 71 == 30 and roll < 0.5:  # now and then an outage on one brand
            words += [BRANDS[hour // 71 % len(BRANDS)], "outage", "#down"]
        elif roll < 0.35:
            brand = rng.choice(BRANDS)
            words.insert(rng.randrange(len(words)), rng.choice([brand, f"@{brand}", f"#{brand}"]))
            if rng.random() < 0.2:
                words.append(rng.choice(ISSUES))
        elif roll < 0.40:
            words.append(f"#camp{rng.randrange(20)}")
        yield Mention(
            id=str(n),
            network=rng.choice(NETWORKS),
            text=" ".join(words),
            at=START + timedelta(seconds=n * 3600 // per_hour),
            language=rng.choice(LANGUAGES),
            author=f"user{rng.randrange(100000)}",
            reach=int(rng.paretovariate(1.2) * 50),
        )
