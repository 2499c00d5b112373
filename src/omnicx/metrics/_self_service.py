"""Self-service metrics: deflection, article helpfulness, and searches that found nothing.

A ``SelfServiceAccumulator`` counts conversations' timeline events
(``add_conversation``) and help-center searches (``add_search``); partials
merge exactly (every figure is a count) and cross process boundaries as
plain data (``to_dict``/``from_dict``), like ``MetricsAccumulator``'s.

Definitions (docs/self-service.md, "Self-service metrics"):

- A *question* is a conversation with at least one customer message.
- A question is *offered* articles when a rule's auto-reply offered at least
  one (``ArticlesOffered`` with articles), and *unanswered* when the
  knowledge base was asked and had none above the rule's threshold (every
  ``ArticlesOffered`` of it is empty): the content gap inside conversations.
- A question is *deflected* when the customer's last verdict on some article
  (``AnswerRated``) is "helpful" and came before any public human agent
  reply (bot and automated messages are not human). Deflection rate is
  deflected over questions; offer success is deflected over offered.
- Per article: how often it was offered, used by an agent (``SuggestionUsed``)
  and rated; a customer who changes their mind on one conversation counts
  once, with their last verdict. Helpfulness is helpful over rated.
- A search with no result is one whose ``hits`` was 0; the content-gap
  report groups them by their text (case and spacing folded) and locale.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from omnicx._frozen import frozen_seq
from omnicx.errors import Problem, ValidationError
from omnicx.metrics._values import Rate
from omnicx.model import (
    AnswerRated,
    ArticlesOffered,
    AuthorKind,
    Direction,
    Event,
    MessageEvent,
    SuggestionUsed,
)

__all__ = [
    "SELF_SERVICE_FORMAT",
    "ArticleFeedback",
    "ContentGap",
    "SelfServiceAccumulator",
    "SelfServiceReport",
]

SELF_SERVICE_FORMAT = "omnicx.self-service-partial"
"""The ``format`` field of a self-service partial document (version 1)."""

_COUNTS = ("questions", "offered", "unanswered", "deflected", "searches", "no_result")
_ARTICLE_COUNTS = ("offered", "used", "helpful", "not_helpful")
_Key = tuple[str, str]


@attrs.frozen(kw_only=True)
class ArticleFeedback:
    """One article's figures: offered to customers, used by agents, rated by customers."""

    id: str
    locale: str
    offered: int = 0
    used: int = 0
    helpful: int = 0
    not_helpful: int = 0

    @property
    def helpfulness(self) -> Rate:
        """Helpful verdicts over all verdicts (None without any)."""
        return Rate(part=self.helpful, whole=self.helpful + self.not_helpful)


@attrs.frozen(kw_only=True)
class ContentGap:
    """Searches that found nothing: their folded text, locale ("" for any) and count."""

    query: str
    locale: str
    searches: int


@attrs.frozen(kw_only=True)
class SelfServiceReport:
    """What a ``SelfServiceAccumulator`` counted; see the module for each definition.

    ``articles`` go most offered and used first; ``content_gaps`` most
    searched first, at most the number ``report`` was asked for.
    """

    questions: int = 0
    offered: int = 0
    unanswered: int = 0
    deflected: int = 0
    searches: int = 0
    no_result_searches: int = 0
    articles: tuple[ArticleFeedback, ...] = attrs.field(default=(), converter=frozen_seq)
    content_gaps: tuple[ContentGap, ...] = attrs.field(default=(), converter=frozen_seq)

    @property
    def deflection_rate(self) -> Rate:
        """Questions answered by an article without a human, over all questions."""
        return Rate(part=self.deflected, whole=self.questions)

    @property
    def offer_success(self) -> Rate:
        """Deflected questions over those offered articles."""
        return Rate(part=self.deflected, whole=self.offered)

    @property
    def no_result_rate(self) -> Rate:
        """Searches with no result over all searches."""
        return Rate(part=self.no_result_searches, whole=self.searches)


def _fold_query(query: str) -> str:
    return " ".join(query.casefold().split()).strip(" ?!.,;:¿¡")


@attrs.define
class SelfServiceAccumulator:
    """Mergeable counts of deflection, article feedback and empty searches."""

    _counts: Counter[str] = attrs.field(factory=Counter)
    _articles: dict[_Key, Counter[str]] = attrs.field(factory=dict)
    _gaps: Counter[_Key] = attrs.field(factory=Counter)

    def add_conversation(self, events: Iterable[Event]) -> None:
        """Count one conversation from its timeline events (in timeline order)."""
        asked = human = False
        attempted = offered = False
        ratings: dict[_Key, tuple[bool, bool]] = {}  # article -> (helpful, before a human)
        for event in events:
            if isinstance(event, MessageEvent):
                message = event.message
                if message.direction is Direction.INBOUND and (
                    message.author.kind is AuthorKind.CUSTOMER
                ):
                    asked = True
                elif message.is_public_human_reply:
                    human = True
            elif isinstance(event, ArticlesOffered):
                attempted = True
                offered = offered or bool(event.articles)
                for article in event.articles:
                    self._article((article.id, article.locale))["offered"] += 1
            elif isinstance(event, SuggestionUsed):
                self._article((event.article_id, event.locale))["used"] += 1
            elif isinstance(event, AnswerRated):
                ratings[(event.article_id, event.locale)] = (event.helpful, not human)
        for key, (helpful, _) in ratings.items():
            self._article(key)["helpful" if helpful else "not_helpful"] += 1
        if not asked:
            return
        self._counts["questions"] += 1
        self._counts["offered"] += offered
        self._counts["unanswered"] += attempted and not offered
        self._counts["deflected"] += any(h and early for h, early in ratings.values())

    def add_search(self, query: str, *, hits: int, locale: str | None = None) -> None:
        """Count one help-center search and how many articles it found.

        The text of an empty search is kept (folded) for the content-gap
        report: pass what the customer typed only if your privacy policy
        allows keeping it, or a redacted form.
        """
        if isinstance(hits, bool) or not isinstance(hits, int) or hits < 0:
            raise ValidationError.single("hits", "must be a whole number of hits, 0 or more")
        self._counts["searches"] += 1
        if hits == 0:
            self._counts["no_result"] += 1
            self._gaps[(_fold_query(query), locale or "")] += 1

    def _article(self, key: _Key) -> Counter[str]:
        counts = self._articles.get(key)
        if counts is None:
            counts = self._articles[key] = Counter()
        return counts

    def merge(self, other: SelfServiceAccumulator) -> SelfServiceAccumulator:
        """Return a new accumulator holding both partials; neither input changes."""
        merged = SelfServiceAccumulator()
        for part in (self, other):
            merged._counts.update(part._counts)
            merged._gaps.update(part._gaps)
            for key, counts in part._articles.items():
                merged._article(key).update(counts)
        return merged

    def report(self, *, gaps: int = 20) -> SelfServiceReport:
        """The figures, with the ``gaps`` most frequent empty searches."""
        articles = sorted(
            (ArticleFeedback(id=id, locale=locale, offered=c["offered"], used=c["used"],
                             helpful=c["helpful"], not_helpful=c["not_helpful"])
             for (id, locale), c in self._articles.items()),
            key=lambda a: (-(a.offered + a.used), -a.helpful, a.id, a.locale),
        )  # fmt: skip
        top = sorted(self._gaps.items(), key=lambda item: (-item[1], item[0]))[: max(gaps, 0)]
        c = self._counts
        return SelfServiceReport(
            questions=c["questions"], offered=c["offered"], unanswered=c["unanswered"],
            deflected=c["deflected"], searches=c["searches"], no_result_searches=c["no_result"],
            articles=articles,
            content_gaps=[ContentGap(query=q, locale=loc, searches=n) for (q, loc), n in top],
        )  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        """The partial as plain JSON-ready data; the same counts always write the same document."""
        return {
            "format": SELF_SERVICE_FORMAT,
            "version": 1,
            "counts": {name: self._counts[name] for name in _COUNTS},
            "articles": [
                [id, locale, *(self._articles[(id, locale)][k] for k in _ARTICLE_COUNTS)]
                for id, locale in sorted(self._articles)
            ],
            "gaps": [[q, loc, self._gaps[(q, loc)]] for q, loc in sorted(self._gaps)],
        }

    @classmethod
    def from_dict(cls, data: object) -> SelfServiceAccumulator:
        """Read a partial ``to_dict`` wrote.

        Raises:
            ValidationError: every problem with its path; nothing is built partly.
        """
        problems: list[Problem] = []
        if not isinstance(data, Mapping):
            raise ValidationError.single("", "a self-service partial must be a JSON object")
        if data.get("format") != SELF_SERVICE_FORMAT or data.get("version") != 1:
            raise ValidationError.single(
                "format", f"expected format {SELF_SERVICE_FORMAT!r} version 1; write it with "
                "SelfServiceAccumulator.to_dict"
            )  # fmt: skip
        out = cls()
        counts = data.get("counts")
        if not isinstance(counts, Mapping) or set(counts) != set(_COUNTS):
            problems.append(Problem("counts", f"must have exactly {', '.join(_COUNTS)}"))
        else:
            for name in _COUNTS:
                if _count(counts[name], f"counts.{name}", problems):
                    out._counts[name] = counts[name]
        for i, row in _rows(data, "articles", 2 + len(_ARTICLE_COUNTS), problems):
            numbers = row[2:]
            if all(_count(n, f"articles[{i}][{j + 2}]", problems) for j, n in enumerate(numbers)):
                out._article((row[0], row[1])).update(
                    dict(zip(_ARTICLE_COUNTS, numbers, strict=True))
                )
        for i, row in _rows(data, "gaps", 3, problems):
            if _count(row[2], f"gaps[{i}][2]", problems):
                out._gaps[(row[0], row[1])] += row[2]
        if problems:
            raise ValidationError(problems)
        return out


def _count(value: object, path: str, problems: list[Problem]) -> bool:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        problems.append(Problem(path, "must be a whole number, 0 or more"))
        return False
    return True


def _rows(
    data: Mapping[str, Any], name: str, width: int, problems: list[Problem]
) -> list[tuple[int, Any]]:
    rows = data.get(name)
    if not isinstance(rows, list):
        problems.append(Problem(name, "must be a list of rows"))
        return []
    good = []
    for i, row in enumerate(rows):
        if (
            not isinstance(row, list)
            or len(row) != width
            or not all(isinstance(text, str) for text in row[:2])
        ):
            problems.append(Problem(f"{name}[{i}]", f"must be a row of two texts and "
                                                    f"{width - 2} counts"))  # fmt: skip
        else:
            good.append((i, row))
    return good
