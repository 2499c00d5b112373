"""Properties of the identity graph over random arrival sequences."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from omnicx.errors import ConflictError
from omnicx.identity import (
    IdentityPolicy,
    MemoryIdentityStore,
    MergeKind,
    Observation,
    match_key,
    merge,
    observation_ids_of,
    resolve,
    undo_split,
    unmerge,
)
from omnicx.model import Identifier

T0 = datetime(2026, 1, 1, tzinfo=UTC)
POOL = [
    Identifier.external("shopify:customer", "1"),
    Identifier.external("shopify:customer", "2"),
    Identifier.email("ana@example.com", verified=True),
    Identifier.email("ben@example.com", verified=True),
    Identifier.email("a.na@gmail.com"),
    Identifier.email("ana+x@gmail.com"),
    Identifier.email("info@acme.com"),
    Identifier.phone("+14155550100"),
    Identifier.phone("+14155550101"),
    Identifier.handle("instagram", "1"),
    Identifier.handle("x", "null"),
]
NAMES = [None, "Ana", "Ben", "Carl", "Dora"]

observations = st.lists(
    st.tuples(
        st.lists(st.sampled_from(POOL), min_size=0, max_size=3),
        st.sampled_from(NAMES),
        st.integers(min_value=0, max_value=50),
    ),
    min_size=1,
    max_size=12,
)
policies = st.sampled_from(
    [IdentityPolicy(), IdentityPolicy(max_names_per_identifier=2, max_profiles_per_identifier=1)]
)


def _run(
    rows: list[tuple[list[Identifier], str | None, int]], policy: IdentityPolicy
) -> tuple[MemoryIdentityStore, list[Observation]]:
    store = MemoryIdentityStore()
    seen = []
    for index, (identifiers, name, hour) in enumerate(rows):
        observation = Observation(
            id=f"o{index}",
            at=T0 + timedelta(hours=hour),
            identifiers=tuple(identifiers),
            name=name,
            attributes={"n": index, "tags": [index % 3]},
        )
        resolve(store, observation, policy=policy)
        seen.append(observation)
    return store, seen


def _assert_invariants(store: MemoryIdentityStore) -> None:
    holders: dict[str, set[str]] = defaultdict(set)
    for profile in store.live_profiles():
        for identifier in profile.identifiers:
            holders[match_key(identifier)].add(profile.id)
    for key, ids in holders.items():
        link = store.links[key]
        assert set(link.profile_ids) == ids
        if len(ids) > 1:
            assert link.shared is not None, key
    for link in store.links.values():
        assert all(store.profiles[p].live for p in link.profile_ids)


@given(observations, policies)
def test_no_identifier_on_two_live_profiles_unless_shared(
    rows: list[tuple[list[Identifier], str | None, int]], policy: IdentityPolicy
) -> None:
    """After any arrival sequence, links mirror live profiles and a key on two is shared."""
    store, _ = _run(rows, policy)
    _assert_invariants(store)


@given(observations, policies, st.data())
def test_resolving_the_same_observation_twice_changes_nothing(
    rows: list[tuple[list[Identifier], str | None, int]],
    policy: IdentityPolicy,
    data: st.DataObject,
) -> None:
    """A repeated observation returns its current customer and leaves the store unchanged."""
    store, seen = _run(rows, policy)
    repeat = data.draw(st.sampled_from(seen))
    snapshot = (dict(store.profiles), dict(store.links), dict(store.merges))
    result = resolve(store, repeat, policy=policy)
    assert store.profiles[result.customer_id].live
    assert repeat.id in observation_ids_of(store, store.profiles[result.customer_id])
    assert (dict(store.profiles), dict(store.links), dict(store.merges)) == snapshot


@given(observations, st.data())
def test_unmerge_of_merge_restores_the_profiles(
    rows: list[tuple[list[Identifier], str | None, int]], data: st.DataObject
) -> None:
    """For any two live profiles the policy lets merge, unmerge(merge) restores both."""
    store, _ = _run(rows, IdentityPolicy())
    live = [p.id for p in store.live_profiles()]
    if len(live) < 2:
        return
    first, second = data.draw(st.permutations(live))[:2]
    before = dict(store.profiles)
    try:
        record = merge(store, first, second, at=T0)
    except ConflictError:  # merge protection refused this pair
        assert dict(store.profiles) == before
        return
    _assert_invariants(store)
    unmerge(store, record.id, now=T0)
    assert store.profiles == before
    _assert_invariants(store)


@given(observations, policies)
def test_undoing_every_merge_and_split_keeps_the_invariants(
    rows: list[tuple[list[Identifier], str | None, int]], policy: IdentityPolicy
) -> None:
    """Undoing every merge and split, latest first, revives the profiles and keeps links consistent.

    The merge log holds the graph's own splits too (made when a value became
    shared): undone in one last-in first-out order with the merges.
    """
    store, _ = _run(rows, policy)
    live_before = len(store.live_profiles())
    pending = sorted(store.merges, key=lambda m: int(m[1:]), reverse=True)
    parts = 0
    for record_id in pending:
        record = store.merges[record_id]
        if record.kind is MergeKind.SPLIT:
            parts += len(record.parts)
            undo_split(store, record_id, now=T0, policy=policy)
        else:
            unmerge(store, record_id, now=T0, policy=policy)
        _assert_invariants(store)
    merges = sum(1 for r in store.merges.values() if r.kind is MergeKind.MERGE)
    assert len(store.live_profiles()) == live_before + merges - parts
    assert all(p.merge_ids == () for p in store.live_profiles())
    attributed = {oid: p.id for p in store.live_profiles() for oid in observation_ids_of(store, p)}
    assert all(p.observed == len(store.observation_ids(p.id)) for p in store.live_profiles())
    assert attributed == {oid: pid for oid, (_, pid) in store.observations.items()}
