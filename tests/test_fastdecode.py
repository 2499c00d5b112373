"""The fast event decoder: the events and the errors of the plain path (``json`` + cattrs).

``omnicx._fastdecode`` decodes the lines ``omnicx metrics`` and ``omnicx
report`` read. Whatever a line holds (a valid event, a mutated one, bytes
that are not JSON), it must give what ``serde.event_from_dict(json.loads(
line))`` gives: an equal event built of the same types, or the same error.
With ``orjson`` installed (the ``fast`` extra) the line parser is checked
against ``json`` too.
"""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omnicx import _fastdecode, serde
from omnicx.errors import ValidationError
from omnicx.model import EVENT_TYPES
from omnicx.testing import strategies as oxs

_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)


def _same(a: Any, b: Any) -> bool:
    """Equal, and of the same type all the way down (a frozenset is not a set here)."""
    if type(a) is not type(b):
        return False
    if attrs.has(type(a)):
        return all(_same(getattr(a, f.name), getattr(b, f.name)) for f in attrs.fields(type(a)))
    if isinstance(a, tuple | list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) or type(a).__name__ == "FrozenMap":
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    return bool(a == b) and repr(a) == repr(b)


def _plain(line: bytes) -> tuple[str, Any]:
    try:
        return "event", serde.event_from_dict(json.loads(line.decode("utf-8")))
    except ValidationError as error:
        return "invalid", error.problems
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        return type(error).__name__, str(error)


def _fast(line: bytes) -> tuple[str, Any]:
    try:
        return "event", _fastdecode.event_from_line(line)
    except ValidationError as error:
        return "invalid", error.problems
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        return type(error).__name__, str(error)


def _agree(line: bytes) -> None:
    plain, fast = _plain(line), _fast(line)
    assert plain[0] == fast[0], (line, plain, fast)
    if plain[0] == "event":
        assert _same(plain[1], fast[1]), (line, plain, fast)
    else:
        assert plain == fast


def test_every_event_kind_but_one_has_a_compiled_decoder() -> None:
    """Only DetailsChanged (a union-valued mapping cattrs builds its own way) goes to serde."""
    missing = {cls.__name__ for cls in EVENT_TYPES if cls.TAG not in _fastdecode._DECODERS}
    assert missing == {"DetailsChanged"}


@settings(max_examples=300)
@given(oxs.events())
def test_a_written_event_decodes_to_the_same_event(event: Any) -> None:
    """What ``event_to_dict`` wrote comes back equal and of the same types, by either path."""
    line = json.dumps(serde.event_to_dict(event)).encode()
    _agree(line)
    plain = serde.event_from_dict(json.loads(line))
    assert plain == event
    assert _same(_fastdecode.event_from_dict(json.loads(line)), plain)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON value a mutation can hit."""
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _paths(item, (*path, i))
    return found


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A written event with one thing changed: a value replaced, a key dropped or added."""
    wire = serde.event_to_dict(draw(oxs.events()))
    data = json.loads(json.dumps(wire))
    path = draw(st.sampled_from(_paths(data)[1:]))
    parent, last = _at(data, path[:-1]), path[-1]
    how = draw(st.sampled_from(["replace", "drop", "add", "retype"]))
    if how == "replace":
        parent[last] = draw(_JSON)
    elif how == "drop":
        del parent[last]
    elif how == "add" and isinstance(parent, dict):
        parent[draw(st.text(max_size=8))] = draw(_JSON)
    elif how == "retype":
        data["type"] = draw(st.sampled_from([cls.TAG for cls in EVENT_TYPES]))
    return json.dumps(data).encode()


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_a_changed_event_gives_the_same_event_or_the_same_problems(line: bytes) -> None:
    """Dropped keys, unknown keys, wrong types or values, a foreign tag: the same outcome."""
    _agree(line)


@settings(max_examples=300)
@given(
    st.one_of(
        st.binary(max_size=40),
        _JSON.map(lambda v: json.dumps(v).encode()),
        st.text(max_size=30).map(lambda t: t.encode("utf-8", "surrogatepass")),
        mutated().flatmap(lambda line: st.integers(0, len(line)).map(lambda n: line[:n])),
    )
)
def test_any_bytes_give_the_same_error(line: bytes) -> None:
    """Cut lines, junk, surrogates, bare JSON values: the plain path's error, word for word."""
    _agree(line)


@pytest.mark.skipif(not _fastdecode.HAVE_ORJSON, reason="orjson (the fast extra) not installed")
@settings(max_examples=500)
@given(_JSON)
def test_orjson_reads_documents_as_json_does(value: Any) -> None:
    """Big integers, floats, unicode: where orjson and json differ, the line goes to json."""
    wire = serde.event_to_dict(
        serde.event_from_dict(
            {
                "type": "custom",
                "id": "e1",
                "at": "2026-03-02T09:00:00Z",
                "customer_id": "p1",
                "source": "s",
                "name": "n",
            }
        )
    )
    wire["data"] = {"value": value}
    _agree(json.dumps(wire).encode())
    _agree(json.dumps(wire, ensure_ascii=False).encode())
