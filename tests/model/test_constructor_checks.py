"""Constructors refuse wrong input types with a ValidationError naming the fix."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from omnicx.errors import ValidationError
from omnicx.model import (
    Agent,
    Author,
    AuthorKind,
    Channel,
    Customer,
    Direction,
    Identifier,
    Message,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _message(**changes: Any) -> Message:
    fields: dict[str, Any] = {
        "id": "m1",
        "channel": Channel.EMAIL,
        "direction": Direction.INBOUND,
        "author": Author(kind=AuthorKind.CUSTOMER),
        "sent_at": NOW,
    }
    fields.update(changes)
    return Message(**fields)


def _error(build: Any) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        build()
    assert not isinstance(caught.value, TypeError)
    return caught.value


def test_message_text_must_be_a_string() -> None:
    error = _error(lambda: _message(text=5))
    assert error.paths == ("text",)
    assert str(error) == (
        "text: Message.text must be a str, got int; pass the message text as a string"
    )


def test_message_public_must_be_a_bool() -> None:
    error = _error(lambda: _message(public="no"))
    assert str(error) == "public: Message.public must be a bool, got str; pass True or False"


def test_customer_vip_must_be_a_bool() -> None:
    error = _error(lambda: Customer(id="c1", vip="yes"))
    assert error.paths == ("vip",)
    assert str(error) == "vip: Customer.vip must be a bool, got str; pass True or False"


def test_customer_lifetime_value_refuses_a_float() -> None:
    error = _error(lambda: Customer(id="c1", lifetime_value=12.5))
    assert str(error) == (
        "lifetime_value: Customer.lifetime_value must be a Decimal or None, got float; "
        "pass a decimal.Decimal built from a string (e.g. Decimal('12.50')), never a float"
    )


def test_customer_lifetime_value_accepts_a_decimal_and_still_refuses_negatives() -> None:
    assert Customer(id="c1", lifetime_value=Decimal("12.50")).lifetime_value == Decimal("12.50")
    assert Customer(id="c1").lifetime_value is None
    error = _error(lambda: Customer(id="c1", lifetime_value=Decimal(-3)))
    assert str(error) == "lifetime_value: must be >= 0, got -3"


def test_customer_name_must_be_a_string() -> None:
    error = _error(lambda: Customer(id="c1", name=42))
    assert str(error) == (
        "name: Customer.name must be a str or None, got int; pass the display name as a string"
    )


def test_agent_capacity_refuses_a_bool() -> None:
    error = _error(lambda: Agent(id="a1", capacity=True))
    assert str(error) == (
        "capacity: Agent.capacity must be an int, got bool; pass a whole number of work units"
    )


def test_naive_datetime_names_class_field_and_fix() -> None:
    error = _error(lambda: Customer(id="c1", created_at=datetime(2026, 1, 1)))
    assert str(error) == (
        "created_at: naive datetime; Customer.created_at needs a timezone-aware value "
        "(e.g. with tzinfo=timezone.utc)"
    )
    error = _error(lambda: _message(sent_at=datetime(2026, 1, 1)))
    assert str(error) == (
        "sent_at: naive datetime; Message.sent_at needs a timezone-aware value "
        "(e.g. with tzinfo=timezone.utc)"
    )


def test_datetime_field_refuses_a_string() -> None:
    error = _error(lambda: _message(sent_at="2026-01-01T00:00:00Z"))
    assert str(error) == (
        "sent_at: Message.sent_at must be a datetime, got str; "
        "pass a timezone-aware datetime (e.g. datetime.now(timezone.utc))"
    )


def test_sla_policy_refuses_a_missing_condition() -> None:
    """``Policy(when=None)`` fails where it is made, not inside ``SlaEngine.select``."""
    from omnicx.sla import Policy

    error = _error(lambda: Policy(name="vip", when=None))  # type: ignore[arg-type]
    assert str(error) == (
        "when: Policy.when must be a condition, got NoneType; "
        "pass Match(...) (Match() covers every conversation) or a function"
    )
    assert _error(lambda: Policy(name=" ")).problems[0].path == "name"


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: _target(seconds=-1), "seconds: Target.seconds must be a whole number of at least 0, got -1"),
        (lambda: _target(seconds="900"), "seconds: Target.seconds must be a whole number of at least 0, got str"),
        (lambda: _target(seconds=True), "seconds: Target.seconds must be a whole number of at least 0, got bool"),
        (lambda: _target(warn_percent=100), "warn_percent: Target.warn_percent must be a whole number from 1 to 99, got 100"),
        (lambda: _escalation(percent=0), "percent: Escalation.percent must be a whole number of at least 1, got 0"),
    ],
)  # fmt: skip
def test_sla_targets_and_escalations_refuse_bad_numbers(build: object, message: str) -> None:
    """Out-of-range and non-integer numbers are omnicx ValidationErrors naming the field."""
    assert str(_error(build)) == message  # type: ignore[arg-type]


def _target(**fields: object) -> object:
    from omnicx.sla import Target

    return Target(**{"seconds": 900, **fields})  # type: ignore[arg-type]


def _escalation(**fields: object) -> object:
    from omnicx.sla import Escalation

    return Escalation(**{"percent": 50, "action": "notify:lead", **fields})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: _order(total=12.5), "total: OrderEvent.total must be a Decimal or None, got float"),
        (lambda: _order(item_count="3"), "item_count: OrderEvent.item_count must be an int, got str"),
        (lambda: _order(item_count=True), "item_count: OrderEvent.item_count must be an int, got bool"),
        (lambda: _order(order_id=17), "order_id: OrderEvent.order_id must be text, got int"),
        (lambda: Identifier.email("a@example.com", verified="yes"), "verified: Identifier.verified must be a bool, got str"),
    ],
)  # fmt: skip
def test_event_money_counts_ids_and_flags_are_typed(build: Any, message: str) -> None:
    """Floats for money, text for counts, ints for ids and text flags fail where made."""
    assert str(_error(build)).startswith(message)


def _order(**fields: object) -> object:
    from omnicx.model import OrderEvent

    base = {"id": "o1", "at": NOW, "customer_id": "c1", "order_id": "1001"}
    return OrderEvent(**{**base, **fields})  # type: ignore[arg-type]
