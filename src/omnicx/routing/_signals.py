"""Derived signals: keyword categories, urgency, sentiment and language.

The host can plug its own classifiers in through two small protocols; the
defaults are deterministic word lists, good enough to route on and easy to
reason about in tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import attrs

from omnicx._frozen import FrozenMap, frozen_json, frozen_seq
from omnicx.routing._text import Terms, Words

__all__ = [
    "DEFAULT_KEYWORDS",
    "DEFAULT_URGENCY",
    "LanguageDetector",
    "Lexicon",
    "LexiconLanguage",
    "LexiconSentiment",
    "SentimentClassifier",
    "language_of",
    "sentiment_of",
]

DEFAULT_KEYWORDS: Mapping[str, tuple[str, ...]] = FrozenMap(
    {
        "billing": ("invoice", "charged", "charge", "billing", "payment", "receipt", "overcharged"),
        "cancel": ("cancel", "cancellation", "unsubscribe", "close my account", "terminate"),
        "complaint": ("complaint", "unacceptable", "disappointed", "worst", "terrible"),
        "delivery": (
            "delivery",
            "shipping",
            "tracking",
            "parcel",
            "package",
            "courier",
            "where is my order",
        ),
        "legal": ("lawyer", "attorney", "lawsuit", "sue", "gdpr", "legal action"),
        "refund": ("refund", "money back", "chargeback", "reimburse", "reembolso", "remboursement"),
        "security": ("hacked", "fraud", "phishing", "stolen", "unauthorized", "password reset"),
    }
)
"""Keyword categories shipped by default: ``signals.keywords`` lists the ones found."""

DEFAULT_URGENCY: tuple[str, ...] = (
    "urgent",
    "asap",
    "immediately",
    "emergency",
    "right now",
    "as soon as possible",
    "critical",
    "outage",
    "down",
    "dringend",
    "urgente",
)
"""Words and phrases that make ``signals.urgent`` true by default."""


@attrs.frozen(kw_only=True)
class Lexicon:
    """Keyword categories and urgency terms used for the derived signals.

    Matching is case- and accent-insensitive, on whole words and phrases.
    """

    keywords: Mapping[str, tuple[str, ...]] = attrs.field(
        default=DEFAULT_KEYWORDS, converter=frozen_json
    )
    urgency: tuple[str, ...] = attrs.field(default=DEFAULT_URGENCY, converter=frozen_seq)
    _compiled: tuple[tuple[str, Terms], ...] = attrs.field(init=False, repr=False, eq=False)
    _urgent: Terms = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        compiled = tuple((name, Terms.of(terms)) for name, terms in sorted(self.keywords.items()))
        object.__setattr__(self, "_compiled", compiled)
        object.__setattr__(self, "_urgent", Terms.of(self.urgency))

    def categories(self, text: Words) -> tuple[str, ...]:
        """The keyword categories present in ``text``, sorted."""
        return tuple(name for name, terms in self._compiled if terms.any_in(text))

    def is_urgent(self, text: Words) -> bool:
        """True if an urgency term is present in ``text``."""
        return self._urgent.any_in(text)


class SentimentClassifier(Protocol):
    """Scores a text's sentiment from -1 (angry) to 1 (happy); must be deterministic."""

    def score(self, text: str) -> float:
        """Return the sentiment of ``text`` in [-1, 1]."""
        ...


class LanguageDetector(Protocol):
    """Guesses the language of a text as a BCP 47 tag, or None when unsure."""

    def detect(self, text: str) -> str | None:
        """Return the language tag of ``text`` or None."""
        ...


_NEGATIVE = Terms.of(
    [
        "angry",
        "annoyed",
        "awful",
        "bad",
        "broken",
        "disappointed",
        "disgusted",
        "frustrated",
        "furious",
        "hate",
        "horrible",
        "never",
        "ridiculous",
        "terrible",
        "unacceptable",
        "useless",
        "worst",
        "wrong",
        "scam",
        "rude",
    ]
)
_POSITIVE = Terms.of(
    [
        "amazing",
        "appreciate",
        "awesome",
        "excellent",
        "fantastic",
        "glad",
        "good",
        "great",
        "happy",
        "love",
        "perfect",
        "pleased",
        "thank",
        "thanks",
        "wonderful",
        "helpful",
    ]
)


@attrs.frozen
class LexiconSentiment:
    """Default sentiment: (positive words - negative words) / words matched, in [-1, 1]."""

    def score(self, text: str) -> float:
        """Score ``text``; 0.0 when no sentiment word appears."""
        return sentiment_of(Words.of(text))


def sentiment_of(words: Words) -> float:
    """``LexiconSentiment().score`` of a text already cut into ``words``."""
    negative = _NEGATIVE.count_in(words)
    positive = _POSITIVE.count_in(words)
    total = negative + positive
    return 0.0 if total == 0 else (positive - negative) / total


_STOPWORDS: Mapping[str, Terms] = {
    "de": Terms.of(
        [
            "und",
            "ich",
            "nicht",
            "ist",
            "das",
            "die",
            "der",
            "mein",
            "meine",
            "bitte",
            "danke",
            "ein",
            "eine",
        ]
    ),
    "en": Terms.of(
        ["the", "and", "is", "my", "not", "please", "thanks", "you", "have", "this", "with"]
    ),
    "es": Terms.of(
        [
            "el",
            "la",
            "los",
            "las",
            "que",
            "y",
            "mi",
            "por",
            "favor",
            "gracias",
            "no",
            "es",
            "una",
            "para",
        ]
    ),
    "fr": Terms.of(
        [
            "le",
            "la",
            "les",
            "et",
            "je",
            "ne",
            "pas",
            "mon",
            "ma",
            "merci",
            "est",
            "une",
            "pour",
            "vous",
        ]
    ),
    "it": Terms.of(
        ["il", "lo", "gli", "che", "e", "non", "mio", "mia", "grazie", "per", "una", "sono"]
    ),
    "nl": Terms.of(["de", "het", "een", "en", "ik", "niet", "mijn", "bedankt", "is", "voor"]),
    "pt": Terms.of(
        ["o", "os", "que", "e", "nao", "meu", "minha", "obrigado", "obrigada", "por", "uma", "para"]
    ),
}


@attrs.frozen
class LexiconLanguage:
    """Default language guess: the language with the most common-word hits (at least 2).

    Deterministic; ties go to the alphabetically first tag.
    """

    def detect(self, text: str) -> str | None:
        """Return a two-letter tag or None when fewer than two common words match."""
        return language_of(Words.of(text))


# The common-word lists are single words: a word's hits are the tags listing it.
_TAGS_OF: dict[str, list[str]] = {}
for _tag, _terms in _STOPWORDS.items():
    for _word in _terms.words:
        _TAGS_OF.setdefault(_word, []).append(_tag)
_COMMON_WORDS = frozenset(_TAGS_OF)


def language_of(words: Words) -> str | None:
    """``LexiconLanguage().detect`` of a text already cut into ``words``."""
    common = words.words & _COMMON_WORDS
    if len(common) < 2:  # no language can reach the two hits a guess needs
        return None
    hits: dict[str, int] = {}
    for word in common:
        for tag in _TAGS_OF[word]:
            hits[tag] = hits.get(tag, 0) + 1
    best, best_hits = None, 1
    for tag in _STOPWORDS:  # alphabetical: on a tie the first tag keeps the lead
        if hits.get(tag, 0) > best_hits:
            best, best_hits = tag, hits[tag]
    return best
