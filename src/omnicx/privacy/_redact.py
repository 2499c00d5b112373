"""Redaction: mask cards, IBANs, emails, phones and a host's own patterns in text."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import attrs

from omnicx._frozen import EMPTY_MAP, frozen_map, frozen_seq
from omnicx.errors import Problem, ValidationError, suggest
from omnicx.privacy._detect import Span, find_cards, find_emails, find_ibans, find_phones

BUILTIN_KINDS = ("card", "iban", "email", "phone")
_FINDERS: dict[str, Callable[[str], Iterator[Span]]] = {
    "email": find_emails,
    "iban": find_ibans,
    "card": find_cards,
    "phone": find_phones,
}
_NAME = re.compile(r"[a-z][a-z0-9_]*")
_KEYS = ("cards", "ibans", "emails", "phones", "patterns")


@attrs.frozen(kw_only=True)
class CustomPattern:
    """A host's own kind of secret: a name (shown in the mask) and a compiled regex.

    Every non-empty match becomes ``[<name>]``.
    """

    name: str
    regex: re.Pattern[str]


@attrs.frozen(kw_only=True)
class RedactionPolicy:
    """Which kinds :func:`redact` masks.

    Attributes:
        cards, ibans, emails, phones: switch each built-in kind on or off.
        patterns: extra kinds, tried before the built-in ones, in order.
    """

    cards: bool = True
    ibans: bool = True
    emails: bool = True
    phones: bool = True
    patterns: tuple[CustomPattern, ...] = attrs.field(default=(), converter=frozen_seq)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RedactionPolicy:
        """Load a policy from data; every problem is reported with its path.

        Shape: ``{"cards": true, ..., "patterns": {"name": "regex", ...}}``;
        every key is optional. Regexes are compiled here, once.
        """
        if not isinstance(data, Mapping):
            raise ValidationError.single("", "must be a mapping")
        problems = [
            Problem(str(k), f"unknown key{suggest(str(k), _KEYS)}") for k in data if k not in _KEYS
        ]
        switches = {}
        for key in _KEYS[:4]:
            value = data.get(key, True)
            if not isinstance(value, bool):
                problems.append(Problem(key, "must be true or false"))
            switches[key] = value is not False
        patterns, pattern_problems = _load_patterns(data.get("patterns", {}))
        problems += pattern_problems
        if problems:
            raise ValidationError(problems)
        return cls(patterns=patterns, **switches)

    def kinds(self) -> tuple[str, ...]:
        """Every kind this policy masks, custom ones first, as its masks name them."""
        on = {"card": self.cards, "iban": self.ibans, "email": self.emails, "phone": self.phones}
        return tuple(p.name for p in self.patterns) + tuple(k for k in _FINDERS if on[k])


def _load_patterns(raw: Any) -> tuple[tuple[CustomPattern, ...], list[Problem]]:
    if not isinstance(raw, Mapping):
        return (), [Problem("patterns", "must map pattern names to regexes")]
    patterns, problems = [], []
    for name, source in raw.items():
        path = f"patterns.{name}"
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            problems.append(Problem(path, "name must be lowercase letters, digits and '_'"))
        elif name in BUILTIN_KINDS:
            problems.append(Problem(path, f"name {name!r} is a built-in kind"))
        elif not isinstance(source, str) or not source:
            problems.append(Problem(path, "must be a non-empty regex string"))
        else:
            try:
                patterns.append(CustomPattern(name=name, regex=re.compile(source)))
            except re.error as error:
                problems.append(Problem(path, f"bad regex: {error}"))
    return tuple(patterns), problems


DEFAULT_REDACTION = RedactionPolicy()
"""Masks cards, IBANs, emails and phone numbers; no custom patterns."""


@attrs.frozen(kw_only=True)
class Redacted:
    """The outcome of :func:`redact`.

    Attributes:
        text: the text with every finding masked.
        found: kind -> how many were masked (only kinds that were found).
    """

    text: str
    found: Mapping[str, int] = attrs.field(default=EMPTY_MAP, converter=frozen_map)

    @property
    def changed(self) -> bool:
        """Whether anything was masked."""
        return bool(self.found)


def redact(text: str, policy: RedactionPolicy = DEFAULT_REDACTION) -> Redacted:
    """Mask every card, IBAN, email, phone and custom pattern ``policy`` enables.

    Deterministic and idempotent: masks already in the text (``[email]``,
    ``[card ••••4242]``...) are never looked into again, and the scan repeats
    on the unmasked pieces until nothing more is found, so
    ``redact(redact(x).text) == redact(x)`` in text. Where findings overlap,
    the first kind in :meth:`RedactionPolicy.kinds` order wins.
    """
    masks = _mask_token(policy)
    found: dict[str, int] = {}
    while True:
        pieces, changed = [], False
        cursor = 0
        for token in masks.finditer(text):
            pieces.append(_scan(text[cursor : token.start()], policy, found))
            pieces.append(token.group())
            cursor = token.end()
        pieces.append(_scan(text[cursor:], policy, found))
        new = "".join(pieces)
        changed = new != text
        text = new
        if not changed:
            return Redacted(text=text, found=dict(sorted(found.items())))


def _mask_token(policy: RedactionPolicy) -> re.Pattern[str]:
    names = "|".join(re.escape(p.name) for p in policy.patterns)
    custom = f"|{names}" if names else ""
    return re.compile(r"\[(?:(?:card|iban) ••••[A-Z0-9]{4}|email|phone" + custom + r")\]")


def _scan(piece: str, policy: RedactionPolicy, found: dict[str, int]) -> str:
    if not piece:
        return piece
    taken: list[tuple[int, int, str, str]] = []
    for kind, spans in _finders(piece, policy):
        for start, end, mask in spans:
            if end > start and all(end <= s or start >= e for s, e, _, _ in taken):
                taken.append((start, end, mask, kind))
    out, cursor = [], 0
    for start, end, mask, kind in sorted(taken):
        out += [piece[cursor:start], mask]
        found[kind] = found.get(kind, 0) + 1
        cursor = end
    out.append(piece[cursor:])
    return "".join(out)


def _finders(piece: str, policy: RedactionPolicy) -> Iterable[tuple[str, Iterable[Span]]]:
    for pattern in policy.patterns:
        yield (
            pattern.name,
            ((m.start(), m.end(), f"[{pattern.name}]") for m in pattern.regex.finditer(piece)),
        )
    for kind in policy.kinds()[len(policy.patterns) :]:
        yield kind, _FINDERS[kind](piece)
