"""The labelled set: questions in customers' own words, each mapped to the article that answers it."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

from omnicx.kb import Article, load_articles, plain_text

DATA = Path(__file__).resolve().parent / "data"
WORD = re.compile(r"\w+")

Question = tuple[str, str, str]
"""(locale, article id, the question)."""

Ranker = Callable[[str, str], Sequence[tuple[str, str]]]
"""(question, locale) -> article keys, best first."""


def articles() -> tuple[Article, ...]:
    """Every article of the labelled set, loaded and validated as a host would."""
    return load_articles(DATA / "articles")


def questions() -> list[Question]:
    """Every labelled question: English from questions_en.txt, the rest with their locale."""
    out: list[Question] = []
    for line in (DATA / "questions_en.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            id, text = (part.strip() for part in line.split("|", 1))
            out.append(("en", id, text))
    for line in (DATA / "questions_es_pt_de.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            locale, id, text = (part.strip() for part in line.split("|", 2))
            out.append((locale, id, text))
    return out


def keyword_overlap(corpus: Sequence[Article]) -> Ranker:
    """The baseline: count the question's distinct lower-cased words found in title or body."""
    words = [
        (a.key, a.locale, frozenset(WORD.findall(f"{a.title} {plain_text(a)}".lower())))
        for a in corpus
    ]

    def rank(question: str, locale: str) -> list[tuple[str, str]]:
        asked = frozenset(WORD.findall(question.lower()))
        scored = [(-len(asked & bag), key) for key, loc, bag in words if loc == locale]
        scored.sort()
        return [key for score, key in scored[:10] if score < 0]

    return rank


def bm25_okapi(corpus: Sequence[Article]) -> Ranker:
    """The named peer: rank-bm25's BM25Okapi, lower-cased words, one index per locale."""
    from rank_bm25 import BM25Okapi

    by_locale: dict[str, list[Article]] = {}
    for article in corpus:
        by_locale.setdefault(article.locale, []).append(article)
    indexes = {
        locale: (
            BM25Okapi([WORD.findall(f"{a.title} {plain_text(a)}".lower()) for a in group]),
            [a.key for a in group],
        )
        for locale, group in by_locale.items()
    }

    def rank(question: str, locale: str) -> list[tuple[str, str]]:
        index, keys = indexes[locale]
        scores = index.get_scores(WORD.findall(question.lower()))
        order = sorted(range(len(keys)), key=lambda i: (-scores[i], keys[i]))
        return [keys[i] for i in order[:10] if scores[i] > 0]

    return rank


def evaluate(rank: Ranker, labelled: Sequence[Question]) -> dict[str, float]:
    """recall@1/@3/@5 and MRR (over the top 10) of ``rank`` on ``labelled``."""
    hits = {1: 0, 3: 0, 5: 0}
    reciprocal = 0.0
    for locale, id, text in labelled:
        ranked = list(rank(text, locale))
        want = (id, locale)
        if want in ranked:
            position = ranked.index(want) + 1
            reciprocal += 1 / position
            for k in hits:
                hits[k] += position <= k
    n = len(labelled)
    return {
        "recall@1": hits[1] / n,
        "recall@3": hits[3] / n,
        "recall@5": hits[5] / n,
        "MRR": reciprocal / n,
    }
