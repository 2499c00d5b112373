"""Batch resolution: each guard by example, and the order-independence promise."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicx.errors import ValidationError
from omnicx.identity import (
    BatchPolicy,
    BatchResult,
    ContactRecord,
    IdentityPolicy,
    Refusal,
    SharedReason,
    SharedValue,
    resolve_batch,
)


def _r(rid: str, **fields: object) -> ContactRecord:
    return ContactRecord(record_id=rid, **fields)  # type: ignore[arg-type]


def _groups(result: BatchResult) -> set[frozenset[str]]:
    found: dict[str, set[str]] = {}
    for rid, cluster in result.clusters.items():
        found.setdefault(cluster, set()).add(rid)
    return {frozenset(g) for g in found.values()}


def test_raw_forms_of_one_email_and_phone_link() -> None:
    """Case, Gmail dots, +tags and mailto: are one mailbox; national and E.164 one line."""
    records = [
        _r("a", emails=["J.Doe+shop@GoogleMail.com"]),
        _r("b", emails=["mailto:jdoe@gmail.com"], phones=["07911 123456"], region="GB"),
        _r("c", phones=["whatsapp:+447911123456"]),
        _r("d", phones=["+44 7911 123457"]),
    ]
    result = resolve_batch(records)
    assert _groups(result) == {frozenset("abc"), frozenset("d")}
    assert result.clusters["c"] == "a"  # the smallest record id names the cluster


def test_handles_and_external_ids_link() -> None:
    """An X handle is case-insensitive without '@'; external ids link within a system."""
    records = [
        _r("1", handles=[("x", "@JDoe")]),
        _r("2", handles=[("twitter", "jdoe")]),
        _r("3", external_ids=[("shopify:customer", "gid://shopify/Customer/7")]),
        _r("4", external_ids=[("shopify:customer", "7")]),
        _r("5", external_ids=[("stripe", "7")]),
    ]
    assert _groups(resolve_batch(records)) == {
        frozenset("12"),
        frozenset("34"),
        frozenset("5"),
    }


def test_a_name_alone_never_links() -> None:
    """Two records with the same name and nothing else stay apart."""
    records = [_r("a", name="Ana Lima"), _r("b", name="Ana Lima")]
    assert resolve_batch(records).cluster_count == 2


def test_blocked_values_link_nothing_and_are_reported() -> None:
    """Placeholders such as test@test.com and 0000000 never link (Segment's list)."""
    records = [
        _r("a", emails=["test@test.com"]),
        _r("b", emails=["TEST@test.com"]),
        _r("c", external_ids=[("crm", "null")]),
        _r("d", external_ids=[("crm", "NULL")]),
    ]
    result = resolve_batch(records)
    assert result.cluster_count == 4
    assert result.shared == (
        SharedValue(key="email:test@test.com", reason=SharedReason.BLOCKED, records=2),
    )  # each crm value is carried by one record only: nothing to report


def test_invalid_values_are_counted_and_link_nothing() -> None:
    """A value that does not normalise links nothing; the result counts each occurrence."""
    records = [_r("a", phones=["12"], emails=["no-at-sign"]), _r("b", phones=["12"])]
    result = resolve_batch(records)
    assert result.cluster_count == 2
    assert result.invalid_values == 3


def test_role_mailbox_links_nothing() -> None:
    """info@ and support@ are shared inboxes: many people write from them."""
    records = [_r("a", emails=["info@acme.com"]), _r("b", emails=["Info@ACME.com"])]
    result = resolve_batch(records)
    assert result.cluster_count == 2
    assert result.shared == (
        SharedValue(key="email:info@acme.com", reason=SharedReason.ROLE_MAILBOX, records=2),
    )


def test_value_seen_with_too_many_names_is_shared() -> None:
    """A switchboard seen with four different people's names links none of them."""
    names = ["Ana Lima", "Ben Okafor", "Chloe Martin", "Dmitri Ivanov"]
    records = [_r(f"r{i}", phones=["+14155550100"], name=n) for i, n in enumerate(names)]
    result = resolve_batch(records)
    assert result.cluster_count == 4
    assert result.shared == (
        SharedValue(key="phone:+14155550100", reason=SharedReason.TOO_MANY_NAMES, records=4),
    )


def test_spelling_variants_count_as_one_name() -> None:
    """Typos and case of one name do not make a personal phone look shared."""
    names = ["Jonathan Smith", "Jonathan Smtih", "JONATHAN SMITH", "Jonathn Smith", "Jonatan Smith"]
    records = [_r(f"r{i}", phones=["+14155550100"], name=n) for i, n in enumerate(names)]
    assert resolve_batch(records).cluster_count == 1


def test_family_line_with_two_peoples_names_is_shared() -> None:
    """Two given names of one family on one line are two people: the line links no one."""
    records = [
        _r("a", phones=["+14155550100"], name="Maria Becker"),
        _r("b", phones=["+14155550100"], name="Lucas Becker"),
        _r("c", phones=["+14155550100"]),
    ]
    result = resolve_batch(records)
    assert result.cluster_count == 3
    assert result.shared == (
        SharedValue(key="phone:+14155550100", reason=SharedReason.TOO_MANY_NAMES, records=3),
    )


def test_nicknames_typos_and_initials_are_one_person() -> None:
    """Robert, Bob, a typo, an initial and upper case are one person's names."""
    names = ["Robert Smith", "Bob Smith", "ROBERT SMTIH", "R Smith", "Bobby Smith"]
    records = [_r(f"r{i}", phones=["+14155550100"], name=n) for i, n in enumerate(names)]
    assert resolve_batch(records).cluster_count == 1


def test_max_people_per_value_is_configurable() -> None:
    """Allowing two people per value lets a couple's line link; zero is refused."""
    records = [
        _r("a", phones=["+14155550100"], name="Maria Becker"),
        _r("b", phones=["+14155550100"], name="Lucas Becker"),
    ]
    assert resolve_batch(records, policy=BatchPolicy(max_people_per_value=2)).cluster_count == 1
    with pytest.raises(ValidationError) as info:
        BatchPolicy(max_people_per_value=0)
    assert str(info.value) == "max_people_per_value: must be at least 1, got 0"


def test_number_seen_only_as_nameless_caller_id_links_nothing() -> None:
    """A switchboard's main number on calls links no one; a text from it corroborates it."""
    calls = [_r(f"c{i}", source="phone_call", phones=["+14155550100"]) for i in range(3)]
    result = resolve_batch(calls)
    assert result.cluster_count == 3
    assert result.shared == (
        SharedValue(key="phone:+14155550100", reason=SharedReason.CALLER_ID_ONLY, records=3),
    )
    texted = [*calls, _r("s", source="sms", phones=["+14155550100"])]
    assert resolve_batch(texted).cluster_count == 1
    named = [*calls, _r("n", source="phone_call", phones=["+14155550100"], name="Ana Lima")]
    assert resolve_batch(named).cluster_count == 1
    anyone = BatchPolicy(caller_id_sources=frozenset())
    assert resolve_batch(calls, policy=anyone).cluster_count == 1


def test_two_shopify_ids_never_merge() -> None:
    """An email shared by two Shopify customers is contested: merge protection refuses it."""
    records = [
        _r("a", external_ids=[("shopify:customer", "1")], emails=["ana@example.com"]),
        _r("b", external_ids=[("shopify:customer", "2")], emails=["ana@example.com"]),
        _r("c", emails=["ana@example.com"]),
    ]
    result = resolve_batch(records)
    assert _groups(result) == {frozenset("a"), frozenset("b"), frozenset("c")}
    assert result.shared == (
        SharedValue(
            key="email:ana@example.com",
            reason=SharedReason.CONTESTED,
            refusal=Refusal.UNIQUE_KIND,
            records=3,
        ),
    )


def test_phone_does_not_join_people_with_different_verified_emails() -> None:
    """A family phone between two verified, different emails is refused (Chatwoot's rule)."""
    records = [
        _r("a", emails=["ana@example.com"], emails_verified=True, phones=["+14155550100"]),
        _r("b", emails=["ben@example.com"], emails_verified=True, phones=["+14155550100"]),
    ]
    result = resolve_batch(records)
    assert result.cluster_count == 2
    assert result.shared[0].refusal is Refusal.VERIFIED_EMAILS_DIFFER


def test_the_verified_email_guard_can_be_turned_off() -> None:
    """With the guard off in the IdentityPolicy, the same phone links both records."""
    records = [
        _r("a", emails=["ana@example.com"], emails_verified=True, phones=["+14155550100"]),
        _r("b", emails=["ben@example.com"], emails_verified=True, phones=["+14155550100"]),
    ]
    policy = BatchPolicy(identity=IdentityPolicy(verified_email_guards_weaker_links=False))
    assert resolve_batch(records, policy=policy).cluster_count == 1


def test_guards_are_decided_over_all_evidence_not_arrival_order() -> None:
    """Record by record, whichever Shopify id came first would win the email; here neither does,
    and the higher-precedence link (the verified email) is made before the phone."""
    records = [
        _r("a", external_ids=[("shopify:customer", "1")], phones=["+14155550100"]),
        _r("b", phones=["+14155550100"], emails=["ana@example.com"], emails_verified=True),
        _r("c", external_ids=[("shopify:customer", "2")], emails=["ana@example.com"]),
    ]
    expected = {frozenset("a"), frozenset("bc")}
    for order in (records, records[::-1], [records[1], records[0], records[2]]):
        assert _groups(resolve_batch(order)) == expected


def test_default_region_reads_national_numbers() -> None:
    """A national number takes the record's region, else the policy's default region."""
    records = [_r("a", phones=["(415) 555-0100"]), _r("b", phones=["+1 415 555 0100"])]
    assert resolve_batch(records).cluster_count == 2  # no region: "(415) ..." is invalid
    policy = BatchPolicy(default_region="US")
    assert resolve_batch(records, policy=policy).cluster_count == 1


def test_fuzzy_pass_links_same_name_and_address() -> None:
    """With fuzzy on, one name plus one address links two records; off, it does not."""
    records = [
        _r("a", name="Ana Lima", address="1 High Street", emails=["ana@a.example"]),
        _r("b", name="ana lima", address="1 high street", phones=["+14155550100"]),
        _r("c", name="Ana Lima", address="9 Other Road"),
    ]
    assert resolve_batch(records).cluster_count == 3
    fuzzy = resolve_batch(records, policy=BatchPolicy(fuzzy=True))
    assert _groups(fuzzy) == {frozenset("ab"), frozenset("c")}


def test_fuzzy_pass_links_same_name_and_mailbox_name() -> None:
    """Same name and same email local part on another domain: a work and a home address."""
    records = [
        _r("a", name="Ana Lima", emails=["ana.lima@home.example"]),
        _r("b", name="Ana Lima", emails=["ana.lima@work.example"]),
    ]
    assert resolve_batch(records, policy=BatchPolicy(fuzzy=True)).cluster_count == 1


def test_fuzzy_pass_respects_merge_protection() -> None:
    """Two Shopify customers with one name and address stay apart."""
    records = [
        _r("a", name="Ana Lima", address="1 High St", external_ids=[("shopify:customer", "1")]),
        _r("b", name="Ana Lima", address="1 High St", external_ids=[("shopify:customer", "2")]),
    ]
    assert resolve_batch(records, policy=BatchPolicy(fuzzy=True)).cluster_count == 2


def test_progress_is_reported() -> None:
    """The callback sees every 10,000th record and the final count."""
    seen: list[int] = []
    records = (_r(f"r{i:05d}", phones=["+14155550100"]) for i in range(20_001))
    result = resolve_batch(records, progress=seen.append)
    assert seen == [10_000, 20_000, 20_001]
    assert result.cluster_count == 1


def test_repeated_record_id_is_refused() -> None:
    """Record ids are unique; a repeat is an error naming both positions."""
    with pytest.raises(ValidationError) as caught:
        resolve_batch([_r("a"), _r("b"), _r("a")])
    assert str(caught.value) == (
        "records[2].record_id: repeats the id of records[0] (record ids are unique)"
    )


def test_empty_record_id_is_refused() -> None:
    """A record needs an id to be reported against."""
    with pytest.raises(ValidationError) as caught:
        ContactRecord(record_id="")
    assert str(caught.value) == "record_id: a record needs a non-empty id"


_EMAILS = ["ana@example.com", "A.NA@example.com", "info@example.com", "ben@gmail.com", "null"]
_PHONES = ["+14155550100", "+14155550101", "(415) 555-0102", "0000000"]
_NAMES = ["", "Ana Lima", "Ben Okafor", "Chloe Martin", "Dmitri Ivanov", "Eve Adams"]
_NAMES += ["Robert Lima", "Bob Lima", "R Lima", "ROBERT LIAM"]  # one person's names


@st.composite
def _records(draw: st.DrawFn) -> list[ContactRecord]:
    count = draw(st.integers(min_value=0, max_value=14))
    return [
        ContactRecord(
            record_id=f"r{i:02d}",
            emails=tuple(draw(st.lists(st.sampled_from(_EMAILS), max_size=2))),
            emails_verified=draw(st.booleans()),
            phones=tuple(draw(st.lists(st.sampled_from(_PHONES), max_size=2))),
            external_ids=tuple(
                ("shopify:customer", v)
                for v in draw(st.lists(st.sampled_from(["1", "2"]), max_size=1))
            ),
            name=draw(st.sampled_from(_NAMES)),
            region="US",
            source=draw(st.sampled_from(["", "sms", "phone_call"])),
        )
        for i in range(count)
    ]


@given(_records(), st.randoms(use_true_random=False), st.booleans())
def test_any_order_gives_the_same_partition(
    records: list[ContactRecord], rng: random.Random, fuzzy: bool
) -> None:
    """Shuffling the records never changes the partition nor the shared values."""
    policy = BatchPolicy(identity=IdentityPolicy(max_names_per_identifier=2), fuzzy=fuzzy)
    shuffled = list(records)
    rng.shuffle(shuffled)
    first = resolve_batch(records, policy=policy)
    again = resolve_batch(shuffled, policy=policy)
    assert first.clusters == again.clusters
    assert first.shared == again.shared


@given(_records())
def test_resolving_a_batch_twice_changes_nothing(records: list[ContactRecord]) -> None:
    """The same records give the same answer each time (no hidden state, no caches leaking)."""
    assert resolve_batch(records) == resolve_batch(records)
