"""``omnicx report``: a dashboard file from an events.jsonl or a database, with clear errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.metrics.conftest import Timeline
from tests.report.test_html import figures

from omnicx import serde
from omnicx.cli import main
from omnicx.listening import Listener, Mention, load_topics
from omnicx.storage import SqliteStore


def _write(path: Path, *timelines: Timeline, extra: str = "") -> Path:
    events = sorted((e for t in timelines for e in t.events), key=lambda e: e.at)
    lines = [json.dumps(serde.event_to_dict(e)) for e in events]
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


def _two(tmp_path: Path) -> Path:
    a = Timeline("a").inbound(0, "chat").reply(5, "chat").solve(10)
    b = Timeline("b").inbound(60, "email").reply(90)
    return _write(tmp_path / "events.jsonl", a, b)


def test_writes_one_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The page lands at --output; the command says where, how many conversations, how big."""
    out = tmp_path / "report.html"
    assert main(["report", str(_two(tmp_path)), "-o", str(out), "--tz", "America/New_York",
                 "--title", "Weekly"]) == 0  # fmt: skip
    assert capsys.readouterr().out == f"wrote {out} (2 conversations, 14 charts)\n"
    page = out.read_text(encoding="utf-8")
    assert "<title>Weekly</title>" in page
    assert "(America/New_York)" in figures(page)["chart-volume"]["layout"]["xaxis"]["title"]["text"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.jsonl", "report.html"]


def test_now_cuts_the_log(tmp_path: Path) -> None:
    """--now: later events are left out, and the page says as of when."""
    out = tmp_path / "report.html"
    assert main(["report", str(_two(tmp_path)), "-o", str(out),
                 "--now", "2024-03-04T09:07:00Z"]) == 0  # fmt: skip
    page = out.read_text(encoding="utf-8")
    assert "As of Mon 4 Mar 2024 09:07 (UTC)" in page
    assert '<span class="label">Conversations</span><span class="value">1</span>' in page


def test_no_events_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An empty log: no page, and the command says so."""
    empty = tmp_path / "events.jsonl"
    empty.write_text("\n", encoding="utf-8")
    out = tmp_path / "report.html"
    assert main(["report", str(empty), "-o", str(out)]) == 0
    assert capsys.readouterr().out == "no events: no report written\n"
    assert not out.exists()


def test_reads_a_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--db: the events of an omnicx SQLite store, as the desk wrote them (``omnicx demo``)."""
    db = tmp_path / "desk.sqlite3"
    assert main(["demo", "--db", str(db), "--colour", "never"]) == 0
    with SqliteStore(db) as store:
        conversations = {e.conversation_id for e in store.events()} - {None}
    capsys.readouterr()
    out = tmp_path / "report.html"
    assert main(["report", "--db", str(db), "-o", str(out)]) == 0
    # The demo's desk takes a call nobody answers: the calls section has the 15th chart.
    assert f"({len(conversations)} conversations, 15 charts)" in capsys.readouterr().out
    page = out.read_text(encoding="utf-8")
    assert '<a href="#calls">Calls</a>' in page
    assert (
        f'<span class="label">Conversations</span><span class="value">{len(conversations)}<' in page
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "events: pass an events file or --db FILE (one of them)"),
        (["--tz", "Mars/Olympus"], "--tz: unknown time zone 'Mars/Olympus'; use an IANA name "
         "such as 'Europe/Paris'"),
        (["--fcr-days", "-1"], "--fcr-days: must not be negative"),
        (["--now", "yesterday"], "--now: invalid ISO 8601 instant 'yesterday'"),
    ],
)  # fmt: skip
def test_bad_arguments_say_what_to_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    """One line on stderr naming the argument; exit code 1; nothing written."""
    events = [] if not args else [str(_two(tmp_path))]
    out = tmp_path / "report.html"
    assert main(["report", *events, *args, "-o", str(out)]) == 1
    assert capsys.readouterr().err == f"omnicx: error: {message}\n"
    assert not out.exists()


def test_a_bad_line_names_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Invalid JSON and a conversation going back in time: each with its file:line."""
    a = Timeline("a").inbound(10)
    back = json.dumps(serde.event_to_dict(Timeline("a").inbound(5).events[0]))
    path = _write(tmp_path / "events.jsonl", a, extra=f"{{oops\n{back}\n")
    assert main(["report", str(path), "-o", str(tmp_path / "r.html")]) == 1
    err = capsys.readouterr().err
    assert "events.jsonl:2: invalid JSON" in err
    assert not (tmp_path / "r.html").exists()
    path = _write(tmp_path / "events.jsonl", a, extra=f"{back}\n")
    assert main(["report", str(path), "-o", str(tmp_path / "r.html")]) == 1
    assert "events.jsonl:2.at: conversation 'a' goes back in time" in capsys.readouterr().err


def test_missing_inputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A missing events file or database: named, with the reason."""
    out = str(tmp_path / "r.html")
    assert main(["report", str(tmp_path / "nope.jsonl"), "-o", out]) == 1
    assert "nope.jsonl: can't read the file" in capsys.readouterr().err
    assert main(["report", "--db", str(tmp_path / "nope.sqlite3"), "-o", out]) == 1
    assert "nope.sqlite3: no such database" in capsys.readouterr().err


def test_listening_topics_from_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--topics with --listening: the saved listener's topics over the report's period."""
    topics_file = tmp_path / "topics.json"
    topics_file.write_text(json.dumps({"topics": [{"id": "acme", "query": {"any": ["acme"]}}]}))
    listener = Listener(load_topics(topics_file))
    start = datetime(2024, 3, 4, 9, tzinfo=UTC)
    listener.feed(Mention(id=f"m{i}", network="x", text="acme is down", reach=5,
                          at=start + timedelta(minutes=i)) for i in range(10))  # fmt: skip
    listener.advance(start + timedelta(hours=3))
    state = tmp_path / "state.json"
    state.write_text(listener.snapshot().to_json(), encoding="utf-8")
    out = tmp_path / "r.html"
    events = str(_two(tmp_path))
    assert main(["report", events, "-o", str(out), "--topics", str(topics_file),
                 "--listening", str(state)]) == 0  # fmt: skip
    page = out.read_text(encoding="utf-8")
    assert '<section id="topics"' in page
    assert '<th scope="row">acme</th><td class="number">10</td>' in page
    assert main(["report", events, "-o", str(out), "--topics", str(topics_file)]) == 1
    assert "--topics: needs --listening too" in capsys.readouterr().err
