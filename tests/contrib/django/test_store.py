"""DjangoStore in a host project: host transactions, lost races, erasure, settings left alone."""

from __future__ import annotations

import pickle
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

import attrs
import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.db import IntegrityError, OperationalError, connections, transaction

from omnicx.channels import MessageReceived
from omnicx.clock import FixedClock
from omnicx.contrib.django import models as m
from omnicx.contrib.django._store_errors import database_errors
from omnicx.contrib.django._store_rows import term_key
from omnicx.contrib.django.store import DjangoStore
from omnicx.desk import Desk
from omnicx.errors import ConflictError, StoreBusyError, StoreError
from omnicx.identity import email_identifier
from omnicx.model import Author, AuthorKind, NoteEvent
from omnicx.storage import Changes, InboxFilter, search_terms
from omnicx.testing import _erasure
from omnicx.testing._erasure import T0, _email, write_and_erase
from omnicx.testing._inbox_data import message_event

T = TypeVar("T")


def _received(mid: str, email: str = "ada@example.com") -> MessageReceived:
    return MessageReceived(
        message=_email(mid, T0, name="Ann"), sender=(email_identifier(email),), sender_name="Ann"
    )


def _counts(alias: str) -> dict[str, int]:
    return {
        model._meta.db_table: model.objects.using(alias).count()
        for model in apps.get_app_config("omnicx").get_models()
    }


class _Boom(Exception):
    """The host's own failure, after omnicx committed inside its transaction."""


def _rolled_back(alias: str, body: Callable[[], T]) -> T:
    """``body()``'s result, run in a host transaction the host then rolls back."""
    try:
        with transaction.atomic(using=alias):
            result = body()
            raise _Boom
    except _Boom:
        return result


class HostCase:
    alias = "default"

    def store(self) -> DjangoStore:
        return DjangoStore(self.alias)

    def test_a_host_rollback_leaves_nothing_of_omnicx(self) -> None:
        """omnicx's commit joins the host's transaction.atomic(): rolled back with it."""
        desk = Desk(store=self.store(), clock=FixedClock(T0))

        def host_request() -> None:
            User.objects.using(self.alias).create(username="host-row")
            receipt = desk.receive(_received("m1@x"))
            # Inside, the host and omnicx read each other's uncommitted writes.
            assert self.store().conversation(str(receipt.conversation_id)) is not None

        _rolled_back(self.alias, host_request)
        assert not User.objects.using(self.alias).filter(username="host-row").exists()
        assert set(_counts(self.alias).values()) == {0}

    def test_a_host_commit_keeps_both(self) -> None:
        """Inside the host's transaction omnicx's writes land when the host's do."""
        desk = Desk(store=self.store(), clock=FixedClock(T0))
        with transaction.atomic(using=self.alias):
            User.objects.using(self.alias).create(username="host-row")
            receipt = desk.receive(_received("m1@x"))
        assert User.objects.using(self.alias).filter(username="host-row").exists()
        assert self.store().receipt(receipt.key) is not None
        again = Desk(store=self.store(), clock=FixedClock(T0)).receive(_received("m1@x"))
        assert again.replayed

    def test_a_lost_race_inside_a_host_transaction_leaves_it_usable(self) -> None:
        """A ConflictError rolls back omnicx's savepoint only: the host goes on and commits."""
        store = self.store()
        store.commit(Changes(events=(_note("e0"),), receipts=(("k0", {"n": 0}),)))
        with transaction.atomic(using=self.alias):
            User.objects.using(self.alias).create(username="before")
            with pytest.raises(ConflictError, match="'k0' was already recorded"):
                store.commit(
                    Changes(events=(_note("e1"),), receipts=(("k0", {"n": 1}),),
                            new_receipts=("k0",))
                )  # fmt: skip
            User.objects.using(self.alias).create(username="after")
            store.commit(Changes(events=(_note("e2"),)))
        assert User.objects.using(self.alias).filter(username__in=["before", "after"]).count() == 2
        assert [e.id for e in store.events()] == ["e0", "e2"]
        assert store.receipt("k0") == {"n": 0}

    def test_ids_stay_unique_across_a_host_rollback(self) -> None:
        """Ids taken inside a rolled-back host transaction are never handed out again."""
        store = self.store()
        inside = _rolled_back(self.alias, lambda: [store.next_id("c") for _ in range(3)])
        after = [store.next_id("c") for _ in range(3)]
        assert set(inside).isdisjoint(after)
        assert len(set(after)) == 3

    def test_erasure_leaves_no_erased_value_in_any_table(self) -> None:
        """Every omnicx_* row is read raw after erase_customer: none holds her data or words."""
        store = self.store()
        run = write_and_erase(Desk(store=store, clock=FixedClock(T0)))
        dump = []
        with connections[self.alias].cursor() as cursor:
            for model in apps.get_app_config("omnicx").get_models():
                cursor.execute(f'SELECT * FROM "{model._meta.db_table}"')
                dump.append(repr(cursor.fetchall()))
        text = "\n".join(dump)
        assert [value for value in _erasure.ERASED if value in text] == []
        assert [value for value in _erasure.KEPT if value not in text] == []
        stored_terms = set(m.SearchTerm.objects.using(self.alias).values_list("term", flat=True))
        hers = {"lovelace", "adaville", "analytical", *search_terms(_erasure.ADA_PHONE)}
        assert stored_terms & {term_key(t) for t in hers} == set()
        assert [r.conversation.customer_id for r in store.search("order")] == [run.kept_id]

    def test_search_finds_words_longer_than_the_column_exactly(self) -> None:
        """A word longer than omnicx_search_term.term is found whole, not by its prefix."""
        store = self.store()
        long_word, twin = "x" * 300, "x" * 299 + "y"
        desk = Desk(store=store, clock=FixedClock(T0))
        first = desk.receive(_received("m1@x"))
        record = store.conversation(str(first.conversation_id))
        assert record is not None
        store.commit(Changes(events=(message_event("w1", record, f"about {long_word}"),)))
        assert [r.id for r in store.search(long_word)] == [record.id]
        assert store.search(twin) == []
        assert len(term_key(long_word)) <= 255


def _note(event_id: str) -> NoteEvent:
    return NoteEvent(
        id=event_id, at=T0, customer_id="p1", author=Author(kind=AuthorKind.AGENT), text="x"
    )


@pytest.mark.django_db(transaction=True)
class TestOnSqlite(HostCase):
    alias = "default"

    def test_the_store_changes_no_database_setting(self) -> None:
        """Journal mode and secure_delete are as the host left them; every table is omnicx_*."""
        with connections["default"].cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            journal = cursor.fetchone()
            cursor.execute("PRAGMA secure_delete")
            secure = cursor.fetchone()
        write_and_erase(Desk(store=self.store(), clock=FixedClock(T0)))
        with connections["default"].cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone() == journal
            cursor.execute("PRAGMA secure_delete")
            assert cursor.fetchone() == secure
        tables = set(connections["default"].introspection.table_names())
        ours = {model._meta.db_table for model in apps.get_app_config("omnicx").get_models()}
        assert ours <= tables
        assert all(name.startswith("omnicx_") for name in ours)
        assert {t for t in tables if t.startswith("omnicx")} == ours

    def test_a_write_refused_while_another_connection_writes_is_a_conflict(self) -> None:
        """SQLite refusing the lock at once (shared cache): ConflictError, nothing written."""
        name = connections["default"].settings_dict["NAME"]
        if not str(name).startswith("file:"):  # pragma: no cover - a file-backed test database
            pytest.skip("needs the shared in-memory test database")
        store = self.store()
        store.commit(Changes(events=(_note("e0"),)))
        holder = sqlite3.connect(str(name), uri=True, isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")
            holder.execute("INSERT INTO omnicx_counter (kind, value) VALUES ('held', 1)")
            with pytest.raises(ConflictError, match="reload and retry"):
                store.commit(Changes(events=(_note("e1"),), receipts=(("k", {}),)))
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert [e.id for e in store.events()] == ["e0"]
        assert store.receipt("k") is None


@pytest.mark.django_db(transaction=True, databases=["default", "postgres"])
class TestOnPostgres(HostCase):
    alias = "postgres"

    @pytest.fixture(autouse=True)
    def _server(self, postgres_url: str) -> None:
        """Skips (or fails, under OMNICX_REQUIRE_POSTGRES=1) with one reason when no server answers."""

    def test_the_conformance_commits_run_in_their_own_transactions_too(self) -> None:
        """Outside any atomic block: a commit, a conflict and an erasure (then VACUUM) on their own."""
        assert not connections["postgres"].in_atomic_block
        store = self.store()
        desk = Desk(store=store, clock=FixedClock(T0))
        receipt = desk.receive(_received("m1@x"))
        record = store.conversation(str(receipt.conversation_id))
        assert record is not None
        with pytest.raises(ConflictError, match="changed since it was read"):
            store.commit(Changes(conversations=(attrs.evolve(record, version=0),)))
        assert [r.id for r in store.inbox(InboxFilter()).records] == [record.id]
        run = write_and_erase(Desk(store=store, clock=FixedClock(T0 + timedelta(days=1))))
        assert store.search("Lovelace") == []
        assert store.profile(run.kept_id) is not None


# -- what database failures mean -------------------------------------------------


class _SqliteCause(Exception):
    sqlite_errorcode = 5  # SQLITE_BUSY


class _PostgresCause(Exception):
    def __init__(self, state: str) -> None:
        super().__init__(f"state {state}")
        self.sqlstate = state


def _raised(error: Exception, cause: Exception | None = None) -> Exception:
    try:
        with database_errors("default", "committing a desk call"):
            raise error from cause
    except Exception as mapped:
        return mapped
    raise AssertionError("nothing raised")  # pragma: no cover


@pytest.mark.parametrize(
    ("error", "cause", "kind", "words"),
    [
        (IntegrityError("UNIQUE constraint failed"), None, ConflictError, "won the race"),
        (OperationalError("could not serialize"), _PostgresCause("40001"), ConflictError, "race"),
        (OperationalError("deadlock detected"), _PostgresCause("40P01"), ConflictError, "race"),
        (OperationalError("lock timeout"), _PostgresCause("55P03"), StoreBusyError, "timeout"),
        (OperationalError("database is locked"), _SqliteCause(), ConflictError, "since this"),
        (OperationalError("disk I/O error"), None, StoreError, "disk I/O error"),
    ],
)
def test_database_failures_become_omnicx_errors(
    error: Exception, cause: Exception | None, kind: type[Exception], words: str
) -> None:
    mapped = _raised(error, cause)
    assert type(mapped) is kind
    assert words in str(mapped)
    assert "Django database 'default'" in str(mapped)


def test_a_lock_held_past_the_wait_is_store_busy(settings: Any) -> None:
    """SQLite still locked after the connection's timeout: StoreBusyError naming the setting."""
    connections["default"].settings_dict.setdefault("OPTIONS", {})
    options = connections["default"].settings_dict["OPTIONS"]
    before = dict(options)
    options["timeout"] = 0
    try:
        mapped = _raised(OperationalError("database is locked"), _SqliteCause())
    finally:
        options.clear()
        options.update(before)
    assert isinstance(mapped, StoreBusyError)
    assert "OPTIONS" in str(mapped)


def test_a_lone_surrogate_is_a_validation_error() -> None:
    from omnicx.errors import ValidationError

    assert isinstance(_raised(UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogate")),
                      ValidationError)  # fmt: skip


def test_a_store_pickles_to_a_store_on_the_same_alias() -> None:
    """A worker harness can hand a store to another process: it names its alias only."""
    copy = pickle.loads(pickle.dumps(DjangoStore("postgres")))
    assert isinstance(copy, DjangoStore)
    assert copy.using == "postgres"
    assert repr(copy) == "DjangoStore(using='postgres')"
