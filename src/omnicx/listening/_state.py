"""The listening state as a value: versioned JSON text the host stores between runs."""

from __future__ import annotations

import json
from typing import Any

import attrs

from omnicx.errors import ValidationError

__all__ = ["STATE_FORMAT", "STATE_VERSION", "ListeningState"]

STATE_FORMAT = "omnicx.listening.state"
"""The ``format`` field every stored listening state carries."""
STATE_VERSION = 1
"""The version of the state this omnicx writes (and the newest it reads)."""


@attrs.frozen
class ListeningState:
    """Everything a listener remembers, as canonical JSON text.

    Store ``text`` anywhere (the desk's store, a file, a cache); ``from_json``
    reads it back, checking its format and version. Equal states have equal
    text.
    """

    text: str

    @classmethod
    def of(cls, data: dict[str, Any]) -> ListeningState:
        """Wrap state data, writing it canonically."""
        return cls(json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=False))

    @classmethod
    def from_json(cls, text: str) -> ListeningState:
        """Read a stored state.

        Raises:
            ValidationError: if the text is not a listening state this omnicx reads.
        """
        data = _load(text)
        return cls.of(data)

    def to_json(self) -> str:
        """The state as JSON text."""
        return self.text

    def data(self) -> dict[str, Any]:
        """A fresh copy of the state's data."""
        return _load(self.text)


def _load(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise ValidationError.single("", "a listening state must be JSON text") from None
    if not isinstance(data, dict) or data.get("format") != STATE_FORMAT:
        raise ValidationError.single(
            "format", f"not a listening state (expected format {STATE_FORMAT!r})"
        )
    version = data.get("version")
    if not isinstance(version, int) or not 1 <= version <= STATE_VERSION:
        raise ValidationError.single(
            "version",
            f"state version {version!r} is not one this omnicx reads (1 to {STATE_VERSION}); upgrade omnicx",
        )
    return data
