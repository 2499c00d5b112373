"""Backlog at an instant, and reports as dicts, JSON and tables."""

from __future__ import annotations

import json

from omnicx.metrics import (
    backlog_at,
    compute_metrics,
    facts_by_conversation,
    report_table,
    report_to_dict,
    was_active,
)
from omnicx.model import SurveyKind


def test_backlog_counts_active_conversations_and_their_age(timeline) -> None:
    """Open, pending and on-hold conversations are backlog; solved ones are not until reopened."""
    a = timeline("a").inbound(0, "chat").solve(30).reopen(90)
    b = timeline("b").inbound(10, "email")
    c = timeline("c").inbound(20, "email").solve(40)
    facts = facts_by_conversation([*a.events, *b.events, *c.events], now=timeline.at(1000))
    at_60 = backlog_at(facts, timeline.at(60), by=("channel",))
    assert list(at_60) == [("email",)]
    assert (at_60[("email",)].count, at_60[("email",)].median) == (1, 50 * 60)
    at_100 = backlog_at(facts, timeline.at(100))
    assert at_100[()].count == 2
    assert at_100[()].total == (100 + 90) * 60


def test_backlog_periods_are_half_open(timeline) -> None:
    """Solved at exactly the instant: out of the backlog; created at exactly it: in."""
    facts = timeline().inbound(0).solve(30).facts()
    assert was_active(facts, timeline.at(0))
    assert was_active(facts, timeline.at(29))
    assert not was_active(facts, timeline.at(30))
    assert not was_active(facts, timeline.at(-1))


def test_report_to_dict_is_json_with_nulls_where_not_measured(timeline) -> None:
    """The dict form round-trips through JSON; missing figures are null."""
    t = timeline().inbound(0, "chat").reply(5).solve(10).survey(11, SurveyKind.CSAT, 5)
    report = compute_metrics(t.events, now=timeline.at(20), by=("channel",))
    data = json.loads(json.dumps(report_to_dict(report)))
    assert data["by"] == ["channel"]
    group = data["groups"][0]
    assert group["key"] == {"channel": "chat"}
    assert group["conversations"] == 1
    assert group["durations"]["first_reply"]["median"] == 300
    assert group["durations"]["next_reply"]["median"] is None
    assert group["csat"] == {"part": 1, "whole": 1, "value": 1.0}
    assert group["nps"]["score"] is None
    assert group["first_contact_resolution"]["value"] is None
    assert group["sla"] == {}


def test_report_table(timeline) -> None:
    """One aligned row per group; medians in seconds, rates in percent, "-" where unmeasured."""
    a = timeline("a").inbound(0, "chat").reply(5).solve(10)
    b = timeline("b").inbound(0, "email").reply(1).reply(2).solve(3)
    report = compute_metrics([*a.events, *b.events], now=timeline.at(20), by=("channel",))
    lines = report_table(report).splitlines()
    assert lines[0].split() == [
        "channel", "volume", "solved", "first_reply_p50", "next_reply_p50",
        "first_resolution_p50", "full_resolution_p50", "requester_wait_p50", "agent_work_p50",
        "on_hold_p50", "one_touch", "fcr", "reopened", "csat", "nps", "ces",
    ]  # fmt: skip
    assert lines[1].split() == [
        "chat", "1", "1", "300", "-", "600", "600", "600", "600", "0", "100%", "-", "0%", "-", "-", "-",
    ]  # fmt: skip
    assert lines[2].split()[:4] == ["email", "1", "1", "60"]
    assert lines[2].split()[10] == "0%"
    overall = report_table(compute_metrics(b.events, now=timeline.at(20)))
    assert overall.splitlines()[1].split()[:2] == ["all", "1"]


def test_table_shows_fractions(timeline) -> None:
    """Non-integral figures show one decimal."""
    ts = [timeline(f"c{i}").inbound(0).reply(1 + i).solve(5) for i in range(3)]
    ts[0].reply(2)
    report = compute_metrics([e for t in ts for e in t.events], now=timeline.at(20))
    assert report_table(report).splitlines()[1].split()[10] == "66.7%"
