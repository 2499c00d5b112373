"""Who is behind a value: telling spellings of one name from names of two people.

A phone or a mailbox seen with ``Robert Smith``, ``Bob Smith``, ``Smith,
Robert`` and ``ROBERT SMTIH`` was seen with one person; seen with ``Maria
Becker`` and ``Lucas Becker`` it was seen with two (a family line, a shared
mailbox).

Each name is read once into a :class:`NameKey`: emoji and symbols dropped,
other scripts and diacritics transliterated with ``anyascii`` (for
comparison only: the name a customer wrote is never changed), the parts
found by ``nameparser`` (``Family, Given`` with a comma, titles such as
``Dr.`` and suffixes such as ``Jr.`` left out, middle names, initials with
or without dots), then case and punctuation dropped. Two keys are *one
person's name* (:func:`same_person_name`) when one of these holds:

- **exact**: the same key (``Mitchell, Justin`` / ``justin mitchell``);
- **typo**: family and given names each within a typo bound
  (``Robert Smtih`` / ``Robert Smith``): one edit for names of three to
  five letters, two from six; names shorter than three must match exactly;
- **initial**: one side's given name (or family name) is an initial of the
  other's and the other part is a full match (``P. Moses`` / ``Paul Moses``,
  ``Lori C.`` / ``Lori Carter``); never both parts initials;
- **nickname**: the given names are forms of one name in the ``nicknames``
  data set, in either direction (``Bob`` / ``Robert``), or two forms of a
  shared formal name with the same first letter (``Jim`` / ``Jamie``), up
  to a typo;
- **swapped**: a name written without a comma may have its order reversed
  (``Robinson Josh`` / ``Josh Robinson``);
- **lone word**: a name of one word matches the other's given or family
  name (``Karen`` / ``Karen Lopez``), or its given name is that word's
  initial (``Michael`` / ``M. Taylor``).

An aside in brackets is left out before reading: it is a nickname or a
note (``Robert (Bob) Smith``, ``Karen (work)``).

Family names always have to agree (exactly, up to a typo, as a middle word
of the other name, or as an initial when the given names match in full),
so ``Anna Kowalski`` / ``Anna Nowak`` are two people, and so are ``John
Smith`` / ``Jane Smith``. The relation is symmetric; it is not transitive
(``P. Moses`` matches both ``Paul Moses`` and ``Peter Moses``), so
:func:`count_people` closes it over full names only.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

import attrs
from anyascii import anyascii
from nameparser import HumanName
from nameparser.config import CONSTANTS as _PARSER
from nicknames import NickNamer
from rapidfuzz.distance import DamerauLevenshtein

from omnicx._caches import memo

__all__ = [
    "EXTRA_NICKNAMES",
    "MAX_NAMES_COMPARED",
    "NICKNAMES",
    "NameKey",
    "count_people",
    "name_key",
    "nickname_forms",
    "same_person_name",
]

_NAMER = NickNamer()
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
# What nameparser reads besides letters: the comma of "Family, Given", the
# dots of initials and titles, the hyphen and apostrophe inside names.
_KEEP = frozenset(",.-'")
# An aside in brackets is a nickname or a note, not a part of the name:
# "Robert (Bob) Smith", "Karen (work)", "Ann [billing]".
_ASIDE = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")


def _parser_words() -> frozenset[str]:
    # Every word nameparser treats specially (titles, suffixes, particles,
    # conjunctions): a name with none of them, no comma and at most two
    # words is read the same without it ("Given Family"), much faster.
    words: set[str] = set()
    for group in (
        _PARSER.titles,
        _PARSER.first_name_titles,
        _PARSER.suffix_acronyms,
        _PARSER.suffix_not_acronyms,
        _PARSER.prefixes,
        _PARSER.conjunctions,
    ):
        words.update(str(w).lower().replace(".", "") for w in group)
    return frozenset(words)


_SPECIAL = _parser_words()


def _words(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


@attrs.frozen
class NameKey:
    """A person's name read for comparison: lower-case ASCII parts, no punctuation.

    Attributes:
        given: the given (first) name, or ``""``.
        middle: middle names, in order.
        family: the family name's words (``("smith", "jones")`` for
            ``Smith-Jones``, ``("vanderberg",)`` for ``van der Berg``).
        ordered: the name was written ``Family, Given``, so its order is known.
    """

    given: str = ""
    middle: tuple[str, ...] = attrs.field(default=(), converter=_words)
    family: tuple[str, ...] = attrs.field(default=(), converter=_words)
    ordered: bool = False

    @property
    def empty(self) -> bool:
        """Whether nothing of a name is left (emoji, punctuation, a lone title)."""
        return not self.given and not self.family

    @property
    def surname(self) -> str:
        """The family name's words joined: ``smithjones``."""
        return "".join(self.family)


def _clean(text: str) -> str:
    # Letters, marks, digits and spaces stay (marks go in transliteration);
    # emoji, symbols and other punctuation become spaces.
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if ch in _KEEP or category[0] in "LMN" or ch.isspace():
            kept.append(ch)
        else:
            kept.append(" ")
    return anyascii("".join(kept))


def _part(text: str) -> str:
    # "J.R.R." is initials: the first one stands for the given name.
    if "." in text and all(len(p) <= 1 for p in text.split(".")):
        text = text.replace(".", "")[:1]
    return _NOT_ALNUM.sub("", text.lower())


@memo(65_536, personal=True)  # names as written: emptied by erasure
def name_key(text: str) -> NameKey:
    """Read a name as written into its :class:`NameKey` (cached, cleared on erasure).

    ``Dr. José Núñez Jr.``, ``jose nunez`` and ``NUÑEZ, José`` have one key.
    A text with no name left in it (``"🌸"``, ``"-"``) gives an empty key.
    """
    cleaned = " ".join(_clean(_ASIDE.sub(" ", text)).split())
    if not _NOT_ALNUM.sub("", cleaned.lower()):
        cleaned = " ".join(_clean(text).split())  # "(Karen)": the aside is all there is
    if not _NOT_ALNUM.sub("", cleaned.lower()):
        return NameKey()
    words = cleaned.split()
    if (
        len(words) <= 2
        and "," not in cleaned
        and "'" not in cleaned
        and not any(w.lower().replace(".", "") in _SPECIAL for w in words)
    ):
        first, middle_text, last = words[0], "", words[-1] if len(words) == 2 else ""
    else:
        parsed = HumanName(cleaned)
        first, middle_text, last = parsed.first, parsed.middle, parsed.last
    given = _part(first)
    middle = tuple(p for p in map(_part, middle_text.split()) if p)
    family = tuple(p for p in map(_part, last.replace("-", " ").split(" ") if last else ()) if p)
    if len(family) > 1 and "-" not in last:
        family = ("".join(family),)  # "van der Berg": one family name
    if not given and not family:
        # Only a title or a suffix was found ("King", "Sir"): the words are the name.
        parts = [p for p in map(_part, words) if p]
        given, family = parts[0], tuple(parts[1:2])
    elif not given and middle:
        given, middle = middle[0], middle[1:]
    elif not given:
        given, family = "".join(family), ()  # "Mr. Bob": a lone name
    return NameKey(given=given, middle=middle, family=family, ordered="," in cleaned)


def _close(a: str, b: str) -> bool:
    """Spellings of one name: one typo apart, two for names of six letters or more.

    Typos are insertions, deletions, substitutions and transpositions; two
    mistyped spellings of one name are two typos apart.
    """
    if a == b:
        return True
    shorter = min(len(a), len(b))
    if shorter < 3:
        return False  # "Al"/"Ed": too short for a typo to be told from a name
    allowed = 2 if shorter >= 6 else 1
    return DamerauLevenshtein.distance(a, b, score_cutoff=allowed) <= allowed


@memo(16_384, personal=True)  # any given name a customer wrote: emptied by erasure
def nickname_forms(name: str) -> frozenset[str]:
    """The names ``name`` is a nickname or formal form of, in the ``nicknames`` data set.

    Both directions: ``bob`` gives ``robert`` (and its other forms);
    ``robert`` gives ``bob``. ``name`` is lower-case. A few common
    hypocorisms the data set lacks (``liam``/``william``, ``suzy``/``susan``)
    are added from :data:`EXTRA_NICKNAMES`.
    """
    forms = _NAMER.nicknames_of(name) | _NAMER.canonicals_of(name) | _EXTRA.get(name, set())
    return frozenset(forms) - {name}


def _canonicals(name: str) -> frozenset[str]:
    return frozenset(_NAMER.canonicals_of(name) | _EXTRA_FORMAL.get(name, set()))


EXTRA_NICKNAMES: tuple[tuple[str, str], ...] = (
    ("albert", "bertie"), ("alexander", "sasha"), ("alexander", "xander"),
    ("alexandra", "lexi"), ("alexandra", "sasha"), ("barbara", "barb"),
    ("benjamin", "benji"), ("catherine", "kate"), ("catherine", "katie"),
    ("catherine", "cat"), ("charles", "chas"), ("christopher", "topher"),
    ("david", "davy"), ("isabella", "izzy"), ("isabella", "isa"), ("joseph", "jo"),
    ("katherine", "katie"), ("katherine", "kat"), ("kathleen", "kate"),
    ("kathleen", "katie"), ("margaret", "greta"), ("patrick", "rick"),
    ("robert", "robbie"), ("robert", "bert"), ("stephen", "stevie"),
    ("susan", "suzy"), ("william", "liam"),
)  # fmt: skip
"""``(formal, nickname)`` pairs missing from the ``nicknames`` data set (1.0.1).

Genealogy and record-linkage name tables list them; the data set does not.
"""

_EXTRA: dict[str, set[str]] = {}
_EXTRA_FORMAL: dict[str, set[str]] = {}
for _formal, _short in EXTRA_NICKNAMES:
    _EXTRA.setdefault(_formal, set()).add(_short)
    _EXTRA.setdefault(_short, set()).add(_formal)
    _EXTRA_FORMAL.setdefault(_short, set()).add(_formal)

NICKNAMES: dict[str, frozenset[str]] = {name: frozenset(forms) for name, forms in _EXTRA.items()}
""":data:`EXTRA_NICKNAMES` both ways: name -> its forms (a constant table, built at import)."""


def _nickname(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` are forms of one name (up to a typo of a form)."""
    if len(a) < 2 or len(b) < 2:
        return False
    forms_a, forms_b = nickname_forms(a), nickname_forms(b)
    if b in forms_a or a in forms_b:
        return True
    canon_a = _canonicals(a)
    if a[0] == b[0] and canon_a and not canon_a.isdisjoint(_canonicals(b)):
        # "jim" and "jamie", both forms of "james"; not "hannah" and "susan",
        # both forms of "susannah" but never one another's.
        return True
    # A mistyped form, for names long enough that a typo is told from another
    # name ("maggiie"/"maggie", "mkie"/"mike"; not "zoe"/"joe").
    return any(_close_form(b, form) for form in forms_a) or any(
        _close_form(a, form) for form in forms_b
    )


def _close_form(word: str, form: str) -> bool:
    return min(len(word), len(form)) >= 4 and _close(word, form)


def _given_match(a: str, b: str) -> str:
    """``"full"``, ``"initial"`` or ``""``: how two given names agree."""
    if _close(a, b) or _nickname(a, b):
        return "full"
    if a and b and (len(a) == 1 or len(b) == 1):
        initial, other = (a, b) if len(a) == 1 else (b, a)
        # "R" stands for Robert, so for Bob too.
        if other[0] == initial or any(f[0] == initial for f in nickname_forms(other) if f):
            return "initial"
    return ""


def _family_match(a: NameKey, b: NameKey) -> str:
    """``"full"``, ``"initial"`` or ``""``: how two family names agree."""
    fa, fb = a.surname, b.surname
    if _close(fa, fb):
        return "full"
    words_a, words_b = (*a.family, *a.middle), (*b.family, *b.middle)
    # One family word in common ("Smith-Jones" / "Smith"; "Núñez García" / "Núñez").
    if any(_close(x, y) for x in a.family for y in words_b if len(x) > 1 and len(y) > 1):
        return "full"
    if any(_close(x, y) for x in words_a for y in b.family if len(x) > 1 and len(y) > 1):
        return "full"
    if (len(fa) == 1 or len(fb) == 1) and fa[0] == fb[0]:
        return "initial"
    return ""


def _middles_agree(a: NameKey, b: NameKey) -> bool:
    if not a.middle or not b.middle:
        return True
    return bool(_given_match(a.middle[0], b.middle[0]))


def _ordered_match(a: NameKey, b: NameKey) -> bool:
    family = _family_match(a, b)
    if not family:
        return False
    given = _given_match(a.given, b.given)
    if not given or (family == "initial" and given == "initial"):
        return False
    return _middles_agree(a, b)


def _lone(word: str, other: NameKey) -> bool:
    if len(word) < 2:
        return False
    # "张伟" reads "zhangwei": a name written without a space between its parts.
    joined = (other.given + other.surname, other.surname + other.given)
    parts = (other.given, other.surname, *other.family, *joined)
    if any(len(p) > 1 and (_close(word, p) or _nickname(word, p)) for p in parts):
        return True
    # "Michael" and "M. Taylor": the given name and its initial (or a form's: "Bob", "R. Smith").
    return len(other.given) == 1 and _given_match(word, other.given) == "initial"


def _swapped(key: NameKey) -> NameKey:
    return NameKey(given=key.surname, family=(key.given,), middle=key.middle)


@memo(65_536, personal=True)  # pairs of names: emptied by erasure
def _same_keys(a: NameKey, b: NameKey) -> bool:
    if a == b:
        return True
    if a.empty or b.empty:
        return False
    if not a.family or not b.family:
        lone, other = (a, b) if not a.family else (b, a)
        if not other.family:
            return _close(lone.given, other.given) or _nickname(lone.given, other.given)
        return _lone(lone.given, other)
    if _ordered_match(a, b):
        return True
    if a.ordered and b.ordered:
        return False
    # Without a comma the order is a guess: "Robinson Josh" is Josh Robinson.
    flip_b = not b.ordered and len(b.family) == 1 and not b.middle
    flip_a = not a.ordered and len(a.family) == 1 and not a.middle
    if flip_b and _ordered_match(a, _swapped(b)):
        return True
    return flip_a and _ordered_match(_swapped(a), b)


def _order(a: NameKey, b: NameKey) -> tuple[NameKey, NameKey]:
    ta, tb = (a.given, a.middle, a.family, a.ordered), (b.given, b.middle, b.family, b.ordered)
    return (a, b) if ta <= tb else (b, a)


def same_person_name(left: str, right: str) -> bool:
    """Whether two names, as written, can be one person's (see the module docstring).

    Symmetric: ``same_person_name(a, b) == same_person_name(b, a)``. A text
    with no name in it (only emoji or punctuation) is no one's name.
    """
    return _same_keys(*_order(name_key(left), name_key(right)))


MAX_NAMES_COMPARED = 64
"""More distinct names than this on one value are taken as many people."""


def _partial(key: NameKey) -> bool:
    """A name that stands for several full names: an initial, or one word alone."""
    return len(key.given) < 2 or len(key.surname) < 2


def count_people(
    names: Iterable[str], limit: int, also: Callable[[str, str], bool] | None = None
) -> int:
    """How many people the ``names`` belong to, counting at most ``limit + 1``.

    Names with one :func:`name_key` count once; a text with no name in it
    counts no one. Full names (a given and a family name, neither an
    initial) are one person's when :func:`same_person_name` (or ``also``,
    when given) relates them, closed transitively (``Mateo``, ``Matteo``,
    ``Mteo``; ``Bob``, ``Robert``, ``Rob``). A partial name (an initial such
    as ``P. Moses``, or one word such as ``Karen``) belongs to a person
    whose full name it matches, but never joins two: ``P. Moses`` with
    ``Paul Moses`` and ``Peter Moses`` is two people. Partial names that
    match no full name are grouped so that every two of a group match.
    The answer does not depend on the order of ``names``. Past
    :data:`MAX_NAMES_COMPARED` distinct keys the value is a switchboard
    rather than a person: ``limit + 1`` without comparing.
    """
    by_key: dict[NameKey, str] = {}
    for name in names:
        key = name_key(name)
        if not key.empty and (key not in by_key or name < by_key[key]):
            by_key[key] = name
    if len(by_key) <= 1:
        return len(by_key)
    if len(by_key) > MAX_NAMES_COMPARED:
        return limit + 1
    keys = sorted(by_key, key=lambda k: (k.given, k.middle, k.family, k.ordered))

    def same(a: NameKey, b: NameKey) -> bool:
        return _same_keys(*_order(a, b)) or (also is not None and also(by_key[a], by_key[b]))

    full = [k for k in keys if not _partial(k)]
    parent = list(range(len(full)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, left in enumerate(full):
        for j in range(i + 1, len(full)):
            if find(i) != find(j) and same(left, full[j]):
                parent[find(j)] = find(i)
    people = len({find(i) for i in range(len(full))})
    if people > limit:
        return limit + 1
    groups: list[list[NameKey]] = []
    for key in keys:
        if not _partial(key) or any(same(key, other) for other in full):
            continue
        for group in groups:
            if all(same(key, member) for member in group):
                group.append(key)
                break
        else:
            groups.append([key])
            if people + len(groups) > limit:
                return limit + 1
    return people + len(groups)
