"""The identity store protocol and its in-memory implementation."""

from __future__ import annotations

from typing import Protocol

import attrs

from omnicx.identity._records import ChangeSet, Link, MergeRecord, Observation, Profile


class IdentityStore(Protocol):
    """Where the identity graph keeps its state; a host implements this.

    Six reads and one write, all synchronous. The graph computes every
    change of an operation first and hands it over in one ``apply`` call,
    so a store that applies a ChangeSet in one transaction never holds a
    half-resolved observation.

    Contract:

    - ``profile``/``link``/``merge``/``observation`` return the stored value
      (or None): exactly what the last ``apply`` wrote for that id or key.
    - ``apply`` inserts or replaces every value in the ChangeSet by its id
      (profiles, merges, observations) or key (links); all or nothing.
    - ``next_id`` returns an id never returned before for that ``kind``
      (any short string: the graph asks for ``"profile"`` and ``"merge"``,
      the desk for others too); ids may be skipped, never reused.
    - ``observation_ids`` lists the observations whose stored profile id is
      the one given, in the order they were first stored (writing one again,
      re-attributed, keeps its place), served from an index on the profile
      id: the cost follows what is returned. A profile keeps only their
      count (``Profile.observed``), so the list never rides on the profile.
    """

    def profile(self, profile_id: str) -> Profile | None:
        """Return the profile (live or tombstone) with this id, or None."""
        ...

    def link(self, key: str) -> Link | None:
        """Return the link for this match key, or None."""
        ...

    def merge(self, merge_id: str) -> MergeRecord | None:
        """Return the merge record with this id, or None."""
        ...

    def observation(self, observation_id: str) -> tuple[Observation, str] | None:
        """Return a recorded observation and the profile id it was attributed to."""
        ...

    def observation_ids(
        self, profile_id: str, *, start: int = 0, limit: int | None = None
    ) -> list[str]:
        """Return ids of the observations attributed to ``profile_id``, first stored first.

        Only those stored under this very id (not under profiles merged
        into it), from position ``start``, at most ``limit`` of them.
        """
        ...

    def next_id(self, kind: str) -> str:
        """Return a fresh id for a new ``"profile"`` or ``"merge"``."""
        ...

    def apply(self, changes: ChangeSet) -> None:
        """Write every value in ``changes`` at once."""
        ...


@attrs.define
class MemoryIdentityStore:
    """An IdentityStore in dicts: for tests, examples and single-process hosts.

    Ids are ``p1, p2, ...`` for profiles and ``m1, m2, ...`` for merges. Not
    thread-safe.
    """

    profiles: dict[str, Profile] = attrs.field(factory=dict)
    links: dict[str, Link] = attrs.field(factory=dict)
    merges: dict[str, MergeRecord] = attrs.field(factory=dict)
    observations: dict[str, tuple[Observation, str]] = attrs.field(factory=dict)
    _counters: dict[str, int] = attrs.field(factory=dict)

    def profile(self, profile_id: str) -> Profile | None:
        """Return the profile with this id, or None."""
        return self.profiles.get(profile_id)

    def link(self, key: str) -> Link | None:
        """Return the link for this match key, or None."""
        return self.links.get(key)

    def merge(self, merge_id: str) -> MergeRecord | None:
        """Return the merge record with this id, or None."""
        return self.merges.get(merge_id)

    def observation(self, observation_id: str) -> tuple[Observation, str] | None:
        """Return a recorded observation and its profile id, or None."""
        return self.observations.get(observation_id)

    def observation_ids(
        self, profile_id: str, *, start: int = 0, limit: int | None = None
    ) -> list[str]:
        """Return ids of the observations attributed to ``profile_id``, first stored first.

        A scan of every observation (a dict keeps first-insertion order).
        """
        found = [oid for oid, (_, pid) in self.observations.items() if pid == profile_id]
        return found[start:] if limit is None else found[start : start + limit]

    def next_id(self, kind: str) -> str:
        """Return ``p<n>`` for profiles, ``m<n>`` for merges (``<kind><n>`` otherwise)."""
        count = self._counters.get(kind, 0) + 1
        self._counters[kind] = count
        prefix = {"profile": "p", "merge": "m"}.get(kind, kind)
        return f"{prefix}{count}"

    def apply(self, changes: ChangeSet) -> None:
        """Write every value in ``changes``."""
        for profile in changes.profiles:
            self.profiles[profile.id] = profile
        for link in changes.links:
            self.links[link.key] = link
        for record in changes.merges:
            self.merges[record.id] = record
        for observation, profile_id in changes.observations:
            self.observations[observation.id] = (observation, profile_id)

    def live_profiles(self) -> list[Profile]:
        """Return every live profile, by id."""
        return sorted((p for p in self.profiles.values() if p.live), key=lambda p: p.id)
