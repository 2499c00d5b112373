"""Reconcile: the incremental graph brought to the batch partition by undoable steps."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from omnicx.identity import (
    DEFAULT_POLICY,
    Apart,
    ContactRecord,
    IdentityPolicy,
    MemoryIdentityStore,
    MergeKind,
    ReconcileMode,
    Reconciliation,
    Refusal,
    SharedReason,
    observation_of,
    reconcile,
    resolve,
    resolve_batch,
    undo_split,
    unmerge,
)
from omnicx.model import Identifier

T0 = datetime(2026, 1, 1, tzinfo=UTC)
LATER = T0 + timedelta(days=1)
PHONE = "+14155550100"
EMAIL = "x@example.com"


def _store(
    records: Sequence[ContactRecord], policy: IdentityPolicy = DEFAULT_POLICY
) -> MemoryIdentityStore:
    store = MemoryIdentityStore()
    for n, record in enumerate(records):
        resolve(store, observation_of(record, at=T0 + timedelta(minutes=n)), policy=policy)
    return store


def _partition(store: MemoryIdentityStore, ids: Sequence[str]) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for oid in ids:
        seen = store.observation(oid)
        assert seen is not None
        live = seen[1]
        while (profile := store.profile(live)) is not None and profile.merged_into:
            live = profile.merged_into
        groups.setdefault(live, set()).add(oid)
    return {frozenset(g) for g in groups.values()}


def _batch_partition(clusters: dict[str, str]) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for rid, cluster in clusters.items():
        groups.setdefault(cluster, set()).add(rid)
    return {frozenset(g) for g in groups.values()}


# A phone and an email join a, b and c one record at a time; only later do d and
# e, two Shopify customers, show the email was shared: the graph splits b off
# by itself when the email becomes contested, as the batch keeps it apart.
LATE_EVIDENCE = [
    ContactRecord(record_id="a", phones=[PHONE]),
    ContactRecord(record_id="b", emails=[EMAIL]),
    ContactRecord(record_id="c", phones=[PHONE], emails=[EMAIL]),
    ContactRecord(record_id="d", phones=[PHONE], external_ids=[("shopify:customer", "1")]),
    ContactRecord(record_id="e", emails=[EMAIL], external_ids=[("shopify:customer", "2")]),
]
# Two Shopify customers joined by a phone and an email: a graph that ran
# with no unique kinds merged them; the batch (default policy) refuses.
UNPROTECTED = IdentityPolicy(unique_kinds=frozenset())
OLD_MERGE = [
    ContactRecord(record_id="a", phones=[PHONE], external_ids=[("shopify:customer", "1")]),
    ContactRecord(record_id="b", emails=[EMAIL], external_ids=[("shopify:customer", "2")]),
    ContactRecord(record_id="c", phones=[PHONE], emails=[EMAIL]),
]
# The graph links in arrival order, the batch in precedence order: b joins a
# by the email before c's phone is refused; the batch links b and c by the
# phone first and refuses the email. No merge joined a and b: a split does.
ORDER_REFUSAL = [
    ContactRecord(record_id="a", emails=[EMAIL], external_ids=[("shopify:customer", "2")]),
    ContactRecord(record_id="b", phones=[PHONE], emails=[EMAIL]),
    ContactRecord(record_id="c", phones=[PHONE], external_ids=[("shopify:customer", "1")]),
]


def test_observation_of_normalises_the_same_evidence() -> None:
    """A record becomes an observation with canonical identifiers; invalid values are left out."""
    record = ContactRecord(
        record_id="r1",
        emails=["J.Doe@Example.com", "bad"],
        emails_verified=True,
        phones=["07911 123456"],
        handles=[("x", "@JDoe")],
        external_ids=[("shopify:customer", "7")],
        name="Jane Doe",
        region="GB",
    )
    seen = observation_of(record, at=T0)
    assert seen.id == "r1"
    assert seen.name == "Jane Doe"
    assert seen.identifiers == (
        Identifier.external("shopify:customer", "7"),
        Identifier.email("j.doe@example.com", verified=True),
        Identifier.phone("+447911123456"),
        Identifier.handle("x", "jdoe"),
    )


def test_agreeing_graph_needs_nothing() -> None:
    """When the graph already has the batch partition, reconcile proposes no step."""
    records = LATE_EVIDENCE[:3]
    store = _store(records)
    found = reconcile(store, resolve_batch(records).clusters, now=LATER)
    assert found == Reconciliation(differing=())
    assert found.agrees


def test_late_evidence_needs_no_reconcile() -> None:
    """The graph split b off itself when the email became contested: it equals the batch."""
    store = _store(LATE_EVIDENCE)
    batch = resolve_batch(LATE_EVIDENCE).clusters
    assert reconcile(store, batch, now=LATER).agrees
    assert _partition(store, list(batch)) == _batch_partition(dict(batch))


def test_propose_lists_the_unmerge_and_changes_nothing() -> None:
    """PROPOSE reports the merge to undo and the records that differ; the store is untouched."""
    store = _store(OLD_MERGE, UNPROTECTED)
    batch = resolve_batch(OLD_MERGE).clusters
    found = reconcile(store, batch, now=LATER)
    assert found == Reconciliation(differing=("a", "b", "c"), unmerges=("m1",))
    assert _partition(store, list(batch)) == {frozenset("abc")}


def test_apply_unmerges_to_reach_the_batch_partition() -> None:
    """APPLY undoes the merge the batch refuses; the graph then equals the batch."""
    store = _store(OLD_MERGE, UNPROTECTED)
    batch = resolve_batch(OLD_MERGE).clusters
    found = reconcile(store, batch, now=LATER, mode=ReconcileMode.APPLY)
    assert found.unmerges == ("m1",)
    assert (found.unresolved, found.splits) == ((), ())
    assert _partition(store, list(batch)) == _batch_partition(dict(batch))
    assert reconcile(store, batch, now=LATER).agrees


def test_apply_merges_profiles_the_batch_joins() -> None:
    """Profiles the batch joins are merged (the batch saw a link the graph was not shown)."""
    records = LATE_EVIDENCE[:2]
    store = _store(records)
    batch = {"a": "a", "b": "a"}  # e.g. a batch over more evidence than the graph got
    found = reconcile(store, batch, now=LATER, mode=ReconcileMode.APPLY)
    assert found.merges == (("p1", "p2"),)
    assert [m.absorbed_id for m in found.made] == ["p2"]
    assert _partition(store, ["a", "b"]) == {frozenset("ab")}


def test_merge_protection_still_refuses() -> None:
    """A merge the batch asks for between two Shopify customers is refused and reported."""
    records = [LATE_EVIDENCE[3], LATE_EVIDENCE[4]]
    store = _store(records)
    found = reconcile(store, {"d": "d", "e": "d"}, now=LATER, mode=ReconcileMode.APPLY)
    assert found.refused == (("p1", "p2"),)
    assert found.made == ()


def test_arrival_order_refusal_is_split_then_merged() -> None:
    """A profile joined without a merge is split along the batch, then merged where it joins."""
    store = _store(ORDER_REFUSAL)
    batch = resolve_batch(ORDER_REFUSAL)
    assert _partition(store, list(batch.clusters)) == {frozenset("ab"), frozenset("c")}
    proposed = reconcile(store, batch, now=LATER)
    assert proposed.unresolved == ("p1",)
    found = reconcile(store, batch, now=LATER, mode=ReconcileMode.APPLY)
    assert _partition(store, list(batch.clusters)) == {frozenset("a"), frozenset("bc")}
    (record,) = found.splits
    assert (record.kind, record.survivor_id, record.parts) == (MergeKind.SPLIT, "p1", ("p3",))
    # The evidence: the email both parts carry, refused as the batch refused it.
    assert record.apart == (
        Apart(
            key="email:x@example.com",
            reason=SharedReason.CONTESTED,
            refusal=Refusal.UNIQUE_KIND,
            observations=2,
        ),
    )


def test_split_by_reconcile_undoes_exactly() -> None:
    """Undoing reconcile's split and merge, latest first, gives back the graph as it was."""
    store = _store(ORDER_REFUSAL)
    before = (dict(store.profiles), dict(store.links), dict(store.observations))
    found = reconcile(store, resolve_batch(ORDER_REFUSAL), now=LATER, mode=ReconcileMode.APPLY)
    for record in reversed(found.made):
        unmerge(store, record.id, now=LATER)
    for record in reversed(found.splits):
        undo_split(store, record.id, now=LATER)
    assert {k: v for k, v in store.profiles.items() if k in before[0]} == before[0]
    assert (dict(store.links), dict(store.observations)) == before[1:]


def test_profile_joined_without_a_merge_is_split() -> None:
    """A profile that took four people's observations without a merge is split four ways."""
    names = ["Ana Lima", "Ben Okafor", "Chloe Martin", "Dmitri Ivanov"]
    records = [
        ContactRecord(record_id=f"r{i}", phones=[PHONE], name=n) for i, n in enumerate(names)
    ]
    # A graph that lets four people share a number joins them without a merge.
    lenient = IdentityPolicy(max_people_per_identifier=4, max_names_per_identifier=4)
    store = _store(records, lenient)
    batch = resolve_batch(records)
    found = reconcile(store, batch, now=LATER, mode=ReconcileMode.APPLY)
    assert (found.unmerges, found.unresolved) == ((), ())
    (record,) = found.splits
    assert record.parts == ("p2", "p3", "p4")
    assert record.apart == (
        Apart(key="phone:+14155550100", reason=SharedReason.TOO_MANY_NAMES, observations=4),
    )
    assert _partition(store, list(batch.clusters)) == _batch_partition(dict(batch.clusters))


def test_records_the_graph_never_saw_are_missing() -> None:
    """Batch records with no observation in the store are listed, not guessed."""
    store = _store(LATE_EVIDENCE[:1])
    found = reconcile(store, {"a": "a", "zz": "zz"}, now=LATER)
    assert found.missing == ("zz",)


_POOL = [
    ContactRecord(record_id="r0", phones=[PHONE]),
    ContactRecord(record_id="r1", emails=[EMAIL]),
    ContactRecord(record_id="r2", phones=[PHONE], emails=[EMAIL]),
    ContactRecord(record_id="r3", phones=[PHONE], external_ids=[("shopify:customer", "1")]),
    ContactRecord(record_id="r4", emails=[EMAIL], external_ids=[("shopify:customer", "2")]),
    ContactRecord(record_id="r5", emails=["y@example.com"], phones=["+14155550101"]),
    ContactRecord(
        record_id="r6", emails=["y@example.com"], external_ids=[("shopify:customer", "3")]
    ),
    ContactRecord(
        record_id="r7", phones=["+14155550101"], external_ids=[("shopify:customer", "4")]
    ),
]


@given(st.lists(st.sampled_from(_POOL), unique=True), st.randoms(use_true_random=False))
def test_any_arrival_order_reconciles_to_the_batch(
    records: list[ContactRecord], rng: random.Random
) -> None:
    """After any arrival order, APPLY reaches the batch partition unless merge protection refused."""
    order = list(records)
    rng.shuffle(order)
    store = _store(order)
    batch = resolve_batch(records).clusters
    found = reconcile(store, batch, now=LATER, mode=ReconcileMode.APPLY)
    assert found.unresolved == ()
    if not found.refused:
        assert _partition(store, list(batch)) == _batch_partition(dict(batch))
        assert reconcile(store, batch, now=LATER).agrees
