"""The social sentiment lexicons: data files per language, read once and compiled per language.

Each ``lexicons/<tag>.tsv`` line is ``kind<TAB>entry<TAB>value`` (see the
header of ``en.tsv``). A language's compiled lexicon is English's with its
own entries on top, because social posts in Spanish, Portuguese or German
borrow English words ("top", "fail", "nice"); a zero valence in a language's
file masks an English word that language writes with another sense ("die",
"bad" and "kind" in German). Text in no recognised language uses every
file, English winning a clash.
"""

from __future__ import annotations

from importlib import resources

import attrs

from omnicx._caches import memo
from omnicx.routing._text import normalize

__all__ = ["LANGUAGES", "CompiledLexicon", "compiled", "function_words"]

LANGUAGES: tuple[str, ...] = ("en", "es", "pt", "de")
"""The languages the social sentiment lexicons cover, English first."""

_KINDS = frozenset("wbncsfrl")


@attrs.frozen
class _Entries:
    """One file's entries by kind (entries already normalised)."""

    valence: dict[str, float]
    boosters: dict[str, float]
    negators: frozenset[str]
    contrasts: frozenset[str]
    sarcasm: frozenset[str]
    frames: frozenset[str]
    repeats: frozenset[str]
    common: frozenset[str]


@memo(8, personal=False)  # the shipped files: one entry each
def _read(name: str) -> _Entries:
    text = resources.files("omnicx.routing").joinpath("lexicons", f"{name}.tsv").read_text("utf-8")
    valence: dict[str, float] = {}
    boosters: dict[str, float] = {}
    sets: dict[str, set[str]] = {kind: set() for kind in "ncsfrl"}
    for number, line in enumerate(text.splitlines(), 1):
        if not line or line.startswith("#"):
            continue
        kind, entry, value = [*line.split("\t"), "", ""][:3]
        if kind not in _KINDS or not entry:  # pragma: no cover - the shipped files are tested
            raise ValueError(f"lexicons/{name}.tsv:{number}: bad line {line!r}")
        # Emoticons keep their case (":D" is not ":d"); words fold it.
        key = entry if name == "emoji" else normalize(entry).replace("\u2019", "'")
        if kind == "w":
            valence[key] = float(value)
        elif kind == "b":
            boosters[key] = float(value)
        else:
            sets[kind].add(key)
    return _Entries(
        valence,
        boosters,
        *(frozenset(sets[kind]) for kind in "ncsfrl"),
    )


@attrs.frozen
class Markers:
    """One kind of sarcasm, frame or repeat markers, split by how they are found.

    ``padded`` holds the markers made of words, as ``" word word "``, to find
    in the text's words joined and padded with spaces; ``raw`` the others
    (emoji, ``/s``, ``#not``), to find among the emoji and the text's pieces.
    """

    padded: tuple[str, ...]
    raw: frozenset[str]

    @classmethod
    def of(cls, markers: frozenset[str]) -> Markers:
        """``markers`` split into word markers and raw ones."""
        words = sorted(m for m in markers if m.replace(" ", "").isalnum())
        return cls(tuple(f" {m} " for m in words), markers.difference(words))


@attrs.frozen
class CompiledLexicon:
    """Everything the scorer looks up for one language choice.

    ``phrases`` maps a first word to the multi-word entries starting with it,
    longest first, as ``(words, kind, value)`` with kind ``w``, ``b``, ``n``
    or ``c``; ``markers`` are the multi-word sarcasm, frame and repeat
    entries, found in the padded text.
    """

    valence: dict[str, float]
    boosters: dict[str, float]
    negators: frozenset[str]
    contrasts: frozenset[str]
    phrases: dict[str, tuple[tuple[tuple[str, ...], str, float], ...]]
    sarcasm: frozenset[str]
    frames: frozenset[str]
    repeats: frozenset[str]
    post_negation: bool
    markers: dict[str, Markers] = attrs.field(init=False, eq=False, repr=False)

    @markers.default
    def _split(self) -> dict[str, Markers]:
        return {
            "sarcasm": Markers.of(self.sarcasm),
            "frames": Markers.of(self.frames),
            "repeats": Markers.of(self.repeats),
        }


def _merge(order: tuple[str, ...], post_negation: bool) -> CompiledLexicon:
    # Later files win: ``order`` ends with the language that has the last word.
    parts = [_read(name) for name in order]
    valence: dict[str, float] = {}
    boosters: dict[str, float] = {}
    for part in parts:
        valence.update(part.valence)
        boosters.update(part.boosters)

    def union(kind: str) -> frozenset[str]:
        return frozenset().union(*(getattr(p, kind) for p in parts))

    singles: dict[str, float] = {}
    grouped: dict[str, list[tuple[tuple[str, ...], str, float]]] = {}
    for kind, entries in (("w", valence), ("b", boosters)):
        for entry, value in entries.items():
            words = tuple(entry.split())
            if len(words) > 1:
                grouped.setdefault(words[0], []).append((words, kind, value))
            elif kind == "w":
                singles[entry] = value
    for kind, listed in (("n", union("negators")), ("c", union("contrasts"))):
        for entry in listed:
            words = tuple(entry.split())
            if len(words) > 1:
                grouped.setdefault(words[0], []).append((words, kind, 0.0))
    return CompiledLexicon(
        valence=singles,
        boosters={k: v for k, v in boosters.items() if " " not in k},
        negators=frozenset(w for w in union("negators") if " " not in w),
        contrasts=frozenset(w for w in union("contrasts") if " " not in w),
        phrases={
            first: tuple(sorted(group, key=lambda g: -len(g[0])))
            for first, group in grouped.items()
        },
        sarcasm=union("sarcasm"),
        frames=union("frames"),
        repeats=union("repeats"),
        post_negation=post_negation,
    )


@memo(8, personal=False)  # one per language and one for none
def compiled(language: str | None) -> CompiledLexicon:
    """The lexicon for ``language`` (one of ``LANGUAGES``), or for text in none of them."""
    if language is None:
        return _merge(("emoji", "de", "pt", "es", "en"), post_negation=False)
    order = ("emoji", "en") if language == "en" else ("emoji", "en", language)
    # German puts "nicht" after the verb it negates ("funktioniert nicht").
    return _merge(order, post_negation=language == "de")


@memo(1, personal=False)
def function_words() -> dict[str, tuple[str, ...]]:
    """Common word -> the languages (of ``LANGUAGES``) it is typical of."""
    tags: dict[str, list[str]] = {}
    for language in LANGUAGES:
        for word in _read(language).common:
            tags.setdefault(word, []).append(language)
    return {word: tuple(languages) for word, languages in tags.items()}
