"""Erasure: nothing personal left anywhere, reports unchanged, no silent re-linking."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from omnicx.channels import MessageReceived
from omnicx.desk import Desk
from omnicx.desk._demo import demo_desk, run_sample
from omnicx.errors import NotFoundError
from omnicx.identity import email_identifier
from omnicx.metrics import compute_metrics, report_to_dict
from omnicx.model import Author, AuthorKind, Channel, Direction, Message
from omnicx.privacy._erase import erase_customer
from omnicx.storage import MemoryStore, SqliteStore

# What the sample week says about Sam (two merged profiles) and Maya.
SAM = [b"sam.okafor@example.org", b"+447400123456", b"Sam Okafor", b"jacket in M", b"v-sam"]
MAYA = [b"maya.chen@example.com", b"Thanks, it arrived"]


def _files(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def _metrics(desk: Desk) -> dict[str, object]:
    events = desk.store.events()
    return report_to_dict(compute_metrics(events, now=desk.clock.now(), by=("channel",)))


def test_sqlite_file_and_wal_hold_nothing_of_the_erased_customer(tmp_path: Path) -> None:
    """A byte scan of the database and its WAL finds none of Sam's data; Maya's stays."""
    path = tmp_path / "desk.sqlite3"
    store = SqliteStore(path)
    desk = demo_desk(store)
    run = run_sample(desk)
    assert all(value in _files(path) for value in SAM)
    before = _metrics(desk)
    report = erase_customer(
        store, run.customers["sam"], now=desk.clock.now(), actor="lead", reason="request"
    )
    assert report.customer_ids == ("p2", "p4")
    assert (report.identifiers, report.conversations) == (3, 3)
    raw = _files(path)
    leaked = [value for value in SAM if value in raw]
    assert leaked == []
    assert all(value in raw for value in MAYA)
    assert _metrics(desk) == before
    store.close()


def test_sqlite_store_keeps_no_decoded_copy_of_the_erased_customer(tmp_path: Path) -> None:
    """The store's in-process cache of decoded rows holds none of Sam's data after erasure."""
    store = SqliteStore(tmp_path / "desk.sqlite3")
    desk = demo_desk(store)
    run = run_sample(desk)
    erase_customer(
        store, run.customers["sam"], now=desk.clock.now(), actor="lead", reason="request"
    )
    for customer_id in ("p2", "p4"):
        store.profile(customer_id)
        store.conversations_of([customer_id])
    cached = "".join(text for _, text in store._decoded).encode()
    assert [value for value in SAM if value in cached] == []
    store.close()


def test_erased_customer_writing_again_starts_a_fresh_profile() -> None:
    """The old email no longer links: a new message makes a new, unrelated profile."""
    store = MemoryStore()
    desk = demo_desk(store)
    run = run_sample(desk)
    erase_customer(
        store, run.customers["sam"], now=desk.clock.now(), actor="lead", reason="request"
    )
    desk.clock.advance(timedelta(minutes=5))  # type: ignore[attr-defined]
    message = Message(
        id="email:again", channel=Channel.EMAIL, direction=Direction.INBOUND,
        author=Author(kind=AuthorKind.CUSTOMER), sent_at=desk.clock.now(), text="hi",
        external_id="again",
    )  # fmt: skip
    receipt = desk.receive(
        MessageReceived(message=message, sender=(email_identifier("sam.okafor@example.org"),))
    )
    assert receipt.identity == "new"
    assert receipt.customer_id not in ("p2", "p4")
    erased = store.profile("p2")
    assert erased is not None
    assert (erased.identifiers, erased.names, erased.attributes) == ((), (), {})


def test_erasure_keeps_the_shape_of_the_timeline() -> None:
    """Events keep kinds, instants and order; ids become opaque; messages lose their words."""
    store = MemoryStore()
    desk = demo_desk(store)
    run = run_sample(desk)
    before = desk.timeline(run.customers["tom"])
    erase_customer(
        store, run.customers["tom"], now=desk.clock.now(), actor="lead", reason="request"
    )
    after = desk.timeline(run.customers["tom"])
    assert [(e.TAG, e.at) for e in after] == [(e.TAG, e.at) for e in before]
    expected = sorted(f"erasure:erasure1/{n}" for n in range(1, len(before) + 1))
    assert len(before) > 6  # the SLA warnings and breaches are events too
    assert sorted(e.id for e in after) == expected
    assert all(e.external_id is None for e in after)
    assert all(e.message.text == "" for e in after if hasattr(e, "message"))


def test_unknown_customer_is_not_found() -> None:
    """Erasing an id the store never had names it and changes nothing."""
    with pytest.raises(NotFoundError):
        erase_customer(
            MemoryStore(),
            "nope",
            now=demo_desk(MemoryStore()).clock.now(),
            actor="lead",
            reason="r",
        )


def test_desk_can_refuse_an_erased_customer_writing_again() -> None:
    """With Desk.erased=REFUSE an erased identifier is refused, not silently re-linked."""
    from omnicx.desk import ErasedCustomerError, ErasedPolicy

    store = MemoryStore()
    desk = demo_desk(store)
    run = run_sample(desk)
    erase_customer(store, run.customers["sam"], now=desk.clock.now(), actor="lead", reason="r")
    desk.erased = ErasedPolicy.REFUSE
    message = Message(
        id="email:again", channel=Channel.EMAIL, direction=Direction.INBOUND,
        author=Author(kind=AuthorKind.CUSTOMER), sent_at=desk.clock.now(), text="hi",
        external_id="again",
    )  # fmt: skip
    event = MessageReceived(message=message, sender=(email_identifier("Sam.Okafor@example.org"),))
    with pytest.raises(ErasedCustomerError, match="the sender's email belongs to an erased"):
        desk.receive(event)
    assert store.receipt("in:email:again") is None
