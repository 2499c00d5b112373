"""The public surface of omnicx.identity is pinned: adding a name is a visible decision."""

from __future__ import annotations

import omnicx.identity

PINNED = [
    "DEFAULT_BLOCKED_VALUES",
    "DEFAULT_FUZZY",
    "DEFAULT_PERSON_MATCHER",
    "DEFAULT_POLICY",
    "DEFAULT_ROLE_MAILBOXES",
    "DEFAULT_RULES",
    "BatchPolicy",
    "BatchResult",
    "BlockingKey",
    "Candidate",
    "CandidateIndex",
    "ChangeSet",
    "Comparator",
    "Conflict",
    "ContactRecord",
    "FieldComparison",
    "FieldRule",
    "FieldScore",
    "FuzzyPolicy",
    "IdentityPolicy",
    "IdentityStore",
    "Link",
    "MatchDecision",
    "MatchMode",
    "MemoryIdentityStore",
    "MergeRecord",
    "MergeRules",
    "Observation",
    "Outcome",
    "PersonMatch",
    "PersonMatcher",
    "PersonRecord",
    "Profile",
    "Reason",
    "ReasonKind",
    "ReconcileMode",
    "Reconciliation",
    "Refusal",
    "Resolution",
    "SharedReason",
    "SharedValue",
    "Unmerged",
    "auto_merge",
    "canonical_email",
    "canonical_network",
    "canonical_phone",
    "current_profile",
    "decide",
    "email_identifier",
    "email_match_key",
    "external_identifier",
    "handle_identifier",
    "match_key",
    "merge",
    "merged_profiles",
    "observation_of",
    "phone_extension",
    "phone_identifier",
    "reconcile",
    "resolve",
    "resolve_batch",
    "unmerge",
]


def _isort_key(name: str) -> tuple[int, str]:
    # The order ruff's RUF022 keeps: CONSTANTS, then Classes, then functions.
    rank = 0 if name.isupper() else 1 if name[:1].isupper() else 2
    return rank, name


def test_all_is_pinned_sorted_and_documented() -> None:
    """__all__ is exactly the pinned list, in RUF022 order, each name documented."""
    exported = list(omnicx.identity.__all__)
    assert exported == PINNED
    assert exported == sorted(exported, key=_isort_key)
    assert omnicx.identity.__doc__
    for name in exported:
        assert getattr(omnicx.identity, name).__doc__, name
