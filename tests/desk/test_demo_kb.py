"""The demo's self-service part: a deflected question, an agent's suggestions, the figures."""

from __future__ import annotations

import pytest

from omnicx.cli import main
from omnicx.desk._demo_kb import run_self_service
from omnicx.model import Author, AuthorKind, Status, StatusChanged
from omnicx.storage import MemoryStore


def test_a_chat_question_is_deflected_and_an_agent_gets_suggestions() -> None:
    store = MemoryStore()
    run = run_self_service(store)
    assert [a.id for a in run.deflected.offered] == ["refund-times"]
    (reply,) = run.deflected.outbox
    assert reply.text.endswith(
        "- When will my refund arrive?: https://help.example.com/en/refund-times"
    )
    solved = [e for e in store.events(conversation_id=run.rated.conversation_id)
              if isinstance(e, StatusChanged) and e.status is Status.SOLVED]  # fmt: skip
    assert [e.actor.kind for e in solved if isinstance(e.actor, Author)] == [AuthorKind.CUSTOMER]
    assert [s.article.id for s in run.suggestions] == ["exchange", "exchange-stock"]
    report = run.report
    assert (report.questions, report.deflected, report.no_result_searches) == (2, 1, 2)
    assert report.content_gaps[0].query == "gift wrapping"


def test_omnicx_demo_shows_the_self_service_section(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--colour", "never"]) == 0
    out = capsys.readouterr().out
    section = out[out.index("Self-service: a deflected question") :]
    assert "offered refund-times (confidence 0.61)" in section
    assert "is solved, with no agent involved" in section
    assert "deflection rate 50% (1 of 2 questions)" in section
    assert 'content gaps (searches that found nothing): "gift wrapping" x2' in section
    assert all(len(line) <= 100 for line in out.splitlines())
