"""Fuzzy candidates: scores with reasons, blocking, and the explicit merge policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicx.errors import ValidationError
from omnicx.identity import (
    Candidate,
    CandidateIndex,
    FuzzyPolicy,
    MatchDecision,
    MatchMode,
    MemoryIdentityStore,
    Observation,
    Reason,
    ReasonKind,
    auto_merge,
    current_profile,
    decide,
    email_identifier,
    external_identifier,
    phone_identifier,
    resolve,
)
from omnicx.model import Identifier

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def seed(
    store: MemoryIdentityStore,
    index: CandidateIndex,
    oid: str,
    *identifiers: Identifier,
    name: str | None = None,
    address: str | None = None,
    hour: int = 0,
) -> str:
    observation = Observation(
        id=oid, at=T0 + timedelta(hours=hour), identifiers=identifiers, name=name, address=address
    )
    result = resolve(store, observation)
    index.add(current_profile(store, result.customer_id))
    return result.customer_id


def kinds(candidate: Candidate) -> list[ReasonKind]:
    return [r.kind for r in candidate.reasons]


def test_name_plus_weak_evidence_is_a_scored_candidate() -> None:
    """A typo'd name with the same email local part elsewhere is suggested, with reasons."""
    store, index = MemoryIdentityStore(), CandidateIndex()
    seed(store, index, "o1", email_identifier("jon.smith@gmail.com"), name="Jonathan Smith")
    second = seed(store, index, "o2", email_identifier("jonsmith@work.com"), name="Jonathan Smyth")
    (candidate,) = index.candidates(current_profile(store, second))
    assert candidate.profile_id == "p1"
    assert kinds(candidate) == [ReasonKind.NAME, ReasonKind.EMAIL_LOCAL_PART]
    assert 0.8 < candidate.score < 0.95
    assert decide(candidate) is MatchDecision.SUGGEST


def test_phone_suffix_and_address_reasons() -> None:
    """Same last 7 digits on another number, and the same address, are reasons."""
    store, index = MemoryIdentityStore(), CandidateIndex()
    seed(store, index, "o1", phone_identifier("+14155550100"), address="1 Main St., Springfield")
    probe = Observation(
        id="x",
        at=T0,
        identifiers=(phone_identifier("+16505550100"),),
        address="1 main st springfield",
    )
    (candidate,) = index.candidates(probe)
    assert kinds(candidate) == [ReasonKind.PHONE_SUFFIX, ReasonKind.ADDRESS]
    assert candidate.score == pytest.approx(1 - 0.5 * 0.4)


def test_unrelated_profiles_are_not_candidates() -> None:
    """Profiles sharing no block are never compared; dissimilar names score nothing."""
    store, index = MemoryIdentityStore(), CandidateIndex()
    seed(store, index, "o1", email_identifier("ana@example.com"), name="Ana Lima")
    probe = Observation(id="x", at=T0, name="Bob Stone")
    assert index.candidates(probe) == []
    probe = Observation(id="y", at=T0, name="Ana Lopes")  # same block, name too different
    assert index.candidates(probe) == []


def test_role_mailboxes_are_not_email_evidence() -> None:
    """info@ at two companies says nothing about a person."""
    store, index = MemoryIdentityStore(), CandidateIndex()
    seed(store, index, "o1", email_identifier("info@acme.com"))
    probe = Observation(id="x", at=T0, identifiers=(email_identifier("info@other.com"),))
    assert index.candidates(probe) == []


def test_hot_blocks_are_skipped() -> None:
    """A block with more profiles than max_block is not used for candidates."""
    store, index = MemoryIdentityStore(), CandidateIndex(FuzzyPolicy(max_block=2))
    for n in range(3):
        seed(store, index, f"o{n}", external_identifier("crm", str(n)), name="John Smith")
    assert index.candidates(Observation(id="x", at=T0, name="John Smith")) == []


def test_a_profile_is_not_its_own_candidate_and_limit_applies() -> None:
    """Candidates exclude the subject and are capped by limit, best first."""
    store, index = MemoryIdentityStore(), CandidateIndex()
    ids = [
        seed(store, index, f"o{n}", external_identifier("crm", str(n)), name=name)
        for n, name in enumerate(["Maria Garcia", "Maria Garcia", "Maria Garcai"])
    ]
    found = index.candidates(current_profile(store, ids[0]), limit=1)
    assert [c.profile_id for c in found] == ["p2"]


def test_index_forgets_removed_and_merged_profiles() -> None:
    """remove() and adding a tombstone drop a profile from every block."""
    store, index = MemoryIdentityStore(), CandidateIndex()
    seed(store, index, "o1", email_identifier("ana@a.com"), name="Ana Lima")
    index.remove("p1")
    index.remove("p1")
    assert index.candidates(Observation(id="x", at=T0, name="Ana Lima")) == []


def test_suggest_is_the_default_and_auto_needs_more_than_a_name() -> None:
    """Default mode never auto-merges; auto mode needs the threshold and a non-name reason."""
    name_only = Candidate(
        profile_id="p1", score=0.99, reasons=(Reason(kind=ReasonKind.NAME, weight=0.99, detail=""),)
    )
    strong = Candidate(
        profile_id="p1",
        score=0.99,
        reasons=(Reason(kind=ReasonKind.ADDRESS, weight=0.99, detail=""),),
    )
    auto = FuzzyPolicy(mode=MatchMode.AUTO_MERGE)
    assert decide(strong) is MatchDecision.SUGGEST
    assert decide(strong, auto) is MatchDecision.AUTO_MERGE
    assert decide(name_only, auto) is MatchDecision.SUGGEST
    weak = Candidate(profile_id="p1", score=0.2, reasons=())
    assert decide(weak, auto) is MatchDecision.IGNORE


def test_policy_thresholds_are_validated() -> None:
    """Thresholds outside 0..1 are refused with their path."""
    with pytest.raises(ValidationError) as info:
        FuzzyPolicy(auto_merge_at=1.5)
    assert str(info.value) == "auto_merge_at: must be between 0 and 1, got 1.5"


def test_auto_merge_merges_only_under_the_policy() -> None:
    """auto_merge merges decided candidates, reports protected ones, and does nothing in suggest mode."""
    store = MemoryIdentityStore()
    auto = CandidateIndex(FuzzyPolicy(mode=MatchMode.AUTO_MERGE, auto_merge_at=0.85))
    args = {"name": "Jane Roe", "address": "5 High St"}
    first = seed(store, auto, "o1", email_identifier("jane.roe@gmail.com"), **args)
    seed(store, auto, "o2", email_identifier("janeroe@yahoo.com"), hour=1, **args)
    seed(store, auto, "o3", external_identifier("shopify:customer", "1"), hour=2, **args)
    seed(store, auto, "o4", external_identifier("shopify:customer", "2"), hour=3, **args)
    assert auto_merge(store, CandidateIndex(), first, at=T0) == ((), ())
    merges, refused = auto_merge(store, auto, first, at=T0)
    assert [(m.survivor_id, m.absorbed_id) for m in merges] == [("p1", "p2"), ("p1", "p3")]
    assert [c.profile_id for c in refused] == ["p4"]
    assert current_profile(store, "p3").id == "p1"


names = st.sampled_from(["Ana Lima", "Ana Lma", "Anna Lima", "Ben Stone", "A Lima"])


@given(st.lists(names, min_size=1, max_size=6), names)
def test_candidates_are_sorted_scored_and_never_self(pool: list[str], probe: str) -> None:
    """Scores lie in [suggest_at, 1], sorted best first, and no profile is its own candidate."""
    store, index = MemoryIdentityStore(), CandidateIndex()
    ids = [
        seed(store, index, f"o{n}", external_identifier("crm", str(n)), name=name)
        for n, name in enumerate(pool)
    ]
    found = index.candidates(current_profile(store, ids[0]))
    assert all(0.5 <= c.score <= 1 for c in found)
    assert [(-c.score, c.profile_id) for c in found] == sorted(
        (-c.score, c.profile_id) for c in found
    )
    assert ids[0] not in {c.profile_id for c in found}
    del probe
