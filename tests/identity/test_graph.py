"""The incremental identity graph: resolve, precedence, protection, limits, merges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from omnicx.errors import NotFoundError
from omnicx.identity import (
    FieldRule,
    IdentityPolicy,
    MemoryIdentityStore,
    MergeRules,
    Observation,
    Outcome,
    Refusal,
    SharedReason,
    current_profile,
    email_identifier,
    external_identifier,
    handle_identifier,
    observation_ids_of,
    phone_identifier,
    resolve,
)
from omnicx.identity._names import MAX_NAMES_COMPARED
from omnicx.model import Identifier

T0 = datetime(2026, 1, 1, tzinfo=UTC)
ANA = email_identifier("ana@example.com", verified=True)
ANA_UNVERIFIED = email_identifier("ana@example.com")
BEN = email_identifier("ben@example.com", verified=True)
PHONE = phone_identifier("+14155550100")
IG = handle_identifier("instagram", "1784")
SHOP1 = external_identifier("shopify:customer", "1")
SHOP2 = external_identifier("shopify:customer", "2")


def obs(
    oid: str,
    *identifiers: Identifier,
    hour: int = 0,
    name: str | None = None,
    **attributes: Any,
) -> Observation:
    return Observation(
        id=oid,
        at=T0 + timedelta(hours=hour),
        identifiers=identifiers,
        name=name,
        attributes=attributes,
    )


def test_first_sighting_creates_a_profile() -> None:
    """An observation matching nothing creates a new profile holding its identifiers."""
    store = MemoryIdentityStore()
    result = resolve(store, obs("o1", ANA, name="Ana"))
    assert (result.customer_id, result.outcome) == ("p1", Outcome.NEW)
    profile = current_profile(store, "p1")
    assert profile.identifiers == (ANA,)
    assert profile.names == ("Ana",)


def test_same_identifier_matches() -> None:
    """A second sighting with the same identifier matches the same profile."""
    store = MemoryIdentityStore()
    resolve(store, obs("o1", PHONE))
    result = resolve(store, obs("o2", phone_identifier("(415) 555-0100", region="US"), hour=1))
    assert (result.customer_id, result.outcome) == ("p1", Outcome.MATCHED)


def test_email_links_by_match_key() -> None:
    """Gmail dots and tags fold: two spellings of one mailbox link."""
    store = MemoryIdentityStore()
    resolve(store, obs("o1", email_identifier("jane.doe@gmail.com")))
    result = resolve(store, obs("o2", email_identifier("JaneDoe+shop@googlemail.com")))
    assert result.outcome is Outcome.MATCHED


def test_a_name_alone_never_links() -> None:
    """Two observations with the same name and no shared identifier stay apart."""
    store = MemoryIdentityStore()
    resolve(store, obs("o1", ANA, name="Ana Lima"))
    result = resolve(store, obs("o2", BEN, name="Ana Lima"))
    assert (result.customer_id, result.outcome) == ("p2", Outcome.NEW)
    nameless = resolve(store, obs("o3", name="Ana Lima"))
    assert nameless.outcome is Outcome.NEW


def test_bridging_observation_merges_into_the_oldest() -> None:
    """An observation carrying identifiers of two profiles merges them; the oldest survives."""
    store = MemoryIdentityStore()
    resolve(store, obs("o1", PHONE, hour=1))
    resolve(store, obs("o2", ANA, hour=0))  # observed earlier: p2 is older
    result = resolve(store, obs("o3", ANA, PHONE, hour=2))
    assert result.outcome is Outcome.MERGED
    assert result.customer_id == "p2"
    (record,) = result.merges
    assert (record.survivor_id, record.absorbed_id) == ("p2", "p1")
    assert record.evidence == (PHONE,)
    assert record.observation_id == "o3"
    assert current_profile(store, "p1").id == "p2"
    assert store.profiles["p1"].merged_into == "p2"


def test_merge_field_rules() -> None:
    """Lists union (stored frozen, as tuples), configured counts sum, earliest created, latest seen, survivor wins scalars."""
    store = MemoryIdentityStore()
    rules = MergeRules(
        fields={"orders": FieldRule.SUM, "first": FieldRule.MIN, "last": FieldRule.MAX}
    )
    resolve(store, obs("o1", ANA, hour=0, tags=["a"], orders=2, tier="gold", first=3, last=3))
    resolve(
        store,
        obs(
            "o2", PHONE, hour=1, tags=["b", "a"], orders=5, tier="silver", first=1, last=9, extra=1
        ),
    )
    resolve(store, obs("o3", ANA, PHONE, hour=2), rules=rules)
    merged = current_profile(store, "p2")
    assert merged.id == "p1"
    assert dict(merged.attributes) == {
        "tags": ("a", "b"), "orders": 7, "tier": "gold", "first": 1, "last": 9, "extra": 1,
    }  # fmt: skip
    assert (merged.created_at, merged.last_seen_at) == (T0, T0 + timedelta(hours=2))
    assert observation_ids_of(store, merged) == ["o1", "o3", "o2"]  # its own, then p2's


def test_survivor_keeps_value_absent_on_survivor_taken() -> None:
    """Survivor-wins takes the absorbed value where the survivor's is None."""
    store = MemoryIdentityStore()
    resolve(store, obs("o1", ANA, hour=0, tier=None))
    resolve(store, obs("o2", PHONE, hour=1, tier="gold"))
    resolve(store, obs("o3", ANA, PHONE, hour=2))
    assert current_profile(store, "p1").attributes["tier"] == "gold"


def test_older_observation_does_not_overwrite_scalars() -> None:
    """A late-arriving older observation does not replace newer scalar values."""
    store = MemoryIdentityStore()
    resolve(store, obs("o1", ANA, hour=5, tier="gold"))
    resolve(store, obs("o2", ANA, hour=1, tier="silver", city="Porto"))
    profile = current_profile(store, "p1")
    assert dict(profile.attributes) == {"tier": "gold", "city": "Porto"}
    assert profile.created_at == T0 + timedelta(hours=1)


def test_precedence_picks_the_strongest_link_first() -> None:
    """The profile reached by the external id is linked first; weaker links are checked against it."""
    store = MemoryIdentityStore()
    resolve(store, obs("o1", SHOP1, BEN, hour=0))
    resolve(store, obs("o2", SHOP2, PHONE, hour=1))
    # Shopify 2 is the strongest evidence: p2 is linked, p1 (Shopify 1) is refused.
    result = resolve(store, obs("o3", SHOP2, BEN, hour=2))
    assert result.customer_id == "p2"
    assert result.outcome is Outcome.CONFLICT
    (conflict,) = result.conflicts
    assert conflict.profile_ids == ("p2", "p1")
    assert conflict.reason is Refusal.UNIQUE_KIND
    assert conflict.evidence == (BEN,)


def test_two_shopify_ids_never_merge() -> None:
    """Different values of a unique-per-customer kind refuse the link; a new profile is made."""
    store = MemoryIdentityStore()
    resolve(store, obs("o1", SHOP1, ANA))
    result = resolve(store, obs("o2", SHOP2, ANA, hour=1))
    assert result.outcome is Outcome.CONFLICT
    assert result.customer_id == "p2"
    assert result.conflicts[0].reason is Refusal.UNIQUE_KIND
    assert store.links["email:ana@example.com"].shared is SharedReason.CONTESTED
    assert result.newly_shared == ("email:ana@example.com",)
    # The contested email now links nowhere.
    assert resolve(store, obs("o3", ANA, hour=2)).customer_id == "p3"


def test_phone_refused_between_different_verified_emails() -> None:
    """A family phone does not join two people with different verified emails."""
    store = MemoryIdentityStore()
    resolve(store, obs("o1", ANA, PHONE))
    result = resolve(store, obs("o2", BEN, PHONE, hour=1))
    assert result.outcome is Outcome.CONFLICT
    assert result.conflicts[0].reason is Refusal.VERIFIED_EMAILS_DIFFER
    assert store.links["phone:+14155550100"].shared is SharedReason.CONTESTED


def test_phone_guard_is_configurable() -> None:
    """With the verified-email guard off, the phone links."""
    store = MemoryIdentityStore()
    policy = IdentityPolicy(verified_email_guards_weaker_links=False)
    resolve(store, obs("o1", ANA, PHONE), policy=policy)
    result = resolve(store, obs("o2", BEN, PHONE, hour=1), policy=policy)
    assert (result.outcome, result.customer_id) == (Outcome.MATCHED, "p1")


def test_unverified_email_does_not_trigger_the_phone_guard() -> None:
    """Only verified emails on both sides refuse a phone link."""
    store = MemoryIdentityStore()
    resolve(store, obs("o1", ANA, PHONE))
    result = resolve(store, obs("o2", email_identifier("ben@example.com"), PHONE, hour=1))
    assert result.outcome is Outcome.MATCHED


@pytest.mark.parametrize(
    ("identifier", "reason"),
    [
        (email_identifier("info@acme.com"), SharedReason.ROLE_MAILBOX),
        (email_identifier("test@test.com"), SharedReason.BLOCKED),
        (handle_identifier("x", "anonymous"), SharedReason.BLOCKED),
        (external_identifier("crm", "-1"), SharedReason.BLOCKED),
    ],
)
def test_blocked_and_role_values_never_link(identifier: Identifier, reason: SharedReason) -> None:
    """Blocked values and role mailboxes are kept on each profile, marked shared, never linking."""
    store = MemoryIdentityStore()
    first = resolve(store, obs("o1", identifier, ANA))
    assert first.newly_shared == (
        identifier.key if reason is not SharedReason.ROLE_MAILBOX else "email:info@acme.com",
    )
    result = resolve(store, obs("o2", identifier, BEN, hour=1))
    assert (result.customer_id, result.outcome) == ("p2", Outcome.NEW)
    link = next(iter(v for k, v in store.links.items() if k.endswith(identifier.value)))
    assert link.shared is reason
    assert link.profile_ids == ("p1", "p2")
    assert identifier in current_profile(store, "p2").identifiers


def test_too_many_names_marks_the_identifier_shared() -> None:
    """A phone seen with more distinct names than the limit stops linking (a family phone)."""
    store = MemoryIdentityStore()
    policy = IdentityPolicy(max_names_per_identifier=2, max_people_per_identifier=3)
    resolve(store, obs("o1", PHONE, name="Ana"), policy=policy)
    resolve(store, obs("o2", PHONE, name="ana", hour=1), policy=policy)
    assert (
        resolve(store, obs("o3", PHONE, name="Ben", hour=2), policy=policy).outcome
        is Outcome.MATCHED
    )
    result = resolve(store, obs("o4", PHONE, name="Carl", hour=3), policy=policy)
    assert result.outcome is Outcome.NEW
    assert result.newly_shared == ("phone:+14155550100",)
    assert store.links["phone:+14155550100"].shared is SharedReason.TOO_MANY_NAMES


def test_a_second_person_on_a_number_marks_it_shared() -> None:
    """By default spellings of one name keep linking; another person's name stops it."""
    store = MemoryIdentityStore()
    resolve(store, obs("o1", PHONE, name="Mitchell, Justin"))
    assert resolve(store, obs("o2", PHONE, name="Justin Mitchell", hour=1)).outcome is (
        Outcome.MATCHED
    )
    assert resolve(store, obs("o3", PHONE, name="🌸 J. Mitchell", hour=2)).outcome is (
        Outcome.MATCHED
    )
    result = resolve(store, obs("o4", PHONE, name="Sarah Mitchell", hour=3))
    assert result.outcome is Outcome.NEW
    assert store.links["phone:+14155550100"].shared is SharedReason.TOO_MANY_NAMES


def test_more_profiles_allowed_by_policy() -> None:
    """With max_profiles_per_identifier=2 a contested value stays unshared until a third holder."""
    store = MemoryIdentityStore()
    policy = IdentityPolicy(max_profiles_per_identifier=2)
    resolve(store, obs("o1", SHOP1, PHONE), policy=policy)
    resolve(store, obs("o2", SHOP2, PHONE, hour=1), policy=policy)
    assert store.links["phone:+14155550100"].shared is None
    resolve(
        store, obs("o3", external_identifier("shopify:customer", "3"), PHONE, hour=2), policy=policy
    )
    assert store.links["phone:+14155550100"].shared is SharedReason.CONTESTED
    result = resolve(store, obs("o4", PHONE, hour=3), policy=policy)
    assert result.outcome is Outcome.NEW


def test_repeat_observation_changes_nothing() -> None:
    """Resolving the same observation id twice returns the same customer and writes nothing."""
    store = MemoryIdentityStore()
    resolve(store, obs("o1", ANA))
    resolve(store, obs("o2", PHONE))
    resolve(store, obs("o3", ANA, PHONE))
    snapshot = (dict(store.profiles), dict(store.links), dict(store.merges))
    again = resolve(store, obs("o2", PHONE))
    assert (again.customer_id, again.outcome) == ("p1", Outcome.MATCHED)
    assert (dict(store.profiles), dict(store.links), dict(store.merges)) == snapshot


def test_three_way_merge_records_each_merge() -> None:
    """An observation reaching three profiles merges both others into the oldest."""
    store = MemoryIdentityStore()
    resolve(store, obs("o1", IG, hour=0))
    resolve(store, obs("o2", PHONE, hour=1))
    resolve(store, obs("o3", ANA_UNVERIFIED, hour=2))
    result = resolve(store, obs("o4", ANA_UNVERIFIED, PHONE, IG, hour=3))
    assert [(m.survivor_id, m.absorbed_id) for m in result.merges] == [("p1", "p2"), ("p1", "p3")]
    assert current_profile(store, "p1").merge_ids == ("m1", "m2")
    assert current_profile(store, "p3").id == "p1"


def test_unknown_profile_is_not_found() -> None:
    """Looking up an id the store never had raises NotFoundError."""
    with pytest.raises(NotFoundError) as info:
        current_profile(MemoryIdentityStore(), "p9")
    assert str(info.value) == "no profile with id 'p9'"


def test_profile_to_customer() -> None:
    """A profile converts to a model Customer with its first name."""
    store = MemoryIdentityStore()
    resolve(store, obs("o1", ANA, name="Ana"))
    customer = current_profile(store, "p1").to_customer()
    assert (customer.id, customer.name, customer.identifiers) == ("p1", "Ana", (ANA,))


def test_graph_values_round_trip_through_serde() -> None:
    """Profiles, links and merge records serialise with omnicx.serde, as a SQL store needs."""
    from omnicx import serde
    from omnicx.identity import merge

    store = MemoryIdentityStore()
    resolve(store, obs("o1", ANA, tags=["a"]))
    resolve(store, obs("o2", PHONE, hour=1))
    record = merge(store, "p1", "p2", at=T0)
    values = [
        store.profiles["p1"],
        store.profiles["p2"],
        store.links["email:ana@example.com"],
        record,
    ]
    for value in values:
        assert serde.from_dict(type(value), serde.to_dict(value)) == value


def test_conventional_attribute_names_pick_their_rule() -> None:
    """Unconfigured *_count sums, first_* keeps the earliest, last_* the latest."""
    store = MemoryIdentityStore()
    resolve(store, obs("o1", ANA, order_count=2, first_order="2025-03", last_order="2025-04"))
    resolve(
        store, obs("o2", PHONE, hour=1, order_count=3, first_order="2024-01", last_order="2026-01")
    )
    resolve(store, obs("o3", ANA, PHONE, hour=2))
    attributes = dict(current_profile(store, "p1").attributes)
    assert attributes == {"order_count": 5, "first_order": "2024-01", "last_order": "2026-01"}


def test_shared_by_names_keeps_counting_names_up_to_the_comparison_bound() -> None:
    """A value shared by its names keeps them (folded), so a later spelling can rejoin them.

    Past ``MAX_NAMES_COMPARED`` names it stays shared and collects no more:
    a switchboard's list stays short.
    """
    store = MemoryIdentityStore()
    policy = IdentityPolicy(max_names_per_identifier=1)
    resolve(store, obs("o1", PHONE, name="Ana"), policy=policy)
    resolve(store, obs("o2", PHONE, name="Ben", hour=1), policy=policy)
    resolve(store, obs("o3", PHONE, name="Carl", hour=2), policy=policy)
    link = store.links["phone:+14155550100"]
    assert (link.shared, link.names) == (SharedReason.TOO_MANY_NAMES, ("ana", "ben", "carl"))
    assert link.profile_ids == ("p1", "p2", "p3")
    for n in range(70):
        resolve(store, obs(f"x{n}", PHONE, name=f"Caller{n} Person{n}", hour=3 + n))
    assert len(store.links["phone:+14155550100"].names) == MAX_NAMES_COMPARED + 1


def test_a_name_that_shows_one_person_rejoins_the_profiles() -> None:
    """``Vicky`` and ``Tori`` are two people until ``Victoria`` shows they are one, as batch counts."""
    store = MemoryIdentityStore()
    first = resolve(store, obs("o1", PHONE, name="Vicky Moreau"))
    second = resolve(store, obs("o2", PHONE, name="Tori Moreau", hour=1))
    assert second.customer_id != first.customer_id
    assert store.links["phone:+14155550100"].shared is SharedReason.TOO_MANY_NAMES
    third = resolve(store, obs("o3", PHONE, name="Victoria Moreau", hour=2))
    assert third.outcome is Outcome.MERGED
    link = store.links["phone:+14155550100"]
    assert (link.shared, link.profile_ids) == (None, (first.customer_id,))


def test_lowering_the_profiles_limit_applies_to_existing_links() -> None:
    """A link held by two profiles under a looser policy stops linking under a stricter one."""
    store = MemoryIdentityStore()
    loose = IdentityPolicy(max_profiles_per_identifier=2)
    resolve(store, obs("o1", SHOP1, PHONE), policy=loose)
    resolve(store, obs("o2", SHOP2, PHONE, hour=1), policy=loose)
    result = resolve(store, obs("o3", PHONE, hour=2))
    assert (result.customer_id, result.outcome) == ("p3", Outcome.NEW)
    assert store.links["phone:+14155550100"].shared is SharedReason.TOO_MANY_PROFILES
