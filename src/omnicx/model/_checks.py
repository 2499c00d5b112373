"""Invariant checks shared by the model's attrs validators.

Validators check invariants only (aware datetimes, non-empty ids); parsing
and coercion happen at the edges (the converter, the channel adapters).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from omnicx.errors import ValidationError


def aware(_instance: Any, attribute: attrs.Attribute[Any], value: datetime | None) -> None:
    """Refuse naive datetimes: every instant in omnicx carries its offset."""
    if not isinstance(value, datetime | None):
        raise ValidationError.single(
            attribute.name,
            f"{_owner(_instance, attribute)} must be a datetime, got {type(value).__name__}; "
            "pass a timezone-aware datetime (e.g. datetime.now(timezone.utc))",
        )
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValidationError.single(
            attribute.name,
            f"naive datetime; {_owner(_instance, attribute)} needs a timezone-aware value "
            "(e.g. with tzinfo=timezone.utc)",
        )


def require_aware(value: object, where: str) -> None:
    """Refuse a ``now=`` (or any instant argument) that is not a timezone-aware datetime.

    ``where`` names the argument as the caller wrote it (``compute_metrics(now=)``).
    """
    if not isinstance(value, datetime):
        raise ValidationError.single(
            where, f"must be a datetime, got {type(value).__name__}; pass a timezone-aware one"
        )
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError.single(
            where, "naive datetime; pass a timezone-aware value (e.g. with tzinfo=timezone.utc)"
        )


def non_empty(_instance: Any, attribute: attrs.Attribute[Any], value: str | None) -> None:
    """Refuse empty or blank identifiers, and anything that is not text."""
    if value is None:
        return
    if not isinstance(value, str):
        raise ValidationError.single(
            attribute.name,
            f"{_owner(_instance, attribute)} must be text, got {type(value).__name__}; "
            "pass the id as a string",
        )
    if not value.strip():
        raise ValidationError.single(attribute.name, "must not be empty")


def non_negative(_instance: Any, attribute: attrs.Attribute[Any], value: float | None) -> None:
    """Refuse negative counts, durations and amounts that cannot be negative."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise ValidationError.single(
            attribute.name,
            f"{_owner(_instance, attribute)} must be a number, got {type(value).__name__}",
        )
    if value < 0:
        raise ValidationError.single(attribute.name, f"must be >= 0, got {value}")


def _owner(instance: Any, attribute: attrs.Attribute[Any]) -> str:
    # "Customer.vip": the class being built and the field, for error messages.
    return f"{type(instance).__name__}.{attribute.name}"


Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


def of_type(
    kind: type | tuple[type, ...], what: str, fix: str, *, optional: bool = False
) -> Validator:
    """Refuse a value that is not ``kind`` (``None`` too, when ``optional``).

    Like ``attrs.validators.instance_of``, but raises omnicx's
    ``ValidationError`` naming the class, the field and the fix, e.g.
    ``vip: Customer.vip must be a bool, got str; pass True or False``.
    A ``bool`` never passes for an ``int`` field. The message names the
    value's type only, never the value, so no customer text leaks into it.
    """
    kinds = kind if isinstance(kind, tuple) else (kind,)
    refuse_bool = bool not in kinds and any(issubclass(bool, k) for k in kinds)

    def check(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is None and optional:
            return
        if isinstance(value, kinds) and not (refuse_bool and isinstance(value, bool)):
            return
        raise ValidationError.single(
            attribute.name,
            f"{_owner(instance, attribute)} must be {what}, got {type(value).__name__}; {fix}",
        )

    return check


def callable_value(what: str, fix: str) -> Validator:
    """Refuse a value that cannot be called (``None`` included), naming the fix."""

    def check(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not callable(value):
            raise ValidationError.single(
                attribute.name,
                f"{_owner(instance, attribute)} must be {what}, got {type(value).__name__}; {fix}",
            )

    return check


def in_range(low: int, high: int | None = None) -> Validator:
    """Refuse an integer below ``low`` or above ``high`` (and anything not an int)."""
    bound = f"of at least {low}" if high is None else f"from {low} to {high}"

    def check(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is None:
            return
        whole = isinstance(value, int) and not isinstance(value, bool)
        if not whole or value < low or (high is not None and value > high):
            got = repr(value) if whole else type(value).__name__
            raise ValidationError.single(
                attribute.name,
                f"{_owner(instance, attribute)} must be a whole number {bound}, got {got}",
            )

    return check


MONEY_FIX = "pass a decimal.Decimal built from a string (e.g. Decimal('12.50')), never a float"
"""How to fix a money field given a float or int: amounts are exact Decimals."""
