"""Explicit merges (a human or a fuzzy policy decided) and unmerge."""

from __future__ import annotations

from datetime import datetime

import attrs

from omnicx._frozen import frozen_seq
from omnicx.errors import ConflictError, NotFoundError
from omnicx.identity._fold import DEFAULT_RULES, MergeRules, fold_observation
from omnicx.identity._guards import DEFAULT_POLICY, IdentityPolicy, SharedReason, match_key
from omnicx.identity._protection import RANK_NO_IDENTIFIER, link_rank, protection_refusal
from omnicx.identity._records import MergeKind, MergeRecord, Observation, Profile
from omnicx.identity._store import IdentityStore
from omnicx.identity._txn import Txn


@attrs.frozen(kw_only=True)
class Unmerged:
    """The answer of ``unmerge``.

    Attributes:
        merge: the merge record, now with ``undone_at`` set.
        survivor: the survivor as restored (its pre-merge state plus what
            arrived since and belongs to it).
        restored: the absorbed profile, live again under its own id.
        reattributed: ids of observations that arrived since the merge and
            went back to the restored profile.
    """

    merge: MergeRecord
    survivor: Profile
    restored: Profile
    reattributed: tuple[str, ...] = attrs.field(converter=frozen_seq)


def merge(
    store: IdentityStore,
    first_id: str,
    second_id: str,
    *,
    at: datetime,
    policy: IdentityPolicy = DEFAULT_POLICY,
    rules: MergeRules = DEFAULT_RULES,
) -> MergeRecord:
    """Merge two profiles on a decision made outside the graph (a human, a fuzzy policy).

    The older profile survives. Merge protection still applies: raises
    ConflictError when it refuses (a human who disagrees changes the
    identifiers first), NotFoundError for an unknown id, and ConflictError
    when both ids already resolve to the same profile.
    """
    txn = Txn(store)
    first, second = txn.live(first_id), txn.live(second_id)
    if first.id == second.id:
        raise ConflictError(f"profiles {first_id!r} and {second_id!r} are already one profile")
    shared = {match_key(i) for i in first.identifiers} & {match_key(i) for i in second.identifiers}
    evidence = tuple(i for i in second.identifiers if match_key(i) in shared)
    rank = min((link_rank(i) for i in evidence), default=RANK_NO_IDENTIFIER)
    refusal = protection_refusal(first.identifiers, second.identifiers, rank, policy)
    if refusal is not None:
        raise ConflictError(
            f"merge protection refused to merge {first.id!r} and {second.id!r}: {refusal.value}"
        )
    survivor, absorbed = sorted((first, second), key=lambda p: (p.created_at, p.id))
    _, record = txn.merge(
        survivor,
        absorbed,
        evidence=evidence,
        observation_id=None,
        at=at,
        rules=rules,
        policy=policy,
    )
    store.apply(txn.changes())
    return record


def unmerge(
    store: IdentityStore,
    merge_id: str,
    *,
    now: datetime,
    policy: IdentityPolicy = DEFAULT_POLICY,
) -> Unmerged:
    """Undo a merge: restore both profiles and re-attribute what arrived since.

    Both profiles return to their state just before the merge. Each
    observation attributed to the survivor after the merge is folded into
    whichever of the two it matches by its strongest identifier (the
    survivor on a tie), and the links follow. Merges undo last-in first-out:
    a merge can be undone while it is the survivor's latest merge and the
    survivor is live; otherwise ConflictError names what to undo first.
    NotFoundError for an unknown id; ConflictError if already undone.
    """
    txn = Txn(store)
    record = store.merge(merge_id)
    if record is None:
        raise NotFoundError("merge", merge_id)
    if record.kind is MergeKind.SPLIT:
        raise ConflictError(f"{merge_id!r} is a split, not a merge; undo it with undo_split")
    if record.undone_at is not None:
        raise ConflictError(f"merge {merge_id!r} is already undone")
    current = txn.profile(record.survivor_id)
    if current.merged_into is not None:
        raise ConflictError(
            f"merge {merge_id!r}: survivor {current.id!r} was merged into "
            f"{txn.live(current.id).id!r} since; undo that merge first"
        )
    if current.merge_ids[-1:] != (merge_id,):
        raise ConflictError(
            f"merge {merge_id!r} is not the latest merge of {current.id!r}; "
            f"undo {current.merge_ids[-1]!r} first"
        )
    survivor, restored = record.survivor_before, record.absorbed_before
    moved: list[str] = []
    # What the survivor took since the merge: its rows after the ones it
    # had then (merges undo last-in first-out, so none before moved since).
    for observation_id in store.observation_ids(current.id, start=survivor.observed):
        found = store.observation(observation_id)
        if found is None:  # the store lost it: nothing left to re-attribute
            continue
        observation = found[0]
        if _belongs_to(observation, restored, survivor):
            restored = fold_observation(restored, observation)
            moved.append(observation_id)
            txn.observations[observation_id] = (observation, restored.id)
        else:
            survivor = fold_observation(survivor, observation)
    txn.put(survivor, restored)

    holders = {p.id: {match_key(i) for i in p.identifiers} for p in (survivor, restored)}
    for key in sorted({match_key(i) for i in current.identifiers} | holders[restored.id]):
        link = txn.link(key)
        ids = {p for p in link.profile_ids if p != current.id}
        ids |= {pid for pid, keys in holders.items() if key in keys}
        txn.put_link(
            attrs.evolve(link, profile_ids=tuple(sorted(ids))),
            policy,
            crowded=SharedReason.CONTESTED,
        )
    undone = attrs.evolve(record, undone_at=now)
    txn.merges[merge_id] = undone
    store.apply(txn.changes())
    return Unmerged(merge=undone, survivor=survivor, restored=restored, reattributed=tuple(moved))


def _belongs_to(observation: Observation, restored: Profile, survivor: Profile) -> bool:
    """Whether the observation matches the restored profile strictly better."""

    def best(profile: Profile) -> int:
        keys = {match_key(i) for i in profile.identifiers}
        ranks = [link_rank(i) for i in observation.identifiers if match_key(i) in keys]
        return min(ranks, default=RANK_NO_IDENTIFIER)

    return best(restored) < best(survivor)
