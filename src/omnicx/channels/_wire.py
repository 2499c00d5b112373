"""A lenient, path-tracking view of decoded wire data.

Every adapter reads provider JSON through ``Wire`` so that a wrong or missing
field becomes a ``PayloadError`` carrying its reason and field path
(``entry[0].changes[1].value.messages[0].id``), never a KeyError or TypeError.
Lenient means: unknown fields are ignored, ids may arrive as numbers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import attrs

from omnicx.errors import PayloadError, PayloadReason, ValidationError

MAX_BODY = 5 * 1024 * 1024
"""The largest webhook body accepted (5 MiB); more is refused as TOO_LARGE."""


def check_size(body: bytes) -> None:
    """Refuse bodies over ``MAX_BODY`` and anything that is not bytes."""
    if not isinstance(body, bytes | bytearray):
        raise PayloadError(PayloadReason.MALFORMED, "body must be bytes")
    if len(body) > MAX_BODY:
        raise PayloadError(PayloadReason.TOO_LARGE, f"body is over {MAX_BODY} bytes")


# A JSON escape of half a UTF-16 pair ("\ud83d"); valid pairs match too and
# decode whole, so only a match asks for the slower walk below.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def load_json(body: bytes) -> Wire:
    """Decode a UTF-8 JSON body into a ``Wire`` at the root.

    A lone surrogate escape (half of a UTF-16 pair, as a client that cut a
    string between the halves of an emoji sends) decodes to U+FFFD: such
    text has no UTF-8 form, so no store could keep it.
    """
    check_size(body)
    try:
        value = json.loads(bytes(body).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise PayloadError(PayloadReason.MALFORMED, "body is not UTF-8 JSON") from None
    if _SURROGATE_ESCAPE.search(body):
        value = _replace_surrogates(value)
    return Wire(value=value, path="")


def _replace_surrogates(value: Any) -> Any:
    # Iterative, so a deeply nested body costs no recursion.
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    root: list[Any] = [value]
    stack: list[Any] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            items = list(node.items())
            node.clear()
            for key, item in items:
                node[_LONE_SURROGATE.sub("\ufffd", key)] = item
            keys: Iterator[Any] = iter(list(node))
        elif isinstance(node, list):
            keys = iter(range(len(node)))
        else:
            continue
        for key in keys:
            item = node[key]
            if isinstance(item, str):
                node[key] = _LONE_SURROGATE.sub("\ufffd", item)
            elif isinstance(item, dict | list):
                stack.append(item)
    return root[0]


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


@attrs.frozen(kw_only=True)
class Wire:
    """One value in a decoded payload and the path that led to it."""

    value: Any
    path: str

    def _child_path(self, key: str | int) -> str:
        if isinstance(key, int):
            return f"{self.path}[{key}]"
        return f"{self.path}.{key}" if self.path else key

    def _wrong(self, expected: str, path: str, value: Any) -> PayloadError:
        return PayloadError(
            PayloadReason.WRONG_TYPE,
            f"expected {expected}, got {_type_name(value)}",
            field=path or None,
        )

    def obj(self) -> dict[str, Any]:
        """This value as an object, or WRONG_TYPE."""
        if not isinstance(self.value, dict):
            raise self._wrong("an object", self.path, self.value)
        return self.value

    def has(self, key: str) -> bool:
        """Whether this object has ``key`` with a non-null value."""
        return self.obj().get(key) is not None

    def get(self, key: str) -> Wire:
        """The member ``key`` (its value None when absent)."""
        return Wire(value=self.obj().get(key), path=self._child_path(key))

    def missing(self, key: str) -> PayloadError:
        """The error for a required member that is absent."""
        return PayloadError(
            PayloadReason.MISSING_FIELD, "required field is missing", field=self._child_path(key)
        )

    def child(self, key: str) -> Wire:
        """The required object member ``key``."""
        node = self.get(key)
        if node.value is None:
            raise self.missing(key)
        node.obj()
        return node

    def opt_text(self, key: str) -> str | None:
        """The member ``key`` as text (numbers accepted), or None when absent."""
        node = self.get(key)
        value = node.value
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise self._wrong("a string", node.path, value)
        return str(value)

    def text(self, key: str) -> str:
        """The required, non-empty member ``key`` as text."""
        value = self.opt_text(key)
        if value is None or not value.strip():
            raise self.missing(key)
        return value

    def items(self, key: str) -> Iterator[Wire]:
        """The elements of the array member ``key`` (none when absent)."""
        node = self.get(key)
        if node.value is None:
            return
        if not isinstance(node.value, list):
            raise self._wrong("an array", node.path, node.value)
        for index, item in enumerate(node.value):
            yield Wire(value=item, path=node._child_path(index))

    def number(self, key: str) -> float | None:
        """The member ``key`` as a number (numeric strings accepted), or None."""
        node = self.get(key)
        value = node.value
        if value is None:
            return None
        if isinstance(value, bool):
            raise self._wrong("a number", node.path, value)
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise self._wrong("a number", node.path, value) from None
        except OverflowError:  # a JSON integer past a float's range (10**400)
            number = float("inf")
        if number != number or number in (float("inf"), float("-inf")):
            raise PayloadError(PayloadReason.INVALID_VALUE, "not a finite number", field=node.path)
        return number

    def instant(self, key: str, *, millis: bool = False) -> datetime:
        """The required Unix timestamp ``key`` (seconds, or milliseconds) as a UTC datetime."""
        number = self.number(key)
        if number is None:
            raise self.missing(key)
        seconds = number / 1000 if millis else number
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise PayloadError(
                PayloadReason.INVALID_VALUE, "timestamp out of range", field=self._child_path(key)
            ) from None

    def iso_instant(self, key: str) -> datetime:
        """The required ISO 8601 timestamp ``key`` as a UTC datetime (offset required)."""
        return parse_instant(self.text(key), field=self._child_path(key))


def parse_instant(text: str, *, field: str) -> datetime:
    """An ISO 8601 timestamp with an offset, as a UTC datetime; else ``PayloadError``."""
    try:
        parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise PayloadError(
            PayloadReason.INVALID_VALUE,
            "expected an ISO 8601 timestamp with an offset",
            field=field,
        )
    return in_utc(parsed, field=field)


def in_utc(stamp: datetime, *, field: str) -> datetime:
    """``stamp`` in UTC (naive means UTC); an instant past year 1 or 9999 in UTC is ``PayloadError``.

    ``0001-01-01T00:00+01:00`` is a valid ISO 8601 spelling whose UTC form
    does not exist in ``datetime``: converting it overflows.
    """
    if stamp.tzinfo is None:
        return stamp.replace(tzinfo=UTC)
    try:
        return stamp.astimezone(UTC)
    except (OverflowError, ValueError):
        raise PayloadError(
            PayloadReason.INVALID_VALUE, "timestamp out of range", field=field
        ) from None


def unsupported(detail: str, field: str | None = None) -> PayloadError:
    """A well-formed payload of a kind the adapter does not handle."""
    return PayloadError(PayloadReason.UNSUPPORTED, detail, field=field)


@contextmanager
def entry_point() -> Iterator[None]:
    """Re-type a model invariant the payload broke (a blank id) as a ``PayloadError``.

    Wraps each adapter's ``parse``: the one place where values built from the
    wire meet the model's validators.
    """
    try:
        yield
    except ValidationError as error:
        problem = error.problems[0]
        raise PayloadError(
            PayloadReason.INVALID_VALUE, problem.message, field=problem.path or None
        ) from None
