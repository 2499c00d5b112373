"""``dashboard_html``: one offline page, every text escaped, charts readable without colour."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tests.metrics.conftest import Timeline

from omnicx.listening import Listener, Mention, load_topics, report
from omnicx.model import Status
from omnicx.report import Dashboard, build_dashboard, dashboard_html
from omnicx.report._html import script_json

HOSTILE = '</script><script>alert("q")</script><img src=x onerror=alert(1)>'


def sample(**extra: Any) -> Dashboard:
    """Three conversations on two channels, one in a hostile queue, over two days."""
    a = Timeline("a").inbound(0, "chat").reply(5, "chat").solve(30).survey(40, *_csat(5))
    b = (Timeline("b").inbound(60, "email").assign(61, HOSTILE, HOSTILE).reply(200)
         .status(300, Status.PENDING))  # fmt: skip
    c = Timeline("c").inbound(1500, "email").reply(1600).solve(1700)
    events = sorted([*a.events, *b.events, *c.events], key=lambda e: e.at)
    dashboard = build_dashboard(events, tz=ZoneInfo("Europe/Paris"), **extra)
    assert dashboard is not None
    return dashboard


def _csat(score: int) -> tuple[Any, int]:
    from omnicx.model import SurveyKind

    return SurveyKind.CSAT, score


def figures(page: str) -> dict[str, dict[str, Any]]:
    """Every chart's figure, by the id of the element it draws into."""
    blocks = re.findall(
        r'<script type="application/json" data-chart="([^"]+)">(.*?)</script>', page, re.S
    )
    return {target: json.loads(text) for target, text in blocks}


@pytest.fixture(scope="module")
def page() -> str:
    return dashboard_html(sample(), title="Support <weekly>")


def test_one_file_that_loads_nothing(page: str) -> None:
    """No script, style, image or link is fetched: everything is inline, and the policy says
    so; the two scripts that may run are named by hash."""
    assert not re.search(r"<(script|img|link|iframe)[^>]*\s(src|href)=", page)
    found = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert found is not None
    policy = html.unescape(found.group(1))
    assert policy.startswith("default-src 'none'; ")
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    assert len(scripts) == 2
    assert "Plotly" in scripts[0]
    for script in scripts:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy


def test_customer_text_never_becomes_markup(page: str) -> None:
    """A hostile queue or agent name shows as text: escaped in tables, JSON-escaped in
    figures (where plotly reads it literally), and nowhere a tag."""
    assert HOSTILE not in page
    assert "<img src=x" not in page
    assert page.count("<script") == 2 + len(figures(page))
    assert "&lt;/script&gt;&lt;script&gt;alert(&quot;q&quot;)" in page  # the tables
    queue = figures(page)["chart-first_reply-by-queue"]
    shown = [c for trace in queue["data"] for c in trace["y"]]
    assert any(c.startswith("&lt;/script&gt;") for c in shown)
    assert "<title>Support &lt;weekly&gt;</title>" in page


def test_script_json_cannot_close_its_block() -> None:
    """``<``, ``>``, ``&`` and the JavaScript line separators come out as JSON escapes."""
    text = script_json({"a": "</script><!-- & \u2028"})
    assert re.search(r"[<>&\u2028]", text) is None
    assert json.loads(text) == {"a": "</script><!-- & \u2028"}


def test_every_axis_has_a_title_and_time_axes_name_the_zone(page: str) -> None:
    """Units or names on every axis; days and hours say they are Europe/Paris time."""
    found = figures(page)
    assert len(found) == 14
    for target, figure in found.items():
        layout = figure["layout"]
        for axis in ("xaxis", "yaxis"):
            assert layout[axis]["title"]["text"], (target, axis)
        titles = layout["xaxis"]["title"]["text"] + layout["yaxis"]["title"]["text"]
        if layout["xaxis"].get("type") == "date" or "heat" in target:
            assert "(Europe/Paris)" in titles, target


def test_series_differ_by_more_than_colour(page: str) -> None:
    """Bars differ by pattern and lines by marker and dash; values are written on the chart."""
    for figure in figures(page).values():
        traces = figure["data"]
        bars = [t for t in traces if t["type"] == "bar"]
        lines = [t for t in traces if t["type"] == "scatter"]
        patterns = [t["marker"]["pattern"]["shape"] for t in bars]
        assert len(set(patterns)) == len(patterns)
        markers = [(t["marker"]["symbol"], t["line"]["dash"]) for t in lines]
        assert len(set(markers)) == len(markers)
        for trace in bars + lines:
            values = trace["x"] if trace["type"] == "bar" else trace["y"]
            if any(v is not None for v in values):
                assert any(trace["text"]), trace["name"]  # direct labels
        for trace in (t for t in traces if t["type"] == "heatmap"):
            assert trace["texttemplate"] == "%{text}"


def test_every_chart_has_a_description_and_a_table(page: str) -> None:
    """Each chart is an image with a label, a caption, and its figures in a table."""
    charts = re.findall(r'<div id="(chart-[^"]+)" class="chart" role="img" aria-label="[^"]+">',
                        page)  # fmt: skip
    assert sorted(charts) == sorted(figures(page))
    assert page.count("<figcaption>") == len(charts)
    assert page.count('<th scope="col">') > 0
    assert "<caption>Conversations created per period and channel</caption>" in page


def test_the_summary_reads_like_a_person(page: str) -> None:
    """Headline figures in people's units, and the date with month, year and zone."""
    assert '<span class="label">Conversations</span><span class="value">3</span>' in page
    assert '<span class="label">CSAT</span><span class="value">100%</span>' in page
    assert "As of Tue 5 Mar 2024 14:20 (Europe/Paris)" in page
    assert '<span class="label">First reply, median</span><span class="value">1h 40m</span>' in page


def test_no_sla_outcomes_says_how_to_get_them(page: str) -> None:
    """Without an engine or outcomes the SLA section says what to pass."""
    assert "No SLA outcomes: build the report with SLA policies" in page


def test_topics_show_only_when_given() -> None:
    """Listening topic reports get a section, their themes escaped like any text."""
    topics = load_topics({"topics": [{"id": "acme", "query": {"any": ["acme"]}}]})
    listener = Listener(topics)
    start = datetime(2024, 3, 4, 9, tzinfo=UTC)
    listener.feed(
        Mention(id=f"m{i}", network="x", text="acme <b>broken</b> again, terrible", reach=10,
                at=start + timedelta(minutes=5 * i))
        for i in range(20)
    )  # fmt: skip
    listener.advance(start + timedelta(days=1))
    topic = report(listener, "acme", start, start + timedelta(days=1))
    page = dashboard_html(sample(topics=[topic]))
    assert '<section id="topics"' in page
    assert "chart-topics" in figures(page)
    assert "<b>broken" not in page
    assert '<section id="topics"' not in dashboard_html(sample())
