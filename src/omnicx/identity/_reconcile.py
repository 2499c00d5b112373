"""Reconcile: bring the incremental graph to the batch partition, by undoable steps.

The incremental graph decides one observation at a time, so with merge
protection its answer can depend on arrival order; the batch answer over the
same evidence does not. ``reconcile`` compares the two and proposes (or
applies) the steps that close the gap using only the graph's own undoable
operations: ``unmerge`` for a profile that holds two batch clusters because
of a recorded merge, ``split`` along the batch clusters for one that took
their observations without a merge (each part with the evidence that keeps
it apart), and ``merge`` for one batch cluster spread over profiles.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Mapping
from datetime import datetime

import attrs

from omnicx._frozen import frozen_seq, frozen_tree
from omnicx.errors import ConflictError, ValidationError
from omnicx.identity._attributed import observation_ids_of
from omnicx.identity._batch import BatchResult, ContactRecord, SharedValue
from omnicx.identity._email import email_addresses, email_identifier
from omnicx.identity._graph import current_profile
from omnicx.identity._guards import DEFAULT_POLICY, IdentityPolicy
from omnicx.identity._handles import external_identifier, handle_identifier
from omnicx.identity._phone import phone_identifier
from omnicx.identity._records import MergeKind, MergeRecord, Observation, Profile
from omnicx.identity._split import split_in
from omnicx.identity._store import IdentityStore
from omnicx.identity._txn import Txn
from omnicx.identity._unmerge import merge, unmerge
from omnicx.model import Identifier

__all__ = ["ReconcileMode", "Reconciliation", "observation_of", "reconcile"]


class ReconcileMode(enum.Enum):
    """Whether ``reconcile`` only proposes steps or also applies them."""

    PROPOSE = "propose"
    """Change nothing; report the merges and unmerges that would close the gap."""
    APPLY = "apply"
    """Unmerge, then merge, through the graph's operations (each one undoable)."""


@attrs.frozen(kw_only=True)
class Reconciliation:
    """What differed between the graph and the batch, and what was (or would be) done.

    Attributes:
        differing: observation ids whose profile disagrees with the batch
            (the graph joins them with an observation the batch keeps apart,
            or splits them from one it joins), sorted; before any step.
        unmerges: merge ids to undo (or undone), newest first per profile.
        merges: groups of profile ids to merge (or merged), each sorted.
        made: the merge records written (APPLY only).
        refused: profile pairs whose merge protection refused (APPLY only).
        unresolved: PROPOSE: profiles that hold observations of two batch
            clusters with no merge to undo, which APPLY splits; APPLY:
            profiles still holding two clusters afterwards (none, unless
            the store lost observations).
        missing: batch record ids the graph has never seen, sorted.
        splits: the split records written (APPLY only, kind SPLIT): each
            lists its parts and why they belong apart; ``undo_split``
            reverts one.
    """

    differing: tuple[str, ...] = attrs.field(converter=frozen_seq)
    unmerges: tuple[str, ...] = attrs.field(default=(), converter=frozen_seq)
    merges: tuple[tuple[str, ...], ...] = attrs.field(default=(), converter=frozen_tree)
    made: tuple[MergeRecord, ...] = attrs.field(default=(), converter=frozen_seq)
    refused: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=frozen_tree)
    unresolved: tuple[str, ...] = attrs.field(default=(), converter=frozen_seq)
    missing: tuple[str, ...] = attrs.field(default=(), converter=frozen_seq)
    splits: tuple[MergeRecord, ...] = attrs.field(default=(), converter=frozen_seq)

    @property
    def agrees(self) -> bool:
        """Whether the graph already had the batch's partition."""
        return not self.differing


def _graph_view(store: IdentityStore, batch: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    owner: dict[str, str] = {}
    missing: list[str] = []
    for oid in batch:
        seen = store.observation(oid)
        if seen is None:
            missing.append(oid)
        else:
            owner[oid] = current_profile(store, seen[1]).id
    return owner, sorted(missing)


def _spans(owner: dict[str, str], batch: Mapping[str, str]) -> dict[str, set[str]]:
    clusters: dict[str, set[str]] = {}
    for oid, pid in owner.items():
        clusters.setdefault(pid, set()).add(batch[oid])
    return clusters


def _differing(owner: dict[str, str], batch: Mapping[str, str]) -> tuple[str, ...]:
    profiles_of: dict[str, set[str]] = {}
    for oid, pid in owner.items():
        profiles_of.setdefault(batch[oid], set()).add(pid)
    spans = _spans(owner, batch)
    return tuple(
        sorted(
            oid
            for oid, pid in owner.items()
            if len(spans[pid]) > 1 or len(profiles_of[batch[oid]]) > 1
        )
    )


def _joins_two_clusters(
    store: IdentityStore, record: MergeRecord, batch: Mapping[str, str]
) -> bool:
    sides = (
        *observation_ids_of(store, record.survivor_before),
        *observation_ids_of(store, record.absorbed_before),
    )
    return len({batch[o] for o in sides if o in batch}) > 1


def _planned_unmerges(
    store: IdentityStore, profile: Profile, batch: Mapping[str, str]
) -> list[str]:
    # Merges undo last-in first-out: undo down to the oldest one that joined
    # observations the batch keeps apart.
    records = [store.merge(m) for m in profile.merge_ids]
    latest = records[-1] if records else None
    if latest is not None and latest.kind is MergeKind.SPLIT and latest.undone_at is None:
        return []  # a split is the latest change: unmerges below it cannot go first
    live = [
        r for r in records if r is not None and r.undone_at is None and r.kind is MergeKind.MERGE
    ]
    wrong = [i for i, r in enumerate(live) if _joins_two_clusters(store, r, batch)]
    if not wrong:
        return []
    return [r.id for r in reversed(live[wrong[0] :])]


def reconcile(
    store: IdentityStore,
    batch: Mapping[str, str] | BatchResult,
    *,
    now: datetime,
    mode: ReconcileMode = ReconcileMode.PROPOSE,
    policy: IdentityPolicy = DEFAULT_POLICY,
) -> Reconciliation:
    """Compare the graph in ``store`` with a batch partition and close the gap.

    ``batch`` maps observation ids (the batch's record ids) to cluster ids,
    as ``BatchResult.clusters`` does, over the same evidence the graph saw;
    pass the ``BatchResult`` itself to give each split the batch's reasons
    (``SharedValue``) as evidence. Profiles holding two clusters are fixed
    with ``unmerge`` where a recorded merge joined them (newest merge first,
    as the graph requires), then with ``split`` along the clusters; merges
    use ``merge`` under ``policy``, so merge protection still holds. Every
    step is undoable (``unmerge``, ``undo_split``) and recorded in the merge
    log. In PROPOSE mode nothing is written and the merges listed are those
    the batch asks for among the profiles as they stand; APPLY unmerges,
    splits, then merges, and reports what remains. ``now`` stamps the steps.
    Observations the batch does not list stay with the part that keeps the
    profile's id.
    """
    shared: tuple[SharedValue, ...] = batch.shared if isinstance(batch, BatchResult) else ()
    if isinstance(batch, BatchResult):
        batch = batch.clusters
    owner, missing = _graph_view(store, batch)
    differing = _differing(owner, batch)
    spans = _spans(owner, batch)
    spread = sorted(pid for pid, clusters in spans.items() if len(clusters) > 1)
    planned = {pid: _planned_unmerges(store, current_profile(store, pid), batch) for pid in spread}
    unmerges = [m for pid in spread for m in planned[pid]]
    if mode is ReconcileMode.PROPOSE:
        return Reconciliation(
            differing=differing,
            unmerges=tuple(unmerges),
            merges=_merge_groups(owner, batch, spans),
            unresolved=tuple(pid for pid in spread if not planned[pid]),
            missing=tuple(missing),
        )
    undone: list[str] = []
    splits: list[MergeRecord] = []
    for pid in spread:
        while True:
            profile = current_profile(store, pid)
            if len(_spans_of(store, profile, batch)) < 2:
                break
            steps = _planned_unmerges(store, profile, batch)
            if not steps:
                splits.extend(_split_along(store, profile, batch, shared, now, policy))
                break
            unmerge(store, steps[0], now=now, policy=policy)
            undone.append(steps[0])
    # A profile an unmerge restored can hold two clusters of its own.
    owner, _ = _graph_view(store, batch)
    for pid, clusters in sorted(_spans(owner, batch).items()):
        if len(clusters) > 1:
            splits.extend(
                _split_along(store, current_profile(store, pid), batch, shared, now, policy)
            )
    owner, _ = _graph_view(store, batch)
    groups = _merge_groups(owner, batch, _spans(owner, batch))
    made: list[MergeRecord] = []
    refused: list[tuple[str, str]] = []
    for group in groups:
        for other in group[1:]:
            first = current_profile(store, group[0]).id
            try:
                made.append(merge(store, first, other, at=now, policy=policy))
            except ConflictError:
                refused.append((group[0], other))
    owner, _ = _graph_view(store, batch)
    left = _spans(owner, batch)
    return Reconciliation(
        differing=differing,
        unmerges=tuple(undone),
        merges=groups,
        made=tuple(made),
        refused=tuple(refused),
        unresolved=tuple(sorted(pid for pid, c in left.items() if len(c) > 1)),
        missing=tuple(missing),
        splits=tuple(splits),
    )


def _split_along(
    store: IdentityStore,
    profile: Profile,
    batch: Mapping[str, str],
    shared: tuple[SharedValue, ...],
    now: datetime,
    policy: IdentityPolicy,
) -> list[MergeRecord]:
    """Split ``profile`` by batch cluster; observations the batch lacks stay with the first."""
    groups: dict[str, list[str]] = {}
    unknown: list[str] = []
    for oid in observation_ids_of(store, profile):
        cluster = batch.get(oid)
        if cluster is None:
            unknown.append(oid)
        else:
            groups.setdefault(cluster, []).append(oid)
    if len(groups) < 2:
        return []
    parts = list(groups.values())
    parts[0] = [*unknown, *parts[0]]
    reasons = {s.key: s.reason for s in shared}
    refusals = {s.key: s.refusal for s in shared if s.refusal is not None}
    txn = Txn(store)
    record = split_in(
        txn,
        txn.live(profile.id),
        parts,
        at=now,
        observation_id=None,
        policy=policy,
        refusals=refusals,
        reasons=reasons,
    )
    store.apply(txn.changes())
    return [record]


def _spans_of(store: IdentityStore, profile: Profile, batch: Mapping[str, str]) -> set[str]:
    return {batch[o] for o in observation_ids_of(store, profile) if o in batch}


def _merge_groups(
    owner: dict[str, str], batch: Mapping[str, str], spans: dict[str, set[str]]
) -> tuple[tuple[str, ...], ...]:
    # A batch cluster spread over several profiles, each lying inside it.
    profiles_of: dict[str, set[str]] = {}
    for oid, pid in owner.items():
        if len(spans[pid]) == 1:
            profiles_of.setdefault(batch[oid], set()).add(pid)
    return tuple(sorted(tuple(sorted(p)) for p in profiles_of.values() if len(p) > 1))


def observation_of(
    record: ContactRecord, *, at: datetime, default_region: str | None = None
) -> Observation:
    """The graph Observation for a batch record: the same evidence, canonical.

    Each raw value goes through the same normalisers as in ``resolve_batch``;
    a value that does not normalise is left out, as the batch ignores it.
    The observation id is the record id, so ``reconcile`` can pair them.
    """
    identifiers: list[Identifier] = []
    region = record.region or default_region
    makers: list[Callable[[], Identifier]] = [
        *(functools.partial(external_identifier, s, v) for s, v in record.external_ids),
        *(
            functools.partial(email_identifier, v, verified=record.emails_verified)
            for cell in record.emails
            for v in email_addresses(cell)
        ),
        *(functools.partial(phone_identifier, v, region=region) for v in record.phones),
        *(functools.partial(handle_identifier, n, v) for n, v in record.handles),
    ]
    for make in makers:
        try:
            identifiers.append(make())
        except ValidationError:
            continue
    return Observation(
        id=record.record_id,
        at=at,
        identifiers=tuple(identifiers),
        name=record.name or None,
        address=record.address or None,
        source=record.source,
    )
