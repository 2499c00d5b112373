"""The one converter between omnicx values and JSON-ready dicts.

This is the only module that imports cattrs for omnicx's own types: domain
modules stay plain attrs, and validation of outside data happens here, at the
edge. The wire format:

- datetimes are ISO 8601 strings in UTC (``"2026-03-01T09:30:00Z"``); input
  may carry any offset, a naive one is refused;
- enums are their string values, channels their names, decimals strings;
- sets are sorted lists, tuples lists;
- timeline events are tagged by a ``"type"`` key holding the kind's wire tag;
- unknown keys, wrong types and missing fields are refused, all of them at
  once, each with its path, as one ``ValidationError``.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar, cast

import cattrs
from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn

from omnicx._caches import memo
from omnicx._frozen import FrozenMap, thaw
from omnicx.errors import Problem, ValidationError, suggest
from omnicx.model import EVENT_TYPES, Channel, Event

__all__ = [
    "EVENT_TAGS",
    "converter",
    "event_from_dict",
    "event_to_dict",
    "from_dict",
    "from_json",
    "make_converter",
    "to_dict",
    "to_json",
]

T = TypeVar("T")

EVENT_TAGS: Mapping[str, type[Event]] = {cls.TAG: cls for cls in EVENT_TYPES}
"""Wire tag -> event class, for every timeline event kind."""

_TAG_KEY = "type"


def _type_name(value: object) -> str:
    return type(value).__name__


def _strict(expected: type[Any], label: str) -> Callable[[Any, Any], Any]:
    # cattrs' default scalar hooks coerce (bool("false") is True); refuse instead.
    def hook(value: Any, _type: Any) -> Any:
        if type(value) is expected:  # the usual case, decided by one identity check
            return value
        if isinstance(value, expected) and not (expected is not bool and isinstance(value, bool)):
            return value
        raise ValidationError.single("", f"expected {label}, got {_type_name(value)}")

    return hook


def _structure_float(value: Any, _type: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise ValidationError.single("", f"expected a number, got {_type_name(value)}")


def _structure_datetime(value: Any, _type: Any) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValidationError.single(
                "", f"invalid ISO 8601 datetime {value!r}; use e.g. '2026-03-01T09:30:00Z'"
            ) from None
    else:
        raise ValidationError.single("", f"expected an ISO 8601 string, got {_type_name(value)}")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValidationError.single("", "naive datetime; add a UTC offset (e.g. 'Z' or '+02:00')")
    return parsed


def _unstructure_datetime(value: datetime) -> str:
    # ``fold`` is part of the key: inside one zone, the two readings of a
    # fall-back hour compare (and hash) equal, yet they are different instants.
    return _utc_text(value, value.fold)


# Records repeat the same instants (a message's time is in its event, its
# conversation and its receipt): each is formatted once while it stays recent.
# Equal aware datetimes of one fold are the same instant: one UTC string.
@memo(4096, personal=False)
def _utc_text(value: datetime, _fold: int) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _structure_decimal(value: Any, _type: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValidationError.single("", f"expected a decimal string, got {_type_name(value)}")
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError.single("", f"invalid decimal {value!r}") from None
    if not result.is_finite():
        raise ValidationError.single("", f"decimal must be finite, got {value!r}")
    return result


def _structure_channel(value: Any, _type: Any) -> Channel:
    if not isinstance(value, str):
        raise ValidationError.single("", f"expected a channel name, got {_type_name(value)}")
    try:
        return Channel(value)
    except ValidationError as error:
        raise ValidationError.single("", error.problems[0].message) from None


def _members(cls: type[enum.Enum]) -> dict[tuple[type[Any], Any], enum.Enum]:
    # Keyed by the value's type too: 1 and True (or 1.0) name different members.
    return {(type(member.value), member.value): member for member in cls}


# One table per enum class of omnicx's (a fixed, small set): owned by this module.
_MEMBERS: dict[type[enum.Enum], dict[tuple[type[Any], Any], enum.Enum]] = {}


def _structure_enum(value: Any, cls: type[enum.Enum]) -> enum.Enum:
    members = _MEMBERS.get(cls)
    if members is None:
        members = _MEMBERS[cls] = _members(cls)
    try:
        found = members.get((type(value), value))
    except TypeError:  # an unhashable value (a list, a dict): no member
        found = None
    if found is not None:
        return found
    choices = [str(m.value) for m in cls]
    hint = suggest(value, choices) if isinstance(value, str) else ""
    raise ValidationError.single(
        "", f"unknown value {value!r}{hint}; expected one of: {', '.join(choices)}"
    )


def _structure_json_object(value: Any, _type: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise ValidationError.single(
            "", f"expected an object with string keys, got {_type_name(value)}"
        )
    return dict(value)


def _sorted_list(items: Iterable[Any]) -> list[Any]:
    # Sets in omnicx hold strings (tags, skills, ids); sorting keeps output stable.
    return sorted(items)


def _frozen_map_unstructurer(conv: cattrs.Converter) -> Callable[[FrozenMap[Any, Any]], Any]:
    # A FrozenMap met by its runtime type (under ``Any``): a dict of unstructured items.
    def unstructure(value: FrozenMap[Any, Any]) -> dict[Any, Any]:
        return {conv.unstructure(k): conv.unstructure(v) for k, v in value.items()}

    return unstructure


def make_converter() -> cattrs.Converter:
    """Build a converter configured for omnicx's wire format.

    Hosts that embed omnicx values in their own attrs classes can start from
    this converter and register their own hooks on it.
    """
    conv = cattrs.Converter(
        forbid_extra_keys=True,
        detailed_validation=True,
        # JSON has lists only: tuples become lists, sets sorted lists.
        unstruct_collection_overrides={AbstractSet: _sorted_list, Sequence: list},
    )
    conv.register_structure_hook(str, _strict(str, "a string"))
    conv.register_structure_hook(bool, _strict(bool, "true or false"))
    conv.register_structure_hook(int, _strict(int, "an integer"))
    conv.register_structure_hook(float, _structure_float)
    conv.register_structure_hook(datetime, _structure_datetime)
    conv.register_unstructure_hook(datetime, _unstructure_datetime)
    conv.register_structure_hook(Decimal, _structure_decimal)
    conv.register_unstructure_hook(Decimal, str)
    conv.register_structure_hook(Channel, _structure_channel)
    conv.register_unstructure_hook(Channel, lambda channel: channel.name)
    conv.register_structure_hook_func(
        lambda t: isinstance(t, type) and issubclass(t, enum.Enum), _structure_enum
    )
    conv.register_structure_hook_func(lambda t: t == Mapping[str, Any], _structure_json_object)
    # Values hold JSON-like data frozen (FrozenMap, tuples): thaw it back to dicts and lists.
    conv.register_unstructure_hook_func(lambda t: t == Mapping[str, Any], thaw)
    conv.register_unstructure_hook(FrozenMap, _frozen_map_unstructurer(conv))
    _register_events(conv)
    return conv


def _register_events(conv: cattrs.Converter) -> None:
    for cls in EVENT_TYPES:
        conv.register_structure_hook(cls, _event_structurer(conv, cls))
        conv.register_unstructure_hook(cls, _event_unstructurer(conv, cls))

    def structure_event(value: Any, _type: Any) -> Event:
        tag = value.get(_TAG_KEY) if isinstance(value, Mapping) else None
        cls = EVENT_TAGS.get(tag) if isinstance(tag, str) else None
        if cls is None:
            hint = suggest(tag, list(EVENT_TAGS)) if isinstance(tag, str) else ""
            raise ValidationError.single(
                _TAG_KEY,
                f"unknown or missing event type {tag!r}{hint}; "
                f"expected one of: {', '.join(sorted(EVENT_TAGS))}",
            )
        return conv.structure(value, cls)

    # Event is a union: register by predicate, so the per-class hooks stay.
    conv.register_structure_hook_func(lambda t: t == Event, structure_event)
    conv.register_unstructure_hook_func(
        lambda t: t == Event, lambda event: conv.unstructure(event, type(event))
    )


def _event_structurer(conv: cattrs.Converter, cls: type[Event]) -> Callable[[Any, Any], Event]:
    generated = make_dict_structure_fn(cls, conv, _cattrs_forbid_extra_keys=True)

    def structure(value: Any, _type: Any) -> Event:
        if not isinstance(value, Mapping):
            raise ValidationError.single("", f"expected an event object, got {_type_name(value)}")
        tag = value.get(_TAG_KEY, cls.TAG)
        if tag != cls.TAG:
            raise ValidationError.single(_TAG_KEY, f"expected {cls.TAG!r}, got {tag!r}")
        fields = dict(value)
        fields.pop(_TAG_KEY, None)
        return generated(fields, cls)

    return structure


def _event_unstructurer(
    conv: cattrs.Converter, cls: type[Event]
) -> Callable[[Event], dict[str, Any]]:
    generated = make_dict_unstructure_fn(cls, conv)

    def unstructure(event: Event) -> dict[str, Any]:
        return {_TAG_KEY: cls.TAG, **generated(event)}

    return unstructure


def _join(path: str, name: str | int) -> str:
    if isinstance(name, int):
        return f"{path}[{name}]"
    return f"{path}.{name}" if path else name


def _problems(exc: BaseException, path: str) -> Iterator[Problem]:
    if isinstance(exc, ForbiddenExtraKeysError):
        known = [a.name for a in getattr(exc.cl, "__attrs_attrs__", ())]
        for key in sorted(exc.extra_fields):
            yield Problem(_join(path, key), f"unknown field{suggest(key, known)}")
    elif isinstance(exc, ClassValidationError | IterableValidationError):
        for sub in exc.exceptions:
            sub_path = path
            for note in getattr(sub, "__notes__", ()):
                if isinstance(note, AttributeValidationNote):
                    sub_path = _join(path, note.name)
                elif isinstance(note, IterableValidationNote):
                    sub_path = _join(path, cast(int, note.index))
            yield from _problems(sub, sub_path)
    elif isinstance(exc, ValidationError):
        for problem in exc.problems:
            yield problem.under(path)
    elif isinstance(exc, KeyError):
        yield Problem(path, "missing required field")
    elif isinstance(exc, TypeError | ValueError | AttributeError):
        yield Problem(path, f"invalid value ({_type_name(exc)}: {exc})")
    else:
        raise exc


converter: cattrs.Converter = make_converter()
"""The default converter; ``make_converter()`` builds a fresh one."""


def to_dict(value: Any) -> Any:
    """Turn an omnicx value into JSON-ready data (dicts, lists, strings, numbers)."""
    return converter.unstructure(value)


def from_dict(cls: type[T], data: Any) -> T:
    """Build a ``cls`` from JSON-ready data, checking everything.

    Raises:
        ValidationError: every problem found, each with its path
            (``identifiers[1].kind: unknown value 'mail' (did you mean 'email'?)``).
    """
    try:
        return converter.structure(data, cls)
    except Exception as exc:
        raise ValidationError(list(_problems(exc, ""))) from None


def event_to_dict(event: Event) -> dict[str, Any]:
    """Turn a timeline event into a dict with its ``"type"`` tag."""
    return cast(dict[str, Any], converter.unstructure(event, type(event)))


def event_from_dict(data: Any) -> Event:
    """Build a timeline event from a dict carrying its ``"type"`` tag.

    Raises:
        ValidationError: unknown type, unknown keys, bad values; with paths.
    """
    return cast(Event, from_dict(cast(type[Any], Event), data))


def to_json(value: Any) -> str:
    """Serialize an omnicx value to a compact JSON string."""
    return json.dumps(to_dict(value), separators=(",", ":"), ensure_ascii=False)


def from_json(cls: type[T], text: str | bytes) -> T:
    """Parse JSON text into a ``cls``; malformed JSON is a ``ValidationError`` too."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ValidationError.single("", f"malformed JSON: {exc}") from None
    return from_dict(cls, data)
