"""Cut a mention's text into tokens: words, ``#hashtags`` and ``@handles``.

Case- and accent-insensitive, as routing's keywords are: ``"Caída"`` and
``"CAIDA"`` are the same word. A hashtag or handle also counts as its bare
word, so the term ``outage`` matches ``#outage`` while the hashtag
``#outage`` matches only the tag.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

__all__ = ["Tokens", "normalize", "tokens_of"]

_TOKEN = re.compile(r"[#@]?\w+")
# On ASCII text without # or @, ``\w`` is [A-Za-z0-9_]: one translate pass folds
# case and blanks every other character, and split() then cuts the same tokens
# as the regex, faster (routing's words do the same).
_ASCII_WORDS = str.maketrans(
    {chr(i): chr(i).lower() if re.fullmatch(r"\w", chr(i)) else " " for i in range(128)}
)


def normalize(text: str) -> str:
    """Fold case and strip accents."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class Tokens(NamedTuple):
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
    if text.isascii() and "#" not in text and "@" not in text:
        plain = text.translate(_ASCII_WORDS).split()
        written = frozenset(plain)
        return Tokens(written, tuple(plain), written)
    normal = normalize(text)
    raw = _TOKEN.findall(normal)
    written = frozenset(raw)
    if "#" not in normal and "@" not in normal:
        return Tokens(written, tuple(raw), written)
    words = tuple([t[1:] if t[0] in "#@" else t for t in raw])
    return Tokens(written.union(words), words, written)
