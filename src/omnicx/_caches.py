"""Every cache omnicx keeps, in one registry, so erasure can empty the personal ones.

Two kinds of cache exist. Module-level memo functions (``functools``
caches of pure functions) are registered with :func:`register`, or made
with :func:`memo`, which wraps ``functools.lru_cache`` and registers it.
Per-object caches are :class:`BoundedCache` instances, which register
themselves (weakly: an object's caches go with it). :func:`clear_personal`
empties every cache that may hold personal data; erasure calls it, since
a cache cannot tell one customer's entries from another's.

docs/internals.md lists every cache with its owner, key, bound and
whether it holds personal data.
"""

from __future__ import annotations

import functools
import itertools
import threading
import weakref
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

import attrs

from omnicx.errors import ValidationError

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
F = TypeVar("F", bound=Callable[..., Any])


@attrs.frozen(kw_only=True)
class Registration:
    """One registered module-level cache.

    Attributes:
        name: where it lives (``module.function``).
        clear: empties it.
        personal: whether it may hold personal data (cleared by erasure).
        target: the cached function itself (has ``cache_info``), when there is one.
    """

    name: str
    clear: Callable[[], None]
    personal: bool
    target: object = None


_LOCK = threading.Lock()
_REGISTERED: list[Registration] = []
_LIVE: weakref.WeakSet[BoundedCache[Any, Any]] = weakref.WeakSet()


def register(
    clear: Callable[[], None], *, name: str, personal: bool, target: object = None
) -> None:
    """Record a module-level cache: ``clear`` empties it, ``personal`` says erasure must."""
    with _LOCK:
        _REGISTERED.append(Registration(name=name, clear=clear, personal=personal, target=target))


def memo(maxsize: int, *, personal: bool) -> Callable[[F], F]:
    """``functools.lru_cache(maxsize)``, registered under the function's qualified name.

    Only for pure functions of hashable arguments: every argument is part of
    the key, and the result depends on nothing else.
    """

    def decorate(function: F) -> F:
        cached = functools.lru_cache(maxsize=maxsize)(function)
        register(
            cached.cache_clear,
            name=f"{function.__module__}.{function.__qualname__}",
            personal=personal,
            target=cached,
        )
        return cached  # type: ignore[return-value]

    return decorate


def registered() -> tuple[Registration, ...]:
    """Every registered module-level cache, in registration order."""
    with _LOCK:
        return tuple(_REGISTERED)


def live_caches() -> tuple[BoundedCache[Any, Any], ...]:
    """Every ``BoundedCache`` still alive."""
    with _LOCK:
        return tuple(_LIVE)


def clear_personal() -> None:
    """Empty every cache that may hold personal data (module-level and per object)."""
    for registration in registered():
        if registration.personal:
            registration.clear()
    for cache in live_caches():
        if cache.personal:
            cache.clear()


class BoundedCache(Generic[K, V]):
    """A thread-safe map that keeps at most ``maxsize`` entries, oldest written out.

    A hit is one dict lookup (no reordering, no lock): these caches sit on
    the hottest paths (a calendar asks several per due instant). Past the
    bound, the oldest quarter of the entries by insertion goes at once, so
    eviction is rare and a working set smaller than the bound stays.

    Values must be immutable (or never changed once stored): a hit hands the
    stored object to every thread that asks.
    """

    __slots__ = ("__weakref__", "_data", "_lock", "get", "maxsize", "name", "personal")

    get: Callable[[K], V | None]
    """The value stored under a key, or None (a C-level dict lookup)."""

    def __init__(self, name: str, maxsize: int, *, personal: bool) -> None:
        if maxsize < 1:
            raise ValidationError.single("maxsize", f"must be at least 1, got {maxsize}")
        self.name = name
        self.maxsize = maxsize
        self.personal = personal
        self._data: dict[K, V] = {}
        # The dict is never replaced (clear() empties it in place), so its
        # bound method stays right; a dict lookup is atomic under the GIL.
        self.get = self._data.get
        self._lock = threading.Lock()
        with _LOCK:
            _LIVE.add(self)

    def put(self, key: K, value: V) -> V:
        """Store ``value`` under ``key``; past the bound the oldest quarter goes first."""
        with self._lock:
            data = self._data
            if key not in data and len(data) >= self.maxsize:
                for old in list(itertools.islice(data, max(1, self.maxsize // 4))):
                    del data[old]
            data[key] = value
        return value

    def pop(self, key: K) -> V | None:
        """Remove and return the value under ``key``, or None."""
        with self._lock:
            return self._data.pop(key, None)

    def clear(self) -> None:
        """Drop every entry."""
        with self._lock:
            self._data.clear()

    def items(self) -> list[tuple[K, V]]:
        """A snapshot of the entries, oldest written first."""
        with self._lock:
            return list(self._data.items())

    def __len__(self) -> int:
        return len(self._data)

    def __reduce__(self) -> tuple[Any, ...]:
        # A copy or a pickle (a policy sent to a worker process) starts empty:
        # entries are only ever a shortcut, and a lock cannot be copied.
        return (_empty, (self.name, self.maxsize, self.personal))

    def __repr__(self) -> str:
        return f"BoundedCache({self.name!r}, {len(self)}/{self.maxsize})"


def _empty(name: str, maxsize: int, personal: bool) -> BoundedCache[Any, Any]:
    return BoundedCache(name, maxsize, personal=personal)
