"""Explicit merges and unmerge: restore, re-attribute, last-in first-out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from omnicx.errors import ConflictError, NotFoundError
from omnicx.identity import (
    MemoryIdentityStore,
    Observation,
    Outcome,
    SharedReason,
    current_profile,
    email_identifier,
    external_identifier,
    merge,
    observation_ids_of,
    phone_identifier,
    resolve,
    unmerge,
)
from omnicx.model import Identifier

T0 = datetime(2026, 1, 1, tzinfo=UTC)
LATER = T0 + timedelta(days=1)
ANA = email_identifier("ana@example.com", verified=True)
BEN = email_identifier("ben@example.com", verified=True)
PHONE = phone_identifier("+14155550100")
OTHER = phone_identifier("+14155550199")


def obs(oid: str, *identifiers: Identifier, hour: int = 0, **attributes: object) -> Observation:
    return Observation(
        id=oid, at=T0 + timedelta(hours=hour), identifiers=identifiers, attributes=attributes
    )


def two_profiles() -> MemoryIdentityStore:
    store = MemoryIdentityStore()
    resolve(store, obs("o1", ANA, hour=0, tags=["a"]))
    resolve(store, obs("o2", PHONE, hour=1, tags=["b"]))
    return store


def test_manual_merge_then_unmerge_restores_both_profiles() -> None:
    """unmerge(merge(a, b)) gives back both profiles exactly, and links point back."""
    store = two_profiles()
    before = dict(store.profiles)
    record = merge(store, "p2", "p1", at=LATER)
    assert (record.survivor_id, record.absorbed_id, record.evidence) == ("p1", "p2", ())
    assert current_profile(store, "p2").id == "p1"
    assert store.links["phone:+14155550100"].profile_ids == ("p1",)
    result = unmerge(store, record.id, now=LATER)
    assert store.profiles == before
    assert result.merge.undone_at == LATER
    assert result.reattributed == ()
    assert store.links["phone:+14155550100"].profile_ids == ("p2",)
    assert current_profile(store, "p2").id == "p2"


def test_unmerge_reattributes_what_arrived_since() -> None:
    """Observations after the merge go back to the profile they match best."""
    store = two_profiles()
    record = merge(store, "p1", "p2", at=LATER)
    resolve(store, obs("o3", PHONE, hour=3, tags=["c"]))
    resolve(store, obs("o4", ANA, hour=4))
    result = unmerge(store, record.id, now=LATER)
    assert result.reattributed == ("o3",)
    assert observation_ids_of(store, result.restored) == ["o2", "o3"]
    assert result.restored.attributes["tags"] == ("b", "c")
    assert observation_ids_of(store, result.survivor) == ["o1", "o4"]
    assert store.observations["o3"][1] == "p2"
    assert resolve(store, obs("o5", PHONE, hour=5)).customer_id == "p2"


def test_unmerge_of_a_resolved_merge_contests_the_bridge() -> None:
    """After undoing a merge made by an observation, its identifiers no longer re-merge them."""
    store = two_profiles()
    merged = resolve(store, obs("o3", email_identifier("ana@example.com"), PHONE, hour=2))
    assert merged.outcome is Outcome.MERGED
    result = unmerge(store, merged.merges[0].id, now=LATER)
    assert result.reattributed == ("o3",)  # the phone (rank 2) beats the unverified email (3)
    assert store.links["email:ana@example.com"].shared is SharedReason.CONTESTED
    again = resolve(store, obs("o4", email_identifier("ana@example.com"), PHONE, hour=4))
    assert again.outcome is Outcome.MATCHED
    assert again.customer_id == "p2"


def test_unmerge_is_last_in_first_out() -> None:
    """A merge followed by another merge of the same survivor must wait its turn."""
    store = two_profiles()
    resolve(store, obs("o3", OTHER, hour=2))
    first = merge(store, "p1", "p2", at=LATER)
    second = merge(store, "p1", "p3", at=LATER)
    with pytest.raises(ConflictError) as info:
        unmerge(store, first.id, now=LATER)
    assert str(info.value) == "merge 'm1' is not the latest merge of 'p1'; undo 'm2' first"
    unmerge(store, second.id, now=LATER)
    unmerge(store, first.id, now=LATER)
    assert [p.id for p in store.live_profiles()] == ["p1", "p2", "p3"]


def test_unmerge_refuses_when_survivor_was_merged_away() -> None:
    """If the survivor was itself merged since, that merge is undone first."""
    store = two_profiles()
    resolve(store, obs("o3", OTHER, hour=-1))  # p3 is the oldest
    first = merge(store, "p1", "p2", at=LATER)
    merge(store, "p3", "p1", at=LATER)
    with pytest.raises(ConflictError) as info:
        unmerge(store, first.id, now=LATER)
    assert str(info.value) == (
        "merge 'm1': survivor 'p1' was merged into 'p3' since; undo that merge first"
    )


def test_unmerge_twice_and_unknown() -> None:
    """Undoing twice is a ConflictError; an unknown merge id is NotFoundError."""
    store = two_profiles()
    record = merge(store, "p1", "p2", at=LATER)
    unmerge(store, record.id, now=LATER)
    with pytest.raises(ConflictError) as info:
        unmerge(store, record.id, now=LATER)
    assert str(info.value) == "merge 'm1' is already undone"
    with pytest.raises(NotFoundError):
        unmerge(store, "m9", now=LATER)


def test_manual_merge_respects_protection() -> None:
    """A manual merge across two Shopify ids or two verified emails is refused."""
    store = MemoryIdentityStore()
    resolve(store, obs("o1", ANA))
    resolve(store, obs("o2", BEN))
    with pytest.raises(ConflictError) as info:
        merge(store, "p1", "p2", at=LATER)
    assert str(info.value) == (
        "merge protection refused to merge 'p1' and 'p2': verified_emails_differ"
    )
    resolve(store, obs("o3", external_identifier("shopify:customer", "1")))
    resolve(store, obs("o4", external_identifier("shopify:customer", "2")))
    with pytest.raises(ConflictError):
        merge(store, "p3", "p4", at=LATER)


def test_manual_merge_of_one_profile_is_refused() -> None:
    """Merging a profile with itself (or its own old id) is a ConflictError."""
    store = two_profiles()
    merge(store, "p1", "p2", at=LATER)
    with pytest.raises(ConflictError) as info:
        merge(store, "p2", "p1", at=LATER)
    assert str(info.value) == "profiles 'p2' and 'p1' are already one profile"
