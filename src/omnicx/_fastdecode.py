"""A faster decoder for well-formed event lines: same events, same errors, as ``omnicx.serde``.

Reading a large event log, most of the time goes into turning each line into
an event: parsing the JSON, then structuring it through cattrs, whose
generated code collects detailed errors field by field. This module takes
the common case, a line ``serde.event_to_dict`` wrote (every field present,
each of the expected JSON type), through a decoder compiled per class at
import from the same attrs fields: the same structure hooks for datetimes,
enums, channels and mappings, the same class constructors (so the same
validators and converters), without the error bookkeeping. Anything else (a
missing or unknown key, a value of another type, a constructor refusing a
value) goes to ``serde.event_from_dict``, which builds the event or raises
the ``ValidationError`` it always raises: errors come only from there.

JSON is parsed by ``orjson`` when it is installed (the ``fast`` extra), and
by ``json`` otherwise or whenever ``orjson`` refuses a line, so a line that
is not valid JSON fails with the standard library's own message; a value
``orjson`` parses, ``json`` parses alike (both read numbers and strings
exactly; ``orjson`` refuses what ``json`` alone accepts, such as ``NaN`` or
integers beyond 64 bits).
"""

from __future__ import annotations

import importlib
import json
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from omnicx import serde
from omnicx.model import EVENT_TYPES, Channel, Event

__all__ = ["HAVE_ORJSON", "event_from_dict", "event_from_line"]

try:  # the ``fast`` extra; imported by name, so type checks need no orjson either
    _orjson_loads: Callable[[bytes], Any] | None = importlib.import_module("orjson").loads
except ImportError:  # pragma: no cover - depends on the environment
    _orjson_loads = None

HAVE_ORJSON = _orjson_loads is not None
"""True when ``orjson`` parses the lines."""

_BOM = b"\xef\xbb\xbf"
# orjson reads an integer beyond 64 bits as a float, where json keeps it
# exact: a float this large inside a JSON object field is not taken as it is.
_BIG = float(2**63)


class _Miss(Exception):
    """Not the common case: let ``serde`` decide."""


_MISS = _Miss()


def _require(ok: bool) -> None:
    if not ok:
        raise _MISS


def _exact(value: Any) -> Any:
    """``value`` itself, unless it holds a float of 2**63 or more (it may have been an integer)."""
    kind = type(value)
    if kind is float:
        _require(-_BIG < value < _BIG)
    elif kind is dict:
        for item in value.values():
            if type(item) is not str:
                _exact(item)
    elif kind is list:
        for item in value:
            if type(item) is not str:
                _exact(item)
    return value


def _hook(kind: Any) -> Callable[[Any, Any], Any]:
    return serde.converter.get_structure_hook(kind)


def _generated(cls: type) -> bool:
    # Compiled here only where cattrs itself would structure the class from its
    # fields (not where serde registered a hook of its own, as for Channel).
    hook = _hook(cls)
    code = getattr(hook, "__code__", None)
    return code is not None and code.co_filename.startswith("<cattrs generated structure")


class _Compiler:
    """Writes one decoding function per attrs class, recursively."""

    def __init__(self) -> None:
        self.names: dict[str, Any] = {"_require": _require, "_MISS": _MISS, "_exact": _exact}
        self.done: dict[type, str] = {}
        self.source: list[str] = []

    def constant(self, value: Any, hint: str) -> str:
        name = f"_{hint}_{len(self.names)}"
        self.names[name] = value
        return name

    def value(self, kind: Any, var: str) -> str:
        """An expression decoding ``var`` as ``kind`` (it raises ``_Miss`` when unsure)."""
        if kind is str or kind is bool or kind is int:
            return f"({var} if type({var}) is {kind.__name__} else _require(False))"
        origin, args = typing.get_origin(kind), typing.get_args(kind)
        if origin in (typing.Union, types.UnionType) and len(args) == 2 and type(None) in args:
            inner = args[0] if args[1] is type(None) else args[1]
            return f"(None if {var} is None else {self.value(inner, var)})"
        if origin in (tuple, frozenset) and (
            (origin is tuple and len(args) == 2 and args[1] is Ellipsis)
            or (origin is frozenset and len(args) == 1)
        ):
            item = self.value(args[0], "_e")
            make = "tuple" if origin is tuple else "frozenset"
            return f"({make}([{item} for _e in {var}]) if type({var}) is list else _require(False))"
        if isinstance(kind, type) and attrs.has(kind) and kind is not Channel and _generated(kind):
            return f"{self.function(kind)}({var})"
        # Everything else through the very hook cattrs would call for the field;
        # JSON documents and floats are first checked for what orjson reads
        # otherwise than json (``_exact``).
        hook = self.constant(_hook(kind), "hook")
        value = var if kind is not float and kind != Mapping[str, Any] else f"_exact({var})"
        return f"{hook}({value}, {self.constant(kind, 'type')})"

    def function(self, cls: type, tag: str | None = None) -> str:
        """The name of ``cls``'s decoding function, written on first use."""
        if cls in self.done:
            return self.done[cls]
        try:
            return self._write(cls, tag)
        except Exception:
            self.done.pop(cls, None)
            raise

    def _write(self, cls: type, tag: str | None) -> str:
        name = self.done[cls] = f"_decode_{cls.__name__}_{len(self.done)}"
        hints = typing.get_type_hints(cls)
        fields = attrs.fields(cls)
        if any(not f.init or f.alias != f.name for f in fields):
            raise TypeError(f"{cls.__name__}: fields the decoder does not handle")
        keys = {f.name for f in fields} | ({"type"} if tag is not None else set())
        lines = [f"def {name}(o):"]
        lines.append(
            f"    if type(o) is not dict or o.keys() != {self.constant(frozenset(keys), 'keys')}:"
        )
        lines.append("        raise _MISS")
        if tag is not None:
            lines.append(f"    if o['type'] != {tag!r}:")
            lines.append("        raise _MISS")
        arguments = []
        for i, field in enumerate(fields):
            var = f"v{i}"
            lines.append(f"    {var} = o[{field.name!r}]")
            arguments.append(f"{field.name}={self.value(hints[field.name], var)}")
        lines.append(f"    return {self.constant(cls, 'cls')}({', '.join(arguments)})")
        self.source.append("\n".join(lines))
        return name

    def build(self) -> dict[str, Callable[[Any], Any]]:
        """Tag -> decoder for every event class the compiler can take."""
        entry = {}
        for cls in EVENT_TYPES:
            try:
                entry[cls.TAG] = self.function(cls, cls.TAG)
            except Exception:
                continue
        namespace = dict(self.names)
        exec(compile("\n\n".join(self.source), "<omnicx event decoders>", "exec"), namespace)
        return {tag: namespace[name] for tag, name in entry.items()}


_DECODERS: Mapping[str, Callable[[Any], Any]] = _Compiler().build()


def event_from_dict(data: Any) -> Event:
    """``serde.event_from_dict(data)``, faster for the dicts ``serde.event_to_dict`` writes.

    Raises:
        ValidationError: exactly what ``serde.event_from_dict`` raises.
    """
    tag = data.get("type") if type(data) is dict else None
    if type(tag) is str:
        decoder = _DECODERS.get(tag)
        if decoder is not None:
            try:
                return decoder(data)  # type: ignore[no-any-return]
            except Exception:
                pass
    return serde.event_from_dict(data)


def event_from_line(line: bytes) -> Event:
    """The event of one JSON line: what ``serde.event_from_dict(json.loads(line))`` gives.

    With ``orjson``, a line it parses and the compiled decoder takes is done
    that way; any other line is parsed again by ``json`` and decoded as
    ``event_from_dict`` decodes it, so every error is the plain path's.

    Raises:
        UnicodeDecodeError: the line is not UTF-8.
        json.JSONDecodeError: the line is not JSON.
        ValidationError: the JSON is not a valid event.
    """
    fast = _orjson_loads
    if fast is not None and not line.startswith(_BOM):
        try:
            data = fast(line)
            decoder = _DECODERS[data["type"]]
            return decoder(data)  # type: ignore[no-any-return]
        except Exception:
            pass
    return event_from_dict(json.loads(line.decode("utf-8")))
