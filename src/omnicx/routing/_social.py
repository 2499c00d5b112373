"""Sentiment that reads social posts: emoji, negation, intensifiers, caps, sarcasm; en, es, pt, de.

A rule-based scorer in the manner of VADER (Hutto and Gilbert, 2014): each
word, emoji and emoticon of a lexicon carries a valence from -4 to 4; words
before it within the clause boost or damp it ("so", "kinda") or negate it
("not", "nunca", "kein"); capitals, stretched letters ("soooo") and
exclamation marks add emphasis; after a contrast word ("but", "pero",
"mas", "aber") the rest counts more; a sarcasm marker ("/s", "yeah right",
🙄), or praise beside a repeat and a complaint ("great, another outage"),
turns the praise negative. The sum is squashed into [-1, 1] as VADER's
compound score is. The language comes from the post's common words; its
lexicon is English's with its own on top.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import NamedTuple

import attrs

from omnicx.routing._lexicons import (
    LANGUAGES,
    CompiledLexicon,
    Markers,
    compiled,
    function_words,
)
from omnicx.routing._text import normalize

__all__ = ["SocialSentiment"]

_URL = re.compile(r"https?://\S+|www\.\S+")
_TOKEN = re.compile(
    r"(?P<emoticon>(?<!\w)(?:>:\(|</3|<3|[:;=][-']?[()\[\]DPp/|@]+|[:;=]'\(|[xX]D+(?!\w)|-_-))"
    r"|(?P<word>[\w'\u2019]+)"
    r"|(?P<sym>\S)"
)
_STRETCHED = re.compile(r"(\w)\1\1")
_RUNS_TO_TWO = re.compile(r"(\w)\1{2,}")
_RUNS_TO_ONE = re.compile(r"(\w)\1+")
_LAUGH = re.compile(r"(?:[jh][aeiu])+[jh]?|(?:ah|ha)+h?|k{3,}|(?:rs){2,}")
# Characters that change an emoji's look, not its sense.
_EMOJI_NOISE = dict.fromkeys([0xFE0F, 0xFE0E, 0x200D, *range(0x1F3FB, 0x1F400), 0x2640, 0x2642])
_CLAUSE_END = frozenset(".,;:!?")
_EMPHASIS_CAPS = 0.733
_EMPHASIS_STRETCH = 0.293
_NEGATE = -0.74
_ALPHA = 15.0
_SCOPE = 3

# A token: (normalised word or None for a symbol, raw text, is an emoji or emoticon).
_Token = tuple[str | None, str, bool]


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    text = _URL.sub(" ", text)
    # ASCII words fold by lower() alone (normalize's own first step) and hold no U+2019.
    fold = str.lower if text.isascii() else _fold
    # One of the three groups is set: an emoticon, a word, or one other character.
    for emoticon, word, raw in _TOKEN.findall(text):
        if word:
            tokens.append((fold(word), word, False))
        elif emoticon:
            tokens.append((None, emoticon, True))
        elif raw.isascii():
            tokens.append((None, raw, False))
        else:
            clean = raw.translate(_EMOJI_NOISE)
            if clean:
                tokens.append((None, clean, True))
    return tokens


def _fold(word: str) -> str:
    return normalize(word).replace("\u2019", "'")


def _language(words: list[str]) -> str | None:
    table = function_words()
    hits = dict.fromkeys(LANGUAGES, 0)
    for word in words:
        for language in table.get(word, ()):
            hits[language] += 1
    best = max(LANGUAGES, key=lambda language: hits[language])  # ties: the first listed
    return best if hits[best] else None


def _lookup(word: str, lexicon: CompiledLexicon) -> tuple[str, bool]:
    """The lexicon form of ``word``, and whether it was stretched ("soooo")."""
    if word in lexicon.valence or word in lexicon.boosters or word in lexicon.negators:
        return word, False
    if "'" in word:
        bare = word.replace("'", "")
        if bare in lexicon.valence or bare in lexicon.negators:
            return bare, False
    if len(word) < 3:
        return word, False
    if word[0] in "jhakr" and len(word) >= 4 and _LAUGH.fullmatch(word):
        return "haha", False
    if _STRETCHED.search(word):
        two = _RUNS_TO_TWO.sub(r"\1\1", word)
        if two in lexicon.valence or two in lexicon.boosters:
            return two, True
        one = _RUNS_TO_ONE.sub(r"\1", word)
        return one, True
    return word, False


@attrs.frozen
class SocialSentiment:
    """Sentiment for social text, the default classifier of routing and listening.

    Deterministic and offline: the lexicons ship with omnicx. Reads emoji and
    emoticons, negation, boosters and dampeners, ALL-CAPS and stretched
    words, exclamation marks, "but", and sarcasm markers, in English,
    Spanish, Portuguese and German (see docs/listening.md). Scores run from
    -1 to 1; routing calls a score below -0.2 negative and above 0.2
    positive, listening counts below -0.05 and above 0.05.
    """

    def score(self, text: str) -> float:
        """Score ``text`` in [-1, 1]; 0.0 when nothing in it carries sentiment."""
        if text.isascii() and _nothing_to_score(text):
            return 0.0
        return _score(text)

    def score_words(self, text: str, words: Sequence[str]) -> float:
        """``score(text)``, reusing ``words`` already cut from it.

        ``words`` must be the runs of ASCII letters and digits of
        ``text.lower()``, in order (what ``omnicx.listening`` cuts for
        matching, on ASCII text); on other text, or text with an
        underscore, they are not the same cut and are ignored.
        """
        if not text.isascii() or "_" in text:
            return self.score(text)
        if _nothing_to_score(text, words):
            return 0.0
        return _score(text)


def _nothing_to_score(text: str, words: Sequence[str] | None = None) -> bool:
    """True when plain ASCII ``text`` has no word, phrase or emoticon that could carry sentiment.

    The fast path of ``SocialSentiment.score``: such a text scores 0.0 on
    the full path too (tests/routing/test_social_sentiment.py checks it).
    """
    if _NEEDS_FULL.search(text) is not None:
        return False
    if words is None:
        words = text.translate(_ASCII_WORDS).split()
    if not _SCORED_WORDS.isdisjoint(words):
        return False
    if _STRETCHED.search(text) is not None and _stretched_may_score(text, words):
        return False
    return not any(w[0] in "jhakr" and len(w) > 3 and _LAUGH.fullmatch(w) for w in words)


def _stretched_may_score(text: str, words: Sequence[str]) -> bool:
    """True if a stretched word ("goooood", "xDDD") may read as a scored one on the full path.

    ``_lookup`` reads a stretched word as its runs cut to two letters, then
    to one: it can carry sentiment only if one of those is a scored word.
    A run of digits ("order 10001") never does. With an underscore the full
    path cuts other words than ``words``: that text takes the full path.
    """
    if "_" in text:
        return True
    for word in words:
        if _STRETCHED.search(word) is not None and (
            _RUNS_TO_TWO.sub(r"\1\1", word) in _SCORED_WORDS
            or _RUNS_TO_ONE.sub(r"\1", word) in _SCORED_WORDS
        ):
            return True
    return False


def _score(text: str) -> float:
    """The full path of ``SocialSentiment.score``."""
    tokens = _tokens(text)
    words = [t[0] for t in tokens if t[0] is not None]
    lexicon = compiled(_language(words))
    units = _units(tokens, lexicon)
    values = _valences(units, lexicon)
    if not any(values):
        return 0.0
    values = _sarcasm(text, tokens, words, values, lexicon)
    total = sum(values)
    total += math.copysign(_punctuation(text), total)
    return max(-1.0, min(1.0, total / math.sqrt(total * total + _ALPHA)))


def _scored_words() -> frozenset[str]:
    # Every single word with a valence, and every first word of a phrase, in any lexicon.
    lexicon = compiled(None)
    words = {w for w in lexicon.valence if w.replace("'", "").isalnum()}
    words.update(lexicon.phrases)
    for language in LANGUAGES:
        words.update(w for w in compiled(language).valence if w.replace("'", "").isalnum())
        words.update(compiled(language).phrases)
    # "don't" is cut as "don t" on the fast path; laughter is stretched or listed.
    return frozenset(piece for w in words for piece in w.split("'") if piece) | {"haha"}


_SCORED_WORDS = _scored_words()
# Characters that send a text down the full path whatever its words: emoticon
# characters, and the apostrophe the full path may drop ("lo've").
_NEEDS_FULL = re.compile(r"[:;=<>'\-]")
# Lower-cases ASCII letters and digits; every other character becomes a space.
_ASCII_WORDS = str.maketrans(
    {chr(i): chr(i).lower() if chr(i).isalnum() else " " for i in range(128)}
)


class _Unit(NamedTuple):
    """One scored position: a word, a phrase from the lexicon, an emoji, or a clause break."""

    word: str | None
    raw: str
    emoji: bool = False
    stretched: bool = False
    kind: str = ""  # "w", "b", "n", "c" for a phrase, else ""
    value: float = 0.0


def _units(tokens: list[_Token], lexicon: CompiledLexicon) -> list[_Unit]:
    units: list[_Unit] = []
    i, n = 0, len(tokens)
    while i < n:
        word, raw, emoji = tokens[i]
        if word is None:
            units.append(_Unit(None, raw, emoji))
            i += 1
            continue
        for phrase, kind, value in lexicon.phrases.get(word, ()):
            k = len(phrase)
            if tuple(t[0] for t in tokens[i : i + k]) == phrase:
                units.append(_Unit(" ".join(phrase), raw, False, False, kind, value))
                i += k
                break
        else:
            form, stretched = _lookup(word, lexicon)
            units.append(_Unit(form, raw, False, stretched))
            i += 1
    return units


def _is_negator(unit: _Unit, lexicon: CompiledLexicon) -> bool:
    if unit.kind:
        return unit.kind == "n"
    word = unit.word
    return word is not None and (word in lexicon.negators or word.endswith("n't"))


def _breaks(unit: _Unit) -> bool:
    return unit.word is None and (unit.emoji or unit.raw in _CLAUSE_END)


def _caps(raw: str) -> bool:
    return len(raw) > 1 and raw.isupper()


def _entry(unit: _Unit, kind: str, table: dict[str, float]) -> float:
    """A word's value in ``table``, or a phrase's own value when it is of ``kind``."""
    if unit.kind:
        return unit.value if unit.kind == kind else 0.0
    return table.get(unit.word or "", 0.0)


def _valences(units: list[_Unit], lexicon: CompiledLexicon) -> list[float]:
    values = [0.0] * len(units)
    first_contrast = next(
        (
            i
            for i, u in enumerate(units)
            if (u.kind == "c") or (not u.kind and u.word in lexicon.contrasts)
        ),
        None,
    )
    for i, unit in enumerate(units):
        if unit.word is None:
            if unit.emoji:
                values[i] = _emoji_value(unit.raw, lexicon)
            continue
        value = _entry(unit, "w", lexicon.valence)
        if value == 0.0:
            continue
        sign = 1.0 if value > 0 else -1.0
        if _caps(unit.raw):
            value += sign * _EMPHASIS_CAPS
        if unit.stretched:
            value += sign * _EMPHASIS_STRETCH
        negated = False
        seen = 0
        for j in range(i - 1, -1, -1):
            before = units[j]
            if _breaks(before) or seen == _SCOPE:
                break
            if before.word is None:
                continue
            seen += 1
            boost = _entry(before, "b", lexicon.boosters)
            if boost:
                scaled = boost * (1.0, 0.95, 0.9)[seen - 1]
                if _caps(before.raw):
                    scaled += math.copysign(_EMPHASIS_CAPS, boost)
                value += sign * scaled
            if _is_negator(before, lexicon):
                negated = True
        if lexicon.post_negation and not negated:
            negated = _negated_after(units, i, lexicon)
        if negated:
            value *= _NEGATE
        if first_contrast is not None:
            value *= 0.5 if i < first_contrast else 1.5
        values[i] = value
    return values


def _emoji_value(raw: str, lexicon: CompiledLexicon) -> float:
    # ":(((" reads as ":((" and then ":(".
    while raw not in lexicon.valence and len(raw) > 2:
        raw = raw[:-1]
    return lexicon.valence.get(raw, 0.0)


def _negated_after(units: list[_Unit], i: int, lexicon: CompiledLexicon) -> bool:
    seen = 0
    for after in units[i + 1 :]:
        if _breaks(after) or seen == _SCOPE:
            return False
        if after.word is None:
            continue
        seen += 1
        if _is_negator(after, lexicon):
            return True
    return False


def _sarcasm(
    text: str,
    tokens: list[_Token],
    words: list[str],
    values: list[float],
    lexicon: CompiledLexicon,
) -> list[float]:
    """Praise beside a sarcasm marker, or a frame with a repeat and a complaint, turns negative."""
    padded = " " + " ".join(words) + " "
    raw: set[str] | None = None

    def found(markers: Markers) -> bool:
        # A marker of words is found between spaces in the padded words; any
        # other (an emoji, "/s", "#not") among the emoji and the bare pieces.
        nonlocal raw
        if any(map(padded.__contains__, markers.padded)):
            return True
        if not markers.raw:
            return False
        if raw is None:
            raw = {t[1] for t in tokens if t[2]} | {p.lower().rstrip(".,!?") for p in text.split()}
        return not markers.raw.isdisjoint(raw)

    marked = found(lexicon.markers["sarcasm"])
    if not marked:
        complaint = any(v < 0 for v in values)
        if not (
            complaint and found(lexicon.markers["frames"]) and found(lexicon.markers["repeats"])
        ):
            return values
    return [-0.8 * v if v > 0 else v for v in values]


def _punctuation(text: str) -> float:
    bangs = min(text.count("!"), 4) * 0.292
    questions = text.count("?")
    return bangs + (0.0 if questions < 2 else 0.96 if questions > 3 else questions * 0.18)
