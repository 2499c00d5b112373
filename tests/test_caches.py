"""The cache registry and BoundedCache: bounded, least recently used out, erasure-aware."""

from __future__ import annotations

import copy
import pickle

import pytest

from omnicx import _caches
from omnicx.desk._demo import DEMO_CALENDAR, demo_sla
from omnicx.errors import ValidationError
from omnicx.identity import IdentityPolicy, email_identifier
from omnicx.identity._guards import intrinsic_shared_reason
from omnicx.sla import load_calendar


def test_the_oldest_written_go_first_a_quarter_at_a_time() -> None:
    """Past the bound the oldest quarter by insertion goes; rewriting a key evicts nothing."""
    cache: _caches.BoundedCache[str, int] = _caches.BoundedCache("t", 8, personal=False)
    for n in range(8):
        cache.put(f"k{n}", n)
    cache.put("k3", 33)
    assert len(cache) == 8
    cache.put("new", 9)
    assert [k for k, _ in cache.items()] == ["k2", "k3", "k4", "k5", "k6", "k7", "new"]
    assert (cache.get("k0"), cache.get("k3"), cache.pop("k2"), len(cache)) == (None, 33, 2, 6)
    small: _caches.BoundedCache[str, int] = _caches.BoundedCache("s", 1, personal=False)
    small.put("a", 1)
    small.put("b", 2)
    assert small.items() == [("b", 2)]


def test_clear_keeps_lookups_working() -> None:
    """clear() empties the same dict the fast lookup reads, so nothing stale is found."""
    cache: _caches.BoundedCache[str, int] = _caches.BoundedCache("c", 4, personal=True)
    cache.put("a", 1)
    cache.clear()
    assert cache.get("a") is None
    cache.put("a", 2)
    assert cache.get("a") == 2


def test_clear_personal_empties_only_personal_caches() -> None:
    """Erasure's call empties personal caches and leaves the others warm."""
    personal: _caches.BoundedCache[str, int] = _caches.BoundedCache("p", 4, personal=True)
    other: _caches.BoundedCache[str, int] = _caches.BoundedCache("o", 4, personal=False)
    personal.put("ada@example.org", 1)
    other.put("2026-03-02", 1)
    _caches.clear_personal()
    assert (len(personal), len(other)) == (0, 1)


def test_a_bound_below_one_is_refused() -> None:
    with pytest.raises(ValidationError, match="maxsize: must be at least 1, got 0"):
        _caches.BoundedCache("t", 0, personal=False)


@pytest.mark.parametrize(
    "make",
    [IdentityPolicy, lambda: load_calendar(DEMO_CALENDAR), demo_sla],
    ids=["identity_policy", "calendar", "sla"],
)
def test_owners_copy_and_pickle_with_empty_caches(make: object) -> None:
    """Policies, calendars and engines go to worker processes; their caches start empty."""
    value = make()  # type: ignore[operator]
    assert pickle.loads(pickle.dumps(value)) == value
    assert copy.deepcopy(value) == value


def test_policy_memo_remembers_none_as_an_answer() -> None:
    """An identifier with no shared reason is remembered as such, not asked again."""
    policy = IdentityPolicy()
    identifier = email_identifier("ada@example.org")
    assert intrinsic_shared_reason(identifier, policy) is None
    assert policy._reasons.items() == [((identifier.kind, identifier.value), (None,))]
