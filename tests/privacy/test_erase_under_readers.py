"""Erasure on SqliteStore while another connection holds a read transaction.

A reader that began before the erasure keeps old page versions alive: the
erasure commits, says its purge is pending, and ``finish_purge`` completes
it once the reader ended; the raw bytes of every file then hold none of the
erased values.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from omnicx.channels import MessageReceived
from omnicx.clock import FixedClock
from omnicx.desk import Desk
from omnicx.identity import email_identifier
from omnicx.privacy import erase_customer
from omnicx.storage import SqliteStore
from omnicx.testing import _erasure
from omnicx.testing._erasure import ADA_EMAIL, ADA_NAME, T0

HER_MID = "ada-under-reader.51d2@analytical.example"
HERS = (ADA_EMAIL, ADA_NAME, HER_MID)


def _raw(directory: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(directory.glob("desk.sqlite3*")))


def _found(directory: Path) -> list[str]:
    raw = _raw(directory)
    return [value for value in HERS if value.encode() in raw]


def _store_with_her(path: Path, busy_timeout: float) -> tuple[SqliteStore, str]:
    store = SqliteStore(path, busy_timeout=busy_timeout, search_batch=1)
    desk = Desk(store=store, clock=FixedClock(T0 + timedelta(hours=1)))
    receipt = desk.receive(
        MessageReceived(
            message=_erasure._email(HER_MID, T0),
            sender=(email_identifier(ADA_EMAIL),),
            sender_name=ADA_NAME,
        )
    )
    # Her rows are in the main file, as after any checkpoint.
    store.finish_purge()
    return store, receipt.customer_id


def _reader(path: Path) -> sqlite3.Connection:
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM events").fetchone()  # its snapshot starts here
    return reader


def test_a_reader_holds_the_purge_pending_until_finish_purge_completes_it(
    tmp_path: Path,
) -> None:
    """Erase under a reader: committed, pending; the reader ends; finish_purge; no byte left."""
    path = tmp_path / "desk.sqlite3"
    store, customer = _store_with_her(path, busy_timeout=0.05)
    assert _found(tmp_path) == list(HERS)
    reader = _reader(path)
    report = erase_customer(
        store, customer, now=T0 + timedelta(hours=2), actor="lead", reason="request"
    )
    # Committed: nothing the store returns holds her; the files still do.
    assert report.purge_pending
    assert store.purge_pending
    assert ADA_EMAIL not in repr(store.events()) + repr(store.live_profiles())
    assert _found(tmp_path) != []
    assert not store.finish_purge()
    assert store.purge_pending
    reader.execute("COMMIT")
    assert store.finish_purge()
    assert not store.purge_pending
    assert _found(tmp_path) == []
    store.close()
    assert _found(tmp_path) == []


def test_without_readers_the_purge_completes_inside_erase(tmp_path: Path) -> None:
    """No reader: erase purges at once, and says so."""
    path = tmp_path / "desk.sqlite3"
    store, customer = _store_with_her(path, busy_timeout=0.05)
    report = erase_customer(
        store, customer, now=T0 + timedelta(hours=2), actor="lead", reason="request"
    )
    assert not report.purge_pending
    assert not store.purge_pending
    assert _found(tmp_path) == []


def test_an_in_memory_store_has_nothing_to_purge() -> None:
    """No file, no log: finish_purge is done at once."""
    store = SqliteStore()
    assert store.finish_purge()
    assert not store.purge_pending
