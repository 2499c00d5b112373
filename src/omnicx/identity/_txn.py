"""A read-your-writes overlay on an IdentityStore, flushed as one ChangeSet."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import attrs

from omnicx.errors import NotFoundError
from omnicx.identity._fold import MergeRules, merge_profiles, union_identifiers
from omnicx.identity._guards import IdentityPolicy, SharedReason, match_key
from omnicx.identity._records import ChangeSet, Link, MergeRecord, Observation, Profile
from omnicx.identity._store import IdentityStore
from omnicx.model import Identifier


@attrs.define
class Txn:
    """Pending writes over a store: reads see them, ``changes`` hands them over."""

    store: IdentityStore
    profiles: dict[str, Profile] = attrs.field(factory=dict)
    links: dict[str, Link] = attrs.field(factory=dict)
    merges: dict[str, MergeRecord] = attrs.field(factory=dict)
    observations: dict[str, tuple[Observation, str]] = attrs.field(factory=dict)
    newly_shared: list[str] = attrs.field(factory=list)
    blanks: dict[str, Link] = attrs.field(factory=dict)

    def profile(self, profile_id: str) -> Profile:
        found = self.profiles.get(profile_id) or self.store.profile(profile_id)
        if found is None:
            raise NotFoundError("profile", profile_id)
        return found

    def live(self, profile_id: str) -> Profile:
        """Follow merge tombstones to the live profile."""
        profile = self.profile(profile_id)
        seen = {profile.id}
        while profile.merged_into is not None and profile.merged_into not in seen:
            profile = self.profile(profile.merged_into)
            seen.add(profile.id)
        return profile

    def link(self, key: str) -> Link:
        found = self.links.get(key) or self.store.link(key)
        if found is None:
            # A key never seen: one blank link per key, however often asked.
            found = self.blanks.get(key) or self.blanks.setdefault(key, Link(key=key))
        return found

    def put(self, *profiles: Profile) -> None:
        for profile in profiles:
            self.profiles[profile.id] = profile

    def put_link(self, link: Link, policy: IdentityPolicy, *, crowded: SharedReason) -> None:
        """Store a link, marking it shared when more live profiles hold it than allowed.

        A link equal to the one already there is not written again.
        """
        # A caller ID's holders are each their own sighting, not a crowd yet.
        crowd = len(link.profile_ids) > policy.max_profiles_per_identifier
        if link.shared is None and not link.caller_ids_only and crowd:
            link = attrs.evolve(link, shared=crowded)
        before = self.store.link(link.key)
        if link == self.links.get(link.key, before):
            return  # unchanged: writing it back would only cost the store a write
        newly = link.shared is not None and (before is None or before.shared is None)
        if newly and link.key not in self.newly_shared:
            self.newly_shared.append(link.key)
        self.links[link.key] = link

    def merge(
        self,
        survivor: Profile,
        absorbed: Profile,
        *,
        evidence: Iterable[Identifier],
        observation_id: str | None,
        at: datetime,
        rules: MergeRules,
        policy: IdentityPolicy,
    ) -> tuple[Profile, MergeRecord]:
        """Merge ``absorbed`` into ``survivor``; re-point the absorbed identifiers."""
        merge_id = self.store.next_id("merge")
        record = MergeRecord(
            id=merge_id,
            at=at,
            survivor_id=survivor.id,
            absorbed_id=absorbed.id,
            evidence=union_identifiers(evidence),
            observation_id=observation_id,
            survivor_before=survivor,
            absorbed_before=absorbed,
        )
        merged = attrs.evolve(
            merge_profiles(survivor, absorbed, rules), merge_ids=(*survivor.merge_ids, merge_id)
        )
        self.put(merged, attrs.evolve(absorbed, merged_into=survivor.id))
        self.merges[merge_id] = record
        for key in {match_key(i) for i in absorbed.identifiers}:
            link = self.link(key)
            ids = {survivor.id if p == absorbed.id else p for p in link.profile_ids}
            self.put_link(
                attrs.evolve(link, profile_ids=tuple(sorted(ids))),
                policy,
                crowded=SharedReason.CONTESTED,
            )
        return merged, record

    def changes(self) -> ChangeSet:
        return ChangeSet(
            profiles=tuple(self.profiles[k] for k in sorted(self.profiles)),
            links=tuple(self.links[k] for k in sorted(self.links)),
            merges=tuple(self.merges[k] for k in sorted(self.merges)),
            observations=tuple(self.observations[k] for k in sorted(self.observations)),
        )
