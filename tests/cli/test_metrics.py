"""``omnicx metrics``: tables and JSON from an events.jsonl file, with clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.metrics.conftest import Timeline

from omnicx import serde
from omnicx.cli import main


def _write(path: Path, *timelines: Timeline, extra: str = "") -> Path:
    lines = [json.dumps(serde.event_to_dict(e)) for t in timelines for e in t.events]
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


def test_table_by_channel(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """One row per channel, as of the last event."""
    a = Timeline("a").inbound(0, "chat").reply(5).solve(10)
    b = Timeline("b").inbound(0, "email").reply(1).inbound(3).reply(4)
    path = _write(tmp_path / "events.jsonl", a, b)
    assert main(["metrics", str(path), "--by", "channel"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["channel", "volume", "solved"]
    assert lines[1].split()[:4] == ["chat", "1", "1", "300"]
    assert lines[2].split()[:5] == ["email", "1", "0", "60", "60"]


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
