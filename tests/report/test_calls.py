"""The dashboard's calls section: its figures are ``call_metrics`` of the same events."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.metrics.test_calls import T0, _timelines, call, reply, stream

from omnicx.cli._human import duration
from omnicx.metrics import call_metrics
from omnicx.model import CallStatus, Event
from omnicx.report import build_dashboard, dashboard_html
from omnicx.report._sections import sections

PARIS = ZoneInfo("Europe/Paris")


def _anchor() -> list[Event]:
    # One conversation, so there is a dashboard to hold the calls (a minute before them).
    return [reply("u-anchor", -60)]


def _log(events: list[Event]) -> list[Event]:
    return sorted([*_anchor(), *events], key=lambda e: e.at)


@settings(max_examples=60, deadline=None)
@given(events=_timelines(), tz=st.sampled_from([ZoneInfo("UTC"), PARIS]), data=st.data())
def test_the_call_figures_are_call_metrics(
    events: list[Event], tz: ZoneInfo, data: st.DataObject
) -> None:
    """Any call histories, call-only events in any order: the figures ``call_metrics`` gives,
    and the days add up to them."""
    log = _log(events)
    # Events on no conversation may come anywhere in the stream.
    loose = data.draw(st.permutations([e for e in log if e.conversation_id is None]))
    fed = [e for e in log if e.conversation_id is not None] + loose
    dashboard = build_dashboard(fed, tz=tz)
    assert dashboard is not None
    report = dashboard.calls.report
    assert report == call_metrics(log)
    days = dashboard.calls.days
    assert sum(d.inbound for d in days) == report.inbound
    assert sum(d.answered for d in days) == report.answered.part
    assert sum(d.missed for d in days) == report.missed.part
    assert sum(d.abandoned for d in days) == report.abandoned.part
    assert dashboard.calls.any is (report.inbound + report.outbound > 0)
    assert any(s.id == "calls" for s in sections(dashboard)) is dashboard.calls.any


def test_the_section_shows_rates_counts_and_times() -> None:
    """Rates with their counts, median and p90 with units, calls per day by outcome."""
    dashboard = build_dashboard(_log(stream()))
    assert dashboard is not None
    section = next(s for s in sections(dashboard) if s.id == "calls")
    figures = {row[0]: row[1:] for row in section.tables[0].rows}
    assert figures["Inbound calls"][0] == "5"
    assert figures["Outbound calls"][0] == "1"
    assert figures["Answered"][:2] == ("40.0%", "2 of 5 inbound")
    assert figures["Missed"][:2] == ("60.0%", "3 of 5 inbound")
    assert figures["Abandoned"][:2] == ("20.0%", "1 of 5 inbound")
    assert figures["Called back"][:2] == ("66.7%", "2 of 3 missed")
    talk = dashboard.calls.report.talk_time  # 188, 60 and 50 seconds
    assert figures["Talk time"] == ("1m 00s", duration(talk.p90), "3")
    assert figures["After-call work"] == ("45s", "45s", "1")
    (chart,) = section.charts
    assert chart.table.rows == (("2026-03-02", "2", "2", "1", "5"),)
    layout = chart.figure["layout"]
    assert layout["yaxis"]["title"]["text"] == "Inbound calls (count)"
    assert layout["xaxis"]["title"]["text"] == "Day (UTC)"
    patterns = [t["marker"]["pattern"]["shape"] for t in chart.figure["data"]]
    assert len(set(patterns)) == 3  # the outcomes differ by more than colour
    assert [t["text"] for t in chart.figure["data"]] == [["2"], ["2"], ["1"]]
    page = dashboard_html(dashboard)
    assert '<a href="#calls">Calls</a>' in page
    assert 'data-chart="chart-calls"' in page


def test_no_call_no_section_and_a_call_counts_on_its_local_day() -> None:
    """Without calls the page has no calls section; a call's day is its local day."""
    plain = build_dashboard(_anchor())
    assert plain is not None
    assert not plain.calls.any
    assert all(s.id != "calls" for s in sections(plain))
    late = [call("p9", "L", CallStatus.RINGING, 22 * 3600 + 1800),  # 23:30 in Paris
            call("p9", "L", CallStatus.NO_ANSWER, 22 * 3600 + 1830, answered=False)]  # fmt: skip
    dashboard = build_dashboard(_log(late), tz=PARIS)
    assert dashboard is not None
    assert [(d.day, d.missed) for d in dashboard.calls.days] == [
        ((T0 + timedelta(days=1)).date(), 1)
    ]
