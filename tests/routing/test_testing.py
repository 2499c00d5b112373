"""``omnicx.testing.assert_routes`` and the pytest plugin's fixtures."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from importlib.metadata import entry_points
from pathlib import Path

import pytest

import omnicx.testing
from omnicx.errors import ValidationError
from omnicx.model import Author, AuthorKind, Channel, Direction, Message
from omnicx.routing import RuleEngine, context_from_input, load_rules
from omnicx.sla import load_calendar
from omnicx.testing import assert_routes
from omnicx.testing._rules import as_engine

pytest_plugins = ["pytester"]

RULES = {
    "rules": [
        {
            "id": "refund",
            "when": {"field": "message.text", "op": "contains", "value": "refund"},
            "then": {"queue": "billing", "priority": "high", "add_tags": ["refund"]},
        },
        {"id": "rest", "then": {"queue": "general"}},
    ]
}


def test_assert_routes_accepts_every_input_form(tmp_path: Path) -> None:
    """Rules as data, rule set, engine or file; input as text, case data, message or context."""
    path = tmp_path / "r.json"
    path.write_text(__import__("json").dumps(RULES))
    engine = RuleEngine.compile(load_rules(RULES))
    message = Message(
        id="m",
        channel=Channel.EMAIL,
        direction=Direction.INBOUND,
        author=Author(kind=AuthorKind.CUSTOMER),
        sent_at=datetime(2026, 1, 1, tzinfo=UTC),
        text="refund please",
    )
    for rules in (RULES, load_rules(RULES), engine, path):
        for given in (
            "refund please",
            {"text": "refund please"},
            message,
            context_from_input({"text": "refund please"}),
        ):
            decision = assert_routes(
                rules, given, queue="billing", priority="high", tags=["refund"], fired=["refund"]
            )
            assert decision.queue == "billing"
    assert_routes(
        RULES, "hello", queue="general", priority=None, skills=[], language=None, sla_policy=None
    )


def test_failure_message_is_the_trace() -> None:
    """A mismatch raises AssertionError whose message is the mismatch plus the explain trace."""
    with pytest.raises(AssertionError) as info:
        assert_routes(RULES, "hello", queue="billing")
    assert str(info.value) == "\n".join(
        [
            "routing differs:",
            "queue: expected 'billing', got 'general'",
            "trace:",
            "- refund: no match: rules[0].when: expected message.text contains 'refund', saw ['hello']",
            "+ rest: matched",
            "=> queue='general' priority=None tags=[]",
        ]
    )


def test_exported_from_omnicx_testing() -> None:
    """``assert_routes`` is public in ``omnicx.testing``."""
    assert "assert_routes" in omnicx.testing.__all__


def test_plugin_is_an_entry_point() -> None:
    """Installing omnicx registers the plugin with pytest (``pytest11``)."""
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    declared = tomllib.loads(pyproject.read_text())["project"]["entry-points"]["pytest11"]
    assert declared == {"omnicx": "omnicx.testing.pytest_plugin"}


def test_plugin_fixtures(pytester: pytest.Pytester) -> None:
    """With the plugin enabled, a host's tests get ``routing_context``, ``rule_engine``
    and ``assert_routes`` fixtures."""
    pytester.makepyfile(
        """
        RULES = {"rules": [{"id": "sms", "when": {"field": "channel", "op": "eq", "value": "sms"},
                            "then": {"queue": "sms"}}]}

        def test_routes(routing_context, rule_engine, assert_routes):
            engine = rule_engine(RULES)
            ctx = routing_context(channel="sms", text="hi")
            assert engine.decide(ctx).queue == "sms"
            assert_routes(engine, ctx, queue="sms")

        def test_fails(assert_routes):
            assert_routes(RULES, {"channel": "chat"}, queue="sms")
        """
    )
    registered = any(ep.name == "omnicx" for ep in entry_points(group="pytest11"))
    args = [] if registered else ["-p", "omnicx.testing.pytest_plugin"]
    # The inner run is a host's own suite, not omnicx's: no Django test environment.
    result = pytester.runpytest_inprocess(*args, "-p", "no:django")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["*- sms: no match: rules?0?.when: expected channel eq 'sms', saw 'chat'*"]
    )


HOURS_RULES = {
    "rules": [
        {
            "id": "open",
            "when": {"op": "in_business_hours", "calendar": "eu"},
            "then": {"queue": "live"},
        },
        {"id": "closed", "then": {"queue": "after-hours"}},
    ]
}
EU = {"timezone": "Europe/Berlin", "hours": {"monday": ["09:00-17:00"]}}
MONDAY_10_BERLIN = {"now": "2026-01-05T09:00:00+00:00", "text": "hi"}
MONDAY_20_BERLIN = {"now": "2026-01-05T19:00:00+00:00", "text": "hi"}


def test_calendars_make_business_hours_rules_testable(tmp_path: Path) -> None:
    """A calendar as ``BusinessCalendar``, as data or as a file routes by ``now`` the same."""
    path = tmp_path / "eu.toml"
    path.write_text('timezone = "Europe/Berlin"\n[hours]\nmonday = ["09:00-17:00"]\n')
    for calendar in (load_calendar(EU), EU, path):
        engine = as_engine(HOURS_RULES, calendars={"eu": calendar})
        assert engine.decide(context_from_input(MONDAY_10_BERLIN)).queue == "live"
        assert engine.decide(context_from_input(MONDAY_20_BERLIN)).queue == "after-hours"
    assert_routes(HOURS_RULES, MONDAY_20_BERLIN, calendars={"eu": EU}, queue="after-hours")


def test_calendar_mistakes_are_validation_errors() -> None:
    """An unknown calendar name, bad calendar data, or calendars with a compiled engine."""
    with pytest.raises(ValidationError) as info:
        as_engine(HOURS_RULES, calendars={"us": EU})
    assert str(info.value) == "rules[0].when.calendar: unknown calendar 'eu'"
    with pytest.raises(ValidationError) as info:
        as_engine(HOURS_RULES, calendars={"eu": {"timezone": "Europe/Berln", "hours": {}}})
    assert info.value.paths[0] == "calendars.eu.timezone"
    with pytest.raises(ValidationError) as info:
        as_engine(RuleEngine.compile(load_rules(RULES)), calendars={"eu": EU})
    assert info.value.paths == ("rules",)


def test_plugin_rule_engine_takes_calendars(pytester: pytest.Pytester) -> None:
    """The ``rule_engine`` fixture compiles business-hours rules with the host's calendars."""
    pytester.makepyfile(
        f"""
        RULES = {HOURS_RULES!r}
        EU = {EU!r}

        def test_hours(rule_engine, routing_context):
            engine = rule_engine(RULES, calendars={{"eu": EU}})
            assert engine.decide(routing_context(**{MONDAY_10_BERLIN!r})).queue == "live"
            assert engine.decide(routing_context(**{MONDAY_20_BERLIN!r})).queue == "after-hours"
        """
    )
    registered = any(ep.name == "omnicx" for ep in entry_points(group="pytest11"))
    args = [] if registered else ["-p", "omnicx.testing.pytest_plugin"]
    # The inner run is a host's own suite, not omnicx's: no Django test environment.
    result = pytester.runpytest_inprocess(*args, "-p", "no:django")
    result.assert_outcomes(passed=1)
