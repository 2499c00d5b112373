"""The returning customer: an observation that tells the graph nothing new.

Most messages come from a customer whose identifiers are all already linked
to their one profile. For them ``resolve`` would read every link, find the
one profile, let merge protection accept it, fold the observation in and
write every link back unchanged. This module recognises that case from the
links and the profile alone and answers it without the general machinery;
anything it is not sure about goes the general way.
"""

from __future__ import annotations

from omnicx.identity._guards import (
    IdentityPolicy,
    fold_name,
    intrinsic_shared_reason,
    match_key,
    too_many_names,
)
from omnicx.identity._records import Observation, Profile
from omnicx.identity._store import IdentityStore
from omnicx.model import Identifier


def returning_profile(
    store: IdentityStore, observation: Observation, policy: IdentityPolicy
) -> Profile | None:
    """The live profile ``observation`` belongs to when it changes no link, else None.

    None means "not sure": the caller resolves the general way. A profile is
    returned only when all of these hold, which is exactly when the general
    way would match that profile, merge and refuse nothing, and write every
    link back as it was:

    - every identifier's link exists, is not shared and holds that one live
      profile and no other (so it is the only profile reached, and a write
      would neither add a holder nor mark the link crowded);
    - no identifier is shared by its value (blocked, role mailbox) and no
      link already has too many names (either would mark the link shared);
    - the observation's name, if any, is already among each link's names (a
      new name would be added to the link);
    - the profile holds every identifier with the same key and at least the
      same verification, so merge protection, which compares the
      observation's identifiers with the profile's, finds every unique kind
      and every verified email of the observation on the profile too.
    """
    identifiers = observation.identifiers
    if not identifiers:
        return None
    name = fold_name(observation.name) if observation.name else None
    profile: Profile | None = None
    for identifier in identifiers:
        link = store.link(match_key(identifier))
        if link is None or link.shared is not None or len(link.profile_ids) != 1:
            return None
        if link.caller_ids_only:
            return None
        if name and name not in link.names:
            return None
        if profile is None:
            profile = store.profile(link.profile_ids[0])
            if profile is None or profile.merged_into is not None:
                return None
        elif link.profile_ids[0] != profile.id:
            return None
        if intrinsic_shared_reason(identifier, policy) is not None:
            return None
        # One name cannot be too many people.
        names = link.names
        if len(names) > 1 and too_many_names(names, policy):
            return None
        if not _holds(profile, identifier):
            return None
    return profile


def _holds(profile: Profile, identifier: Identifier) -> bool:
    """Whether the profile has the identifier (same key), verified at least as much."""
    for held in profile.identifiers:
        if (
            held.kind is identifier.kind
            and held.value == identifier.value
            and held.namespace == identifier.namespace
        ):
            return held.verified or not identifier.verified
    return False
