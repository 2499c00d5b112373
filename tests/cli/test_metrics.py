"""``omnicx metrics``: tables and JSON from an events.jsonl file, with clear errors."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from tests.metrics.conftest import Timeline

from omnicx import serde
from omnicx.cli import main
from omnicx.cli._metrics import read_events


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
    import csv
    import io

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


def test_a_long_file_shows_progress_on_a_terminal_only(tmp_path: Path) -> None:
    """Past 20,000 lines reading draws a bar on a terminal and clears it; off a terminal
    (a pipe, CI) nothing is written."""
    lines = [json.dumps(serde.event_to_dict(e)) for e in Timeline("a").inbound(0).events]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines * 20_000) + "\n", encoding="utf-8")
    terminal, pipe = _Terminal(), io.StringIO()
    assert len(read_events(path, progress=terminal)) == 20_000
    drawn = terminal.getvalue()
    assert "reading events.jsonl [" in drawn
    assert " 100%" in drawn
    assert drawn.endswith("\r")
    assert drawn.rsplit("\r", 2)[-2].strip() == ""
    read_events(path, progress=pipe)
    assert pipe.getvalue() == ""


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
