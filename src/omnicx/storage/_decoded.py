"""The decoded-row cache a database store keeps: stored JSON text -> its value.

A store reads the same rows again and again (a customer's profile, a busy
conversation) and decoding JSON into frozen values costs more than the
query. The cache is keyed by the value's type and the exact stored text, so
a row written since is a miss, never a stale hit. It is bounded twice: by
entries, and by the bytes of text it holds, so one long conversation whose
record grows with every message cannot fill memory with old versions of
itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, TypeVar, cast

from omnicx import serde

T = TypeVar("T")

MAX_ENTRIES = 4_096
"""Rows kept at most."""

MAX_TEXT_BYTES = 16 * 1024 * 1024
"""Characters of stored text kept at most (the decoded values take a few times more)."""


class DecodedRows:
    """Least recently used first out, within ``max_entries`` and ``max_text``.

    One per store object, used from that store's thread only (as the store
    itself). Holds personal data: a store's ``erase`` clears it.
    """

    def __init__(self, max_entries: int = MAX_ENTRIES, max_text: int = MAX_TEXT_BYTES) -> None:
        self.max_entries = max_entries
        self.max_text = max_text
        # Dicts keep insertion order: a hit is taken out and put back last.
        self._rows: dict[tuple[type[Any], str], Any] = {}
        self._text = 0

    def load(self, cls: type[T], text: str) -> T:
        """The value of ``cls`` stored as ``text``, decoded once while it stays cached."""
        key = (cls, text)
        value = self._rows.pop(key, None)
        if value is None:
            value = serde.from_dict(cls, json.loads(text))
        else:
            self._text -= len(text)
        self._keep(key, value)
        return cast(T, value)

    def remember(self, value: Any, text: str) -> None:
        """Keep ``value``, just written as ``text``, for the next read of it."""
        key = (type(value), text)
        if self._rows.pop(key, None) is not None:
            self._text -= len(text)
        self._keep(key, value)

    def clear(self) -> None:
        """Forget every row (erasure: the cache holds personal data)."""
        self._rows.clear()
        self._text = 0

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[tuple[type[Any], str]]:
        """The cached rows' keys: (value type, stored text), oldest first."""
        return iter(self._rows)

    @property
    def text_size(self) -> int:
        """Characters of stored text held now."""
        return self._text

    def _keep(self, key: tuple[type[Any], str], value: Any) -> None:
        size = len(key[1])
        if size > self.max_text:
            return  # bigger than the whole budget: decoded each time
        self._rows[key] = value
        self._text += size
        while len(self._rows) > self.max_entries or self._text > self.max_text:
            oldest = next(iter(self._rows))
            del self._rows[oldest]
            self._text -= len(oldest[1])
