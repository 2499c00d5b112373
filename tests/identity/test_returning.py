"""The returning-customer shortcut of ``resolve`` agrees with the general way."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omnicx.errors import ConflictError
from omnicx.identity import (
    ChangeSet,
    IdentityPolicy,
    Link,
    MemoryIdentityStore,
    Observation,
    Outcome,
    Profile,
    Resolution,
    SharedReason,
    email_identifier,
    match_key,
    merge,
    resolve,
    unmerge,
)
from omnicx.identity._fold import fold_held, fold_observation
from omnicx.identity._graph import resolve_general
from omnicx.identity._guards import _MEMO_LIMIT, intrinsic_shared_reason
from omnicx.identity._returning import returning_profile
from omnicx.model import Identifier, IdentifierKind

T0 = datetime(2026, 1, 1, tzinfo=UTC)
ANA = Identifier.email("ana@example.com", verified=True)
ANA_UNVERIFIED = Identifier.email("ana@example.com")
PHONE = Identifier.phone("+14155550100")
IG = Identifier.handle("instagram", "1")
INFO = Identifier.email("info@acme.com")
POOL = [
    Identifier.external("shopify:customer", "1"),
    Identifier.external("shopify:customer", "2"),
    ANA,
    ANA_UNVERIFIED,
    Identifier.email("ben@example.com", verified=True),
    Identifier.email("a.na@gmail.com"),
    Identifier.email("ana+x@gmail.com", verified=True),
    INFO,
    Identifier.email("test@test.com"),
    PHONE,
    Identifier.phone("+14155550101"),
    Identifier.phone("+10000000"),
    IG,
    Identifier.handle("instagram", "2"),
    Identifier.handle("x", "null"),
]
NAMES = [None, "", "Ana", "ana ", "Ben", "Carl"]
POLICIES = [
    IdentityPolicy(),
    IdentityPolicy(max_names_per_identifier=1, max_profiles_per_identifier=2),
    IdentityPolicy(
        unique_kinds=frozenset({"external", "handle:instagram"}),
        verified_email_guards_weaker_links=False,
    ),
    # Placeholders and shared inboxes link under this one, and stop linking
    # when the next observation comes under another policy.
    IdentityPolicy(blocked_values=(), role_mailboxes=frozenset()),
]

policies = st.sampled_from(POLICIES)
index = st.integers(min_value=0, max_value=99)
hours = st.integers(min_value=0, max_value=60)
# Identifiers are picked by index from a few drawn per example, so that
# sequences meet the same identifiers again and again.
observe = st.tuples(
    st.just("observe"), st.lists(index, max_size=3), st.sampled_from(NAMES), hours, policies
)
# A fresh observation with the identifiers and name of an earlier one (the
# returning customer the shortcut is for), as is or with one identifier more,
# or with one of them verified differently or spelt as another address of
# the same mailbox.
tweaks = st.one_of(
    st.none(),
    st.tuples(st.just("add"), index),
    st.tuples(st.just("flip"), index),
    st.tuples(st.just("respell"), index),
)
again = st.tuples(st.just("again"), index, tweaks, hours, policies)
merge_two = st.tuples(st.just("merge"), index, index)
undo = st.tuples(st.just("unmerge"))
operations = st.lists(st.one_of(observe, again, again, merge_two, undo), min_size=4, max_size=30)


@attrs.define
class RecordingStore(MemoryIdentityStore):
    """A memory store that keeps every ChangeSet it applied."""

    applied: list[ChangeSet] = attrs.field(factory=list)
    reads: list[str] = attrs.field(factory=list)

    def profile(self, profile_id: str) -> Profile | None:
        self.reads.append(f"profile {profile_id}")
        return super().profile(profile_id)

    def link(self, key: str) -> Link | None:
        self.reads.append(f"link {key}")
        return super().link(key)

    def apply(self, changes: ChangeSet) -> None:
        self.applied.append(changes)
        super().apply(changes)


def _observation(
    oid: str, *identifiers: Identifier, hour: int = 0, name: str | None = None
) -> Observation:
    return Observation(
        id=oid,
        at=T0 + timedelta(hours=hour),
        identifiers=identifiers,
        name=name,
        attributes={"n": hour, "tags": [hour % 3]},
    )


def _state(store: MemoryIdentityStore) -> tuple[object, ...]:
    return (store.profiles, store.links, store.merges, store.observations, store._counters)


# Each example is cheap and the states that tell the two ways apart are rare.
@settings(max_examples=500)
@given(st.lists(st.sampled_from(POOL), min_size=1, max_size=6, unique=True), operations)
def test_shortcut_and_general_way_agree_on_any_sequence(
    pool: list[Identifier], ops: list[tuple[object, ...]]
) -> None:
    """Over any sequence of observations, merges and unmerges, both ways give equal results and stores."""
    fast, full = MemoryIdentityStore(), MemoryIdentityStore()
    seen: list[Observation] = []
    for number, op in enumerate(ops):
        if op[0] == "observe":
            _, picks, name, hour, policy = op
            identifiers = [pool[i % len(pool)] for i in picks]
        elif op[0] == "again" and seen:
            _, pick, tweak, hour, policy = op
            earlier = seen[pick % len(seen)]
            identifiers, name = _tweaked(list(earlier.identifiers), tweak, pool), earlier.name
        elif op[0] == "merge":
            live = [p.id for p in full.live_profiles()]
            if len(live) > 1:
                first, second = live[op[1] % len(live)], live[op[2] % len(live)]
                assert _merge(fast, first, second) == _merge(full, first, second)
            continue
        elif op[0] == "unmerge":
            pending = [m for m, r in full.merges.items() if r.undone_at is None]
            pending.sort(key=lambda m: int(m[1:]))
            if pending:
                assert _unmerge(fast, pending[-1]) == _unmerge(full, pending[-1])
            continue
        else:
            continue
        observation = _observation(f"o{number}", *identifiers, hour=hour, name=name)
        seen.append(observation)
        got = resolve(fast, observation, policy=policy)
        assert got == resolve_general(full, observation, policy=policy)
        assert _state(fast) == _state(full)
    assert _state(fast) == _state(full)


def _tweaked(
    identifiers: list[Identifier], tweak: tuple[str, int] | None, pool: list[Identifier]
) -> list[Identifier]:
    if tweak is None:
        return identifiers
    how, at = tweak
    if how == "add":
        return [*identifiers, pool[at % len(pool)]]
    if not identifiers:
        return identifiers
    old = identifiers[at % len(identifiers)]
    if how == "flip":
        new = attrs.evolve(old, verified=not old.verified)
    elif old.kind is IdentifierKind.EMAIL:
        local = old.value.partition("@")[0]
        new = attrs.evolve(old, value=f"{local[:1]}.{local[1:]}+x@gmail.com")
    else:
        return identifiers
    return [new if i == old else i for i in identifiers]


def _merge(store: MemoryIdentityStore, first: str, second: str) -> object:
    try:
        return merge(store, first, second, at=T0)
    except ConflictError as refused:
        return str(refused)


def _unmerge(store: MemoryIdentityStore, merge_id: str) -> object:
    try:
        return unmerge(store, merge_id, now=T0)
    except ConflictError as refused:
        return str(refused)


def test_returning_customer_writes_only_the_profile_and_the_observation() -> None:
    """A customer writing again from linked identifiers is MATCHED, read once, and no link is rewritten."""
    store = RecordingStore()
    resolve(store, _observation("o1", ANA, PHONE, name="Ana"))
    profile = returning_profile(store, _observation("o2", PHONE, name="Ana"), IdentityPolicy())
    assert profile is not None
    assert profile.id == "p1"
    store.reads.clear()
    result = resolve(store, _observation("o2", PHONE, ANA, name="Ana", hour=2))
    assert result == Resolution(customer_id="p1", outcome=Outcome.MATCHED)
    assert store.reads == [f"link {match_key(PHONE)}", "profile p1", f"link {match_key(ANA)}"]
    changes = store.applied[-1]
    assert changes.links == ()
    assert [p.id for p in changes.profiles] == ["p1"]
    assert store.observation_ids("p1") == ["o1", "o2"]
    assert store.profiles["p1"].observed == 2


def _two_profiles() -> MemoryIdentityStore:
    store = MemoryIdentityStore()
    resolve(store, _observation("o1", ANA, PHONE, INFO, name="Ana"))
    resolve(store, _observation("o2", IG, name="Ana"))
    return store


def _tombstoned() -> MemoryIdentityStore:
    store = _two_profiles()
    store.profiles["p2"] = attrs.evolve(store.profiles["p2"], merged_into="p1")
    return store


def _lowered(store: MemoryIdentityStore) -> MemoryIdentityStore:
    store.links[match_key(PHONE)] = attrs.evolve(
        store.links[match_key(PHONE)], names=("Ana", "Bea")
    )
    return store


SHORTCUT_DECLINED = {
    "no identifiers": (_two_profiles, (), None, IdentityPolicy()),
    "an identifier never seen": (_two_profiles, (Identifier.phone("+14155550199"),), None, None),
    "a shared link": (_two_profiles, (INFO,), None, None),
    "two profiles reached": (_two_profiles, (PHONE, IG), None, None),
    "a new name": (_two_profiles, (PHONE,), "Bea", None),
    "a link to a tombstone": (_tombstoned, (IG,), None, None),
    "a link held by two": (
        lambda: _held_by(("p1", "p2")),
        (PHONE,),
        None,
        IdentityPolicy(max_profiles_per_identifier=2),
    ),
    "blocked under this policy": (
        _two_profiles,
        (PHONE,),
        None,
        IdentityPolicy(blocked_values=(r"\+14155550100",)),
    ),
    "too many names under this policy": (
        lambda: _lowered(_two_profiles()),
        (PHONE,),
        None,
        IdentityPolicy(max_names_per_identifier=1),
    ),
    "an email variant the profile lacks": (
        lambda: _gmail_store(),
        (Identifier.email("a.na@gmail.com"),),
        None,
        None,
    ),
    "more verified than the profile": (
        lambda: _unverified_store(),
        (ANA,),
        None,
        None,
    ),
}


def _held_by(ids: tuple[str, ...]) -> MemoryIdentityStore:
    store = _two_profiles()
    store.links[match_key(PHONE)] = attrs.evolve(store.links[match_key(PHONE)], profile_ids=ids)
    return store


def _gmail_store() -> MemoryIdentityStore:
    store = MemoryIdentityStore()
    resolve(store, _observation("o1", Identifier.email("ana@gmail.com")))
    return store


def _unverified_store() -> MemoryIdentityStore:
    store = MemoryIdentityStore()
    resolve(store, _observation("o1", ANA_UNVERIFIED))
    return store


@pytest.mark.parametrize("case", sorted(SHORTCUT_DECLINED))
def test_shortcut_declines_what_might_change_a_link(case: str) -> None:
    """Each condition the shortcut cannot vouch for sends the observation the general way, with equal results."""
    make, identifiers, name, policy = SHORTCUT_DECLINED[case]
    policy = policy or IdentityPolicy()
    store = make()
    observation = _observation("o9", *identifiers, name=name, hour=5)
    assert returning_profile(store, observation, policy) is None
    twin = copy.deepcopy(store)
    got = resolve(store, observation, policy=policy)
    assert got == resolve_general(twin, observation, policy=policy)
    assert _state(store) == _state(twin)


def test_profile_identifiers_out_of_order_are_put_in_order_as_the_general_way_does() -> None:
    """A stored profile whose identifiers are not sorted by key still folds exactly like the general way."""
    store = MemoryIdentityStore()
    profile = Profile(id="p1", created_at=T0, last_seen_at=T0, identifiers=(PHONE, ANA, ANA))
    store.apply(
        ChangeSet(
            profiles=(profile,),
            links=tuple(Link(key=match_key(i), profile_ids=("p1",)) for i in (PHONE, ANA)),
        )
    )
    twin = copy.deepcopy(store)
    observation = _observation("o1", ANA_UNVERIFIED, hour=1)
    assert returning_profile(store, observation, IdentityPolicy()) is not None
    assert resolve(store, observation) == resolve_general(twin, observation)
    assert _state(store) == _state(twin)
    assert store.profiles["p1"].identifiers == (ANA, PHONE)


def test_fold_held_keeps_every_profile_field() -> None:
    """Folding into a merged, attributed profile keeps its merges, tombstone link and addresses."""
    profile = Profile(
        id="p1",
        created_at=T0,
        last_seen_at=T0 + timedelta(hours=3),
        identifiers=(ANA, PHONE),
        names=("Ana",),
        addresses=("1 Main St",),
        attributes={"tags": ["a"], "plan": "gold"},
        observed=1,
        merge_ids=("m1",),
        merged_into="p0",
    )
    observation = Observation(
        id="o2",
        at=T0 + timedelta(hours=1),
        identifiers=(PHONE,),
        name="Ana B",
        address="1 Main St",
        attributes={"tags": ["b"], "plan": "silver"},
    )
    folded = fold_held(profile, observation)
    assert folded == fold_observation(profile, observation)
    assert folded == attrs.evolve(
        profile,
        names=("Ana", "Ana B"),
        attributes={"tags": ["a", "b"], "plan": "gold"},
        observed=2,
    )


def test_unchanged_links_are_not_rewritten_on_the_general_way() -> None:
    """Merging two profiles writes the links it re-points, not the ones it leaves as they were."""
    store = RecordingStore()
    resolve(store, _observation("o1", ANA, PHONE))
    resolve(store, _observation("o2", IG))
    resolve(store, _observation("o3", PHONE, IG))
    assert [link.key for link in store.applied[-1].links] == [match_key(IG)]
    assert store.links[match_key(IG)].profile_ids == ("p1",)


def test_shared_reason_memo_stays_bounded_and_right() -> None:
    """Past its limit the per-policy memo starts over, and answers stay those of the rules."""
    policy = IdentityPolicy()
    for n in range(_MEMO_LIMIT + 10):
        assert intrinsic_shared_reason(email_identifier(f"u{n}@example.com"), policy) is None
    assert len(policy._reasons) <= _MEMO_LIMIT
    assert intrinsic_shared_reason(Identifier.email("info@acme.com"), policy) is (
        SharedReason.ROLE_MAILBOX
    )
    assert intrinsic_shared_reason(Identifier.phone("+10000000"), policy) is SharedReason.BLOCKED
    assert policy == IdentityPolicy()  # the memo is no part of the policy's value
