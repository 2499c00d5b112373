"""Batch resolution's values: the records it reads, its policy and its answer."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping

import attrs

from omnicx._frozen import frozen_map, frozen_seq
from omnicx.errors import ValidationError
from omnicx.identity._guards import DEFAULT_POLICY, IdentityPolicy, SharedReason
from omnicx.identity._protection import Refusal

__all__ = ["BatchPolicy", "BatchResult", "ContactRecord", "DropReason", "Dropped", "SharedValue"]


def _strings(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _pairs(value: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    if value == ():
        return ()  # most records: no handle, no external id
    return tuple((str(a), str(b)) for a, b in value)


def _record_id(_instance: object, _attribute: attrs.Attribute[str], value: str) -> None:
    if not value:
        raise ValidationError.single("record_id", "a record needs a non-empty id")


@attrs.frozen(kw_only=True)
class ContactRecord:
    """One row of a contact import: raw values, as the source wrote them.

    Values are raw (``" J.Doe@GMail.com "``, ``"07911 123456"``, ``"@JDoe"``);
    :func:`resolve_batch` normalises each distinct value once. An email may
    be an RFC 5322 address list (``"Jane Doe <jane@x.com>, bob@y.com"``). ``handles`` are
    ``(network, value)`` pairs, ``external_ids`` ``(system, value)`` pairs
    (``("shopify:customer", "123")``). ``emails_verified`` says the source
    vouched for the emails (a signed-in account, a DKIM-aligned sender): they
    then rank above phones and guard weaker links. ``region`` is the default
    region for national-format phones in this record (the channel account's
    or the customer's); ``BatchPolicy.default_region`` applies when empty.
    ``name`` and ``address`` never link on their own: names count the people
    behind a shared value, and both feed the optional fuzzy pass.
    """

    record_id: str = attrs.field(validator=_record_id)
    source: str = ""
    emails: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    emails_verified: bool = False
    phones: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    handles: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_pairs)
    external_ids: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_pairs)
    name: str = ""
    address: str = ""
    region: str = ""


def _optional_at_least_one(
    _instance: object, attribute: attrs.Attribute[int | None], value: int | None
) -> None:
    if value is not None and value < 1:
        raise ValidationError.single(attribute.name, f"must be at least 1, got {value}")


def _optional_at_least_two(
    _instance: object, attribute: attrs.Attribute[int | None], value: int | None
) -> None:
    if value is not None and value < 2:
        raise ValidationError.single(attribute.name, f"must be at least 2, got {value}")


@attrs.frozen(kw_only=True)
class BatchPolicy:
    """How :func:`resolve_batch` links: the identity policy plus batch options.

    - ``identity``: the same IdentityPolicy the incremental graph uses
      (blocked values, role mailboxes, ``max_names_per_identifier``, unique
      kinds, the verified-email guard).
    - ``default_region``: region for national phones when a record has none.
    - ``name_similarity``: two names of one value whose rapidfuzz
      ``token_sort_ratio`` reaches this are spellings of one name
      (``Jon Smith``/``John Smith``) when counting names against
      ``identity.max_names_per_identifier`` (None: ``identity.name_similarity``,
      which the incremental graph applies too; set it only to make batch
      differ from the graph on purpose).
    - ``max_people_per_value``: a value whose names belong to more people
      than this is shared (None: ``identity.max_people_per_identifier``,
      which the incremental graph applies too). Names of one person are spellings, typos,
      nicknames or initials of one another (``Robert Smith``, ``Bob Smith``,
      ``ROBERT SMTIH``); ``Maria Becker`` and ``Lucas Becker`` are two people
      (a family line). Nameless records count no one.
    - ``caller_id_sources``: record sources whose phones are caller IDs
      (inbound calls); None: ``identity.caller_id_sources``, which the
      incremental graph applies too. A number seen only there, and never with a name,
      links nothing: caller ID is unverified, and a switchboard or a
      household landline presents one number for many people, while the
      number a person texts or orders from is theirs. Empty: no such rule.
    - ``fuzzy``: also link clusters sharing a normalised name *and* an
      address or an email local part, when merge protection allows.
    - ``fuzzy_max_clusters``: when set, a fuzzy block (one name with one
      address or one mailbox name) that would join more clusters than this
      links nothing: so common a pair (``James Smith``, ``jamessmith`` at
      five domains) may be many people, and a large batch holds more of
      them than a small one. None (the default): no such cap, since one
      frequent customer's records at one address can be many clusters.
    - ``fuzzy_max_names``: when set, an address or a mailbox name written
      with more distinct names than this in the batch blocks nothing in the
      fuzzy pass: a street without its town, an office, a forwarding depot
      or a mailbox name like ``john`` is many people's, and the bigger the
      batch, the more namesakes share it. None (the default): no such cap.
    """

    identity: IdentityPolicy = DEFAULT_POLICY
    default_region: str | None = None
    name_similarity: float | None = None
    max_people_per_value: int | None = attrs.field(default=None, validator=_optional_at_least_one)
    caller_id_sources: frozenset[str] | None = attrs.field(
        default=None, converter=attrs.converters.optional(frozenset)
    )
    fuzzy: bool = False
    fuzzy_max_clusters: int | None = attrs.field(default=None, validator=_optional_at_least_two)
    fuzzy_max_names: int | None = attrs.field(default=None, validator=_optional_at_least_one)


@attrs.frozen(kw_only=True)
class SharedValue:
    """A value several records carry that did not link them, for review.

    ``key`` is the identifier's match key (``phone:+14155550100``);
    ``reason`` why it is shared; ``refusal`` the merge-protection rule that
    refused it when ``reason`` is ``CONTESTED``; ``records`` how many
    records carry it.
    """

    key: str
    reason: SharedReason
    refusal: Refusal | None = None
    records: int


class DropReason(enum.Enum):
    """Why a value written in a record was left out of resolution."""

    INVALID = "invalid"
    """It does not read as a value of its kind (a malformed address, not a number)."""
    BLOCKED = "blocked"
    """A placeholder (``noemail@noemail.com``, ``5555555555``, ``null``): see ``blocked_values``."""


@attrs.frozen(kw_only=True)
class Dropped:
    """A value as written that links nothing, and why.

    ``value`` is the text as the source wrote it (one address of a list);
    ``kind`` is ``email``, ``phone``, ``handle:<network>`` or
    ``external:<system>``; ``reason`` why it was dropped and ``detail``
    what was wrong with it (the normaliser's message, or the canonical
    value that is blocked); ``count`` how many times the records wrote it.
    """

    value: str
    kind: str
    reason: DropReason
    detail: str = ""
    count: int = 1


@attrs.frozen(kw_only=True)
class BatchResult:
    """The partition of a batch, and the shared values that did not link.

    ``clusters`` maps each record id to its cluster id: the smallest record
    id in the cluster, so the answer does not depend on input order.
    ``invalid_values`` counts raw values that did not normalise (they link
    nothing). ``shared`` is sorted by key. ``dropped`` lists every distinct
    value as written that was left out (invalid or a blocked placeholder),
    with its reason, sorted by kind and value.
    """

    clusters: Mapping[str, str] = attrs.field(converter=frozen_map)
    shared: tuple[SharedValue, ...] = attrs.field(converter=frozen_seq)
    invalid_values: int
    dropped: tuple[Dropped, ...] = attrs.field(default=(), converter=frozen_seq)

    @property
    def cluster_count(self) -> int:
        """How many distinct clusters (people) the batch found."""
        return len(set(self.clusters.values()))
