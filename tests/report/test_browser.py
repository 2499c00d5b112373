"""The dashboard in a real browser: headless Chromium opens the file offline and draws every chart.

The page is ``dashboard_html`` of two busy weeks with every section but
listening filled (SLA outcomes through an engine, and calls). Chromium runs with network
features off, reads the page from disk, and the test reads the DOM after
the scripts ran: every chart marked drawn, plotly's SVG in each, no console
message (a script error or a refused resource would log one), and the
hostile queue name still text. A screenshot of the whole page is kept in
``OMNICX_ARTIFACTS`` (``report_dashboard.png``).
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from tests import chromium as browser
from tests.metrics.conftest import START, Timeline
from tests.report.test_collect import _engine
from tests.report.test_html import HOSTILE

from omnicx.model import CallEvent, CallStatus, Direction, Status, SurveyKind
from omnicx.report import build_dashboard, dashboard_html


def _busy_fortnight() -> list:  # type: ignore[type-arg]
    timelines = []
    channels = ("email", "chat", "whatsapp")
    for i in range(60):
        start = i * 317.0  # minutes: spread over two weeks, all hours
        t = Timeline(f"c{i}").inbound(start, channels[i % 3])
        t.assign(start + 1, f"agent{i % 4}", HOSTILE if i % 7 == 0 else f"q{i % 3}")
        t.reply(start + 5 + (i % 5) * 40, channels[i % 3])
        if i % 4 == 0:
            t.status(start + 300, Status.PENDING)
        if i % 6 != 0:
            t.solve(start + 600 + i * 10)
            t.survey(start + 700 + i * 10, SurveyKind.CSAT, 1 + i % 5)
            t.survey(start + 701 + i * 10, SurveyKind.NPS, i % 11, 0, 10)
        timelines.append(t)
    return sorted([*(e for t in timelines for e in t.events), *_calls()], key=lambda e: e.at)


def _calls() -> list[CallEvent]:
    # A call every 7 hours, on no conversation: answered, missed, or abandoned.
    found = []
    for i in range(40):
        start = START + timedelta(minutes=i * 420)
        outcome = (CallStatus.COMPLETED, CallStatus.NO_ANSWER, CallStatus.CANCELED)[i % 3]
        steps = [(0, CallStatus.RINGING), (15, CallStatus.IN_PROGRESS)] if i % 3 == 0 else [
            (0, CallStatus.RINGING)]  # fmt: skip
        steps.append((200 if i % 3 == 0 else 30, outcome))
        for offset, status in steps:
            found.append(CallEvent(id=f"call{i}:{status.value}", customer_id=f"p{i % 9}",
                                   at=start + timedelta(seconds=offset),
                                   direction=Direction.INBOUND, call_id=f"call{i}", status=status,
                                   duration_seconds=185 if status is outcome and i % 3 == 0 else 0,
                                   answered=i % 3 == 0))  # fmt: skip
    return found


def test_chromium_draws_every_chart_offline(tmp_path: Path) -> None:
    """Every chart drawn, no console message, no injected element; a screenshot kept."""
    chromium = browser.chromium()
    dashboard = build_dashboard(_busy_fortnight(), sla=_engine())
    assert dashboard is not None
    page = tmp_path / "report.html"
    page.write_text(dashboard_html(dashboard), encoding="utf-8")
    url = page.as_uri()
    # Virtual time lets the scripts finish before the DOM is dumped; logging
    # to stderr prints every console message as a CONSOLE line.
    result = browser.run(chromium, "--virtual-time-budget=20000", "--enable-logging=stderr",
                         "--v=0", "--dump-dom", url)  # fmt: skip
    dom = result.stdout
    charts = re.findall(r'<div id="(chart-[^"]+)" class="chart[^"]*"', dom)
    assert len(charts) == 17
    assert re.search(r'data-charts-drawn="17"', dom)
    assert re.search(r'data-charts-failed="0"', dom)
    for chart in charts:
        start = dom.index(f'id="{chart}"')
        block = dom[start : start + 4000]
        assert 'data-drawn="yes"' in dom[start - 200 : start + 400], chart
        assert 'class="main-svg"' in block, chart
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    assert console == []
    assert '<img src="x"' not in dom
    assert "&lt;img src=x onerror=alert(1)&gt;" in dom  # the tables show it as text
    # The SLA and backlog sections drew their data.
    assert "SLA outcomes per target" in dom
    assert "Backlog: open conversations" in dom
    assert "Inbound calls by outcome" in dom
    shot = browser.artifacts(tmp_path) / "report_dashboard.png"
    browser.run(chromium, "--window-size=1200,9000", "--virtual-time-budget=20000",
                f"--screenshot={shot}", url)  # fmt: skip
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
