"""The incremental identity graph: resolve one observation at a time."""

from __future__ import annotations

from omnicx.identity._fold import (
    DEFAULT_RULES,
    MergeRules,
    fold_held,
    fold_observation,
    new_profile,
    union_identifiers,
)
from omnicx.identity._guards import (
    DEFAULT_POLICY,
    IdentityPolicy,
    SharedReason,
    fold_name,
    intrinsic_shared_reason,
    match_key,
    too_many_names,
)
from omnicx.identity._names import MAX_NAMES_COMPARED
from omnicx.identity._protection import Refusal, link_rank, protection_refusal
from omnicx.identity._records import (
    ChangeSet,
    Conflict,
    Link,
    MergeKind,
    MergeRecord,
    Observation,
    Outcome,
    Profile,
    Resolution,
)
from omnicx.identity._returning import returning_profile
from omnicx.identity._split import linked_parts, split_in
from omnicx.identity._store import IdentityStore
from omnicx.identity._txn import Txn
from omnicx.model import Identifier, IdentifierKind


def current_profile(store: IdentityStore, profile_id: str) -> Profile:
    """Return the live profile for ``profile_id``, following merges.

    An id merged away resolves to its survivor, so old references never
    dangle. Raises NotFoundError for an id the store never had.
    """
    return Txn(store).live(profile_id)


def merged_profiles(
    store: IdentityStore, profile: Profile
) -> tuple[tuple[Profile, ...], tuple[MergeRecord, ...]]:
    """A live profile and every profile merged into it, with the merges that did it.

    Follows merges transitively (a profile merged into one that was merged
    later); undone merges are skipped. The live profile comes first.
    """
    profiles, merges, todo = [profile], [], list(profile.merge_ids)
    while todo:
        record = store.merge(todo.pop())
        if record is None or record.undone_at is not None or record.kind is MergeKind.SPLIT:
            continue  # a split's parts are other customers
        merges.append(record)
        absorbed = store.profile(record.absorbed_id)
        if absorbed is not None:
            profiles.append(absorbed)
            todo.extend(absorbed.merge_ids)
    return tuple(profiles), tuple(sorted(merges, key=lambda m: (m.at, m.id)))


def resolve(
    store: IdentityStore,
    observation: Observation,
    *,
    policy: IdentityPolicy = DEFAULT_POLICY,
    rules: MergeRules = DEFAULT_RULES,
) -> Resolution:
    """Attribute ``observation`` to a customer, linking and merging as the evidence says.

    Each identifier is looked up by its match key. Identifiers that are
    shared (blocked values, role mailboxes, too many names, held by too many
    profiles, contested) never link. The profiles reached through the others
    are taken in precedence order (external id > verified email > phone >
    unverified email > handle, then oldest first); each is linked unless
    merge protection refuses it against everything linked so far, in which
    case it is reported as a Conflict and the identifiers that pointed to it
    become shared. All linked profiles merge into the oldest. A name alone
    never links.

    Resolving an observation id already seen changes nothing and returns
    MATCHED with the current profile. The store receives exactly one
    ``apply`` call (none for a repeat).
    """
    seen = store.observation(observation.id)
    if seen is not None:
        return Resolution(customer_id=current_profile(store, seen[1]).id, outcome=Outcome.MATCHED)
    returning = returning_profile(store, observation, policy)
    if returning is None:
        return resolve_general(store, observation, policy=policy, rules=rules)
    # Nothing new: the general way would write every link back as it was.
    target = fold_held(returning, observation)
    store.apply(ChangeSet(profiles=(target,), observations=((observation, target.id),)))
    return Resolution(customer_id=target.id, outcome=Outcome.MATCHED)


def resolve_general(
    store: IdentityStore,
    observation: Observation,
    *,
    policy: IdentityPolicy = DEFAULT_POLICY,
    rules: MergeRules = DEFAULT_RULES,
) -> Resolution:
    """``resolve`` for an observation not seen before, without the returning-customer shortcut."""
    txn = Txn(store)
    identifiers = union_identifiers(observation.identifiers)
    keys = [match_key(identifier) for identifier in identifiers]
    # Links keep names folded, as batch counts them: one guard, one input.
    name = fold_name(observation.name) if observation.name else None
    intrinsic = [intrinsic_shared_reason(identifier, policy) for identifier in identifiers]
    # A nameless call's caller ID: its phone alone proves nothing (as in batch).
    caller = not name and observation.source in policy.caller_id_sources
    evidence = _evidence(txn, identifiers, keys, intrinsic, name, caller, policy)
    accepted, refused = _choose(txn, identifiers, evidence, policy)

    merges: list[MergeRecord] = []
    if accepted:
        ordered = sorted((txn.profile(pid) for pid in accepted), key=_age)
        target = ordered[0]
        for absorbed in ordered[1:]:
            target, record = txn.merge(
                target,
                absorbed,
                evidence=evidence[absorbed.id],
                observation_id=observation.id,
                at=observation.at,
                rules=rules,
                policy=policy,
            )
            merges.append(record)
        target = fold_observation(target, observation)
    else:
        target = new_profile(store.next_id("profile"), observation, identifiers=identifiers)
    txn.put(target)
    txn.observations[observation.id] = (observation, target.id)

    crowded = SharedReason.CONTESTED if refused else SharedReason.TOO_MANY_PROFILES
    for identifier, key, reason in zip(identifiers, keys, intrinsic, strict=True):
        link = txn.link(key)
        first_seen = not link.profile_ids
        ids = {txn.live(p).id for p in link.profile_ids} | {target.id}
        names = link.names
        # A value shared by its names keeps counting them: a later spelling
        # can show one person behind them all (``Vicky`` and ``Tori`` meet in
        # ``Victoria``), as batch counts every name at once. Past what
        # count_people compares it stays shared, and its list stays short.
        counting = link.shared is None or link.shared is SharedReason.TOO_MANY_NAMES
        if name and name not in names and counting and len(names) <= MAX_NAMES_COMPARED:
            names = (*names, name)
        shared = link.shared or reason
        if shared is SharedReason.TOO_MANY_NAMES and names != link.names:
            shared = None  # judged again below, over every name
        if shared is None and too_many_names(names, policy):
            shared = SharedReason.TOO_MANY_NAMES
        callers_only = (
            caller
            and shared is None
            and identifier.kind is IdentifierKind.PHONE
            and (first_seen or link.caller_ids_only)
        )
        txn.put_link(
            Link(
                key=key,
                profile_ids=tuple(sorted(ids)),
                names=names,
                shared=shared,
                caller_ids_only=callers_only,
            ),
            policy,
            crowded=crowded,
        )

    conflicts = tuple(
        Conflict(profile_ids=(target.id, pid), evidence=tuple(evidence[pid]), reason=reason)
        for pid, reason in refused
    )
    refusals = {match_key(i): reason for pid, reason in refused for i in evidence[pid]}
    splits = _withdraw(txn, observation, policy, refusals)
    if splits:
        target = txn.live(txn.observations[observation.id][1])
    store.apply(txn.changes())
    if conflicts:
        outcome = Outcome.CONFLICT
    elif merges:
        outcome = Outcome.MERGED
    else:
        outcome = Outcome.MATCHED if accepted else Outcome.NEW
    return Resolution(
        customer_id=target.id,
        outcome=outcome,
        merges=tuple(merges),
        conflicts=conflicts,
        newly_shared=tuple(txn.newly_shared),
        splits=tuple(splits),
    )


def _withdraw(
    txn: Txn, observation: Observation, policy: IdentityPolicy, refusals: dict[str, Refusal]
) -> list[MergeRecord]:
    """Split each profile that a newly shared value held together.

    Batch resolution never links through a shared value, so once one is
    shared the graph keeps no join that only it made: the profiles holding
    it are split into the groups their other links still join
    (``linked_parts``), each split recorded and undoable.
    """
    records: list[MergeRecord] = []
    checked: set[str] = set()
    for key in list(txn.newly_shared):
        for pid in txn.link(key).profile_ids:
            profile = txn.live(pid)
            if profile.id in checked:
                continue
            checked.add(profile.id)
            groups = linked_parts(txn, profile, policy)
            if len(groups) < 2:
                continue
            record = split_in(
                txn,
                profile,
                groups,
                at=observation.at,
                observation_id=observation.id,
                policy=policy,
                refusals=refusals,
            )
            checked.update(record.parts)
            records.append(record)
    return records


def _age(profile: Profile) -> tuple[object, str]:
    # Deterministic survivor: the oldest profile, ties broken by id.
    return profile.created_at, profile.id


def _evidence(
    txn: Txn,
    identifiers: tuple[Identifier, ...],
    keys: list[str],
    intrinsic: list[SharedReason | None],
    name: str | None,
    caller: bool,
    policy: IdentityPolicy,
) -> dict[str, list[Identifier]]:
    """Map each live profile reachable through a linking identifier to those identifiers.

    A phone seen so far only as nameless caller IDs reaches no one from one
    more caller ID, and every profile holding it from any other sighting
    (batch links all its records once one sighting corroborates it).
    """
    reached: dict[str, list[Identifier]] = {}
    for identifier, key, reason in zip(identifiers, keys, intrinsic, strict=True):
        link = txn.link(key)
        if not link.profile_ids:
            continue  # reaches no one, whatever else holds
        if reason is not None:
            continue
        if link.shared is not None and not _one_person_now(link, name, policy):
            continue
        if too_many_names((*link.names, *([name] if name else [])), policy):
            continue
        if link.caller_ids_only and caller:
            continue
        holders = sorted({txn.live(p).id for p in link.profile_ids})
        # A caller ID corroborated, or names that turn out to be one
        # person's: every profile holding the value is that person's.
        everyone = link.caller_ids_only or link.shared is not None
        if len(holders) > policy.max_profiles_per_identifier and not everyone:
            continue
        for pid in holders:
            reached.setdefault(pid, []).append(identifier)
    return reached


def _one_person_now(link: Link, name: str | None, policy: IdentityPolicy) -> bool:
    """Whether a value shared by its names links again with ``name``: one person after all."""
    if link.shared is not SharedReason.TOO_MANY_NAMES or not name or name in link.names:
        return False
    if len(link.names) > MAX_NAMES_COMPARED:
        return False
    return not too_many_names((*link.names, name), policy)


def _choose(
    txn: Txn,
    identifiers: tuple[Identifier, ...],
    evidence: dict[str, list[Identifier]],
    policy: IdentityPolicy,
) -> tuple[list[str], list[tuple[str, Refusal]]]:
    """Split reached profiles into linked and refused, strongest evidence first."""

    def order(pid: str) -> tuple[int, object, str]:
        profile = txn.profile(pid)
        return min(link_rank(i) for i in evidence[pid]), profile.created_at, pid

    accepted: list[str] = []
    refused: list[tuple[str, Refusal]] = []
    group = identifiers
    for pid in sorted(evidence, key=order):
        profile = txn.profile(pid)
        rank = min(link_rank(i) for i in evidence[pid])
        refusal = protection_refusal(group, profile.identifiers, rank, policy)
        if refusal is None:
            accepted.append(pid)
            group = union_identifiers(group, profile.identifiers)
        else:
            refused.append((pid, refusal))
    return accepted, refused
