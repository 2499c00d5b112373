"""Text normalisation and keyword matching: case- and accent-insensitive, whole words."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import attrs

_WORD = re.compile(r"\w+")
# On ASCII text ``\w`` is [A-Za-z0-9_]: one translate pass folds case and turns
# every other character into a space, and split() then cuts the same words as
# _WORD.findall(text.lower()), about twice as fast.
_ASCII_WORDS = str.maketrans(
    {chr(i): chr(i).lower() if _WORD.fullmatch(chr(i)) else " " for i in range(128)}
)


def words_of(text: str) -> list[str]:
    """The normalised words of ``text``, in order."""
    if text.isascii():
        return text.translate(_ASCII_WORDS).split()
    return _WORD.findall(normalize(text))


def normalize(text: str) -> str:
    """Fold case and strip accents, so ``"Rembolso"`` and ``"REMBÓLSO"`` compare equal."""
    if text.isascii():
        return text.lower()
    # Decompose before folding too: a compatibility form can hide a letter's
    # case (mathematical bold capital A, U+1D5D4, is "A" only after NFKD).
    return _strip_marks(_strip_marks(text).casefold())


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@attrs.frozen
class Words:
    """A text cut into normalised words, ready for keyword tests.

    ``padded`` is the words joined by single spaces with a space at both ends,
    so a phrase test ``" money back "`` in ``padded`` only matches whole words.
    """

    words: frozenset[str]
    padded: str

    @classmethod
    def of(cls, text: str) -> Words:
        """Cut ``text`` into words."""
        tokens = words_of(text)
        return cls(frozenset(tokens), " " + " ".join(tokens) + " ")


@attrs.frozen
class Terms:
    """A compiled keyword list: single words and multi-word phrases apart.

    A term matches a text when it appears as whole words, ignoring case,
    accents and punctuation: ``"money back"`` matches ``"Money-back, please"``
    but ``"fund"`` does not match ``"refund"``.
    """

    words: frozenset[str]
    phrases: tuple[str, ...]
    count: int

    @classmethod
    def of(cls, terms: Iterable[str]) -> Terms:
        """Compile a list of keywords and phrases."""
        words: set[str] = set()
        phrases: list[str] = []
        count = 0
        for term in terms:
            tokens = words_of(term)
            if not tokens:
                continue
            count += 1
            if len(tokens) == 1:
                words.add(tokens[0])
            else:
                phrases.append(" " + " ".join(tokens) + " ")
        return cls(frozenset(words), tuple(phrases), count)

    @property
    def gate(self) -> frozenset[str]:
        """Words of which at least one must be in a text for any term to match."""
        return self.words | {p.split()[0] for p in self.phrases}

    def any_in(self, text: Words) -> bool:
        """True if at least one term is in ``text``."""
        if not self.words.isdisjoint(text.words):
            return True
        padded = text.padded
        # A loop, not any(): no generator to build for the one or two phrases of a list.
        for phrase in self.phrases:  # noqa: SIM110
            if phrase in padded:
                return True
        return False

    def all_in(self, text: Words) -> bool:
        """True if every term is in ``text``."""
        if not self.words <= text.words:
            return False
        padded = text.padded
        for phrase in self.phrases:  # noqa: SIM110
            if phrase not in padded:
                return False
        return True

    def count_in(self, text: Words) -> int:
        """How many terms are in ``text``: ``len(self.found_in(text))``, without the list."""
        count = len(self.words & text.words)
        if self.phrases:
            count += sum(p in text.padded for p in self.phrases)
        return count

    def found_in(self, text: Words) -> list[str]:
        """The terms (normalised) present in ``text``, words first."""
        found = sorted(self.words & text.words)
        found.extend(p.strip() for p in self.phrases if p in text.padded)
        return found


def valid_term(term: str) -> bool:
    """True if ``term`` has at least one word character (so it can ever match)."""
    return bool(_WORD.search(term))
