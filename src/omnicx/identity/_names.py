"""Who is behind a value: telling spellings of one name from names of two people.

A phone or a mailbox seen with ``Robert Smith``, ``Bob Smith`` and ``ROBERT
SMTIH`` was seen with one person; seen with ``Maria Becker`` and ``Lucas
Becker`` it was seen with two (a family line, a shared mailbox). Two names
are one person's when their family names are spellings of one another and
their given names are too, or one is a nickname or an initial of the other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rapidfuzz.distance import DamerauLevenshtein

__all__ = ["MAX_NAMES_COMPARED", "NICKNAMES", "count_people", "same_person_name"]

# Common English hypocorisms (diminutives) and their formal names, as
# genealogy and record-linkage name tables list them.
_FORMAL_TO_SHORT: dict[str, tuple[str, ...]] = {
    "abigail": ("abby", "abbie", "gail"),
    "albert": ("al", "bert", "bertie"),
    "alexander": ("alex", "alec", "sasha", "sandy", "xander"),
    "alexandra": ("alex", "lexi", "sasha", "sandra", "sandy"),
    "andrew": ("andy", "drew"),
    "anthony": ("tony", "ant"),
    "barbara": ("barb", "babs", "barbie"),
    "benjamin": ("ben", "benny", "benji"),
    "catherine": ("cathy", "kate", "katie", "cat"),
    "charles": ("charlie", "chuck", "chas"),
    "christina": ("chris", "tina", "chrissy"),
    "christine": ("chris", "tina", "chrissy"),
    "christopher": ("chris", "kit", "topher"),
    "daniel": ("dan", "danny"),
    "david": ("dave", "davy"),
    "deborah": ("deb", "debbie", "debby"),
    "dorothy": ("dot", "dottie", "dolly"),
    "edward": ("ed", "eddie", "ted", "teddy", "ned"),
    "elizabeth": ("liz", "beth", "lisa", "betty", "eliza", "libby", "lizzie", "betsy"),
    "frances": ("fran", "frankie"),
    "francis": ("frank", "fran"),
    "frederick": ("fred", "freddie"),
    "gregory": ("greg",),
    "harold": ("harry", "hal"),
    "henry": ("hank", "harry", "hal"),
    "isabella": ("bella", "izzy", "isa"),
    "jacob": ("jake",),
    "james": ("jim", "jimmy", "jamie"),
    "jennifer": ("jen", "jenny", "jenn"),
    "john": ("jack", "johnny", "jon"),
    "jonathan": ("jon", "jonny", "nathan"),
    "joseph": ("joe", "joey", "jo"),
    "josephine": ("jo", "josie"),
    "katherine": ("kate", "kathy", "katie", "kat", "kit"),
    "kathleen": ("kathy", "kate", "katie"),
    "kenneth": ("ken", "kenny"),
    "lawrence": ("larry",),
    "leonard": ("leo", "len", "lenny"),
    "margaret": ("maggie", "peggy", "meg", "madge", "greta", "marge"),
    "matthew": ("matt", "matty"),
    "michael": ("mike", "mick", "mickey", "mikey"),
    "nicholas": ("nick", "nicky", "nico"),
    "patricia": ("pat", "patty", "trish", "tricia"),
    "patrick": ("pat", "paddy", "rick"),
    "peter": ("pete",),
    "philip": ("phil",),
    "rebecca": ("becky", "becca"),
    "richard": ("rick", "rich", "dick", "ricky", "richie"),
    "robert": ("bob", "rob", "bobby", "robbie", "bert"),
    "ronald": ("ron", "ronnie"),
    "samantha": ("sam", "sammy"),
    "samuel": ("sam", "sammy"),
    "stephen": ("steve", "stevie"),
    "steven": ("steve", "stevie"),
    "susan": ("sue", "suzy", "susie"),
    "theodore": ("ted", "teddy", "theo"),
    "thomas": ("tom", "tommy"),
    "timothy": ("tim", "timmy"),
    "victoria": ("vicky", "tori", "vic"),
    "william": ("bill", "will", "billy", "willie", "liam"),
}

NICKNAMES: dict[str, frozenset[str]] = {}
"""Given name -> the names it is a nickname or formal form of (symmetric)."""


def _build() -> None:
    groups: dict[str, set[str]] = {}
    for formal, shorts in _FORMAL_TO_SHORT.items():
        for name in (formal, *shorts):
            groups.setdefault(name, set()).update((formal, *shorts))
    for name, related in groups.items():
        NICKNAMES[name] = frozenset(related - {name})


_build()


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


def _split(name: str) -> tuple[str, str]:
    words = name.split()
    if len(words) < 2:
        return (words[0] if words else ""), ""
    return words[0], words[-1]


def same_person_name(left: str, right: str) -> bool:
    """Whether two cleaned names (case-folded, spaces collapsed) can be one person's.

    Family names must be one typo apart at most; given names too, or one is
    a nickname of the other (``bob``/``robert``) or an initial of it
    (``r``/``robert``). A lone word compares with both words of the other.
    """
    if left == right:
        return True
    first_l, last_l = _split(left)
    first_r, last_r = _split(right)
    if not last_l or not last_r:
        lone, other = (first_l, (first_r, last_r)) if not last_l else (first_r, (first_l, last_l))
        return any(word and _close(lone, word) for word in other)
    if not _close(last_l, last_r):
        return False
    if _close(first_l, first_r):
        return True
    if len(first_l) == 1 or len(first_r) == 1:
        return first_l[0] == first_r[0]
    return _nickname(first_l, first_r) or _nickname(first_r, first_l)


def _nickname(name: str, other: str) -> bool:
    """Whether ``other`` is, up to one typo, a nickname or formal form of ``name``."""
    related = NICKNAMES.get(name)
    if related is None:
        return False
    return other in related or any(_close(other, form) for form in related)


MAX_NAMES_COMPARED = 64
"""More distinct names than this on one value are taken as many people."""


def count_people(
    names: Iterable[str], limit: int, also: Callable[[str, str], bool] | None = None
) -> int:
    """How many people the distinct ``names`` belong to, counting at most ``limit + 1``.

    Two names are one person's when :func:`same_person_name` (or ``also``,
    when given) says so, and the relation is closed transitively (``Jim``,
    ``James``, ``Jamie``), so the answer does not depend on the order of
    ``names``. Past :data:`MAX_NAMES_COMPARED` distinct names the value is
    a switchboard rather than a person: ``limit + 1`` without comparing.
    """
    distinct = sorted(set(names))
    if len(distinct) <= 1:
        return len(distinct)
    if len(distinct) > MAX_NAMES_COMPARED:
        return limit + 1
    parent = list(range(len(distinct)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, left in enumerate(distinct):
        for j in range(i + 1, len(distinct)):
            if find(i) != find(j) and (
                same_person_name(left, distinct[j])
                or (also is not None and also(left, distinct[j]))
            ):
                parent[find(j)] = find(i)
    return min(len({find(i) for i in range(len(distinct))}), limit + 1)
