"""Cut a mention's text into tokens: words, ``#hashtags`` and ``@handles``.

Case- and accent-insensitive, as routing's keywords are: ``"Caída"`` and
``"CAIDA"`` are the same word. A hashtag or handle also counts as its bare
word, so the term ``outage`` matches ``#outage`` while the hashtag
``#outage`` matches only the tag.
"""

from __future__ import annotations

import re
import unicodedata

import attrs

__all__ = ["Tokens", "normalize", "tokens_of"]

_TOKEN = re.compile(r"[#@]?\w+")


def normalize(text: str) -> str:
    """Fold case and strip accents."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@attrs.frozen
class Tokens:
    """A text's tokens: ``all`` holds words, ``#tags``, ``@handles`` and the bare words of both.

    ``words`` is the bare words in order, for phrase tests; ``written`` the
    tokens as written (a tag's bare word only where it also stands alone),
    for themes.
    """

    all: frozenset[str]
    words: tuple[str, ...]
    written: frozenset[str]

    def has_phrase(self, phrase: tuple[str, ...]) -> bool:
        """True if ``phrase`` appears as consecutive words."""
        n = len(phrase)
        words = self.words
        first = phrase[0]
        for i in range(len(words) - n + 1):
            if words[i] == first and words[i : i + n] == phrase:
                return True
        return False


def tokens_of(text: str) -> Tokens:
    """Cut ``text`` into tokens."""
    normal = normalize(text)
    raw = _TOKEN.findall(normal)
    written = frozenset(raw)
    if "#" not in normal and "@" not in normal:
        return Tokens(written, tuple(raw), written)
    words = tuple(t[1:] if t[0] in "#@" else t for t in raw)
    return Tokens(written.union(words), words, written)
