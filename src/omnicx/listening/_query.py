"""Boolean topic queries as data: atoms, ``all``/``any``/``not``, and their anchors.

A query is a string atom or a mapping with one key:

- ``"outage"``: a term, the word in any form (``outage``, ``#outage``, ``@outage``);
- ``"is down"``: a phrase, the words in a row;
- ``"#acmedown"``: a hashtag; ``"@acme"``: a handle;
- ``{"all": [q, ...]}``, ``{"any": [q, ...]}``, ``{"not": q}``.

Anchors are what makes many topics against one mention fast: a query's
anchors are tokens at least one of which every matching mention contains,
so a topic is only tried on mentions holding one of its anchors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

from omnicx._frozen import frozen_seq
from omnicx.errors import Problem, ValidationError, suggest
from omnicx.listening._text import Tokens, tokens_of

__all__ = [
    "AllOf",
    "AnyOf",
    "Atom",
    "Not",
    "Query",
    "anchors_of",
    "atoms_of",
    "matches",
    "parse_query",
]

MAX_DEPTH = 32
_NODES = ("all", "any", "not")


@attrs.frozen
class Atom:
    """A term, phrase, hashtag or handle: ``words`` are its normalised words."""

    kind: str  # "term" | "phrase" | "hashtag" | "handle"
    words: tuple[str, ...] = attrs.field(converter=frozen_seq)
    token: str = attrs.field(init=False, eq=False, repr=False)
    """The token a mention must hold (for a phrase, its longest word)."""

    def __attrs_post_init__(self) -> None:
        if self.kind == "hashtag":
            token = "#" + self.words[0]
        elif self.kind == "handle":
            token = "@" + self.words[0]
        else:
            token = max(self.words, key=len)
        object.__setattr__(self, "token", token)


@attrs.frozen
class AllOf:
    """True when every part is."""

    parts: tuple[Query, ...] = attrs.field(converter=frozen_seq)


@attrs.frozen
class AnyOf:
    """True when one part is."""

    parts: tuple[Query, ...] = attrs.field(converter=frozen_seq)


@attrs.frozen
class Not:
    """True when its part is not."""

    part: Query


Query = Atom | AllOf | AnyOf | Not
"""A topic query: an atom, or all/any/not over queries."""


def matches(query: Query, tokens: Tokens) -> bool:
    """True if a mention cut into ``tokens`` satisfies ``query``."""
    if isinstance(query, Atom):
        if query.kind == "phrase":
            return tokens.has_phrase(query.words)
        return query.token in tokens.all
    if isinstance(query, AllOf):
        return all(matches(part, tokens) for part in query.parts)
    if isinstance(query, AnyOf):
        return any(matches(part, tokens) for part in query.parts)
    return not matches(query.part, tokens)


def compile_query(query: Query) -> Callable[[Tokens], bool]:
    """``matches(query, ...)`` as one function; a list of plain atoms becomes one set test."""
    if isinstance(query, Atom):
        if query.kind == "phrase":
            words = query.words
            return lambda tokens: tokens.has_phrase(words)
        token = query.token
        return lambda tokens: token in tokens.all
    if isinstance(query, Not):
        inner = compile_query(query.part)
        return lambda tokens: not inner(tokens)
    plain = frozenset(p.token for p in query.parts if isinstance(p, Atom) and p.kind != "phrase")
    rest = tuple(
        compile_query(p) for p in query.parts if not (isinstance(p, Atom) and p.kind != "phrase")
    )
    if isinstance(query, AllOf):
        if not rest:
            return lambda tokens: plain.issubset(tokens.all)
        return lambda tokens: plain.issubset(tokens.all) and all(f(tokens) for f in rest)
    if not rest:
        return lambda tokens: not plain.isdisjoint(tokens.all)
    return lambda tokens: not plain.isdisjoint(tokens.all) or any(f(tokens) for f in rest)


def anchors_of(query: Query) -> frozenset[str] | None:
    """Tokens one of which every match holds, or None if no such set exists (a pure NOT)."""
    if isinstance(query, Atom):
        return frozenset([query.token])
    if isinstance(query, AnyOf):
        union: set[str] = set()
        for part in query.parts:
            found = anchors_of(part)
            if found is None:
                return None
            union |= found
        return frozenset(union)
    if isinstance(query, AllOf):
        options = [a for a in map(anchors_of, query.parts) if a is not None]
        return min(options, key=lambda a: (len(a), sorted(a))) if options else None
    return None


def atoms_of(query: Query) -> frozenset[str]:
    """Every word, ``#tag`` and ``@handle`` the query names (what a report's themes leave out)."""
    if isinstance(query, Atom):
        return frozenset([query.token, *query.words])
    parts = (query.part,) if isinstance(query, Not) else query.parts
    return frozenset().union(*map(atoms_of, parts))


def parse_query(data: Any, path: str = "query") -> Query:
    """Parse a query from data.

    Raises:
        ValidationError: every problem, each with its path.
    """
    problems: list[Problem] = []
    query = _parse(data, path, problems, 0)
    if problems or query is None:
        raise ValidationError(problems or [Problem(path, "empty query")])
    return query


def _parse(data: Any, path: str, problems: list[Problem], depth: int) -> Query | None:
    if depth > MAX_DEPTH:
        problems.append(Problem(path, f"nested more than {MAX_DEPTH} levels deep; flatten it"))
        return None
    if isinstance(data, str):
        return _atom(data, path, problems)
    if not isinstance(data, Mapping) or len(data) != 1:
        problems.append(
            Problem(
                path,
                "expected a term, phrase, #hashtag or @handle string, "
                "or a mapping with one key: all, any or not",
            )
        )
        return None
    ((key, value),) = data.items()
    if key not in _NODES:
        problems.append(
            Problem(
                path, f"unknown operator {key!r}{suggest(str(key), _NODES)}; use all, any or not"
            )
        )
        return None
    here = f"{path}.{key}"
    if key == "not":
        part = _parse(value, here, problems, depth + 1)
        return None if part is None else Not(part)
    if not isinstance(value, list) or not value:
        problems.append(Problem(here, "expected a non-empty list of queries"))
        return None
    parts = [_parse(item, f"{here}[{i}]", problems, depth + 1) for i, item in enumerate(value)]
    if any(p is None for p in parts):
        return None
    done = tuple(p for p in parts if p is not None)
    return AllOf(done) if key == "all" else AnyOf(done)


def _atom(text: str, path: str, problems: list[Problem]) -> Atom | None:
    stripped = text.strip()
    if stripped[:1] in ("#", "@"):
        tokens = tokens_of(stripped)
        if len(tokens.words) != 1 or not stripped[1:].replace("_", "a").isalnum():
            problems.append(
                Problem(path, f"{stripped[:1]} must be followed by one word, as in '#outage'")
            )
            return None
        return Atom("hashtag" if stripped[0] == "#" else "handle", tokens.words)
    words = tokens_of(stripped).words
    if not words:
        problems.append(Problem(path, "a term or phrase needs at least one letter or digit"))
        return None
    return Atom("term" if len(words) == 1 else "phrase", words)
