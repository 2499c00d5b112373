"""The live graph attributes an observation only where batch resolution would link it.

docs/identity.md ("What the live graph attributes"): the graph applies the
batch's guards to each observation as it arrives, and when a value becomes
shared later (a family phone turns out to be two people's, a link through
it is refused) it splits what that value alone had joined. So wherever the
batch links without a merge-protection refusal, the graph reaches the
batch's partition after any arrival order, and arrival order moves no
record. Splits are recorded like merges and undo exactly.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicx.errors import ConflictError, NotFoundError, ValidationError
from omnicx.identity import (
    Apart,
    ContactRecord,
    Link,
    MemoryIdentityStore,
    MergeKind,
    Observation,
    Outcome,
    SharedReason,
    current_profile,
    observation_ids_of,
    observation_of,
    resolve,
    resolve_batch,
    split,
    undo_split,
    unmerge,
)
from omnicx.model import Identifier

T0 = datetime(2026, 1, 1, tzinfo=UTC)
PHONES = ["+14155550100", "(415) 555-0100", "+14155550101", "+14155550102"]
EMAILS = ["ana@example.com", "ANA@example.com", "ben@gmail.com", "b.en@gmail.com", "cy@x.org"]
HANDLES = [("instagram", "17841400001"), ("x", "@Cy"), ("x", "cy")]
# Spellings of one person, and other people (a household, a switchboard).
NAMES = [
    "",
    "",
    "Ana Lima",
    "Lima, Ana",
    "ANA LIMA",
    "Ben Okafor",
    "Benjamin Okafor",
    "Chloe Martin",
    "Maria Becker",
    "Lucas Becker",
    # Two people until the third shows one: the names guard is not monotone.
    "Vicky Moreau",
    "Tori Moreau",
    "Victoria Moreau",
]


# A nameless record from a call is a caller ID: its phone alone links nothing.
SOURCES = ["", "sms", "phone_call"]


@st.composite
def contacts(draw: st.DrawFn, max_size: int = 10) -> list[ContactRecord]:
    """Records sharing phones, emails and handles from small pools, with names or none.

    One Shopify id at most, no verified email: merge protection has nothing
    to refuse, so every difference between the resolvers would be the guards'
    (the names guard, the caller-ID rule, blocked values).
    """
    records = []
    for i in range(draw(st.integers(min_value=0, max_value=max_size))):
        records.append(
            ContactRecord(
                record_id=f"r{i:02d}",
                name=draw(st.sampled_from(NAMES)),
                source=draw(st.sampled_from(SOURCES)),
                phones=draw(st.lists(st.sampled_from(PHONES), max_size=2)),
                emails=draw(st.lists(st.sampled_from(EMAILS), max_size=1)),
                handles=draw(st.lists(st.sampled_from(HANDLES), max_size=1)),
                external_ids=draw(st.lists(st.just(("shopify:customer", "1")), max_size=1)),
                region="US",
            )
        )
    return records


def _live(records: Sequence[ContactRecord]) -> tuple[MemoryIdentityStore, list[str]]:
    store = MemoryIdentityStore()
    outcomes = []
    for n, record in enumerate(records):
        found = resolve(store, observation_of(record, at=T0 + timedelta(minutes=n)))
        outcomes.append(found.outcome.value)
    return store, outcomes


def _graph_partition(store: MemoryIdentityStore, ids: Sequence[str]) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for oid in ids:
        seen = store.observation(oid)
        assert seen is not None
        groups.setdefault(current_profile(store, seen[1]).id, set()).add(oid)
    return {frozenset(g) for g in groups.values()}


def _batch_partition(records: Sequence[ContactRecord]) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for rid, cluster in resolve_batch(records).clusters.items():
        groups.setdefault(cluster, set()).add(rid)
    return {frozenset(g) for g in groups.values()}


@given(contacts(), st.randoms(use_true_random=False))
def test_graph_reaches_the_batch_partition_in_any_order(
    records: list[ContactRecord], rng: random.Random
) -> None:
    """Where nothing is refused, the graph after any arrival order is the batch's partition.

    Household phones, spellings of one name, nameless sightings and caller
    IDs included: both resolvers apply the same guards under one policy.
    """
    order = list(records)
    rng.shuffle(order)
    store, outcomes = _live(order)
    assert Outcome.CONFLICT.value not in outcomes
    assert _graph_partition(store, [r.record_id for r in records]) == _batch_partition(records)


@given(contacts(max_size=8), st.randoms(use_true_random=False))
def test_arrival_order_moves_no_record(records: list[ContactRecord], rng: random.Random) -> None:
    """Three shuffles of the same records give the in-order run's grouping."""
    ids = [r.record_id for r in records]
    first = _graph_partition(_live(records)[0], ids)
    for _ in range(3):
        order = list(records)
        rng.shuffle(order)
        assert _graph_partition(_live(order)[0], ids) == first


def _snapshot(store: MemoryIdentityStore) -> tuple[dict[str, object], ...]:
    return dict(store.profiles), dict(store.links), dict(store.observations)


@given(contacts(), st.data())
def test_split_then_undo_restores_the_exact_prior_state(
    records: list[ContactRecord], data: st.DataObject
) -> None:
    """Any split of any profile, undone, gives back every profile, link and attribution.

    The only trace left is the undone record and the new ids as tombstones
    of the restored profile (so they still resolve).
    """
    store, _ = _live(records)
    several = [p for p in store.live_profiles() if len(observation_ids_of(store, p)) > 1]
    if not several:
        return
    profile = data.draw(st.sampled_from(several))
    ids = observation_ids_of(store, profile)
    labels = data.draw(st.lists(st.integers(0, 2), min_size=len(ids), max_size=len(ids)))
    labels[0], labels[-1] = 0, 1  # at least two groups
    groups = [[oid for oid, g in zip(ids, labels, strict=True) if g == n] for n in range(3)]
    profiles, links, observations = _snapshot(store)
    record = split(store, profile.id, [g for g in groups if g], at=T0 + timedelta(days=1))
    assert record.kind is MergeKind.SPLIT
    assert _graph_partition(store, ids) == {frozenset(g) for g in groups if g}
    restored = undo_split(store, record.id, now=T0 + timedelta(days=2))
    assert restored == profile
    assert {k: v for k, v in store.profiles.items() if k in profiles} == profiles
    assert all(store.profiles[p].merged_into == profile.id for p in record.parts)
    assert (dict(store.links), dict(store.observations)) == (links, observations)
    assert store.merges[record.id].undone_at == T0 + timedelta(days=2)


HOUSEHOLD = "+14155550100"


def _obs(oid: str, *identifiers: Identifier, name: str | None = None, n: int = 0) -> Observation:
    return Observation(id=oid, at=T0 + timedelta(minutes=n), identifiers=identifiers, name=name)


def test_household_phone_keeps_two_people_apart_and_splits_what_it_joined() -> None:
    """A nameless SMS joined Maria by the family phone; Lucas's name on it splits it off.

    The batch over the three sightings keeps all three apart (the phone is
    two people's, and a nameless SMS says nothing of whose), and so does the
    graph, recording the split with the evidence and making it undoable.
    """
    phone = Identifier.phone(HOUSEHOLD)
    maria = Identifier.email("maria@example.com")
    lucas = Identifier.email("lucas@example.com")
    store = MemoryIdentityStore()
    first = resolve(store, _obs("maria", phone, maria, name="Maria Becker"))
    sms = resolve(store, _obs("sms", phone, n=1))
    assert sms.customer_id == first.customer_id  # all the graph knew so far: Maria's phone
    found = resolve(store, _obs("lucas", phone, lucas, name="Lucas Becker", n=2))
    assert found.outcome is Outcome.NEW
    assert found.newly_shared == ("phone:+14155550100",)
    (record,) = found.splits
    assert (record.survivor_id, record.observation_id) == (first.customer_id, "lucas")
    assert record.apart == (
        Apart(key="phone:+14155550100", reason=SharedReason.TOO_MANY_NAMES, observations=2),
    )
    assert record.evidence == (phone,)
    owners = {
        oid: current_profile(store, store.observations[oid][1]).id for oid in store.observations
    }
    assert len(set(owners.values())) == 3
    # Undo puts the SMS back with Maria, exactly as before Lucas wrote.
    undo_split(store, record.id, now=T0 + timedelta(days=1))
    assert current_profile(store, store.observations["sms"][1]).id == first.customer_id


def test_switchboard_callers_stay_apart() -> None:
    """Callers who give their names on one switchboard number are never one customer."""
    board = Identifier.phone("+14155550199")
    store = MemoryIdentityStore()
    callers = ["Ana Lima", "Ben Okafor", "Chloe Martin", None, "Dmitri Ivanov"]
    ids = [
        resolve(store, _obs(f"call{n}", board, name=name, n=n)).customer_id
        for n, name in enumerate(callers)
    ]
    owners = {current_profile(store, pid).id for pid in ids}
    assert len(owners) == len(callers)
    assert store.links["phone:+14155550199"].shared is SharedReason.TOO_MANY_NAMES


def test_spellings_of_one_name_on_one_phone_link() -> None:
    """``Mitchell, Justin`` and ``JUSTIN MITCHELL`` on one phone are one customer in both resolvers."""
    records = [
        ContactRecord(record_id="a", phones=[HOUSEHOLD], name="Mitchell, Justin"),
        ContactRecord(record_id="b", phones=[HOUSEHOLD], name="JUSTIN MITCHELL"),
        ContactRecord(record_id="c", phones=[HOUSEHOLD]),
    ]
    store, _ = _live(records)
    assert _graph_partition(store, ["a", "b", "c"]) == {frozenset("abc")}
    assert _batch_partition(records) == {frozenset("abc")}


def test_a_split_is_not_a_merge() -> None:
    """``unmerge`` refuses a split's id, ``undo_split`` a merge's, each naming the other."""
    phone = Identifier.phone(HOUSEHOLD)
    email = Identifier.email("ana@example.com")
    store = MemoryIdentityStore()
    resolve(store, _obs("a", phone))
    resolve(store, _obs("b", email, n=1))
    joined = resolve(store, _obs("c", phone, email, n=2))
    (merged,) = joined.merges
    record = split(store, "p1", [["a", "c"], ["b"]], at=T0)
    with pytest.raises(
        ConflictError, match=r"^'m2' is a split, not a merge; undo it with undo_split$"
    ):
        unmerge(store, record.id, now=T0)
    with pytest.raises(
        ConflictError, match=r"^'m1' is a merge, not a split; undo it with unmerge$"
    ):
        undo_split(store, merged.id, now=T0)
    with pytest.raises(
        ConflictError, match=r"^merge 'm1' is not the latest merge of 'p1'; undo 'm2' first$"
    ):
        unmerge(store, merged.id, now=T0)
    with pytest.raises(NotFoundError):
        undo_split(store, "nope", now=T0)
    undo_split(store, record.id, now=T0)
    with pytest.raises(ConflictError, match=r"^split 'm2' is already undone$"):
        undo_split(store, record.id, now=T0)
    unmerge(store, merged.id, now=T0)  # the merge below it can go now


def test_split_groups_must_cover_the_profile_exactly() -> None:
    """A split that leaves an observation out, or names one twice, is refused untouched."""
    phone = Identifier.phone(HOUSEHOLD)
    store = MemoryIdentityStore()
    resolve(store, _obs("a", phone))
    resolve(store, _obs("b", phone, n=1))
    before = _snapshot(store)
    for groups in ([["a", "b"]], [["a"], ["a", "b"]], [["a"], ["c"]]):
        with pytest.raises(ValidationError) as info:
            split(store, "p1", groups, at=T0)
        assert str(info.value) == (
            "groups: pass two groups or more that hold each observation of profile"
            " 'p1' exactly once"
        )
    assert _snapshot(store) == before


def test_caller_ids_alone_link_nothing_until_a_sighting_corroborates() -> None:
    """Nameless calls from one number stay apart; a text from it joins them all, as batch does.

    Caller ID is unverified and a switchboard presents one number for many
    callers, so the graph applies the batch's caller-ID rule: a number seen
    only on nameless calls links nothing, however many calls there are.
    """
    line = Identifier.phone("+14155550177")
    store = MemoryIdentityStore()
    calls = [
        resolve(store, Observation(id=f"call{n}", at=T0 + timedelta(minutes=n),
                                   identifiers=(line,), source="phone_call"))
        for n in range(3)
    ]  # fmt: skip
    assert len({c.customer_id for c in calls}) == 3
    link = store.links["phone:+14155550177"]
    assert (link.caller_ids_only, link.shared, len(link.profile_ids)) == (True, None, 3)
    text = resolve(store, _obs("sms", line, name="Ana Lima", n=5))
    assert text.outcome is Outcome.MERGED
    owners = {current_profile(store, c.customer_id).id for c in calls}
    assert owners == {text.customer_id}
    assert store.links["phone:+14155550177"].caller_ids_only is False
    records = [
        ContactRecord(record_id=f"call{n}", phones=["+14155550177"], source="phone_call")
        for n in range(3)
    ]
    assert _batch_partition(records) == {frozenset({f"call{n}"}) for n in range(3)}
    joined = [*records, ContactRecord(record_id="sms", phones=["+14155550177"], name="Ana Lima")]
    assert _batch_partition(joined) == {frozenset(r.record_id for r in joined)}


def test_splits_caller_ids_and_sources_round_trip_through_a_sqlite_store(tmp_path: Path) -> None:
    """What the graph now writes (a split record, a caller-ID link, a source) reads back equal."""
    from omnicx.storage import SqliteStore

    phone = Identifier.phone(HOUSEHOLD)
    with SqliteStore(str(tmp_path / "desk.db")) as store:
        maria = (phone, Identifier.email("maria@example.com"))
        resolve(store, _obs("maria", *maria, name="Maria Becker"))
        resolve(store, Observation(id="sms", at=T0, identifiers=(phone,), source="sms"))
        call = Observation(id="call", at=T0, identifiers=(Identifier.phone("+14155550111"),),
                           source="phone_call")  # fmt: skip
        resolve(store, call)
        lucas = (phone, Identifier.email("lucas@example.com"))
        (record,) = resolve(store, _obs("lucas", *lucas, name="Lucas Becker", n=3)).splits
        assert store.merge(record.id) == record
        assert store.link("phone:+14155550111") == Link(
            key="phone:+14155550111", profile_ids=("p2",), caller_ids_only=True
        )
        assert store.observation("call") == (call, "p2")
        undo_split(store, record.id, now=T0 + timedelta(days=1))
        assert current_profile(store, record.parts[0]).id == "p1"
