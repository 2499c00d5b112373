"""``omnicx metrics``: tables and JSON from an events.jsonl file, with clear errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.metrics.conftest import Timeline
from tests.metrics.test_accumulator import conversations

from omnicx import serde
from omnicx.cli import main
from omnicx.cli._metrics import stream_metrics
from omnicx.metrics import compute_metrics


def _write(path: Path, *timelines: Timeline, extra: str = "") -> Path:
    lines = [json.dumps(serde.event_to_dict(e)) for t in timelines for e in t.events]
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


def test_table_by_channel(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """One row per channel, as of the last event; durations read as ``5m 00s``; the table
    stacks into parts that fit 100 columns, each repeating the channel."""
    a = Timeline("a").inbound(0, "chat").reply(5).solve(10)
    b = Timeline("b").inbound(0, "email").reply(1).inbound(3).reply(4)
    path = _write(tmp_path / "events.jsonl", a, b)
    assert main(["metrics", str(path), "--by", "channel"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= 100
    assert lines[0].split("  ")[:4] == ["channel", "volume", "solved", "first reply p50"]
    assert lines[1].split()[:5] == ["chat", "1", "1", "5m", "00s"]
    assert lines[2].split()[:7] == ["email", "1", "0", "1m", "00s", "1m", "00s"]
    second = lines[lines.index("") + 1 :]
    assert second[0].startswith("channel")
    assert [line.split()[0] for line in second[1:]] == ["chat", "email"]
    assert "one-touch" in second[0]


def test_csv_has_a_column_per_figure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--csv: one row per group, dotted column names, raw seconds, empty where not measured."""
    a = Timeline("a").inbound(0, "chat").reply(5).solve(10)
    b = Timeline("b").inbound(0, "email")
    path = _write(tmp_path / "events.jsonl", a, b)
    assert main(["metrics", str(path), "--by", "channel", "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [row["key.channel"] for row in rows] == ["chat", "email"]
    assert rows[0]["durations.first_reply.median"] == "300"
    assert rows[1]["durations.first_reply.median"] == ""
    assert rows[0]["one_touch.value"] == "1.0"


def test_json_and_csv_are_exclusive(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """One machine format at a time: asking for both is a usage error."""
    path = _write(tmp_path / "events.jsonl", Timeline("a").inbound(0))
    with pytest.raises(SystemExit):
        main(["metrics", str(path), "--json", "--csv"])
    assert "not allowed with argument" in capsys.readouterr().err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_large_file_shows_progress_on_a_terminal_only(tmp_path: Path) -> None:
    """From 4 MiB reading draws a bar on a terminal and clears it; off a terminal (a pipe,
    CI) nothing is written."""
    line = json.dumps(serde.event_to_dict(Timeline("a").inbound(0).events[0]))
    path = tmp_path / "events.jsonl"
    path.write_text((line + "\n") * (4 * 1024 * 1024 // len(line) + 1), encoding="utf-8")
    terminal, pipe = _Terminal(), io.StringIO()
    (report,) = stream_metrics(path, breakdowns=[()], progress=terminal) or ()
    assert report.groups[()].conversations == 1
    drawn = terminal.getvalue()
    assert "reading events.jsonl [" in drawn
    assert " 100%" in drawn
    assert drawn.endswith("\r")
    assert drawn.rsplit("\r", 2)[-2].strip() == ""
    stream_metrics(path, breakdowns=[()], progress=pipe)
    assert pipe.getvalue() == ""


@given(
    st.integers(1, 8).flatmap(lambda n: st.tuples(*(conversations(f"c{i}") for i in range(n)))),
    st.randoms(),
    st.sampled_from([None, 600]),
    st.sampled_from([0, 1, 20_000]),
)
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_one_pass_gives_the_figures_of_compute_metrics(
    tmp_path_factory, ts, rng, now, keep
) -> None:
    """Conversations interleaved anyhow (each in time order), several breakdowns: each
    report equals compute_metrics over the same events, as of the last event or --now,
    with solved conversations retired to the stream's file or kept in memory."""
    queues = [list(t.events) for t in ts]
    ordered = []
    while any(queues):
        ordered.append(rng.choice([q for q in queues if q]).pop(0))
    path = tmp_path_factory.mktemp("stream") / "events.jsonl"
    path.write_text("".join(json.dumps(serde.event_to_dict(e)) + "\n" for e in ordered))
    at = max(e.at for e in ordered) if now is None else Timeline.at(now)
    breakdowns = [(), ("channel",), ("queue", "agent"), ("tag",)]
    reports = stream_metrics(
        path, breakdowns=breakdowns, now=None if now is None else at, keep_solved=keep
    )
    assert reports == [compute_metrics(ordered, now=at, by=by) for by in breakdowns]


def test_each_by_is_a_breakdown_of_the_same_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--by channel --by queue: two breakdowns, not their cross product, in table, JSON, CSV."""
    a = Timeline("a").inbound(0, "chat").assign(1, "ann", "billing").reply(5)
    b = Timeline("b").inbound(0, "email").assign(1, "bob", "sales")
    path = _write(tmp_path / "events.jsonl", a, b)
    assert main(["metrics", str(path), "--by", "channel", "--by", "queue"]) == 0
    out = capsys.readouterr().out
    first, second = out.split("\n\nby queue\n")
    assert first.startswith("by channel\nchannel ")
    assert second.startswith("queue ")
    assert [line.split()[0] for line in second.splitlines()[1:3]] == ["billing", "sales"]
    assert main(["metrics", str(path), "--by", "channel", "--by", "queue", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [part["by"] for part in data["breakdowns"]] == [["channel"], ["queue"]]
    assert main(["metrics", str(path), "--by", "channel", "--by", "queue,agent", "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["by"], r["key.channel"], r["key.queue"], r["key.agent"]) for r in rows] == [
        ("channel", "chat", "", ""),
        ("channel", "email", "", ""),
        ("queue+agent", "", "billing", "ann"),
        ("queue+agent", "", "sales", "bob"),
    ]
    assert main(["metrics", str(path), "--by", "channel", "--by", "queue,agnt"]) == 1
    assert capsys.readouterr().err == (
        "omnicx: error: --by[1][1]: unknown dimension 'agnt' (did you mean 'agent'?)\n"
    )


def test_a_conversation_going_back_in_time_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One pass needs each conversation's events in time order; the error says where and how
    to fix it, and nothing is reported."""
    t = Timeline("a").inbound(0).reply(5)
    t.events.reverse()
    path = _write(tmp_path / "events.jsonl", t)
    assert main(["metrics", str(path)]) == 1
    assert capsys.readouterr().err == (
        "omnicx: error: events.jsonl:2: conversation 'a' goes back in time "
        "(2024-03-04T09:00:00+00:00 after 2024-03-04T09:05:00+00:00); the file is read in "
        "one pass, so each conversation's events must be in time order: sort the file by 'at'\n"
    )


def test_the_file_is_never_read_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command streams lines: reading the whole file at once is never needed."""
    path = _write(tmp_path / "events.jsonl", Timeline("a").inbound(0).reply(2))

    def refuse(*args: object, **kwargs: object) -> str:
        raise AssertionError("read the whole file")

    monkeypatch.setattr(Path, "read_text", refuse)
    monkeypatch.setattr(Path, "read_bytes", refuse)
    assert main(["metrics", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["groups"][0]["conversations"] == 1


CALENDAR = """timezone = "UTC"
[hours]
monday = ["09:00-09:02"]
"""


def test_a_calendar_adds_business_hours_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--calendar: business-time medians, titled so; a bad calendar names its file and field."""
    path = _write(tmp_path / "events.jsonl", Timeline("a").inbound(0, "chat").reply(5))
    calendar = tmp_path / "hours.toml"
    calendar.write_text(CALENDAR, encoding="utf-8")
    assert main(["metrics", str(path), "--by", "channel", "--calendar", str(calendar)]) == 0
    out = capsys.readouterr().out
    assert "first reply p50 (business hours)" in out
    assert max(len(line) for line in out.splitlines()) <= 100
    assert main(["metrics", str(path), "--calendar", str(calendar), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["groups"][0]["durations"]["first_reply"]["median"] == 300
    assert data["groups"][0]["business_durations"]["first_reply"]["median"] == 120
    calendar.write_text('timezone = "Mars/Base"\n[hours]\n', encoding="utf-8")
    assert main(["metrics", str(path), "--calendar", str(calendar)]) == 1
    assert capsys.readouterr().err.startswith(f"omnicx: error: --calendar {calendar}.timezone: ")


def test_json_with_two_dimensions_and_now(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--json prints the report dict; --by accepts commas; --now sets the instant."""
    a = Timeline("a").inbound(0, "chat").assign(1, "ann", "billing").reply(5).solve(10)
    path = _write(tmp_path / "events.jsonl", a, extra="\n\n")
    now = Timeline.at(7).isoformat()
    assert main(["metrics", str(path), "--by", "channel,queue", "--now", now, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["by"] == ["channel", "queue"]
    assert data["groups"][0]["key"] == {"channel": "chat", "queue": "billing"}
    assert data["groups"][0]["solved"] == 0


def test_empty_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No events: says so and succeeds."""
    path = tmp_path / "events.jsonl"
    path.write_text("", encoding="utf-8")
    assert main(["metrics", str(path)]) == 0
    assert capsys.readouterr().out == "no events\n"


def test_bad_lines_are_reported_with_line_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every bad line is named file:line with the field path; nothing is computed."""
    good = Timeline("a").inbound(0)
    path = _write(tmp_path / "events.jsonl", good, extra='{"type": "mesage"}\nnot json\n')
    assert main(["metrics", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("omnicx: error: ")
    lines = err.removeprefix("omnicx: error: ").splitlines()
    assert lines[0].startswith("events.jsonl:2")
    assert "mesage" in lines[0]
    assert lines[-1] == "events.jsonl:3: invalid JSON (Expecting value at column 1)"


def test_a_file_of_junk_stops_at_twenty_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Twenty problems are enough to fix a file in a few passes; reading stops there."""
    path = tmp_path / "events.jsonl"
    path.write_text("not json\n" * 1000, encoding="utf-8")
    assert main(["metrics", str(path)]) == 1
    lines = capsys.readouterr().err.removeprefix("omnicx: error: ").splitlines()
    assert len(lines) == 20
    assert lines[-1] == "events.jsonl:20: invalid JSON (Expecting value at column 1)"


def test_missing_file_and_bad_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A missing file, a bad --now, a negative window and an unknown dimension are errors."""
    missing = tmp_path / "nope.jsonl"
    assert main(["metrics", str(missing)]) == 1
    assert capsys.readouterr().err == (
        f"omnicx: error: {missing}: can't read the file (No such file or directory)\n"
    )
    path = _write(tmp_path / "events.jsonl", Timeline("a").inbound(0))
    assert main(["metrics", str(path), "--now", "yesterday"]) == 1
    assert capsys.readouterr().err == "omnicx: error: --now: invalid ISO 8601 instant 'yesterday'\n"
    assert main(["metrics", str(path), "--now", "2024-01-01T00:00:00"]) == 1
    assert capsys.readouterr().err == (
        "omnicx: error: --now: naive instant; add a UTC offset (e.g. 'Z')\n"
    )
    assert main(["metrics", str(path), "--fcr-days", "-1"]) == 1
    assert capsys.readouterr().err == "omnicx: error: --fcr-days: must not be negative\n"
    assert main(["metrics", str(path), "--by", "chanel"]) == 1
    assert capsys.readouterr().err == (
        "omnicx: error: by[0]: unknown dimension 'chanel' (did you mean 'channel'?)\n"
    )
