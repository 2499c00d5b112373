"""Merge protection, link ranks and unique kinds: the one copy both resolvers use.

The incremental graph (``_graph``, ``_unmerge``) holds Identifiers; batch
resolution (``_batch``, ``_evidence``) holds normalised values in flat
arrays. Both reduce what protects a profile to *guards*, ``(label, value)``
pairs, and ask :func:`refusal` whether two sets of guards may be linked, so
a rule changed here changes both at once.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence

from omnicx.identity._guards import (
    DEFAULT_POLICY,
    IdentityPolicy,
    intrinsic_shared_reason,
    kind_label,
    match_key,
)
from omnicx.model import Identifier, IdentifierKind

__all__ = [
    "RANK_EMAIL",
    "RANK_EXTERNAL",
    "RANK_HANDLE",
    "RANK_NO_IDENTIFIER",
    "RANK_PHONE",
    "RANK_VERIFIED_EMAIL",
    "VERIFIED",
    "Guard",
    "Refusal",
    "guards",
    "is_unique_kind",
    "is_unique_label",
    "kind_rank",
    "link_rank",
    "protection_refusal",
    "refusal",
]


class Refusal(enum.Enum):
    """Why merge protection refused to link two profiles."""

    UNIQUE_KIND = "unique_kind"
    """Both carry a unique-per-customer kind (one Shopify id) with different values."""
    VERIFIED_EMAILS_DIFFER = "verified_emails_differ"
    """The link was weaker than email and both have different verified emails."""


# Precedence of the evidence that links two profiles: lower links first.
RANK_EXTERNAL = 0
RANK_VERIFIED_EMAIL = 1
RANK_PHONE = 2
RANK_EMAIL = 3
RANK_HANDLE = 4
# A merge with no shared identifier (a fuzzy or manual decision) ranks below
# every identifier, so the verified-email guard applies to it.
RANK_NO_IDENTIFIER = 9

VERIFIED = "verified-email"
"""The label verified emails are guarded under (no identifier kind has it)."""

Guard = tuple[str, str]
"""``(label, value)``: a unique-kind value (``external:shopify:customer``,
``"123"``) or a verified email (``VERIFIED``, its match key)."""


def kind_rank(kind: IdentifierKind, verified: bool) -> int:
    """Return the precedence of an identifier of ``kind``: lower links first.

    external id (0) > verified email (1) > E.164 phone (2) > unverified email
    (3) > channel handle (4).
    """
    if kind is IdentifierKind.EXTERNAL:
        return RANK_EXTERNAL
    if kind is IdentifierKind.EMAIL:
        return RANK_VERIFIED_EMAIL if verified else RANK_EMAIL
    if kind is IdentifierKind.PHONE:
        return RANK_PHONE
    return RANK_HANDLE


def link_rank(identifier: Identifier) -> int:
    """Return the identifier's precedence: lower links first (see :func:`kind_rank`)."""
    return kind_rank(identifier.kind, identifier.verified)


def is_unique_label(label: str, policy: IdentityPolicy = DEFAULT_POLICY) -> bool:
    """Whether a customer may hold only one value under ``label`` (``kind[:namespace]``).

    ``"external"`` in ``policy.unique_kinds`` covers every external system,
    ``"external:stripe"`` one system, ``"handle:instagram"`` one network.
    """
    return any(label == kind or label.startswith(f"{kind}:") for kind in policy.unique_kinds)


def is_unique_kind(identifier: Identifier, policy: IdentityPolicy = DEFAULT_POLICY) -> bool:
    """Whether a customer may hold only one value of this identifier's kind."""
    return is_unique_label(kind_label(identifier), policy)


def guards(
    identifiers: Iterable[Identifier], policy: IdentityPolicy = DEFAULT_POLICY
) -> list[Guard]:
    """Return the guards of a set of identifiers (canonical ones).

    A placeholder or a shared inbox says nothing about who this is, so an
    identifier with an intrinsic shared reason guards nothing.
    """
    found: list[Guard] = []
    for identifier in identifiers:
        if intrinsic_shared_reason(identifier, policy) is not None:
            continue
        label = kind_label(identifier)
        if is_unique_label(label, policy):
            found.append((label, identifier.value))
        if identifier.kind is IdentifierKind.EMAIL and identifier.verified:
            found.append((VERIFIED, match_key(identifier)))
    return found


def refusal(
    left: Sequence[Guard],
    right: Sequence[Guard],
    evidence_rank: int,
    policy: IdentityPolicy = DEFAULT_POLICY,
) -> Refusal | None:
    """Return why two sides with these guards must not be linked, or None if they may.

    Refused when a unique kind has values on both sides and none in common
    (``UNIQUE_KIND``, whatever the evidence), or, if the policy says so,
    when the evidence ranks below a verified email and both sides have
    verified emails, none in common (``VERIFIED_EMAILS_DIFFER``). When both
    hold, ``UNIQUE_KIND`` is the answer.
    """
    if not left or not right:
        return None
    guard_emails = policy.verified_email_guards_weaker_links and evidence_rank > RANK_VERIFIED_EMAIL
    if len(left) == 1 and len(right) == 1:
        # The common case in a batch: one guard each, no grouping needed.
        (label, value), (other_label, other) = left[0], right[0]
        if label != other_label or value == other:
            return None
        if label != VERIFIED:
            return Refusal.UNIQUE_KIND
        return Refusal.VERIFIED_EMAILS_DIFFER if guard_emails else None
    theirs = _grouped(right)
    emails_differ = False
    for label, values in _grouped(left).items():
        other_values = theirs.get(label)
        if other_values is None or values & other_values:
            continue
        if label != VERIFIED:
            return Refusal.UNIQUE_KIND
        emails_differ = True
    return Refusal.VERIFIED_EMAILS_DIFFER if emails_differ and guard_emails else None


def _grouped(pairs: Sequence[Guard]) -> dict[str, set[str]]:
    grouped: dict[str, set[str]] = {}
    for label, value in pairs:
        grouped.setdefault(label, set()).add(value)
    return grouped


def protection_refusal(
    left: Iterable[Identifier],
    right: Iterable[Identifier],
    evidence_rank: int,
    policy: IdentityPolicy = DEFAULT_POLICY,
) -> Refusal | None:
    """Return why two identifier sets must not be linked, or None if they may.

    ``evidence_rank`` is the best :func:`link_rank` of the identifiers the two
    sides share. Blocked values and role mailboxes are ignored here: a
    placeholder id or a shared inbox neither links nor protects. Decided by
    :func:`refusal` over each side's :func:`guards`.
    """
    return refusal(guards(left, policy), guards(right, policy), evidence_rank, policy)
