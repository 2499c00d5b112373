"""Invariant checks shared by the model's attrs validators.

Validators check invariants only (aware datetimes, non-empty ids); parsing
and coercion happen at the edges (the converter, the channel adapters).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from omnicx.errors import ValidationError


def aware(_instance: Any, attribute: attrs.Attribute[Any], value: datetime | None) -> None:
    """Refuse naive datetimes: every instant in omnicx carries its offset."""
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValidationError.single(
            attribute.name,
            "naive datetime; pass a timezone-aware value (e.g. with tzinfo=timezone.utc)",
        )


def non_empty(_instance: Any, attribute: attrs.Attribute[Any], value: str | None) -> None:
    """Refuse empty or blank identifiers."""
    if value is not None and not value.strip():
        raise ValidationError.single(attribute.name, "must not be empty")


def non_negative(_instance: Any, attribute: attrs.Attribute[Any], value: float | None) -> None:
    """Refuse negative counts, durations and amounts that cannot be negative."""
    if value is not None and value < 0:
        raise ValidationError.single(attribute.name, f"must be >= 0, got {value}")
