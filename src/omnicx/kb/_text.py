"""From an article's Markdown or HTML to plain text, and from text to index terms."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping, Sequence
from html.parser import HTMLParser
from typing import Any

from omnicx.errors import Problem, ValidationError
from omnicx.kb._article import Article, BodyFormat
from omnicx.kb._stopwords import STOP_WORDS

__all__ = ["Analyzer", "parse_synonyms", "plain_text"]

# Snowball's algorithm names for the language subtags it stems.
_SNOWBALL = {
    "da": "danish", "de": "german", "en": "english", "es": "spanish", "fi": "finnish",
    "fr": "french", "hu": "hungarian", "it": "italian", "nl": "dutch", "no": "norwegian",
    "pt": "portuguese", "ro": "romanian", "ru": "russian", "sv": "swedish", "tr": "turkish",
}  # fmt: skip
_WORD = re.compile(r"\w+")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_MARKS = re.compile(r"(^|\n)[ \t]{0,3}(#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)|[*_`~]+|<[^>]+>")
# A stem cache bound: article vocabularies stay well under it; a full cache starts over.
_CACHE_LIMIT = 200_000


class _TextOnly(HTMLParser):
    # Blocks end a paragraph, so passages never run across them.
    _BLOCKS = frozenset({"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def plain_text(article: Article) -> str:
    """Return the article's body as plain text: markup gone, paragraphs kept apart by blank lines."""
    if article.format is BodyFormat.HTML:
        parser = _TextOnly()
        parser.feed(article.body)
        parser.close()
        text = "".join(parser.parts)
    else:
        text = html.unescape(_MD_MARKS.sub(r"\1", _MD_LINK.sub(r"\1", article.body)))
    paragraphs = (" ".join(p.split()) for p in re.split(r"\n\s*\n", text))
    return "\n\n".join(p for p in paragraphs if p)


def _fold(word: str) -> str:
    # Customers drop accents ("devolucion"): compare without them, after stemming.
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class Analyzer:
    """Turn text of one language into index terms: words, minus stop words, stemmed, unaccented.

    Synonym groups (each a list of words or phrases that mean the same) add
    the group's first entry as a term wherever another entry appears, on
    articles and queries alike. A language Snowball does not stem keeps whole
    words. The stem cache holds only article words (``learn=True``), never a
    customer's, and is bounded.
    """

    def __init__(self, language: str, synonyms: Sequence[Sequence[str]] = ()) -> None:
        self.language = language
        self._stop = STOP_WORDS.get(language, frozenset())
        self._stemmer = _stemmer(language)
        self._cache: dict[str, str] = {}
        # first stem of a phrase -> [(the phrase's stems, the group's term)], longest first
        self._phrases: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for group in synonyms:
            stems = [tuple(self._words(entry, learn=True)) for entry in group]
            stems = [s for s in stems if s]
            if len(stems) < 2:
                continue
            term = "_".join(stems[0])
            for phrase in stems[1:]:
                self._phrases.setdefault(phrase[0], []).append((phrase, term))
        for options in self._phrases.values():
            options.sort(key=lambda option: -len(option[0]))

    def terms(self, text: str, *, learn: bool = False) -> list[str]:
        """Return the index terms of ``text``, in order (synonym terms follow their phrase)."""
        words = self._words(text, learn=learn)
        if not self._phrases:
            return words
        out: list[str] = []
        for i, word in enumerate(words):
            out.append(word)
            for phrase, term in self._phrases.get(word, ()):
                if tuple(words[i : i + len(phrase)]) == phrase:
                    out.append(term)
                    break
        return out

    def _words(self, text: str, *, learn: bool) -> list[str]:
        stop = self._stop
        out = []
        for raw in _WORD.findall(text.casefold()):
            if raw in stop or (len(raw) < 2 and not raw.isdigit()):
                continue
            out.append(self._stem(raw, learn))
        return out

    def _stem(self, word: str, learn: bool) -> str:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        stem = _fold(self._stemmer.stemWord(word) if self._stemmer is not None else word)
        if learn:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[word] = stem
        return stem


def _stemmer(language: str) -> Any:
    algorithm = _SNOWBALL.get(language)
    if algorithm is None:
        return None
    try:
        import snowballstemmer  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - a dependency: only a broken install lacks it
        raise ValidationError.single(
            "", f"stemming {algorithm} needs snowballstemmer: pip install snowballstemmer"
        ) from None
    stemmer = snowballstemmer.stemmer(algorithm)
    # PyStemmer's own cache would keep customers' words; omnicx's keeps article words only.
    if hasattr(stemmer, "maxCacheSize"):
        stemmer.maxCacheSize = 0
    return stemmer


def parse_synonyms(data: Any) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Validate host synonyms: ``{"en": [["refund", "money back"], ...], "es": [...]}``.

    Raises:
        ValidationError: with the path of every malformed group or entry.
    """
    if not isinstance(data, Mapping):
        raise ValidationError.single("synonyms", "must map a language to its synonym groups")
    problems: list[Problem] = []
    out: dict[str, tuple[tuple[str, ...], ...]] = {}
    for language, groups in data.items():
        path = f"synonyms.{language}"
        if not isinstance(groups, Sequence) or isinstance(groups, str):
            problems.append(Problem(path, "must be a list of groups (lists of words or phrases)"))
            continue
        kept: list[tuple[str, ...]] = []
        for g, group in enumerate(groups):
            if not isinstance(group, Sequence) or isinstance(group, str) or len(group) < 2:
                problems.append(Problem(f"{path}[{g}]", "a group lists at least two entries"))
                continue
            bad = [
                e
                for e, entry in enumerate(group)
                if not isinstance(entry, str) or not entry.strip()
            ]
            for e in bad:
                problems.append(Problem(f"{path}[{g}][{e}]", "an entry must be non-empty text"))
            if not bad:
                kept.append(tuple(group))
        out[str(language)] = tuple(kept)
    if problems:
        raise ValidationError(problems)
    return out
