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


def test_least_recently_used_goes_first() -> None:
    """A hit refreshes an entry; past the bound the oldest untouched one goes."""
    cache: _caches.BoundedCache[str, int] = _caches.BoundedCache("t", 2, personal=False)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1
    cache.put("c", 3)
    assert cache.items() == [("a", 1), ("c", 3)]
    assert (cache.get("b"), cache.pop("a"), len(cache)) == (None, 1, 1)


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
    "make", [IdentityPolicy, lambda: load_calendar(DEMO_CALENDAR), demo_sla], ids=str
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
