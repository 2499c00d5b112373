"""Synthetic inbound messages: channel mix, filler text, keywords, VIPs, tiers, spend."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import ruleset

from omnicx.model import Author, AuthorKind, Channel, Customer, Direction, Message
from omnicx.routing import RoutingContext

FILLER = [
    "hello",
    "hi",
    "there",
    "i",
    "my",
    "we",
    "our",
    "you",
    "your",
    "the",
    "a",
    "an",
    "and",
    "or",
    "but",
    "with",
    "from",
    "about",
    "order",
    "item",
    "please",
    "thanks",
    "thank",
    "could",
    "would",
    "can",
    "help",
    "need",
    "want",
    "know",
    "when",
    "where",
    "why",
    "how",
    "today",
    "yesterday",
    "week",
    "again",
    "still",
    "since",
    "last",
    "first",
    "new",
    "old",
    "some",
    "any",
    "this",
    "that",
    "it",
    "is",
    "was",
    "be",
    "have",
    "has",
    "had",
    "do",
    "does",
    "did",
    "not",
    "no",
    "yes",
    "ok",
    "sure",
    "great",
    "fine",
    "good",
    "bad",
    "team",
    "support",
]
KEYWORDS = sorted({k for r in ruleset.ROWS for k in r.get("kws", ())})
CHANNEL_WEIGHTS = [30, 20, 8, 20, 7, 5, 4, 6]
NOW = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


def messages(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """``n`` plain messages, the same for a given seed."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        words = rng.choices(FILLER, k=rng.randint(6, 30))
        for _ in range(rng.choices([0, 1, 2], weights=[40, 45, 15])[0]):
            kw = rng.choice(KEYWORDS)
            if rng.random() < 0.2:
                kw = kw.upper()
            words.insert(rng.randrange(len(words) + 1), kw)
        tier = rng.choices([None, "silver", "gold", "platinum"], weights=[60, 20, 15, 5])[0]
        out.append(
            {
                "channel": rng.choices(ruleset.CHANNELS, weights=CHANNEL_WEIGHTS)[0],
                "text": " ".join(words).capitalize() + rng.choice([".", "!", "?", ""]),
                "vip": rng.random() < 0.08,
                "ltv": round(rng.lognormvariate(6.5, 1.3), 2),
                "tier": tier,
            }
        )
    return out


def contexts(plain: list[dict[str, Any]]) -> list[RoutingContext]:
    """The same messages as omnicx routing contexts (what a host already holds)."""
    out = []
    for i, m in enumerate(plain):
        message = Message(
            id=f"m{i}",
            channel=Channel(m["channel"]),
            direction=Direction.INBOUND,
            author=Author(kind=AuthorKind.CUSTOMER),
            sent_at=NOW,
            text=m["text"],
        )
        customer = Customer(
            id=f"c{i}", vip=m["vip"], tier=m["tier"], lifetime_value=Decimal(str(m["ltv"]))
        )
        out.append(RoutingContext(now=NOW, message=message, customer=customer))
    return out
