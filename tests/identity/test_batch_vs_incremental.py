"""Batch and incremental resolution agree where docs/identity.md says they do.

Both apply one implementation of merge protection, link ranks and unique
kinds (``omnicx.identity._protection``); these properties compare their
answers on random imports whose records share and contest phones, emails,
handles and external ids, resolved by the graph in a random arrival order.
Names are left out: the batch counts people behind a name where the graph
counts spellings, which the docs list as a difference.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from omnicx.identity import (
    BatchPolicy,
    ContactRecord,
    IdentityPolicy,
    MemoryIdentityStore,
    Refusal,
    SharedReason,
    match_key,
    observation_of,
    resolve,
    resolve_batch,
)
from omnicx.identity._protection import protection_refusal
from omnicx.model import Identifier, IdentifierKind
from omnicx.testing.strategies import identifiers

T0 = datetime(2026, 1, 1, tzinfo=UTC)
# Raw forms that normalise to one value sit next to each other.
EMAILS = [
    "ana@example.com",
    " ANA@Example.com",
    "ben@gmail.com",
    "b.en@gmail.com",
    "cy@example.org",
]
PHONES = ["+14155550100", "(415) 555-0100", "+14155550101", "415.555.0102"]
HANDLES = [("instagram", "17841400001"), ("instagram", "17841400002"), ("x", "@Cy"), ("x", "cy")]
PLACEHOLDERS = ["null", "info@example.com", "0000000"]
SHOP = "shopify:customer"
# A second unique kind besides external ids: one Instagram account a customer.
UNIQUE = IdentityPolicy(unique_kinds=frozenset({"external", "handle:instagram"}))


@st.composite
def imports(
    draw: st.DrawFn, *, shop_ids: Sequence[str], placeholders: bool, verified: bool
) -> list[ContactRecord]:
    """Contact records sharing values from small pools; at most one value of a unique kind each.

    Every value but a placeholder normalises: the properties compare links, not parsing.
    """
    emails = EMAILS + (PLACEHOLDERS[:2] if placeholders else [])
    phones = PHONES + (PLACEHOLDERS[2:] if placeholders else [])
    records = []
    for i in range(draw(st.integers(min_value=0, max_value=12))):
        handles = draw(st.lists(st.sampled_from(HANDLES), max_size=2, unique_by=lambda h: h[0]))
        records.append(
            ContactRecord(
                record_id=f"r{i:02d}",
                emails=draw(st.lists(st.sampled_from(emails), max_size=2)),
                emails_verified=verified and draw(st.booleans()),
                phones=draw(st.lists(st.sampled_from(phones), max_size=2)),
                handles=handles,
                external_ids=[
                    (SHOP, v) for v in draw(st.lists(st.sampled_from(shop_ids), max_size=1))
                ],
                region="US",
            )
        )
    return records


def _incremental(
    records: Sequence[ContactRecord], rng: random.Random, policy: IdentityPolicy
) -> tuple[set[frozenset[str]], list[Refusal]]:
    """The graph's partition after resolving ``records`` in a random order, and its refusals."""
    order = list(records)
    rng.shuffle(order)
    store = MemoryIdentityStore()
    refusals: list[Refusal] = []
    for n, record in enumerate(order):
        found = resolve(store, observation_of(record, at=T0 + timedelta(minutes=n)), policy=policy)
        refusals.extend(conflict.reason for conflict in found.conflicts)
    groups: dict[str, set[str]] = {}
    for record in records:
        seen = store.observation(record.record_id)
        assert seen is not None
        live = seen[1]
        while (profile := store.profile(live)) is not None and profile.merged_into:
            live = profile.merged_into
        groups.setdefault(live, set()).add(record.record_id)
    return {frozenset(g) for g in groups.values()}, refusals


def _groups(clusters: dict[str, str]) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for rid, cluster in clusters.items():
        groups.setdefault(cluster, set()).add(rid)
    return {frozenset(g) for g in groups.values()}


def _unique_values(record: ContactRecord) -> set[tuple[str, str]]:
    """The record's values of UNIQUE's kinds, as (kind, canonical value)."""
    found = set()
    for identifier in observation_of(record, at=T0).identifiers:
        if identifier.kind is IdentifierKind.EXTERNAL or (
            identifier.kind is IdentifierKind.HANDLE and identifier.namespace == "instagram"
        ):
            found.add((f"{identifier.kind.value}:{identifier.namespace}", identifier.value))
    return found


def _mixes_unique_values(group: frozenset[str], by_id: dict[str, ContactRecord]) -> bool:
    values = set().union(*(_unique_values(by_id[rid]) for rid in group))
    kinds = [kind for kind, _ in values]
    return len(kinds) != len(set(kinds))


def _components(records: Sequence[ContactRecord]) -> set[frozenset[str]]:
    """Records joined by any match key: the partition with no guard at all."""
    parent = {r.record_id: r.record_id for r in records}

    def find(rid: str) -> str:
        while parent[rid] != rid:
            rid = parent[rid]
        return rid

    holder: dict[str, str] = {}
    for record in records:
        identifiers: tuple[Identifier, ...] = observation_of(record, at=T0).identifiers
        for key in {match_key(i) for i in identifiers}:
            first = holder.setdefault(key, record.record_id)
            parent[find(record.record_id)] = find(first)
    groups: dict[str, set[str]] = {}
    for rid in parent:
        groups.setdefault(find(rid), set()).add(rid)
    return {frozenset(g) for g in groups.values()}


@given(
    imports(shop_ids=["1"], placeholders=True, verified=False), st.randoms(use_true_random=False)
)
def test_with_nothing_to_refuse_both_give_one_partition(
    records: list[ContactRecord], rng: random.Random
) -> None:
    """No contested value: the graph in any arrival order finds the batch's partition.

    Raw forms normalise to one match key in both, placeholders and role
    mailboxes link nothing in both, and one shared Shopify id links.
    """
    batch = resolve_batch(records)
    incremental, refusals = _incremental(records, rng, IdentityPolicy())
    assert refusals == []
    assert all(s.reason is not SharedReason.CONTESTED for s in batch.shared)
    assert incremental == _groups(dict(batch.clusters))


@given(
    imports(shop_ids=["1", "2", "3"], placeholders=False, verified=True),
    st.randoms(use_true_random=False),
)
def test_neither_joins_two_values_of_a_unique_kind(
    records: list[ContactRecord], rng: random.Random
) -> None:
    """No cluster of either holds two Shopify ids or two Instagram accounts."""
    by_id = {r.record_id: r for r in records}
    batch = _groups(dict(resolve_batch(records, policy=BatchPolicy(identity=UNIQUE)).clusters))
    incremental, _ = _incremental(records, rng, UNIQUE)
    assert not any(_mixes_unique_values(group, by_id) for group in batch)
    assert not any(_mixes_unique_values(group, by_id) for group in incremental)


@given(
    imports(shop_ids=["1", "2", "3"], placeholders=False, verified=False),
    st.randoms(use_true_random=False),
)
def test_both_refuse_exactly_when_evidence_joins_two_unique_values(
    records: list[ContactRecord], rng: random.Random
) -> None:
    """Unique-kind conflicts are found by both or neither, and are the same refusal.

    Without verified emails the only refusal is UNIQUE_KIND, and it happens
    exactly when the records' values connect two values of a unique kind.
    Where nothing is refused, the partitions are the same.
    """
    by_id = {r.record_id: r for r in records}
    batch = resolve_batch(records, policy=BatchPolicy(identity=UNIQUE))
    incremental, refusals = _incremental(records, rng, UNIQUE)
    contested = {s.refusal for s in batch.shared if s.reason is SharedReason.CONTESTED}
    conflicting = any(_mixes_unique_values(g, by_id) for g in _components(records))
    assert bool(contested) == bool(refusals) == conflicting
    assert contested <= {Refusal.UNIQUE_KIND}
    assert set(refusals) <= {Refusal.UNIQUE_KIND}
    if not conflicting:
        assert incremental == _groups(dict(batch.clusters))


@given(st.lists(identifiers(), min_size=1, max_size=6), st.data(), st.integers(0, 9))
def test_merge_protection_reads_neither_side_order_nor_item_order(
    pool: list[Identifier], data: st.DataObject, rank: int
) -> None:
    """The batch asks about roots pairwise in index order, the graph group-first: same answer."""
    left = data.draw(st.lists(st.sampled_from(pool), max_size=4))
    right = data.draw(st.lists(st.sampled_from(pool), max_size=4))
    answer = protection_refusal(left, right, rank, UNIQUE)
    assert protection_refusal(right, left, rank, UNIQUE) == answer
    assert protection_refusal(left[::-1], right[::-1], rank, UNIQUE) == answer
