"""The one value every adapter's ``verify`` and ``parse`` take: a received webhook request.

The host builds a :class:`WebhookRequest` from its framework's request and
its own clock: ``received_at`` is the host's reading when the request
arrived, never a header a client could send. HTTP header names are
case-insensitive (RFC 9110 section 5.1), so ``headers`` is a
:class:`Headers` mapping that finds ``x-twilio-signature`` under any spelling.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, final

import attrs

from omnicx._frozen import EMPTY_MAP, frozen_map
from omnicx.model._checks import aware


@final
class Headers(Mapping[str, str]):
    """A read-only mapping of HTTP headers, looked up case-insensitively; hashable.

    Iteration gives the names as the host spelled them. A name given twice
    in different cases keeps the last value (a host that folds repeated
    headers joins them with ``", "`` first, as RFC 9110 section 5.3 allows).
    """

    __slots__ = ("_by_lower", "_hash")

    _by_lower: dict[str, tuple[str, str]]
    _hash: int | None

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items
        by_lower: dict[str, tuple[str, str]] = {}
        for name, value in pairs:
            by_lower[name.lower()] = (name, value)
        object.__setattr__(self, "_by_lower", by_lower)
        object.__setattr__(self, "_hash", None)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Headers is read-only; can't set {name!r}")

    def __getitem__(self, name: str) -> str:
        if not isinstance(name, str):
            raise KeyError(name)
        return self._by_lower[name.lower()][1]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._by_lower

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._by_lower.values())

    def __len__(self) -> int:
        return len(self._by_lower)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Headers):
            return self._lowered() == other._lowered()
        if isinstance(other, Mapping):
            return self._lowered() == Headers(other)._lowered()
        return NotImplemented

    def __hash__(self) -> int:
        if self._hash is None:
            object.__setattr__(self, "_hash", hash(frozenset(self._lowered().items())))
        assert self._hash is not None
        return self._hash

    def __repr__(self) -> str:
        return f"Headers({dict(self.items())!r})"

    def _lowered(self) -> dict[str, str]:
        return {lower: value for lower, (_, value) in self._by_lower.items()}


def to_headers(value: Any) -> Headers:
    """attrs converter: any mapping or pairs into :class:`Headers` (a ``Headers`` as is)."""
    return value if isinstance(value, Headers) else Headers(value)


def _body(value: Any) -> Any:
    # bytearray and memoryview (what some servers hand over) become bytes; an
    # int is never a body (bytes(5) would be five NULs), so it reaches the type check.
    return bytes(value) if isinstance(value, bytearray | memoryview) else value


def _in_utc(value: Any) -> Any:
    # Aware instants are kept as UTC; anything else reaches the validator unchanged.
    if isinstance(value, datetime) and value.tzinfo is not None and value.utcoffset() is not None:
        return value.astimezone(UTC)
    return value


@attrs.frozen(kw_only=True)
class WebhookRequest:
    """One webhook request as the host received it.

    Attributes:
        body: the raw body, exactly as received (signatures cover these bytes).
        received_at: the host's clock reading when the request arrived
            (timezone-aware; kept in UTC). Providers that put no timestamp
            in their payload (Twilio) date their messages by it, and every
            message's sent time is bounded by it. No header can set it.
        method: the HTTP method (``GET`` for verification handshakes).
        url: the full URL the provider called, query string included
            (Twilio signs it).
        headers: the request headers, looked up case-insensitively.
        query: the query string's parameters (the first of repeated names).
    """

    body: bytes = attrs.field(converter=_body, validator=attrs.validators.instance_of(bytes))
    received_at: datetime = attrs.field(
        converter=_in_utc, validator=[attrs.validators.instance_of(datetime), aware]
    )
    method: str = "POST"
    url: str = ""
    headers: Headers = attrs.field(factory=Headers, converter=to_headers)
    query: Mapping[str, str] = attrs.field(default=EMPTY_MAP, converter=frozen_map)
