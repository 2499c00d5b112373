"""Erasure leaves no trace: not in any cache, not in any table, not in memory.

The erased customer (``omnicx.testing._erasure``) writes by email and SMS
through a desk with rules and SLAs, then is erased. Every registered cache,
every ``functools`` cache in omnicx's modules, every module global, the
desk's whole object graph and every column of every SQLite table are then
scanned for her strings.
"""

from __future__ import annotations

import gc
import importlib
import pkgutil
import sqlite3
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import omnicx
from omnicx import _caches
from omnicx.clock import FixedClock
from omnicx.desk import Desk
from omnicx.desk._demo import DEMO_RULES, demo_sla
from omnicx.routing import RuleEngine, load_rules
from omnicx.storage import DeskStore, MemoryStore, SqliteStore
from omnicx.testing._erasure import ERASED, KEPT, T0, write_and_erase

_SKIP = (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, type, types.MethodType)


def _strings(root: object) -> Iterator[str]:
    """Every string reachable from ``root`` through data (not code, modules or classes)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, _SKIP):
            continue
        seen.add(id(obj))
        if isinstance(obj, str):
            yield obj
        elif isinstance(obj, bytes | bytearray):
            yield bytes(obj).decode("utf-8", "replace")
        elif isinstance(obj, int | float | complex | bool) or obj is None:
            continue
        elif hasattr(obj, "cache_info"):
            stack.extend(gc.get_referents(obj))  # the functools cache's own dict
        elif isinstance(obj, dict | types.MappingProxyType):
            stack.extend(obj.keys())
            stack.extend(obj.values())
        elif isinstance(obj, list | tuple | set | frozenset):
            stack.extend(obj)
        elif isinstance(obj, _caches.BoundedCache):
            stack.extend(obj.items())
        else:
            stack.extend(gc.get_referents(obj))


def _leaks(root: object) -> list[str]:
    found = set()
    for text in _strings(root):
        found.update(value for value in ERASED if value in text)
    return sorted(found)


def _omnicx_modules() -> list[types.ModuleType]:
    # The scenario module names her on purpose: it is the test's own input.
    return [
        m
        for name, m in sorted(sys.modules.items())
        if name.startswith("omnicx") and name != "omnicx.testing._erasure"
    ]


def _desk(store: DeskStore) -> Desk:
    rules = RuleEngine.compile(load_rules(DEMO_RULES))
    return Desk(store=store, clock=FixedClock(T0), rules=rules, sla=demo_sla())


def _every_cache() -> list[object]:
    caches: list[object] = [r.target for r in _caches.registered() if r.target is not None]
    return caches + list(_caches.live_caches())


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DeskStore]:
    made: DeskStore = MemoryStore() if request.param == "memory" else SqliteStore(tmp_path / "d.db")
    yield made
    if isinstance(made, SqliteStore):
        made.close()


def test_caches_hold_the_customer_while_she_is_active(store: DeskStore) -> None:
    """The scan is real: before erasure her phone and email sit in the identity caches."""
    from omnicx.identity import email_identifier, phone_identifier

    email_identifier(ERASED[0])
    phone_identifier(ERASED[1])
    assert {ERASED[0], ERASED[1]} <= set(_leaks(_every_cache()))


def test_no_cache_module_global_or_desk_object_holds_her_after_erasure(
    store: DeskStore,
) -> None:
    """After erasure no cache, no omnicx module global and nothing the desk holds has her."""
    desk = _desk(store)
    write_and_erase(desk)
    assert _leaks(_every_cache()) == []
    assert _leaks([vars(m) for m in _omnicx_modules()]) == []
    assert _leaks(desk) == []


def test_every_functools_cache_in_omnicx_is_registered() -> None:
    """A new cache must be registered (with whether it holds personal data) to exist.

    Walks every omnicx module's globals and the classes they define for
    anything with ``cache_info``: each must be in the registry, so
    erasure can reach it and docs/internals.md lists it.
    """
    for module in pkgutil.walk_packages(omnicx.__path__, "omnicx."):
        if not module.name.endswith("__main__"):  # that one runs the command line
            importlib.import_module(module.name)  # every module, not only those imported so far
    registered = {id(r.target) for r in _caches.registered()}
    found = []
    for module in _omnicx_modules():
        for name, value in vars(module).items():
            members = vars(value).items() if isinstance(value, type) else ()
            for where, candidate in [(name, value), *((f"{name}.{k}", v) for k, v in members)]:
                if hasattr(candidate, "cache_info") and id(candidate) not in registered:
                    found.append(f"{module.__name__}.{where}")
    assert found == []


def test_every_registered_cache_is_bounded_and_named() -> None:
    """Each registered functools cache has a maxsize; each live BoundedCache a bound."""
    for registration in _caches.registered():
        info = registration.target.cache_info()  # type: ignore[union-attr]
        assert info.maxsize is not None, registration.name
        assert registration.name.startswith("omnicx.")
    assert all(cache.maxsize >= 1 and cache.name for cache in _caches.live_caches())


def _tables(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(path) as db:
        # A virtual table (the search index) is read through its shadow tables.
        names = [
            n
            for (n,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'"
            )
        ]
        return {n: db.execute(f'SELECT * FROM "{n}"').fetchall() for n in names}


def test_no_sqlite_table_holds_her_after_erasure(tmp_path: Path) -> None:
    """Every column of every table, read raw: none of her values; the other customer stays."""
    path = tmp_path / "desk.sqlite3"
    store = SqliteStore(path, search_batch=1)  # her messages are in the search index
    write_and_erase(_desk(store))
    store.close()
    tables = _tables(path)
    assert {"events", "thread_refs", "receipts", "profiles", "links"} <= tables.keys()
    leaks = {name: _leaks(rows) for name, rows in tables.items() if _leaks(rows)}
    assert leaks == {}
    assert all(value in repr(tables) for value in KEPT)
    assert not [row for row in tables["thread_refs"] if "ada" in row[0]]
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("desk.sqlite3*"))
    assert [value for value in ERASED if value.encode() in raw] == []
    # The search index holds words lower-cased: none of hers is left in it.
    words = b"".join(block for (_, block) in tables["message_search_data"])
    assert b"bo" in words
    assert [w for w in (b"lovelace", b"447400555123", b"ada") if w in words] == []


def test_memory_store_internals_hold_nothing_of_her() -> None:
    """Every field of a MemoryStore (indexes, id sets, logs): none of her values."""
    store = MemoryStore()
    write_and_erase(_desk(store))
    assert _leaks(vars(store) if hasattr(store, "__dict__") else store) == []
    assert all(value in repr(store.events()) + repr(store.live_profiles()) for value in KEPT)
