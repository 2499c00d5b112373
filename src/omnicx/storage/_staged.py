"""An identity store overlay that holds writes until the desk commits."""

from __future__ import annotations

import attrs

from omnicx.identity import ChangeSet, Link, MergeRecord, Observation, Profile
from omnicx.storage._protocol import DeskStore


@attrs.define
class StagedIdentityStore:
    """Reads through to a desk store; buffers ``apply`` for one atomic commit.

    The identity graph writes through ``apply``; the desk wants those writes
    in the same transaction as the conversation and the events. This overlay
    answers reads from its buffer first, records the version of every profile
    it read (for optimistic concurrency), and hands everything over as one
    ``ChangeSet`` in ``staged()``.
    """

    base: DeskStore
    _profiles: dict[str, Profile] = attrs.field(factory=dict)
    _links: dict[str, Link] = attrs.field(factory=dict)
    _merges: dict[str, MergeRecord] = attrs.field(factory=dict)
    _observations: dict[str, tuple[Observation, str]] = attrs.field(factory=dict)
    read_versions: dict[str, int] = attrs.field(factory=dict)
    # What this unit read from the base store: one pipeline call sees one
    # answer per key, and asks the store once.
    _read_profiles: dict[str, Profile | None] = attrs.field(factory=dict, init=False)
    _read_links: dict[str, Link | None] = attrs.field(factory=dict, init=False)

    def profile(self, profile_id: str) -> Profile | None:
        """Return the buffered or stored profile, recording its version."""
        if profile_id in self._profiles:
            return self._profiles[profile_id]
        if profile_id in self._read_profiles:
            return self._read_profiles[profile_id]
        if profile_id not in self.read_versions:
            self.read_versions[profile_id] = self.base.profile_version(profile_id)
        profile = self._read_profiles[profile_id] = self.base.profile(profile_id)
        return profile

    def link(self, key: str) -> Link | None:
        """Return the buffered or stored link."""
        if key in self._links:
            return self._links[key]
        if key not in self._read_links:
            self._read_links[key] = self.base.link(key)
        return self._read_links[key]

    def merge(self, merge_id: str) -> MergeRecord | None:
        """Return the buffered or stored merge record."""
        return self._merges[merge_id] if merge_id in self._merges else self.base.merge(merge_id)

    def observation(self, observation_id: str) -> tuple[Observation, str] | None:
        """Return the buffered or stored observation."""
        if observation_id in self._observations:
            return self._observations[observation_id]
        return self.base.observation(observation_id)

    def observation_ids(
        self, profile_id: str, *, start: int = 0, limit: int | None = None
    ) -> list[str]:
        """Return the stored ids for ``profile_id`` as the buffer changes them.

        Buffered observations new to this profile (new to the store, or
        moved here by an unmerge) come after the stored ones.
        """
        if not self._observations:
            return self.base.observation_ids(profile_id, start=start, limit=limit)
        stored = self.base.observation_ids(profile_id)
        known = set(stored)
        # Stored ones keep their place unless the buffer moved them away.
        found = [
            o
            for o in stored
            if o not in self._observations or self._observations[o][1] == profile_id
        ]
        found += [
            oid
            for oid, (_, pid) in self._observations.items()
            if pid == profile_id and oid not in known
        ]
        return found[start:] if limit is None else found[start : start + limit]

    def next_id(self, kind: str) -> str:
        """Take a fresh id from the base store (ids may be skipped, never reused)."""
        return self.base.next_id(kind)

    def apply(self, changes: ChangeSet) -> None:
        """Buffer ``changes``; nothing reaches the base store until the commit."""
        for profile in changes.profiles:
            if profile.id not in self._profiles and profile.id not in self.read_versions:
                self.read_versions[profile.id] = self.base.profile_version(profile.id)
            self._profiles[profile.id] = profile
        self._links.update((link.key, link) for link in changes.links)
        self._merges.update((record.id, record) for record in changes.merges)
        self._observations.update((obs.id, (obs, pid)) for obs, pid in changes.observations)

    def staged(self) -> ChangeSet:
        """Return every buffered write as one ChangeSet."""
        return ChangeSet(
            profiles=tuple(self._profiles.values()),
            links=tuple(self._links.values()),
            merges=tuple(self._merges.values()),
            observations=tuple(self._observations.values()),
        )

    def links_read(self) -> dict[str, Link | None]:
        """The stored link of every key read or written, as first read.

        A written key never read is read now, so the commit can check that
        no other writer linked it since (``Changes.links_read``).
        """
        for key in self._links:
            if key not in self._read_links:
                self._read_links[key] = self.base.link(key)
        return dict(self._read_links)
