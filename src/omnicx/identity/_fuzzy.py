"""Fuzzy candidates: scored, explained, blocked; merged only by explicit policy."""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime

import attrs
from rapidfuzz import fuzz, utils

from omnicx._frozen import frozen_seq
from omnicx.errors import ConflictError, ValidationError
from omnicx.identity._email import mailbox_name
from omnicx.identity._fold import DEFAULT_RULES, MergeRules
from omnicx.identity._graph import current_profile
from omnicx.identity._guards import DEFAULT_POLICY, IdentityPolicy, is_role_mailbox
from omnicx.identity._records import MergeRecord, Observation, Profile
from omnicx.identity._store import IdentityStore
from omnicx.identity._unmerge import merge
from omnicx.model import Identifier, IdentifierKind

_PHONE_SUFFIX = 7  # national subscriber numbers: the last 7 digits survive re-formatting
_WORD = re.compile(r"[0-9a-z]+")


class ReasonKind(enum.Enum):
    """A kind of weak evidence behind a fuzzy candidate."""

    NAME = "name"
    """Similar display names (rapidfuzz token-sort ratio)."""
    EMAIL_LOCAL_PART = "email_local_part"
    """The same email local part at another domain."""
    PHONE_SUFFIX = "phone_suffix"
    """A different number ending in the same last 7 digits."""
    ADDRESS = "address"
    """The same normalised shipping address."""


class MatchMode(enum.Enum):
    """What the host lets the fuzzy matcher do."""

    SUGGEST = "suggest"
    """Only suggest candidates for a human (the default)."""
    AUTO_MERGE = "auto_merge"
    """Merge candidates at or above the policy's threshold."""


class MatchDecision(enum.Enum):
    """What to do with one candidate."""

    IGNORE = "ignore"
    """Below the suggestion threshold."""
    SUGGEST = "suggest"
    """Show it to a human."""
    AUTO_MERGE = "auto_merge"
    """Merge without asking (only in AUTO_MERGE mode)."""


@attrs.frozen(kw_only=True)
class Reason:
    """One piece of evidence: its kind, its weight in the score, and a short detail."""

    kind: ReasonKind
    weight: float
    detail: str


@attrs.frozen(kw_only=True)
class Candidate:
    """A profile that may be the same person, with its score (0..1) and reasons."""

    profile_id: str
    score: float
    reasons: tuple[Reason, ...] = attrs.field(converter=frozen_seq)


def _unit(instance: FuzzyPolicy, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValidationError.single(attribute.name, f"must be between 0 and 1, got {value}")


@attrs.frozen(kw_only=True)
class FuzzyPolicy:
    """How fuzzy candidates are scored and what may happen to them.

    The score combines reasons as a noisy-OR: ``1 - prod(1 - weight)``. A
    name contributes ``name_weight * similarity`` when the similarity is at
    least ``name_similarity``; the others contribute their fixed weight.

    Attributes:
        mode: SUGGEST (default) or AUTO_MERGE.
        suggest_at: the lowest score returned as a candidate.
        auto_merge_at: in AUTO_MERGE mode, the lowest score merged without a
            human; a candidate also needs a reason other than its name.
        max_block: blocks (same last name prefix, same phone suffix...) with
            more profiles than this are skipped: too common to be evidence.
    """

    mode: MatchMode = MatchMode.SUGGEST
    suggest_at: float = attrs.field(default=0.5, validator=_unit)
    auto_merge_at: float = attrs.field(default=0.95, validator=_unit)
    name_similarity: float = attrs.field(default=0.85, validator=_unit)
    name_weight: float = attrs.field(default=0.7, validator=_unit)
    email_weight: float = attrs.field(default=0.6, validator=_unit)
    phone_weight: float = attrs.field(default=0.5, validator=_unit)
    address_weight: float = attrs.field(default=0.6, validator=_unit)
    max_block: int = 200


DEFAULT_FUZZY = FuzzyPolicy()
"""The fuzzy policy ``CandidateIndex`` uses when given none: suggest, never auto-merge."""


def decide(candidate: Candidate, policy: FuzzyPolicy = DEFAULT_FUZZY) -> MatchDecision:
    """Return what to do with ``candidate`` under ``policy``.

    AUTO_MERGE only in AUTO_MERGE mode, at or above ``auto_merge_at``, and
    never on a name alone.
    """
    if candidate.score < policy.suggest_at:
        return MatchDecision.IGNORE
    beyond_name = any(r.kind is not ReasonKind.NAME for r in candidate.reasons)
    if (
        policy.mode is MatchMode.AUTO_MERGE
        and candidate.score >= policy.auto_merge_at
        and beyond_name
    ):
        return MatchDecision.AUTO_MERGE
    return MatchDecision.SUGGEST


@attrs.frozen
class _Features:
    names: tuple[str, ...]
    locals: frozenset[tuple[str, str]]  # (local part, domain)
    phones: frozenset[str]
    addresses: frozenset[str]

    def blocks(self) -> set[str]:
        keys: set[str] = set()
        for name in self.names:
            words = name.split()
            if words:
                keys.add(f"last:{words[-1][:4]}")
                keys.add(f"first:{words[0][:4]}:{words[-1][:1]}")
        keys.update(f"local:{local}" for local, _ in self.locals)
        keys.update(f"phone:{phone[-_PHONE_SUFFIX:]}" for phone in self.phones)
        keys.update(f"address:{address}" for address in self.addresses)
        return keys


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join(_WORD.findall("".join(c for c in decomposed if not unicodedata.combining(c))))


def _features(
    names: Iterable[str], identifiers: Iterable[Identifier], addresses: Iterable[str]
) -> _Features:
    locals_: set[tuple[str, str]] = set()
    phones: set[str] = set()
    for identifier in identifiers:
        if identifier.kind is IdentifierKind.EMAIL and not is_role_mailbox(identifier):
            domain = identifier.value.rpartition("@")[2]
            locals_.add((mailbox_name(identifier.value).replace(".", ""), domain))
        elif identifier.kind is IdentifierKind.PHONE:
            phones.add(identifier.value)
    folded_names = tuple(dict.fromkeys(n for n in map(_fold, names) if n))
    return _Features(
        folded_names,
        frozenset(locals_),
        frozenset(phones),
        frozenset(a for a in map(_fold, addresses) if a),
    )


@attrs.define
class CandidateIndex:
    """An in-memory blocking index over profiles, for fuzzy candidates.

    Keep it next to the graph: ``add`` each profile a resolution touched and
    ``remove`` each profile merged away. ``candidates`` compares a subject
    only with profiles sharing a block (name prefix, email local part, phone
    suffix, address), never with all profiles.
    """

    policy: FuzzyPolicy = DEFAULT_FUZZY
    _features: dict[str, _Features] = attrs.field(factory=dict)
    _blocks: dict[str, set[str]] = attrs.field(factory=dict)

    def add(self, profile: Profile) -> None:
        """Index ``profile`` (replacing what was indexed under its id); tombstones are removed."""
        self.remove(profile.id)
        if not profile.live:
            return
        features = _features(profile.names, profile.identifiers, profile.addresses)
        self._features[profile.id] = features
        for key in features.blocks():
            self._blocks.setdefault(key, set()).add(profile.id)

    def remove(self, profile_id: str) -> None:
        """Forget ``profile_id`` (no error if it was not indexed)."""
        features = self._features.pop(profile_id, None)
        if features is None:
            return
        for key in features.blocks():
            members = self._blocks.get(key)
            if members is not None:
                members.discard(profile_id)
                if not members:
                    del self._blocks[key]

    def candidates(self, subject: Profile | Observation, *, limit: int = 10) -> list[Candidate]:
        """Return up to ``limit`` candidates for ``subject``, best first (ties by id).

        Only candidates scoring at least ``policy.suggest_at`` are returned.
        A profile subject is never its own candidate.
        """
        if isinstance(subject, Profile):
            own = subject.id
            features = _features(subject.names, subject.identifiers, subject.addresses)
        else:
            own = None
            names = [subject.name] if subject.name else []
            addresses = [subject.address] if subject.address else []
            features = _features(names, subject.identifiers, addresses)
        pool: set[str] = set()
        for key in features.blocks():
            members = self._blocks.get(key, set())
            if len(members) <= self.policy.max_block:
                pool |= members
        pool.discard(own or "")
        found = [self._score(pid, features) for pid in sorted(pool)]
        kept = [c for c in found if c.score >= self.policy.suggest_at]
        kept.sort(key=lambda c: (-c.score, c.profile_id))
        return kept[:limit]

    def _score(self, profile_id: str, mine: _Features) -> Candidate:
        theirs = self._features[profile_id]
        reasons = [*_name_reasons(mine.names, theirs.names, self.policy)]
        reasons += _other_reasons(mine, theirs, self.policy)
        miss = 1.0
        for reason in reasons:
            miss *= 1.0 - reason.weight
        return Candidate(profile_id=profile_id, score=round(1.0 - miss, 6), reasons=tuple(reasons))


def _name_reasons(mine: Sequence[str], theirs: Sequence[str], policy: FuzzyPolicy) -> list[Reason]:
    best = 0.0
    for left in mine:
        for right in theirs:
            best = max(
                best, fuzz.token_sort_ratio(left, right, processor=utils.default_process) / 100
            )
    if best < policy.name_similarity:
        return []
    return [Reason(kind=ReasonKind.NAME, weight=policy.name_weight * best, detail=f"{best:.2f}")]


def _other_reasons(mine: _Features, theirs: _Features, policy: FuzzyPolicy) -> list[Reason]:
    reasons = []
    for local, domain in sorted(mine.locals):
        if any(lo == local and do != domain for lo, do in theirs.locals):
            detail = "same local part on another domain"
            reasons.append(
                Reason(kind=ReasonKind.EMAIL_LOCAL_PART, weight=policy.email_weight, detail=detail)
            )
            break
    suffixes = {p[-_PHONE_SUFFIX:]: p for p in theirs.phones}
    for phone in sorted(mine.phones):
        other = suffixes.get(phone[-_PHONE_SUFFIX:])
        if other is not None and other != phone:
            detail = f"same last {_PHONE_SUFFIX} digits"
            reasons.append(
                Reason(kind=ReasonKind.PHONE_SUFFIX, weight=policy.phone_weight, detail=detail)
            )
            break
    if mine.addresses & theirs.addresses:
        reasons.append(
            Reason(kind=ReasonKind.ADDRESS, weight=policy.address_weight, detail="same address")
        )
    return reasons


def auto_merge(
    store: IdentityStore,
    index: CandidateIndex,
    profile_id: str,
    *,
    at: datetime,
    identity_policy: IdentityPolicy = DEFAULT_POLICY,
    rules: MergeRules = DEFAULT_RULES,
) -> tuple[tuple[MergeRecord, ...], tuple[Candidate, ...]]:
    """Merge the profile's candidates that ``decide`` marks AUTO_MERGE.

    Does nothing in SUGGEST mode (the index's policy). Merge protection still
    applies: a refused candidate is returned in the second tuple, for a human.
    The index is updated for every merge. Returns (merges made, refused).
    """
    merges: list[MergeRecord] = []
    refused: list[Candidate] = []
    subject = current_profile(store, profile_id)
    for candidate in index.candidates(subject):
        if decide(candidate, index.policy) is not MatchDecision.AUTO_MERGE:
            continue
        try:
            record = merge(
                store, subject.id, candidate.profile_id, at=at, policy=identity_policy, rules=rules
            )
        except ConflictError:
            refused.append(candidate)
            continue
        merges.append(record)
        index.remove(record.absorbed_id)
        subject = current_profile(store, record.survivor_id)
        index.add(subject)
    return tuple(merges), tuple(refused)
