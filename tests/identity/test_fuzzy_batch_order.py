"""The fuzzy batch pass decides the same partition for any input order."""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicx.errors import ValidationError
from omnicx.identity import BatchPolicy, BatchResult, ContactRecord, resolve_batch

_FUZZY = BatchPolicy(fuzzy=True)
# Near-duplicates of a few people: spellings of one name (which fold to
# different keys), one mailbox name at several domains, one line written two
# ways, and Shopify ids that conflict, so fuzzy blocks compete for records.
_NAMES = ["", "Ana Lima", "ana  lima", "Ana Lyma"]
_ADDRESSES = ["1 High Street", "9 Other Road"]
_EMAILS = ["ana.lima@home.example", "ana.lima@work.example", "a@y.example", "b@y.example"]
_PHONES = ["+14155550100", "(415) 555-0100", "+14155550101"]


def _record(
    rid: str, name: str, address: str, emails: list[str], shopify: list[str]
) -> ContactRecord:
    return ContactRecord(
        record_id=rid,
        name=name,
        address=address,
        emails=tuple(emails),
        external_ids=tuple(("shopify:customer", v) for v in shopify),
        region="US",
    )


@st.composite
def _records(draw: st.DrawFn) -> list[ContactRecord]:
    count = draw(st.integers(min_value=0, max_value=8))
    records = [
        ContactRecord(
            record_id=f"r{i:02d}",
            name=draw(st.sampled_from(_NAMES)),
            address=draw(st.sampled_from(_ADDRESSES)),
            emails=tuple(draw(st.lists(st.sampled_from(_EMAILS), max_size=1))),
            phones=tuple(draw(st.lists(st.sampled_from(_PHONES), max_size=1))),
            external_ids=tuple(
                ("shopify:customer", v)
                for v in draw(st.lists(st.sampled_from(["1", "2"]), max_size=1))
            ),
            region="US",
        )
        for i in range(count)
    ]
    if draw(st.booleans()):
        # Two fuzzy blocks competing for one person: a and b share a name and
        # an address, c and d another spelling and address, b and c an email,
        # and a and d two Shopify customers, so only one block can link.
        one, other = draw(st.lists(st.sampled_from(_NAMES[1:]), min_size=2, max_size=2))
        here, there = draw(st.lists(st.sampled_from(_ADDRESSES), min_size=2, max_size=2))
        records += [
            _record("a", one, here, [], ["1"]),
            _record("b", one, here, ["bridge@z.example"], []),
            _record("c", other, there, ["bridge@z.example"], []),
            _record("d", other, there, [], ["2"]),
        ]
    return records


def _partition(result: BatchResult) -> set[frozenset[str]]:
    found: dict[str, set[str]] = {}
    for rid, cluster in result.clusters.items():
        found.setdefault(cluster, set()).add(rid)
    return {frozenset(g) for g in found.values()}


@given(_records(), st.randoms(use_true_random=False))
def test_fuzzy_partition_does_not_depend_on_input_order(
    records: list[ContactRecord], rng: random.Random
) -> None:
    """A shuffled copy of near-duplicate records resolves to the same clusters."""
    shuffled = list(records)
    rng.shuffle(shuffled)
    first = resolve_batch(records, policy=_FUZZY)
    again = resolve_batch(shuffled, policy=_FUZZY)
    assert _partition(first) == _partition(again)
    assert first.clusters == again.clusters
    assert first.shared == again.shared


def test_conflicting_fuzzy_blocks_are_decided_by_content() -> None:
    """Two fuzzy blocks that cannot both link: the same one wins in either order.

    ``b`` and ``c`` share an email (``Ana Lyma`` is a typo of one name), so
    linking ``a`` (Shopify 1) to ``b`` by name and address and ``d``
    (Shopify 2) to ``c`` would glue two Shopify customers: the block with the
    smaller key (``ana lima`` before ``ana lyma``) links first.
    """
    records = [
        ContactRecord(
            record_id="a",
            name="Ana Lima",
            address="1 High St",
            external_ids=[("shopify:customer", "1")],
        ),
        ContactRecord(record_id="b", name="Ana Lima", address="1 High St", emails=["x@y.example"]),
        ContactRecord(record_id="c", name="Ana Lyma", address="9 Low Rd", emails=["x@y.example"]),
        ContactRecord(
            record_id="d",
            name="Ana Lyma",
            address="9 Low Rd",
            external_ids=[("shopify:customer", "2")],
        ),
    ]
    want = {frozenset("abc"), frozenset("d")}
    assert _partition(resolve_batch(records, policy=_FUZZY)) == want
    assert _partition(resolve_batch(records[::-1], policy=_FUZZY)) == want


def _synth() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "identity" / "synth.py"
    spec = importlib.util.spec_from_file_location("identity_synth", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_records_shuffled_three_times_move_nowhere() -> None:
    """4,000 generated contacts, shuffled three times: zero records change cluster."""
    data = _synth().generate(4_000, seed=11)
    first = _partition(resolve_batch(data.records, policy=_FUZZY))
    rng = random.Random(5)
    for _ in range(3):
        shuffled = list(data.records)
        rng.shuffle(shuffled)
        assert _partition(resolve_batch(shuffled, policy=_FUZZY)) == first


def _namesakes(count: int) -> list[ContactRecord]:
    return [
        ContactRecord(
            record_id=f"s{i}",
            name="James Smith",
            emails=[f"jamessmith@d{i}.example"],
            phones=[f"+1415555{i:04d}"],
        )
        for i in range(count)
    ]


def test_a_common_name_and_mailbox_name_is_not_evidence() -> None:
    """With the cap, one name with one mailbox name at more domains links nothing."""
    capped = BatchPolicy(fuzzy=True, fuzzy_max_clusters=3)
    assert resolve_batch(_namesakes(3), policy=capped).cluster_count == 1
    assert resolve_batch(_namesakes(4), policy=capped).cluster_count == 4
    wider = BatchPolicy(fuzzy=True, fuzzy_max_clusters=4)
    assert resolve_batch(_namesakes(4), policy=wider).cluster_count == 1
    assert resolve_batch(_namesakes(4), policy=_FUZZY).cluster_count == 1  # no cap by default


def test_fuzzy_cap_below_two_is_refused() -> None:
    """A cap of one cluster would link nothing: the policy says so at once."""
    with pytest.raises(ValidationError) as caught:
        BatchPolicy(fuzzy=True, fuzzy_max_clusters=1)
    assert str(caught.value) == "fuzzy_max_clusters: must be at least 2, got 1"


def test_an_address_many_names_write_is_not_evidence_when_capped() -> None:
    """With ``fuzzy_max_names``, an address seen with too many names blocks nothing."""
    records = [
        ContactRecord(
            record_id="a1", name="Ana Lima", address="1 Station Road", phones=["+14155550001"]
        ),
        ContactRecord(
            record_id="a2", name="Ana Lima", address="1 Station Road", phones=["+14155550002"]
        ),
        ContactRecord(record_id="b", name="Ben Okafor", address="1 Station Road"),
        ContactRecord(record_id="c", name="Chloe Martin", address="1 Station Road"),
    ]
    assert resolve_batch(records, policy=_FUZZY).cluster_count == 3
    capped = BatchPolicy(fuzzy=True, fuzzy_max_names=2)
    assert resolve_batch(records, policy=capped).cluster_count == 4
    assert (
        resolve_batch(records, policy=BatchPolicy(fuzzy=True, fuzzy_max_names=3)).cluster_count == 3
    )
