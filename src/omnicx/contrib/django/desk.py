"""``get_desk()``: the desk of this process and thread, built from ``OMNICX``.

A store holds a database connection, and connections belong to one thread
(SQLite's, Django's) and one process (none survives a fork). So each thread
of each process gets its own desk, built on first use; the settings are
read once per process. When a test changes ``OMNICX`` (``override_settings``),
Django's ``setting_changed`` signal drops every desk and the loaded
settings, and the next ``get_desk()`` builds anew.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from omnicx.contrib.django.conf import SETTING, OmnicxSettings, load_settings
from omnicx.desk import Desk
from omnicx.storage import DeskStore

__all__ = ["build_desk", "get_desk", "get_settings", "reset"]

_lock = threading.Lock()
# Owner: this module. Key: the process id (a forked worker loads its own).
# Bound: one entry. Cleared by reset() (setting_changed). Holds no personal data.
_loaded: dict[int, OmnicxSettings] = {}
# Bumped by reset(): a thread's desk from an older generation is rebuilt.
_generation = [0]
_local = threading.local()


def get_settings() -> OmnicxSettings:
    """The ``OMNICX`` setting, loaded and checked once per process.

    Raises:
        ValidationError: every problem of the setting, at its path.
    """
    pid = os.getpid()
    with _lock:
        found = _loaded.get(pid)
        if found is None:
            found = load_settings(getattr(settings, SETTING, None))
            _loaded.clear()
            _loaded[pid] = found
        return found


def build_desk(loaded: OmnicxSettings, store: DeskStore | None = None) -> Desk:
    """A new desk from loaded settings, on ``store`` (default: the ``STORE`` factory's)."""
    return Desk(
        store=loaded.store() if store is None else store,
        clock=loaded.clock(),
        rules=loaded.rules,
        sla=loaded.sla,
        threading=loaded.threading,
        identity=loaded.identity,
        redaction=loaded.redaction,
        actors=loaded.actors,
        email=loaded.email,
        csat_template=loaded.csat_template,
        erased=loaded.erased,
        auto_solve_after=loaded.auto_solve_after,
    )


def get_desk() -> Desk:
    """The desk of the calling process and thread, built on first use.

    Raises:
        ValidationError: the ``OMNICX`` setting is wrong (``manage.py check``
            lists the same problems at startup).
    """
    key = (os.getpid(), _generation[0])
    held: tuple[tuple[int, int], Desk] | None = getattr(_local, "desk", None)
    if held is not None and held[0] == key:
        return held[1]
    if held is not None:
        _close(held[1])
    desk = build_desk(get_settings())
    _local.desk = (key, desk)
    return desk


def reset() -> None:
    """Forget the loaded settings and every thread's desk; the next ``get_desk()`` rebuilds.

    The calling thread's store is closed now; other threads' are closed when
    they next call ``get_desk()`` (a connection may only be closed by its thread).
    """
    with _lock:
        _loaded.clear()
        _generation[0] += 1
    held = getattr(_local, "desk", None)
    if held is not None:
        _local.desk = None
        if held[0][0] == os.getpid():
            _close(held[1])


def _close(desk: Desk) -> None:
    close = getattr(desk.store, "close", None)
    if callable(close):
        close()


@receiver(setting_changed)
def _setting_changed(*, setting: str, **_: Any) -> None:
    if setting == SETTING:
        reset()
