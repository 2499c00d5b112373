"""StagedIdentityStore: reads once per unit, buffers writes until the commit."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from omnicx.identity import ChangeSet, Link, Observation, Profile
from omnicx.storage import MemoryStore, StagedIdentityStore

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class _CountingStore(MemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self.reads: Counter[str] = Counter()

    def profile(self, profile_id: str) -> Profile | None:
        self.reads["profile"] += 1
        return super().profile(profile_id)

    def profile_version(self, profile_id: str) -> int:
        self.reads["version"] += 1
        return super().profile_version(profile_id)

    def link(self, key: str) -> Link | None:
        self.reads["link"] += 1
        return super().link(key)


def test_each_profile_and_link_is_read_from_the_store_once_per_unit() -> None:
    """Repeated reads in one unit give the first answer without asking the store again."""
    base = _CountingStore()
    profile = Profile(id="p1", created_at=T0, last_seen_at=T0)
    base.apply(ChangeSet(profiles=(profile,)))
    staged = StagedIdentityStore(base)
    for _ in range(3):
        assert staged.profile("p1") == profile
        assert staged.profile("p9") is None
        assert staged.link("email:a@example.com") is None
    assert base.reads == Counter(profile=2, version=2, link=1)
    assert set(staged.read_versions) == {"p1", "p9"}


def test_buffered_writes_win_over_earlier_reads() -> None:
    """A profile written in the unit is what later reads see; the store is untouched."""
    base = _CountingStore()
    staged = StagedIdentityStore(base)
    assert staged.profile("p1") is None
    written = Profile(id="p1", created_at=T0, last_seen_at=T0)
    staged.apply(ChangeSet(profiles=(written,)))
    assert staged.profile("p1") == written
    assert base.profile("p1") is None
    assert staged.staged().profiles == (written,)


def test_observation_ids_see_the_buffer() -> None:
    """Buffered observations count: moved ones leave a profile's list, new ones end it."""
    base = MemoryStore()
    seen = [Observation(id=f"o{n}", at=T0) for n in range(3)]
    base.apply(ChangeSet(observations=tuple((o, "p1") for o in seen)))
    staged = StagedIdentityStore(base)
    assert staged.observation_ids("p1", start=1) == ["o1", "o2"]
    staged.apply(ChangeSet(observations=((seen[1], "p2"), (Observation(id="o9", at=T0), "p1"))))
    assert staged.observation_ids("p1") == ["o0", "o2", "o9"]
    assert staged.observation_ids("p1", start=1, limit=1) == ["o2"]
    assert staged.observation_ids("p2") == ["o1"]
    assert base.observation_ids("p1") == ["o0", "o1", "o2"]
