"""Standing: VIP and tier from flags, tags and lifetime value thresholds."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicx.errors import ValidationError
from omnicx.identity import DEFAULT_STANDING, Profile, Standing

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TIERED = Standing(vip_lifetime_value="5000", tiers=[("1000", "silver"), ("5000", "gold")])


def _customer(standing: Standing = DEFAULT_STANDING, **attributes: object):  # type: ignore[no-untyped-def]
    return Profile(id="p1", created_at=T0, last_seen_at=T0, attributes=attributes).to_customer(
        standing
    )


@pytest.mark.parametrize(
    ("attributes", "vip"),
    [
        ({"tags": "VIP, wholesale"}, True),
        ({"tags": ["Vip"]}, True),
        ({"tags": ["wholesale"]}, False),
        ({"vip": "yes"}, True),
        ({"vip": "no"}, False),
        ({"vip": 1}, True),
        ({"lifetime_value": "99999"}, False),
        ({}, False),
    ],
)
def test_default_standing_reads_the_flag_and_the_vip_tag(attributes: dict, vip: bool) -> None:  # type: ignore[type-arg]
    """A Shopify 'VIP' tag makes vip true; a big spender alone does not, by default."""
    assert _customer(**attributes).vip is vip


def test_thresholds_give_vip_and_the_highest_tier_reached() -> None:
    """Tiers are checked from the highest threshold down; an explicit tier wins."""
    assert (_customer(TIERED, lifetime_value="999.99").tier, _customer(TIERED).tier) == (None, None)
    assert _customer(TIERED, lifetime_value="1000").tier == "silver"
    gold = _customer(TIERED, lifetime_value="7500.5")
    assert (gold.tier, gold.vip, gold.lifetime_value) == ("gold", True, Decimal("7500.5"))
    assert _customer(TIERED, lifetime_value="7500", tier="platinum").tier == "platinum"
    assert _customer(TIERED, lifetime_value="lots").tier is None


@given(
    st.decimals(min_value=0, max_value=10**7, places=2),
    st.decimals(min_value=0, max_value=10**7, places=2),
)
def test_tier_never_falls_as_lifetime_value_grows(a: Decimal, b: Decimal) -> None:
    """Spending more never moves a customer to a lower tier or out of VIP."""
    rank = {None: 0, "silver": 1, "gold": 2}
    low, high = sorted((a, b))
    before, after = (
        _customer(TIERED, lifetime_value=str(low)),
        _customer(TIERED, lifetime_value=str(high)),
    )
    assert rank[after.tier] >= rank[before.tier]
    assert after.vip or not before.vip


@pytest.mark.parametrize(
    ("build", "path"),
    [
        (lambda: Standing(tiers=[(1000.0, "silver")]), "tiers[0]"),
        (lambda: Standing(tiers=[("1000", "")]), "tiers[0]"),
        (lambda: Standing(vip_lifetime_value=12.5), "vip_lifetime_value"),
        (lambda: Standing(vip_tags="vip"), "vip_tags"),
    ],
)
def test_bad_standing_is_refused_with_its_path(build: object, path: str) -> None:
    """Floats for money, empty tier names and a bare string of tags are refused."""
    with pytest.raises(ValidationError) as caught:
        build()  # type: ignore[operator]
    assert caught.value.problems[0].path == path
