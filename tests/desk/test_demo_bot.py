"""The demo's bot scene: the returns bot answers Rosa, then hands her to a person."""

from __future__ import annotations

from pathlib import Path

import pytest

from omnicx.cli import main
from omnicx.desk._demo import demo_desk, run_sample
from omnicx.model import AuthorKind, HandoffReason
from omnicx.storage import MemoryStore


def test_the_bot_hands_rosa_to_the_returns_queue_with_the_transcript() -> None:
    desk = demo_desk(MemoryStore())
    scene = run_sample(desk).bot
    assert scene is not None
    handoff = scene.handoff
    assert (handoff.reason, handoff.queue, handoff.turns) == (HandoffReason.CUSTOMER, "returns", 2)
    kinds = [line.author.kind for line in handoff.transcript.lines]
    assert kinds == [AuthorKind.CUSTOMER, AuthorKind.BOT] * 2 + [AuthorKind.CUSTOMER]
    record = desk.conversation(scene.conversation_id).conversation
    assert record.bot is None
    assert "bot-handoff" in record.tags
    report = desk.sla_report(scene.conversation_id)
    assert report is not None
    (first,) = [t for t in report.targets if t.metric.value == "first_reply"]
    assert first.elapsed == 0  # the bot's two minutes are not the team's


def test_omnicx_demo_prints_the_handoff(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--db", str(tmp_path / "demo.sqlite3")]) == 0
    out = capsys.readouterr().out
    section = out.split("A bot hands over to a person, with the transcript")[1].split("\n\n")[0]
    assert "Rosa Díaz    I'd rather talk to a person, please." in section
    assert "returns-bot  Of course: swaps are free within 30 days." in section
    assert "handed off Sun 8 Mar 2026 16:02 to queue returns, +bot-handoff, open" in section
    assert "bot metrics: handoff rate 1/1, time to handoff 2m 00s" in section
    assert max(len(line) for line in section.splitlines()) <= 100
