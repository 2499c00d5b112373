"""Person-record matching: weighted field comparisons over blocked candidate pairs.

Contacts imported from a CRM or a registry carry names, a date of birth, an
address and sometimes a national id, but no strong identifier in common. A
``PersonMatcher`` compares two such records field by field and adds up the
evidence as log-odds weights (bits), in the spirit of Fellegi and Sunter: an
agreeing rare field (an id, a date of birth) counts for much, a disagreeing
one counts against, a missing one counts for nothing. Blocking keys bound the
work: only records sharing at least one key are ever compared.
"""

from __future__ import annotations

import enum
import itertools
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

import attrs
from rapidfuzz import fuzz
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from omnicx._frozen import frozen_map, frozen_seq
from omnicx.errors import ValidationError


class Comparator(enum.Enum):
    """How two values of one field are compared, as a similarity in 0..1."""

    EXACT = "exact"
    """1 when equal after normalisation, else 0 (house numbers, regions)."""
    NAME = "name"
    """Jaro-Winkler similarity: forgiving of typos near the end of a name."""
    TEXT = "text"
    """Token-sort ratio: word order and spacing do not matter (street lines)."""
    CODE = "code"
    """Normalised Damerau-Levenshtein similarity: a typo or a swap of two
    adjacent characters costs one edit (ids, dates, postcodes)."""


def _similarity(comparator: Comparator, a: str, b: str) -> float:
    if a == b:
        return 1.0
    if comparator is Comparator.EXACT:
        return 0.0
    if comparator is Comparator.NAME:
        return float(JaroWinkler.normalized_similarity(a, b))
    if comparator is Comparator.TEXT:
        # Compare without spaces too: "pridhamstreet" is "pridham street".
        joined = fuzz.ratio(a.replace(" ", ""), b.replace(" ", ""))
        return max(fuzz.token_sort_ratio(a, b), joined) / 100.0
    return float(DamerauLevenshtein.normalized_similarity(a, b))


@attrs.frozen(kw_only=True)
class FieldComparison:
    """How one field counts towards a match, in bits of evidence.

    A pair scores ``agree`` when the similarity is 1 (equal normalised
    values, or the same words for TEXT), ``close``
    when their similarity is at least ``close_at``, ``disagree`` (usually
    negative) otherwise, and 0 when either record lacks the field. A useful
    weight is ``log2(m / u)``: how much likelier the outcome is for the same
    person (m) than for two random people (u).

    Attributes:
        field: the key in ``PersonRecord.fields``.
        comparator: how similarity is measured.
        agree: weight of equal values.
        close: weight of similar values (at least ``close_at``).
        close_at: the lowest similarity counted as close (0..1).
        disagree: weight of dissimilar values.
    """

    field: str
    comparator: Comparator
    agree: float
    close: float = 0.0
    close_at: float = 1.0
    disagree: float = 0.0

    def __attrs_post_init__(self) -> None:
        if not 0.0 <= self.close_at <= 1.0:
            raise ValidationError.single(
                "close_at", f"must be between 0 and 1, got {self.close_at}"
            )
        if not self.disagree <= self.close <= self.agree:
            raise ValidationError.single("close", "weights must satisfy disagree <= close <= agree")


@attrs.frozen(kw_only=True)
class BlockingKey:
    """Records sharing this key are compared; a record lacking a part has no key.

    Attributes:
        fields: the fields whose normalised values make the key.
        prefixes: for each field, how many leading characters to keep
            (0 or a missing entry keeps the whole value).
    """

    fields: tuple[str, ...] = attrs.field(converter=frozen_seq)
    prefixes: tuple[int, ...] = attrs.field(default=(), converter=frozen_seq)

    def key(self, values: Mapping[str, str]) -> tuple[str, ...] | None:
        """Return this key for normalised ``values``, or None when a part is missing."""
        parts: list[str] = []
        for i, name in enumerate(self.fields):
            value = values.get(name, "")
            if not value:
                return None
            cut = self.prefixes[i] if i < len(self.prefixes) else 0
            parts.append(value[:cut] if cut else value)
        return tuple(parts)


@attrs.frozen(kw_only=True)
class PersonRecord:
    """One person record: an id unique in its input and its raw field values."""

    record_id: str
    fields: Mapping[str, str] = attrs.field(converter=frozen_map)


@attrs.frozen(kw_only=True)
class FieldScore:
    """One field's part of a pair's score: its similarity and the weight it added."""

    field: str
    similarity: float
    weight: float


@attrs.frozen(kw_only=True)
class PersonMatch:
    """A compared pair: the two record ids, the total weight and each field's part.

    ``left_id`` is the record of the first input (or the earlier record in a
    deduplication); ``parts`` lists only the fields both records have.
    """

    left_id: str
    right_id: str
    weight: float
    parts: tuple[FieldScore, ...] = attrs.field(converter=frozen_seq)


def normalise(value: str) -> str:
    """Lower-case, strip accents and punctuation, collapse spaces ('' when empty)."""
    folded = unicodedata.normalize("NFKD", value.casefold())
    kept = "".join(c if c.isalnum() else " " for c in folded if not unicodedata.combining(c))
    return " ".join(kept.split())


@attrs.frozen(kw_only=True)
class PersonMatcher:
    """Compares person records field by field over blocked candidate pairs.

    ``score`` is symmetric: swapping the two records gives the same weight.
    ``deduplicate`` and ``link`` return every blocked pair whose weight is at
    least ``threshold``, in a deterministic order (by record position).

    Attributes:
        comparisons: the fields compared and their weights.
        blocking: the keys that make candidate pairs (a pair needs one shared key).
        threshold: the lowest total weight reported as a match.
        max_block: a key shared by more records than this is skipped: too
            common to be evidence, and quadratic to compare.
    """

    comparisons: tuple[FieldComparison, ...] = attrs.field(converter=frozen_seq)
    blocking: tuple[BlockingKey, ...] = attrs.field(converter=frozen_seq)
    threshold: float = 6.0
    max_block: int = 500

    def __attrs_post_init__(self) -> None:
        if not self.blocking:
            raise ValidationError.single("blocking", "needs at least one blocking key")
        if self.max_block < 2:
            raise ValidationError.single("max_block", f"must be at least 2, got {self.max_block}")

    def _prepare(self, record: PersonRecord) -> dict[str, str]:
        return {name: normalise(value) for name, value in record.fields.items()}

    def _score(
        self, left_id: str, a: Mapping[str, str], right_id: str, b: Mapping[str, str]
    ) -> PersonMatch:
        total = 0.0
        parts: list[FieldScore] = []
        for rule in self.comparisons:
            x = a.get(rule.field, "")
            y = b.get(rule.field, "")
            if not x or not y:
                continue
            sim = _similarity(rule.comparator, x, y)
            if sim == 1.0:
                weight = rule.agree
            elif sim >= rule.close_at:
                weight = rule.close
            else:
                weight = rule.disagree
            total += weight
            parts.append(FieldScore(field=rule.field, similarity=sim, weight=weight))
        return PersonMatch(left_id=left_id, right_id=right_id, weight=total, parts=tuple(parts))

    def score(self, left: PersonRecord, right: PersonRecord) -> PersonMatch:
        """Compare two records on every configured field, blocked or not."""
        return self._score(
            left.record_id, self._prepare(left), right.record_id, self._prepare(right)
        )

    def _blocks(
        self, prepared: Sequence[Mapping[str, str]], offset: int
    ) -> dict[tuple[int, tuple[str, ...]], list[int]]:
        blocks: dict[tuple[int, tuple[str, ...]], list[int]] = defaultdict(list)
        for position, values in enumerate(prepared):
            for k, blocking in enumerate(self.blocking):
                key = blocking.key(values)
                if key is not None:
                    blocks[(k, key)].append(position + offset)
        return blocks

    def _matches(
        self,
        records: Sequence[PersonRecord],
        pairs: Iterable[tuple[int, int]],
        prepared: Sequence[Mapping[str, str]],
    ) -> list[PersonMatch]:
        found: list[PersonMatch] = []
        for i, j in sorted(pairs):
            match = self._score(
                records[i].record_id, prepared[i], records[j].record_id, prepared[j]
            )
            if match.weight >= self.threshold:
                found.append(match)
        return found

    def deduplicate(self, records: Iterable[PersonRecord]) -> list[PersonMatch]:
        """Return the matching pairs within one input (each pair once, earlier record left)."""
        rows = list(records)
        prepared = [self._prepare(r) for r in rows]
        pairs: set[tuple[int, int]] = set()
        for members in self._blocks(prepared, 0).values():
            if len(members) <= self.max_block:
                pairs.update(itertools.combinations(members, 2))
        return self._matches(rows, pairs, prepared)

    def link(
        self, left: Iterable[PersonRecord], right: Iterable[PersonRecord]
    ) -> list[PersonMatch]:
        """Return the matching pairs across two inputs (left record first), never within one."""
        rows_left = list(left)
        rows = rows_left + list(right)
        prepared = [self._prepare(r) for r in rows]
        split = len(rows_left)
        pairs: set[tuple[int, int]] = set()
        for members in self._blocks(prepared, 0).values():
            if len(members) > self.max_block:
                continue
            lefts = [m for m in members if m < split]
            rights = [m for m in members if m >= split]
            pairs.update(itertools.product(lefts, rights))
        return self._matches(rows, pairs, prepared)


DEFAULT_PERSON_MATCHER = PersonMatcher(
    comparisons=(
        FieldComparison(
            field="given_name",
            comparator=Comparator.NAME,
            agree=4.0,
            close=2.0,
            close_at=0.9,
            disagree=-3.0,
        ),
        FieldComparison(
            field="surname",
            comparator=Comparator.NAME,
            agree=5.0,
            close=2.5,
            close_at=0.9,
            disagree=-3.0,
        ),
        FieldComparison(
            field="date_of_birth",
            comparator=Comparator.CODE,
            agree=6.0,
            close=2.0,
            close_at=0.75,
            disagree=-4.0,
        ),
        FieldComparison(
            field="national_id",
            comparator=Comparator.CODE,
            agree=8.0,
            close=3.0,
            close_at=0.7,
            disagree=-4.0,
        ),
        FieldComparison(
            field="street_number", comparator=Comparator.EXACT, agree=2.0, disagree=-1.0
        ),
        FieldComparison(
            field="street",
            comparator=Comparator.TEXT,
            agree=3.0,
            close=1.5,
            close_at=0.8,
            disagree=-1.0,
        ),
        FieldComparison(
            field="locality",
            comparator=Comparator.NAME,
            agree=3.0,
            close=1.5,
            close_at=0.9,
            disagree=-1.0,
        ),
        FieldComparison(
            field="postcode",
            comparator=Comparator.CODE,
            agree=3.0,
            close=1.0,
            close_at=0.75,
            disagree=-1.0,
        ),
        FieldComparison(field="region", comparator=Comparator.EXACT, agree=0.5, disagree=-1.0),
    ),
    blocking=(
        BlockingKey(fields=("national_id",)),
        BlockingKey(fields=("date_of_birth",)),
        BlockingKey(fields=("given_name", "surname")),
        BlockingKey(fields=("surname", "given_name"), prefixes=(3, 1)),
        BlockingKey(fields=("postcode",)),
        BlockingKey(fields=("street", "street_number")),
    ),
)
"""A general person matcher over the field names given_name, surname,
date_of_birth, national_id, street_number, street, locality, postcode and
region; records may have any subset of them."""
