"""The omnicx pytest plugin: fixtures for testing routing rules.

Registered through the ``pytest11`` entry point, so installing omnicx makes
the fixtures available in any test suite:

- ``routing_context``: build a ``RoutingContext`` from keyword arguments
  (``routing_context(channel="sms", text="refund", customer={"vip": True})``);
- ``rule_engine``: compile rules from a mapping, ``RuleSet`` or file path,
  with the business calendars they use
  (``rule_engine(rules, calendars={"eu": Path("eu.toml")})``);
- ``assert_routes``: ``omnicx.testing.assert_routes``, whose failure message
  is the explain trace.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from omnicx.routing import RoutingContext, RuleEngine, context_from_input
from omnicx.testing._rules import as_engine, assert_routes

__all__ = ["assert_routes_fixture", "routing_context", "rule_engine"]


@pytest.fixture
def routing_context() -> Callable[..., RoutingContext]:
    """A factory: keyword arguments as in a case file's ``input`` -> ``RoutingContext``."""

    def build(**inputs: Any) -> RoutingContext:
        return context_from_input(inputs)

    return build


@pytest.fixture
def rule_engine() -> Callable[..., RuleEngine]:
    """A factory compiling rules (mapping, ``RuleSet`` or file path) into an engine.

    ``rule_engine(rules, calendars={name: calendar}, signals=None)``: a calendar
    is a ``BusinessCalendar`` (any ``OpenHours``), calendar data or a calendar
    file, so rules with ``in_business_hours`` are testable.
    """
    return as_engine


@pytest.fixture(name="assert_routes")
def assert_routes_fixture() -> Callable[..., Any]:
    """``omnicx.testing.assert_routes`` as a fixture."""
    return assert_routes
