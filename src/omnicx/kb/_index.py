"""A knowledge base: articles in an incremental inverted index, ranked with BM25F."""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

import attrs

from omnicx.errors import NotFoundError, ValidationError
from omnicx.kb._article import Article, Audience
from omnicx.kb._text import Analyzer, parse_synonyms, plain_text

__all__ = ["Hit", "KnowledgeBase", "Suggestion"]

_Tfs = tuple[int, int, int, int]
"""A posting: the term's count in the title and the body, and their lengths."""
# A bound on cached impact lists per language: more distinct query terms than this start it over.
_IMPACT_TERMS = 50_000
# Sums taken in another order differ in the last bits: pruning keeps a candidate this close.
_SLACK = 1e-9
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_PASSAGE_CHARS = 300


@attrs.frozen(kw_only=True)
class Hit:
    """One article a search found, with its BM25F score (higher is better) and confidence.

    ``confidence`` is the score normalised to 0..1 for that query (see
    ``KnowledgeBase``): what a threshold for automatic answers compares.
    """

    article: Article
    score: float
    confidence: float = 0.0


@attrs.frozen(kw_only=True)
class Suggestion:
    """An article suggested for a message, its score, and the passage that answers it.

    ``passage`` is the article's sentence (or two) sharing the most weight
    with the message, or its first sentence when none does.
    """

    article: Article
    score: float
    passage: str
    confidence: float = 0.0


@attrs.define
class _Doc:
    article: Article
    title_len: int
    body_len: int
    # Each sentence with its terms, so passages cost no analysis at query time.
    sentences: tuple[tuple[str, frozenset[str]], ...]
    terms: tuple[str, ...]


@attrs.define
class _Shard:
    """The postings of one language: term -> {slot: (tf in title, tf in body, lengths)}."""

    analyzer: Analyzer
    postings: dict[str, dict[int, _Tfs]] = attrs.field(factory=dict)
    docs: dict[int, _Doc] = attrs.field(factory=dict)
    title_total: int = 0
    body_total: int = 0
    impacts: dict[str, tuple[dict[int, float], float]] = attrs.field(factory=dict)


class KnowledgeBase:
    """Articles indexed for search and suggestions, updated one article at a time.

    Ranking is BM25F (Robertson and Zaragoza's field-weighted BM25) over the
    title and the body's plain text: each field's term frequency is
    normalised by that field's length, weighted (``title_boost``), summed,
    then saturated with ``k1``. Terms come from the article language's
    analyzer: Snowball stemming and stop words for English, Spanish,
    Portuguese and German (and stemming for Snowball's other languages),
    accents folded, host synonyms added. ``add`` and ``remove`` touch only
    the postings of that article's terms; the collection statistics BM25
    needs (document count, average field lengths) are running totals.

    Each hit's ``confidence`` is its score divided by the most any article
    could score for the query: the sum of the idf of the query's distinct
    terms, where a term no article contains counts at the idf of a term in
    none. Each term adds less than its idf (saturation), so confidence lies
    in [0, 1): the share of the question's weight the article matches. It
    does not grow with the corpus or the question's length, so one
    threshold means the same for every question: words the knowledge base
    has never seen lower it, which is what an automatic answer should fear.

    Args:
        articles: the articles to start with.
        synonyms: ``{"en": [["refund", "money back"], ...], ...}`` by language.
        title_boost: how much a title match outweighs a body match.
        k1: term frequency saturation.
        b: how strongly a long field is penalised (0 to 1).

    Raises:
        ValidationError: for malformed synonyms or out-of-range parameters.
    """

    def __init__(
        self,
        articles: Iterable[Article] = (),
        *,
        synonyms: Mapping[str, Sequence[Sequence[str]]] | None = None,
        title_boost: float = 2.5,
        k1: float = 1.2,
        b: float = 0.75,
    ) -> None:
        if not (title_boost > 0 and k1 > 0 and 0 <= b <= 1):
            raise ValidationError.single(
                "", "title_boost and k1 must be positive and b between 0 and 1"
            )
        self._synonyms = parse_synonyms(synonyms or {})
        self._title_boost = title_boost
        self._k1 = k1
        self._b = b
        self._shards: dict[str, _Shard] = {}
        self._slots: dict[tuple[str, str], int] = {}
        self._next_slot = 0
        for article in articles:
            self.add(article)

    def __len__(self) -> int:
        return len(self._slots)

    def __iter__(self) -> Iterator[Article]:
        for shard in self._shards.values():
            for doc in shard.docs.values():
                yield doc.article

    def get(self, id: str, locale: str) -> Article:
        """Return the article ``id`` in ``locale``.

        Raises:
            NotFoundError: if the knowledge base has no such article.
        """
        slot = self._slots.get((id, locale))
        if slot is None:
            raise NotFoundError(f"article in locale {locale!r}", id)
        return self._shard(locale.split("-", 1)[0]).docs[slot].article

    def add(self, article: Article) -> None:
        """Index ``article``, replacing the one with the same id and locale if any."""
        if not isinstance(article, Article):
            raise ValidationError.single(
                "article", f"must be an Article, got {type(article).__name__}"
            )
        if article.key in self._slots:
            self.remove(article.id, article.locale)
        shard = self._shard(article.language)
        analyzer = shard.analyzer
        title = analyzer.terms(article.title, learn=True)
        text = plain_text(article)
        body = analyzer.terms(text, learn=True)
        sentences = tuple(
            (sentence, frozenset(analyzer.terms(sentence, learn=True)))
            for paragraph in text.split("\n\n")
            for sentence in _SENTENCE.split(paragraph)
            if sentence
        )
        slot = self._next_slot
        self._next_slot += 1
        title_tf, body_tf = Counter(title), Counter(body)
        terms = tuple(sorted(set(title_tf) | set(body_tf)))
        for term in terms:
            tfs = (title_tf[term], body_tf[term], len(title), len(body))
            shard.postings.setdefault(term, {})[slot] = tfs
        shard.docs[slot] = _Doc(article, len(title), len(body), sentences, terms)
        shard.title_total += len(title)
        shard.body_total += len(body)
        shard.impacts.clear()
        self._slots[article.key] = slot

    def remove(self, id: str, locale: str) -> None:
        """Take the article ``id`` in ``locale`` out of the index.

        Raises:
            NotFoundError: if the knowledge base has no such article.
        """
        slot = self._slots.pop((id, locale), None)
        if slot is None:
            raise NotFoundError(f"article in locale {locale!r}", id)
        shard = self._shard(locale.split("-", 1)[0])
        doc = shard.docs.pop(slot)
        for term in doc.terms:
            postings = shard.postings[term]
            del postings[slot]
            if not postings:
                del shard.postings[term]
        shard.title_total -= doc.title_len
        shard.body_total -= doc.body_len
        shard.impacts.clear()

    def search(
        self,
        query: str,
        *,
        locale: str | None = None,
        tags: Iterable[str] = (),
        audience: Audience | None = None,
        product: str | None = None,
        limit: int = 5,
    ) -> tuple[Hit, ...]:
        """Return the best ``limit`` articles for ``query``, best first.

        Args:
            query: the customer's words (a question, a message, an agent's draft).
            locale: only articles in this locale; ``"pt"`` takes every
                Portuguese article, ``"pt-BR"`` those in pt-BR or plain pt.
                Without it every language is searched, each with its own analyzer.
            tags: only articles carrying every one of these tags.
            audience: only articles for this audience (``Audience.PUBLIC`` for
                customers); ``None`` takes all (agents see internal ones too).
            product: only articles about this product.
            limit: how many hits at most.
        """
        return tuple(hit for hit, _, _ in self._search(query, locale, tags, audience, product,
                                                       limit))  # fmt: skip

    def suggest(
        self,
        text: str,
        *,
        locale: str | None = None,
        tags: Iterable[str] = (),
        audience: Audience | None = None,
        product: str | None = None,
        limit: int = 3,
    ) -> tuple[Suggestion, ...]:
        """Suggest articles for an inbound message or an agent's draft, each with its passage.

        Takes the same filters as ``search``.
        """
        out = []
        for hit, doc, weights in self._search(text, locale, tags, audience, product, limit):
            out.append(Suggestion(article=hit.article, score=hit.score,
                                  passage=_passage(doc, weights), confidence=hit.confidence))  # fmt: skip
        return tuple(out)

    def _search(
        self,
        query: str,
        locale: str | None,
        tags: Iterable[str],
        audience: Audience | None,
        product: str | None,
        limit: int,
    ) -> list[tuple[Hit, _Doc, dict[str, float]]]:
        # The best ``limit`` hits, each with its document and the query's term
        # weights in its shard (what a passage is chosen by).
        wanted = frozenset(tags)
        admit: Callable[[Article], bool] | None = None
        if wanted or audience is not None or product is not None or "-" in (locale or ""):

            def admit(article: Article) -> bool:
                return _admits(article, locale, wanted, audience, product)

        ranked: list[tuple[float, str, str, int, str]] = []
        weights: dict[str, tuple[dict[str, float], float]] = {}
        for language, shard in self._shards.items():
            if locale is not None and language != locale.split("-", 1)[0]:
                continue
            terms = shard.analyzer.terms(query)
            idf = self._idf(shard, terms)
            weights[language] = (idf, self._ceiling(shard, terms, idf))
            for slot, score in self._scores(shard, idf, admit, limit).items():
                article = shard.docs[slot].article
                ranked.append((-score, article.id, article.locale, slot, language))
        ranked.sort()
        out = []
        for negative, _, _, slot, language in ranked[: max(limit, 0)]:
            doc = self._shards[language].docs[slot]
            idf, ceiling = weights[language]
            hit = Hit(article=doc.article, score=-negative, confidence=-negative / ceiling)
            out.append((hit, doc, idf))
        return out

    def _shard(self, language: str) -> _Shard:
        shard = self._shards.get(language)
        if shard is None:
            shard = _Shard(Analyzer(language, self._synonyms.get(language, ())))
            self._shards[language] = shard
        return shard

    def _idf(self, shard: _Shard, terms: Iterable[str]) -> dict[str, float]:
        count = len(shard.docs)
        weights = {}
        for term in set(terms):
            df = len(shard.postings.get(term, ()))
            if df:
                weights[term] = math.log(1 + (count - df + 0.5) / (df + 0.5))
        return weights

    def _ceiling(self, shard: _Shard, terms: Iterable[str], known: Mapping[str, float]) -> float:
        # The most any article could score: every distinct query term at its
        # full idf (``known``), a term no article has at the idf of df = 0.
        count = len(shard.docs)
        unseen = math.log(1 + (count + 0.5) / 0.5)
        return sum(known.get(term, unseen) for term in set(terms)) or 1.0

    def _scores(
        self,
        shard: _Shard,
        weights: Mapping[str, float],
        admit: Callable[[Article], bool] | None,
        limit: int,
    ) -> dict[int, float]:
        # The admitted articles scoring at least the ``limit``-th best admitted
        # score (ties included, so the caller's tie-break stays exact), scored
        # exactly as scoring every posting would (``_all_scores``), with
        # MaxScore pruning: terms go rarest first; once what the remaining
        # terms could still add (each less than its idf times its best
        # saturated weight) is below the ``limit``-th best score, no article
        # outside the candidates can reach the top, so later postings are
        # only looked up for the candidates, and a candidate that can no
        # longer reach the ``limit``-th best score is dropped.
        if not shard.docs or limit <= 0:
            return {}
        ordered = sorted(weights.items(), key=lambda item: (-item[1], item[0]))
        impacts = [(idf, self._impacts(shard, term)) for term, idf in ordered]
        remaining = sum(idf * best for idf, (_, best) in impacts)
        scores: dict[int, float] = {}
        admitted: dict[int, bool] = {}
        docs = shard.docs
        pruning = False
        for idf, (impact, best) in impacts:
            remaining -= idf * best
            if pruning:
                for slot, score in scores.items():
                    value = impact.get(slot)
                    if value is not None:
                        scores[slot] = score + idf * value
                floor = heapq.nlargest(limit, scores.values())[-1] - remaining - _SLACK
                scores = {slot: score for slot, score in scores.items() if score >= floor}
                continue
            if scores:
                get = scores.get
                for slot, value in impact.items():
                    scores[slot] = get(slot, 0.0) + idf * value
            else:
                scores = {slot: idf * value for slot, value in impact.items()}
            if admit is not None:
                for slot in impact:
                    if slot not in admitted:
                        admitted[slot] = admit(docs[slot].article)
                kept = [score for slot, score in scores.items() if admitted[slot]]
            else:
                kept = list(scores.values())
            if len(kept) >= limit:
                kth = heapq.nlargest(limit, kept)[-1]
                if kth > remaining:
                    pruning = True
                    floor = kth - remaining - _SLACK
                    scores = {slot: score for slot, score in scores.items()
                              if score >= floor and (admit is None or admitted[slot])}  # fmt: skip
        if admit is not None and not pruning:
            scores = {slot: score for slot, score in scores.items() if admitted[slot]}
        if len(scores) > limit:
            kth = heapq.nlargest(limit, scores.values())[-1]
            scores = {slot: score for slot, score in scores.items() if score >= kth}
        return scores

    def _impacts(self, shard: _Shard, term: str) -> tuple[dict[int, float], float]:
        # The term's saturated BM25F weight in each article (idf aside) and the best
        # one. They depend on the average field lengths, so the cache (owned by
        # the shard, keyed by term, holding article terms only) is emptied by
        # every add and remove; it keeps at most _IMPACT_TERMS entries.
        cached = shard.impacts.get(term)
        if cached is not None:
            return cached
        # ``_contribution``'s arithmetic with idf 1, inlined: this loop is the
        # cold cost of a common term (tests compare it with the plain path).
        count = max(len(shard.docs), 1)
        k1, b, boost = self._k1, self._b, self._title_boost
        title_avg = max(shard.title_total / count, 1e-9)
        body_avg = max(shard.body_total / count, 1e-9)
        impact = {}
        for slot, (tf_title, tf_body, title_len, body_len) in shard.postings[term].items():
            weight = boost * tf_title / (1 - b + b * title_len / title_avg) if tf_title else 0.0
            if tf_body:
                weight += tf_body / (1 - b + b * body_len / body_avg)
            impact[slot] = weight / (k1 + weight)
        entry = (impact, max(impact.values()))
        if len(shard.impacts) >= _IMPACT_TERMS:
            shard.impacts.clear()
        shard.impacts[term] = entry
        return entry

    def _all_scores(self, shard: _Shard, query: str) -> dict[int, float]:
        # The plain path: every posting of every query term, scored.
        contribution = self._contribution(shard)
        scores: dict[int, float] = {}
        for term, idf in self._idf(shard, shard.analyzer.terms(query)).items():
            for slot, tfs in shard.postings[term].items():
                scores[slot] = scores.get(slot, 0.0) + contribution(idf, tfs)
        return scores

    def _contribution(self, shard: _Shard) -> Callable[[float, _Tfs], float]:
        count = max(len(shard.docs), 1)
        k1, b, boost = self._k1, self._b, self._title_boost
        title_avg = max(shard.title_total / count, 1e-9)
        body_avg = max(shard.body_total / count, 1e-9)

        def contribution(idf: float, tfs: _Tfs) -> float:
            # BM25F: each field's frequency normalised by its length, weighted, summed, saturated.
            tf_title, tf_body, title_len, body_len = tfs
            weight = 0.0
            if tf_title:
                weight = boost * tf_title / (1 - b + b * title_len / title_avg)
            if tf_body:
                weight += tf_body / (1 - b + b * body_len / body_avg)
            return idf * weight / (k1 + weight)

        return contribution


def _admits(
    article: Article,
    locale: str | None,
    tags: frozenset[str],
    audience: Audience | None,
    product: str | None,
) -> bool:
    if locale is not None and "-" in locale and article.locale not in (locale, article.language):
        return False
    if audience is not None and article.audience is not audience:
        return False
    if product is not None and article.product != product:
        return False
    return not tags or tags.issubset(article.tags)


def _passage(doc: _Doc, weights: Mapping[str, float]) -> str:
    sentences = doc.sentences
    if not sentences:
        return ""
    best, best_score = 0, 0.0
    for index, (_, terms) in enumerate(sentences):
        score = sum(weight for term, weight in weights.items() if term in terms)
        if score > best_score:
            best, best_score = index, score
    text = sentences[best][0]
    # A short sentence ("Yes.") says more with the one after it.
    if len(text) < 80 and best + 1 < len(sentences):
        text = f"{text} {sentences[best + 1][0]}"
    if len(text) > _PASSAGE_CHARS:
        text = text[: _PASSAGE_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return text
