"""Who counts as VIP, and in which tier: the mapping from commerce facts to fields.

Commerce platforms say it in their own ways: Shopify staff tag a customer
``VIP``, a loyalty app writes ``tier: gold``, a lifetime value crosses a
threshold. ``Standing`` turns those attributes into the customer's ``vip``
and ``tier`` fields, the ones routing rules and SLA policies test.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

from omnicx.errors import ValidationError


def _lower_tags(value: Iterable[str]) -> frozenset[str]:
    if isinstance(value, str):
        raise ValidationError.single("vip_tags", "pass a list of tags, not one string")
    return frozenset(tag.strip().casefold() for tag in value)


def _thresholds(value: Iterable[tuple[Any, str]]) -> tuple[tuple[Decimal, str], ...]:
    pairs = []
    for n, (amount, tier) in enumerate(value):
        money = money_of(amount)
        if money is None or isinstance(amount, float):
            raise ValidationError.single(
                f"tiers[{n}]", "the amount must be a Decimal or a decimal string, e.g. '1000'"
            )
        if not isinstance(tier, str) or not tier.strip():
            raise ValidationError.single(f"tiers[{n}]", "the tier must be a non-empty name")
        pairs.append((money, tier))
    return tuple(sorted(pairs, key=lambda pair: pair[0], reverse=True))


def _optional_money(value: Any) -> Decimal | None:
    if value is None:
        return None
    money = money_of(value)
    if money is None or isinstance(value, float):
        raise ValidationError.single(
            "vip_lifetime_value", "pass a Decimal or a decimal string, e.g. '5000'"
        )
    return money


@attrs.frozen(kw_only=True)
class Standing:
    """How a profile's attributes make a customer VIP and give it a tier.

    A customer is VIP when its ``vip`` attribute says so (``true``, ``"yes"``),
    when one of its ``tags`` (a list, or Shopify's comma-separated text) is in
    ``vip_tags`` (compared without case), or when its ``lifetime_value``
    reaches ``vip_lifetime_value``. Its tier is its ``tier`` attribute when
    set, else the tier of the highest ``tiers`` threshold its lifetime value
    reaches (``[("5000", "gold"), ("1000", "silver")]``).

    Attributes:
        vip_tags: tags that make a customer VIP; ``{"vip"}`` by default.
        vip_lifetime_value: a lifetime value from which a customer is VIP;
            None (the default) leaves it to the flag and the tags.
        tiers: (minimum lifetime value, tier name) pairs; any order.
    """

    vip_tags: frozenset[str] = attrs.field(default=frozenset({"vip"}), converter=_lower_tags)
    vip_lifetime_value: Decimal | None = attrs.field(default=None, converter=_optional_money)
    tiers: tuple[tuple[Decimal, str], ...] = attrs.field(default=(), converter=_thresholds)

    def vip(self, attributes: Mapping[str, Any]) -> bool:
        """Whether a profile with these attributes is a VIP."""
        if _flag(attributes.get("vip")):
            return True
        if self.vip_tags & tags_of(attributes):
            return True
        value = money_of(attributes.get("lifetime_value"))
        return (
            self.vip_lifetime_value is not None
            and value is not None
            and value >= self.vip_lifetime_value
        )

    def tier(self, attributes: Mapping[str, Any]) -> str | None:
        """The tier of a profile with these attributes, or None."""
        named = attributes.get("tier")
        if isinstance(named, str) and named.strip():
            return named
        value = money_of(attributes.get("lifetime_value"))
        if value is None:
            return None
        return next((tier for amount, tier in self.tiers if value >= amount), None)


DEFAULT_STANDING = Standing()
"""VIP by the ``vip`` flag or a ``VIP`` tag; the tier only as the ``tier`` attribute says."""


def tags_of(attributes: Mapping[str, Any]) -> frozenset[str]:
    """A profile's ``tags`` attribute as case-folded tags (a list or comma-separated text)."""
    raw = attributes.get("tags")
    items: Iterable[Any]
    if isinstance(raw, str):
        items = raw.split(",")
    elif isinstance(raw, (list, tuple, set, frozenset)):
        items = raw
    else:
        return frozenset()
    return frozenset(str(t).strip().casefold() for t in items if str(t).strip())


def _flag(value: object) -> bool:
    # Hosts and commerce platforms send flags as booleans or as text.
    if isinstance(value, str):
        return value.strip().casefold() in {"true", "yes", "y", "1", "vip"}
    return value is True or (type(value) is int and value == 1)


def money_of(value: object) -> Decimal | None:
    """A non-negative finite amount from a Decimal, int or decimal text; None otherwise."""
    if value is None or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and amount >= 0 else None
