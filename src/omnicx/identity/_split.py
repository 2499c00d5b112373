"""Split: one profile becomes several, recorded in the merge log and undoable.

The graph splits a profile when evidence withdraws the links that held it
together (a family phone turns out to be two people's, a link through an
email is refused): batch resolution over the same observations would not
join them, so the graph does not keep them joined either. ``reconcile``
splits along a batch partition, and a host can split by hand. Every split
is a ``MergeRecord`` of kind SPLIT with the profile as it was, the links as
they were and why the parts belong apart; ``undo_split`` restores them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

import attrs

from omnicx.errors import ConflictError, NotFoundError, ValidationError
from omnicx.identity._attributed import observation_ids_of
from omnicx.identity._fold import fold_observation, new_profile, union_identifiers
from omnicx.identity._guards import (
    DEFAULT_POLICY,
    IdentityPolicy,
    SharedReason,
    intrinsic_shared_reason,
    match_key,
    too_many_names,
)
from omnicx.identity._protection import Refusal
from omnicx.identity._records import Apart, MergeKind, MergeRecord, Observation, Profile
from omnicx.identity._store import IdentityStore
from omnicx.identity._txn import Txn

__all__ = ["held_observations", "linked_parts", "split", "split_in", "undo_split"]


def _observation(txn: Txn, observation_id: str) -> Observation | None:
    found = txn.observations.get(observation_id) or txn.store.observation(observation_id)
    return None if found is None else found[0]


def _seen(txn: Txn, observation_id: str) -> Observation | None:
    found = txn.store.observation(observation_id)
    return None if found is None else found[0]


def held_observations(txn: Txn, profile: Profile) -> list[str]:
    """Every observation id ``profile`` holds, its own and merged ones, seeing ``txn``'s writes.

    ``observation_ids_of`` reads the store; within a transaction the
    observations folded or re-attributed so far, and the merges made so
    far, count too.
    """
    found = [
        oid
        for oid in txn.store.observation_ids(profile.id)
        if oid not in txn.observations or txn.observations[oid][1] == profile.id
    ]
    listed = set(found)
    found += [
        oid for oid, (_, pid) in txn.observations.items() if pid == profile.id and oid not in listed
    ]
    for merge_id in profile.merge_ids:
        record = txn.merges.get(merge_id) or txn.store.merge(merge_id)
        if record is None or record.undone_at is not None or record.kind is not MergeKind.MERGE:
            continue
        absorbed = txn.profiles.get(record.absorbed_id) or txn.store.profile(record.absorbed_id)
        if absorbed is not None:
            found.extend(held_observations(txn, absorbed))
    return found


def _manual_merges(txn: Txn, profile: Profile) -> list[MergeRecord]:
    """Live merges in the profile's history made by a decision, not by a shared identifier."""
    found, todo, seen = [], list(profile.merge_ids), set()
    while todo:
        merge_id = todo.pop()
        if merge_id in seen:
            continue
        seen.add(merge_id)
        record = txn.merges.get(merge_id) or txn.store.merge(merge_id)
        if record is None or record.undone_at is not None or record.kind is not MergeKind.MERGE:
            continue
        if record.observation_id is None:
            found.append(record)
        todo.extend(record.absorbed_before.merge_ids)
        todo.extend(record.survivor_before.merge_ids)
    return found


def linked_parts(txn: Txn, profile: Profile, policy: IdentityPolicy) -> list[list[str]]:
    """The profile's observation ids grouped by what still links them.

    Two observations stay together when they carry a value whose link is
    not shared (the links batch resolution would make), or when a merge
    decided by a human or a fuzzy policy joined their sides. An observation
    the store no longer has stays with the first one. Groups come in the
    order of their first observation in ``held_observations``.
    """
    ids = held_observations(txn, profile)
    parent = {oid: oid for oid in ids}

    def find(oid: str) -> str:
        while parent[oid] != oid:
            parent[oid] = parent[parent[oid]]
            oid = parent[oid]
        return oid

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[rb] = ra

    holder: dict[str, str] = {}
    linking: dict[str, bool] = {}
    for oid in ids:
        observation = _observation(txn, oid)
        if observation is None:
            union(ids[0], oid)
            continue
        for identifier in observation.identifiers:
            key = match_key(identifier)
            links = linking.get(key)
            if links is None:
                link = txn.link(key)
                links = linking[key] = (
                    link.shared is None
                    and not link.caller_ids_only
                    and intrinsic_shared_reason(identifier, policy) is None
                )
            if links:
                union(holder.setdefault(key, oid), oid)
    for record in _manual_merges(txn, profile):
        left = [o for o in observation_ids_of(txn.store, record.survivor_before) if o in parent]
        right = [o for o in observation_ids_of(txn.store, record.absorbed_before) if o in parent]
        if left and right:
            union(left[0], right[0])
    groups: dict[str, list[str]] = {}
    for oid in ids:
        groups.setdefault(find(oid), []).append(oid)
    return list(groups.values())


def split_in(
    txn: Txn,
    profile: Profile,
    groups: Sequence[Collection[str]],
    *,
    at: datetime,
    observation_id: str | None,
    policy: IdentityPolicy,
    refusals: Mapping[str, Refusal] | None = None,
    reasons: Mapping[str, SharedReason] | None = None,
) -> MergeRecord:
    """Split ``profile`` into ``groups`` of its observation ids, within ``txn``.

    The group holding the profile's earliest observation keeps the profile's
    id (and its attributes and hand-set names); each other group becomes a
    new profile folded from its observations, in the order of their first
    observations. Links are re-pointed; a value two parts both hold is
    marked ``CONTESTED`` unless it is shared already. ``refusals`` names
    the merge-protection rule behind a contested key, and ``reasons`` why
    a key does not link (a batch's answer), where known.
    """
    held = held_observations(txn, profile)
    found = {oid: _observation(txn, oid) for oid in held}
    recorded = {}
    for oid in held:
        entry = txn.observations.get(oid) or txn.store.observation(oid)
        if entry is not None:
            recorded[oid] = entry[1]

    def first(group: list[str]) -> tuple[datetime, str]:
        return min((o.at, o.id) for oid in group if (o := found.get(oid)) is not None)

    # A group of observations the store lost has nothing to fold: it stays.
    known = [list(g) for g in groups if any(found.get(oid) is not None for oid in g)]
    lost = [oid for g in groups if all(found.get(oid) is None for oid in g) for oid in g]
    if len(known) < 2:
        raise ConflictError(
            f"profile {profile.id!r}: nothing to split (one group has observations)"
        )
    ordered = sorted(known, key=first)
    ordered[0].extend(lost)
    record_id = txn.store.next_id("merge")
    parts: list[Profile] = []
    for group in ordered[1:]:
        observations = sorted(
            (o for oid in group if (o := found.get(oid)) is not None), key=lambda o: (o.at, o.id)
        )
        part = new_profile(txn.store.next_id("profile"), observations[0])
        for observation in observations[1:]:
            part = fold_observation(part, observation)
        parts.append(attrs.evolve(part, merge_ids=(record_id,)))
        for observation in observations:
            txn.observations[observation.id] = (observation, part.id)
    moved = {oid for g in ordered[1:] for oid in g}
    moved_own = sum(1 for oid in moved if recorded.get(oid) == profile.id)
    kept = _kept(profile, held, found, moved, moved_own, record_id)
    everyone = [kept, *parts]
    keys_of = {p.id: {match_key(i) for i in p.identifiers} for p in everyone}
    all_keys = sorted({match_key(i) for i in profile.identifiers}.union(*keys_of.values()))
    before = []
    for key in all_keys:
        link = txn.link(key)
        if txn.links.get(key) is not None or txn.store.link(key) is not None:
            before.append(link)
        ids = {p for p in link.profile_ids if p != profile.id}
        ids |= {pid for pid, keys in keys_of.items() if key in keys}
        txn.put_link(
            attrs.evolve(link, profile_ids=tuple(sorted(ids))),
            policy,
            crowded=SharedReason.CONTESTED,
        )
    both = [key for key in all_keys if sum(key in keys for keys in keys_of.values()) > 1]
    apart = tuple(
        Apart(
            key=key,
            reason=(reasons or {}).get(key) or txn.link(key).shared or SharedReason.CONTESTED,
            refusal=(refusals or {}).get(key),
            observations=sum(
                1
                for o in found.values()
                if o is not None and any(match_key(i) == key for i in o.identifiers)
            ),
        )
        for key in both
    )
    record = MergeRecord(
        id=record_id,
        at=at,
        survivor_id=profile.id,
        absorbed_id=parts[0].id,
        evidence=tuple(i for i in profile.identifiers if match_key(i) in set(both)),
        observation_id=observation_id,
        survivor_before=profile,
        absorbed_before=parts[0],
        kind=MergeKind.SPLIT,
        parts=tuple(p.id for p in parts),
        apart=apart,
        links_before=tuple(before),
        attributed_before=tuple(
            (oid, recorded[oid]) for g in ordered[1:] for oid in g if oid in recorded
        ),
    )
    txn.put(kept, *parts)
    txn.merges[record_id] = record
    return record


def _kept(
    profile: Profile,
    holding: Sequence[str],
    found: Mapping[str, Observation | None],
    moved: set[str],
    moved_own: int,
    record_id: str,
) -> Profile:
    """The profile without the moved observations and what only they brought.

    ``moved_own`` of the moved ones were stored under the profile's own id:
    its ``observed`` count loses them.
    """
    kept = [o for oid in holding if oid not in moved and (o := found[oid])]
    gone = [o for oid in moved if (o := found.get(oid)) is not None]
    moved_keys = {match_key(i) for o in gone for i in o.identifiers}
    kept_names = {o.name for o in kept}
    moved_names = {o.name for o in gone} - kept_names
    kept_addresses = {o.address for o in kept}
    moved_addresses = {o.address for o in gone} - kept_addresses
    held = [i for i in profile.identifiers if match_key(i) not in moved_keys]
    return attrs.evolve(
        profile,
        created_at=min((o.at for o in kept), default=profile.created_at),
        last_seen_at=max((o.at for o in kept), default=profile.last_seen_at),
        identifiers=union_identifiers(held, *(o.identifiers for o in kept)),
        # Names and addresses set by hand (no observation has them) stay.
        names=tuple(n for n in profile.names if n not in moved_names),
        addresses=tuple(a for a in profile.addresses if a not in moved_addresses),
        observed=profile.observed - moved_own,
        merge_ids=(*profile.merge_ids, record_id),
    )


def split(
    store: IdentityStore,
    profile_id: str,
    groups: Sequence[Collection[str]],
    *,
    at: datetime,
    policy: IdentityPolicy = DEFAULT_POLICY,
) -> MergeRecord:
    """Split a live profile into groups of its observation ids (a human's or a batch's decision).

    ``groups`` must cover the profile's observations exactly, each once, in
    two groups or more. The group with the earliest observation keeps the
    profile's id; the others become new profiles (``MergeRecord.parts``).
    Values two parts both hold stop linking (``CONTESTED``), so the next
    sighting does not join them again. Undo with :func:`undo_split`.

    Raises NotFoundError for an unknown profile, ValidationError (path
    ``groups``) when the groups do not cover the observations exactly.
    """
    txn = Txn(store)
    profile = txn.live(profile_id)
    listed = [oid for group in groups for oid in group]
    if (
        sorted(listed) != sorted(held_observations(txn, profile))
        or len([g for g in groups if g]) < 2
    ):
        raise ValidationError.single(
            "groups",
            f"pass two groups or more that hold each observation of profile {profile.id!r}"
            " exactly once",
        )
    record = split_in(txn, profile, groups, at=at, observation_id=None, policy=policy)
    store.apply(txn.changes())
    return record


def undo_split(
    store: IdentityStore,
    split_id: str,
    *,
    now: datetime,
    policy: IdentityPolicy = DEFAULT_POLICY,
) -> Profile:
    """Undo a split: the profile as it was, its links as they were; returns it.

    Observations attributed to the parts since the split are folded back
    in, and links that changed since keep what they learned (a holder, a
    name), re-pointed and judged again under ``policy``; the new profiles
    become tombstones of the restored one, so their ids still resolve. Splits and merges undo
    last-in first-out: each part must be live with this split as its latest
    record, otherwise ConflictError names what to undo first. NotFoundError
    for an unknown id; ConflictError for a merge id or a split already undone.
    """
    txn = Txn(store)
    record = store.merge(split_id)
    if record is None:
        raise NotFoundError("split", split_id)
    if record.kind is not MergeKind.SPLIT:
        raise ConflictError(f"{split_id!r} is a merge, not a split; undo it with unmerge")
    if record.undone_at is not None:
        raise ConflictError(f"split {split_id!r} is already undone")
    sides = [txn.profile(pid) for pid in (record.survivor_id, *record.parts)]
    for part in sides:
        if part.merged_into is not None:
            raise ConflictError(
                f"split {split_id!r}: {part.id!r} was merged into "
                f"{txn.live(part.id).id!r} since; undo that merge first"
            )
        if part.merge_ids[-1:] != (split_id,):
            raise ConflictError(
                f"split {split_id!r} is not the latest change of {part.id!r}; "
                f"undo {part.merge_ids[-1]!r} first"
            )
    restored = record.survivor_before
    moved = {oid for oid, _ in record.attributed_before}
    # The kept side's own rows after those it had at the split came later;
    # every row of a part except those the split moved there came later too.
    kept_at_split = restored.observed - sum(
        1 for _, pid in record.attributed_before if pid == record.survivor_id
    )
    later_ids = store.observation_ids(record.survivor_id, start=kept_at_split)
    for part in sides[1:]:
        later_ids += [oid for oid in store.observation_ids(part.id) if oid not in moved]
    for oid, profile_id in record.attributed_before:
        found = store.observation(oid)
        if found is not None:
            txn.observations[oid] = (found[0], profile_id)
    later = [o for oid in later_ids if (o := _seen(txn, oid)) is not None]
    for observation in sorted(later, key=lambda o: (o.at, o.id)):
        restored = fold_observation(restored, observation)
        txn.observations[observation.id] = (observation, restored.id)
    gone = {p.id for p in sides[1:]}
    # Bare tombstones: their ids still resolve, and what they held is the
    # restored profile's again (erasure of it reaches no copy here).
    tombstones = [
        Profile(
            id=p.id,
            created_at=p.created_at,
            last_seen_at=p.last_seen_at,
            merge_ids=p.merge_ids,
            merged_into=restored.id,
        )
        for p in sides[1:]
    ]
    txn.put(restored, *tombstones)
    contested = {a.key for a in record.apart}
    restored_keys = {link.key for link in record.links_before}
    for before in record.links_before:
        current = txn.link(before.key)
        ids = tuple(sorted({restored.id if p in gone else p for p in current.profile_ids}))
        if set(ids) == set(before.profile_ids) and current.names == before.names:
            txn.links[before.key] = before  # nothing else happened to it: as it was
            continue
        # It learned more since (a holder, a name): keep that, and lift only
        # the CONTESTED mark the split itself set.
        shared = current.shared
        if before.shared is None and shared is SharedReason.CONTESTED and before.key in contested:
            shared = None
        if shared is None and too_many_names(current.names, policy):
            shared = SharedReason.TOO_MANY_NAMES
        txn.put_link(
            attrs.evolve(current, profile_ids=ids, shared=shared),
            policy,
            crowded=SharedReason.TOO_MANY_PROFILES,
        )
    for key in sorted({match_key(i) for o in later for i in o.identifiers} - restored_keys):
        link = txn.link(key)
        ids = tuple(sorted({restored.id if p in gone else p for p in link.profile_ids}))
        txn.put_link(
            attrs.evolve(link, profile_ids=ids), policy, crowded=SharedReason.TOO_MANY_PROFILES
        )
    txn.merges[split_id] = attrs.evolve(record, undone_at=now)
    store.apply(txn.changes())
    return restored
