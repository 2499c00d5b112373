"""A large synthetic help center for the speed figures: real sentences mixed with a long tail.

Each article takes 2 to 6 sentences from the labelled set's English
articles and adds product and topic words drawn from a Zipf-shaped
vocabulary of 30,000 made-up words, so common words have long postings
and rare ones short, as in a real knowledge base. Seeded: the same
corpus every run.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Sequence
from datetime import UTC, datetime

from omnicx.kb import Article, plain_text

T = datetime(2026, 1, 15, 9, tzinfo=UTC)
_SYLLABLES = ["ka", "lo", "mi", "ter", "van", "zu", "bre", "ost", "gal", "pin", "ru", "sel"]


def _vocabulary(rng: random.Random, size: int) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 5))))
    return sorted(words)


def corpus(seed_articles: Sequence[Article], count: int, seed: int = 7) -> list[Article]:
    """``count`` English articles built from ``seed_articles``' sentences and a long tail."""
    rng = random.Random(seed)
    sentences = [
        s
        for a in seed_articles
        if a.locale == "en"
        for s in re.split(r"(?<=[.!?])\s+", plain_text(a).replace("\n\n", " "))
        if s
    ]
    titles = [a.title for a in seed_articles if a.locale == "en"]
    vocab = _vocabulary(rng, 30_000)
    cumulative = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(vocab))))
    out = []
    for i in range(count):
        tail = rng.choices(vocab, cum_weights=cumulative, k=rng.randint(20, 60))
        body = " ".join(rng.sample(sentences, rng.randint(2, 6)))
        paragraphs = [
            body,
            " ".join(tail[: len(tail) // 2]) + ".",
            " ".join(tail[len(tail) // 2 :]) + ".",
        ]
        title = f"{rng.choice(titles)} {' '.join(rng.sample(vocab[:3000], 2))}"
        out.append(
            Article(
                id=f"s{i}",
                locale="en",
                title=title,
                body="\n\n".join(paragraphs),
                tags=[rng.choice(["orders", "returns", "account", "payments"])],
                updated_at=T,
            )
        )
    return out
