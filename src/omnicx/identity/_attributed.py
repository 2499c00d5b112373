"""Every observation a profile holds, read from the store's rows."""

from __future__ import annotations

from omnicx.identity._records import MergeKind, Profile
from omnicx.identity._store import IdentityStore


def observation_ids_of(store: IdentityStore, profile: Profile) -> list[str]:
    """Return the ids of every observation attributed to ``profile`` or merged into it.

    Its own first (the first ``profile.observed`` stored under its id), then
    those of each profile it absorbed, oldest merge first, depth first;
    undone merges and splits are skipped. Given a merge record's before-image it gives
    the observations as they stood at the merge. Reads every one of them:
    for erasure, reconciliation and exports, not for each message.
    """
    found = store.observation_ids(profile.id, limit=profile.observed)
    for merge_id in profile.merge_ids:
        record = store.merge(merge_id)
        # A split's record names a part it made, not a profile this one absorbed.
        if record is None or record.undone_at is not None or record.kind is not MergeKind.MERGE:
            continue
        absorbed = store.profile(record.absorbed_id)
        if absorbed is not None:
            found.extend(observation_ids_of(store, absorbed))
    return found
