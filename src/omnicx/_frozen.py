"""Immutable containers and the attrs converters that make them.

Every frozen omnicx value holds only immutable data, so one result can be
shared, cached and hashed without a reader ever seeing it change. Constructors
still take ordinary dicts, lists and sets: these converters copy them into

- ``FrozenMap``, a read-only, hashable mapping over a private dict;
- ``tuple`` for sequences and ``frozenset`` for sets.

``frozen_map`` and ``frozen_seq`` freeze one level (their items are already
values); ``frozen_json`` and ``freeze`` freeze all the way down, for
JSON-like data (attributes, metadata, stored state) whose values may be
dicts and lists themselves.

The converters take ``Any`` items: the attrs mypy plugin types a field's
``__init__`` argument from its converter's parameter, and a generic converter
would leave an unsolved type variable there.
"""

from __future__ import annotations

import copy
import json
import operator
from collections.abc import Callable, ItemsView, Iterable, Iterator, KeysView, Mapping, ValuesView
from typing import Any, TypeVar, final

from omnicx.errors import ValidationError

_K = TypeVar("_K")
_V = TypeVar("_V")


@final
class FrozenMap(Mapping[_K, _V]):
    """A read-only mapping over a private copy of its items; hashable.

    Item assignment and deletion raise ``TypeError``, as for any read-only
    mapping. It equals any mapping with the same items (a dict too), and
    hashes like the frozenset of its items, so it can sit inside hashable
    values; hashing one that holds an unhashable value raises ``TypeError``.
    """

    __slots__ = ("_data", "_deep", "_hash")

    _data: dict[_K, _V]
    _deep: bool
    _hash: int | None

    def __init__(self, items: Mapping[_K, _V] | Iterable[tuple[_K, _V]] = ()) -> None:
        object.__setattr__(self, "_data", dict(items))
        object.__setattr__(self, "_deep", False)
        object.__setattr__(self, "_hash", None)

    @classmethod
    def _frozen_through(cls, items: dict[_K, _V]) -> FrozenMap[_K, _V]:
        # ``items`` is a fresh dict of frozen values (freeze built it): take it
        # without a copy and mark it, so freezing it again (attrs.evolve re-runs
        # converters) costs nothing. Slots are set through their descriptors,
        # past the refusing __setattr__, as the hot path builds many of these.
        made: FrozenMap[_K, _V] = object.__new__(cls)
        _SET_DATA(made, items)
        _SET_DEEP(made, True)
        _SET_HASH(made, None)
        return made

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"FrozenMap is read-only; can't set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"FrozenMap is read-only; can't delete {name!r}")

    def __getitem__(self, key: _K) -> _V:
        return self._data[key]

    def __iter__(self) -> Iterator[_K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def get(self, key: _K, default: Any = None) -> Any:
        """The value for ``key``, or ``default`` when it is absent."""
        return self._data.get(key, default)

    def keys(self) -> KeysView[_K]:
        """A live, read-only view of the keys."""
        return self._data.keys()

    def values(self) -> ValuesView[_V]:
        """A live, read-only view of the values."""
        return self._data.values()

    def items(self) -> ItemsView[_K, _V]:
        """A live, read-only view of the ``(key, value)`` pairs."""
        return self._data.items()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenMap):
            return self._data == other._data
        if isinstance(other, dict):
            return self._data == other
        if isinstance(other, Mapping):
            return self._data == dict(other.items())
        return NotImplemented

    def __hash__(self) -> int:
        if self._hash is None:
            object.__setattr__(self, "_hash", hash(frozenset(self._data.items())))
        assert self._hash is not None
        return self._hash

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"

    def __reduce__(self) -> tuple[type[FrozenMap[_K, _V]], tuple[dict[_K, _V]]]:
        return (FrozenMap, (self._data,))

    def __copy__(self) -> FrozenMap[_K, _V]:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> FrozenMap[_K, _V]:
        # Frozen all the way down: nothing in it can change, so it is its own copy.
        if self._deep:
            return self
        return FrozenMap({k: copy.deepcopy(v, memo) for k, v in self._data.items()})


_SET_DATA: Callable[[object, object], None] = vars(FrozenMap)["_data"].__set__
_SET_DEEP: Callable[[object, object], None] = vars(FrozenMap)["_deep"].__set__
_SET_HASH: Callable[[object, object], None] = vars(FrozenMap)["_hash"].__set__

EMPTY_MAP: Mapping[Any, Any] = FrozenMap._frozen_through({})
"""The one empty ``FrozenMap``, the default of empty mapping fields."""


def frozen_map(items: Mapping[Any, Any] | Iterable[tuple[Any, Any]]) -> Mapping[Any, Any]:
    """A ``FrozenMap`` of ``items`` (one level: the values are kept as they are).

    Raises:
        ValidationError: ``items`` is neither a mapping nor ``(key, value)`` pairs.
    """
    kind = type(items)
    if kind is FrozenMap:
        return items  # type: ignore[return-value]
    if kind is dict or isinstance(items, Mapping):
        return FrozenMap(items) if items else EMPTY_MAP
    _refuse_text(items, "a mapping (a dict)")
    try:
        return FrozenMap(items)
    except (TypeError, ValueError):
        raise _not_a("a mapping (a dict)", items) from None


def frozen_seq(items: Iterable[Any]) -> tuple[Any, ...]:
    """``items`` as a tuple (one level: the items are kept as they are).

    Raises:
        ValidationError: ``items`` is a single string or not iterable.
    """
    if type(items) is tuple:
        return items
    _refuse_text(items, "a list or tuple")
    try:
        return tuple(items)
    except TypeError:
        raise _not_a("a list or tuple", items) from None


def frozen_set(items: Iterable[Any]) -> frozenset[Any]:
    """``items`` as a frozenset (one level).

    Raises:
        ValidationError: ``items`` is a single string or not iterable.
    """
    if type(items) is frozenset:
        return items
    _refuse_text(items, "a set or list")
    try:
        return frozenset(items)
    except TypeError:
        raise _not_a("a set or list of hashable values", items) from None


def frozen_set_or_none(items: Iterable[Any] | None) -> frozenset[Any] | None:
    """``items`` as a frozenset, or None when there is no set (no filter)."""
    return None if items is None else frozen_set(items)


def freeze(value: Any) -> Any:
    """``value`` frozen all the way down: mappings, lists, tuples and sets.

    Mappings become ``FrozenMap``, lists and tuples tuples, sets frozensets,
    recursively; anything else (strings, numbers, attrs values) is returned
    as it is. A value that is already frozen is returned itself, not copied.
    """
    kind = type(value)
    if kind in _ATOMS or kind is JsonDocument:
        return value
    if kind is FrozenMap:
        if value._deep:
            return value
        return _freeze_map(value)
    if kind is dict:
        return _freeze_map(value)
    if kind is tuple:
        frozen = tuple([v if type(v) in _ATOMS else freeze(v) for v in value])
        return value if all(map(operator.is_, frozen, value)) else frozen
    if kind is list:
        return tuple([v if type(v) in _ATOMS else freeze(v) for v in value])
    if kind is frozenset or kind is set:
        members = frozenset([freeze(v) for v in value])
        return value if kind is frozenset and members == value else members
    if isinstance(value, Mapping):
        return _freeze_map(value)
    return value


# Exact types that freeze returns as they are, checked before anything slower.
_ATOMS = frozenset({str, int, float, bool, type(None), bytes})


def _freeze_map(value: Mapping[Any, Any]) -> Mapping[Any, Any]:
    if not value:
        return EMPTY_MAP
    # Atoms inline: most values are strings and numbers, and a call costs more.
    atoms = _ATOMS
    return FrozenMap._frozen_through(
        {k: v if type(v) in atoms else freeze(v) for k, v in value.items()}
    )


@final
class JsonDocument(Mapping[str, Any]):
    """A read-only JSON object kept as its text, read (frozen) on first access.

    For a document written far more often than read (a receipt, read again
    only on a replay): a store can keep ``text`` as it is, and nothing walks
    the data to freeze it unless someone reads it. Equal to any mapping with
    the same items; hashed like its frozen items.
    """

    __slots__ = ("_read", "_source", "_text")

    _text: str | None
    _read: Mapping[str, Any] | None
    _source: tuple[Any, Callable[[Any], Mapping[str, Any]]] | None

    def __init__(self, text: str) -> None:
        object.__setattr__(self, "_text", text)
        object.__setattr__(self, "_read", None)
        object.__setattr__(self, "_source", None)

    @classmethod
    def of(cls, value: Any, to_dict: Callable[[Any], Mapping[str, Any]]) -> JsonDocument:
        """The document of an immutable ``value``, made (by ``to_dict``) only when read.

        A store that keeps values as they are never pays for the encoding;
        one that writes text asks for ``text`` once.
        """
        made: JsonDocument = object.__new__(cls)
        object.__setattr__(made, "_text", None)
        object.__setattr__(made, "_read", None)
        object.__setattr__(made, "_source", (value, to_dict))
        return made

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"JsonDocument is read-only; can't set {name!r}")

    @property
    def text(self) -> str:
        """The document as compact JSON text."""
        if self._text is None:
            if self._source is not None and self._read is None:
                value, to_dict = self._source
                data: Any = to_dict(value)  # plain dicts and lists already
            else:
                data = thaw(self._items())
            text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
            object.__setattr__(self, "_text", text)
        assert self._text is not None
        return self._text

    def _items(self) -> Mapping[str, Any]:
        if self._read is None:
            if self._source is not None:
                value, to_dict = self._source
                read = freeze(to_dict(value))
            else:
                assert self._text is not None
                read = freeze(json.loads(self._text))
            object.__setattr__(self, "_read", read)
        assert self._read is not None
        return self._read

    def __getitem__(self, key: str) -> Any:
        return self._items()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items())

    def __len__(self) -> int:
        return len(self._items())

    def __eq__(self, other: object) -> bool:
        return self._items() == other

    def __hash__(self) -> int:
        return hash(self._items())

    def __repr__(self) -> str:
        return f"JsonDocument({self.text!r})"

    def __reduce__(self) -> tuple[Any, ...]:  # pickles as text, whatever it was made from
        return (JsonDocument, (self.text,))


def assembled(items: dict[Any, Any]) -> Mapping[Any, Any]:
    """A deep ``FrozenMap`` taking ``items`` as it is, without walking it.

    Only for a fresh dict, held by no one else, whose values are all frozen
    all the way down already (the parts of a larger value frozen one by one,
    or reused from an earlier frozen value): it is not copied or checked.
    """
    return FrozenMap._frozen_through(items) if items else EMPTY_MAP


def frozen_json(items: Mapping[Any, Any]) -> Mapping[Any, Any]:
    """A ``FrozenMap`` of JSON-like ``items``, frozen all the way down.

    Raises:
        ValidationError: ``items`` is not a mapping.
    """
    kind = type(items)
    if kind is FrozenMap and items._deep:  # type: ignore[attr-defined]
        return items
    if kind is not dict and not isinstance(items, Mapping):
        raise _not_a("a mapping (a dict)", items)
    frozen: Mapping[Any, Any] = freeze(items)
    return frozen


def frozen_tree(items: Iterable[Any]) -> tuple[Any, ...]:
    """``items`` as a tuple, each item frozen all the way down (pairs, rows).

    Raises:
        ValidationError: ``items`` is a single string or not iterable.
    """
    if not isinstance(items, list | tuple):
        items = list(frozen_seq(items))
    frozen: tuple[Any, ...] = freeze(items)
    return frozen


def _refuse_text(items: object, what: str) -> None:
    # A str is iterable, and "vip" would silently become ("v", "i", "p").
    if isinstance(items, str | bytes):
        raise ValidationError.single(
            "",
            f"expected {what} of values, got a single {type(items).__name__}; "
            "wrap one value in a list (e.g. ['vip'])",
        )


def _not_a(what: str, items: object) -> ValidationError:
    # The message names the type only, never the value: it may be customer data.
    return ValidationError.single("", f"expected {what}, got {type(items).__name__}")


def thaw(value: Any) -> Any:
    """Plain JSON-ready data from frozen data: dicts and lists again.

    The inverse of ``freeze`` for JSON-like data: ``FrozenMap`` (any mapping)
    becomes a dict, tuples and lists lists, sets sorted lists, recursively.
    """
    # Exact types first, atoms inline: every stored record passes through here.
    kind = type(value)
    if kind in _ATOMS:
        return value
    if kind is FrozenMap or kind is dict:
        items = value._data if kind is FrozenMap else value
        return {k: v if type(v) in _ATOMS else thaw(v) for k, v in items.items()}
    if kind is tuple or kind is list:
        return [v if type(v) in _ATOMS else thaw(v) for v in value]
    if isinstance(value, str | int | float | bool):  # subclasses, such as enums on str
        return value
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [thaw(v) for v in value]
    if isinstance(value, set | frozenset):
        members = [thaw(v) for v in value]
        try:
            return sorted(members)
        except TypeError:  # mixed kinds have no order; keep them all
            return members
    return value
