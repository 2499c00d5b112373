"""DjangoStore under several worker processes (as gunicorn runs them), each its own Django.

4 spawned processes each call ``django.setup()`` with the test settings,
their database pointed at a real SQLite file or at the PostgreSQL test
database, and take in one stream in which every message is delivered 4
times, in a different order per worker, through ``Desk(store=DjangoStore())``
and ``retry_on_conflict``. Afterwards each message is stored once and no
identifier is held by two live profiles.

Nothing here imports the app at module level: a spawned worker imports this
module before its Django is set up.
"""

from __future__ import annotations

import multiprocessing
import random
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

CUSTOMERS = 8
MESSAGES_EACH = 3
WORKERS = 4


def _setup(database: dict[str, Any]) -> None:
    # In the worker: the test settings, with this database as "default".
    import django
    import host_settings
    from django.conf import settings

    values = {k: v for k, v in vars(host_settings).items() if k.isupper()}
    values["DATABASES"] = {"default": database}
    settings.configure(**values)
    django.setup()


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _stream() -> list[tuple[str, str, str | None]]:
    # (message id, email, phone): every third message of an even customer
    # also names a phone, so links are added while others race.
    return [
        (f"m{c}-{k}@shop.example", f"buyer{c}@example.com",
         f"+44740055512{c}" if k == MESSAGES_EACH - 1 and c % 2 == 0 else None)
        for c in range(CUSTOMERS) for k in range(MESSAGES_EACH)
    ]  # fmt: skip


def _work(seed: int) -> int:
    # One worker: the whole stream, redelivered, in its own order; returns the lost races.
    from omnicx.channels import MessageReceived
    from omnicx.clock import FixedClock
    from omnicx.contrib.django.store import DjangoStore
    from omnicx.desk import Desk
    from omnicx.errors import ConflictError, StoreBusyError
    from omnicx.identity import email_identifier, phone_identifier
    from omnicx.storage import retry_on_conflict
    from omnicx.testing._erasure import T0, _email

    desk = Desk(store=DjangoStore(), clock=FixedClock(T0))
    calls = [
        MessageReceived(
            message=_email(mid, T0 + timedelta(seconds=n), name=f"Buyer {email}"),
            sender=(email_identifier(email), *((phone_identifier(phone),) if phone else ())),
            sender_name=email,
        )
        for n, (mid, email, phone) in enumerate(_stream())
    ]
    order = calls + calls  # redelivered within the worker too
    random.Random(seed).shuffle(order)
    lost = 0

    def receive(call: MessageReceived) -> Any:
        nonlocal lost
        try:
            return desk.receive(call)
        except (ConflictError, StoreBusyError):
            lost += 1
            raise

    for call in order:
        retry_on_conflict(
            lambda call=call: receive(call),
            attempts=200, base_delay=0.002, max_delay=0.05,
            retry_on=(ConflictError, StoreBusyError),
        )  # fmt: skip
    return lost


def _stored() -> tuple[list[str], list[list[str]]]:
    # What the database holds: every stored message id, and each live profile's match keys.
    from omnicx.contrib.django.store import DjangoStore
    from omnicx.identity import match_key
    from omnicx.model import MessageEvent

    store = DjangoStore()
    messages = [e.message.id for e in store.events() if isinstance(e, MessageEvent)]
    keys = [[match_key(i) for i in p.identifiers] for p in store.live_profiles()]
    return messages, keys


def _run(database: dict[str, Any], *, migrate: bool) -> tuple[list[str], list[list[str]], int]:
    root = str(Path(__file__).resolve().parents[3])
    if root not in sys.path:  # the workers import this module by its name under the checkout
        sys.path.insert(0, root)
    context = multiprocessing.get_context("spawn")
    with context.Pool(WORKERS, initializer=_setup, initargs=(database,)) as pool:
        if migrate:
            pool.apply(_migrate)
        lost = sum(pool.map(_work, range(WORKERS)))
        messages, keys = pool.apply(_stored)
    return messages, keys, lost


def _check(messages: list[str], keys: list[list[str]]) -> None:
    expected = sorted(f"email:{mid}" for mid, _, _ in _stream())
    assert sorted(messages) == expected  # each message once
    holders: dict[str, int] = {}
    for profile in keys:
        for key in profile:
            holders[key] = holders.get(key, 0) + 1
    assert {key: n for key, n in holders.items() if n > 1} == {}
    assert len(keys) == CUSTOMERS


def test_four_processes_on_one_sqlite_file(tmp_path: Path) -> None:
    """A real file (Django's default journal, deferred transactions): each message stored once."""
    database = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(tmp_path / "db.sqlite3"),
        "OPTIONS": {"timeout": 30},
    }
    messages, keys, _lost = _run(database, migrate=True)
    _check(messages, keys)


@pytest.mark.django_db(transaction=True, databases=["default", "postgres"])
def test_four_processes_on_the_postgres_test_database(postgres_url: str) -> None:
    """The PostgreSQL test database pytest-django made: each message stored once."""
    from django.db import connections

    database = dict(connections["postgres"].settings_dict)
    database["TEST"] = {}
    messages, keys, _lost = _run(database, migrate=False)
    _check(messages, keys)
