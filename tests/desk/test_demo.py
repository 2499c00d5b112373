"""The demo's sample week shows every promised behaviour, and ``omnicx demo`` prints it."""

from __future__ import annotations

from pathlib import Path

import pytest

from omnicx.cli import main
from omnicx.desk._demo import demo_desk, run_sample
from omnicx.storage import MemoryStore


@pytest.fixture(scope="module")
def run():  # type: ignore[no-untyped-def]
    desk = demo_desk(MemoryStore())
    return desk, run_sample(desk)


def test_sample_week_merges_switches_reopens_and_breaches(run) -> None:  # type: ignore[no-untyped-def]
    """Sam's two profiles merge; Maya switches channel; Lena reopens; Tom's SLA breaches."""
    desk, result = run
    reasons = {(d.who, r.thread_reason) for d, r in result.inbound}
    assert ("maya", "continuity") in reasons  # email -> WhatsApp, same conversation
    assert ("lena", "references") in reasons  # reply on a solved email thread
    assert any(r.identity == "merged" for d, r in result.inbound if d.who == "sam")
    tom = desk.sla_report(result.conversations["tom"])
    assert any(t.metric.value == "first_reply" and t.state.value == "breached" for t in tom.targets)
    lena = desk.conversation(result.conversations["lena"]).conversation
    assert lena.status.value == "solved"
    assert len({result.customers[w] for w in ("maya", "sam", "tom", "lena", "jo")}) == 5


def test_the_demo_tick_fires_sla_warnings_with_no_new_message(run) -> None:  # type: ignore[no-untyped-def]
    """At the demo's "now" no message comes in; the tick still warns, at the due instants."""
    desk, result = run
    ticked = result.ticked
    assert ticked is not None
    assert ticked.now == desk.clock.now()
    warnings = [e for e in ticked.events if getattr(e, "name", None) == "sla.warning"]
    assert warnings
    assert all(e.at < ticked.now for e in warnings)
    assert desk.tick().receipts == ()


def test_the_demo_assigns_routed_work_within_each_agents_queues_and_capacity(run) -> None:  # type: ignore[no-untyped-def]
    """Every conversation routed while an agent of its queue had room went to that agent."""
    desk, result = run
    agents = {record.id: record for record in desk.agents()}
    assert set(agents) == {"anna", "ben"}
    for record in agents.values():
        assert record.load <= record.agent.capacity
    assigned = {}
    for customer_id in set(result.customers.values()):
        for event in desk.timeline(customer_id):
            if (
                type(event).__name__ == "Assigned"
                and event.assignee not in (None, event.previous)
                and event.actor.id == "omnicx"
            ):
                assert event.queue in agents[event.assignee].agent.queues
                assigned[event.conversation_id] = event.assignee
    assert assigned["c1"] == "anna"  # VIP care: only Anna works it
    assert len(assigned) >= 5


def test_omnicx_demo_prints_every_section(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The README's first command: profiles, timeline, routing with a trace, SLAs, metrics."""
    db = tmp_path / "demo.sqlite3"
    assert main(["demo", "--db", str(db), "--colour", "never"]) == 0
    out = capsys.readouterr().out
    for heading in ("Customer profiles", "Timeline of Maya Chen", "Routing decisions",
                    "Automatic assignment", "Inbox: open work", "Scheduled work: desk.tick()",
                    "SLA clocks",
                    "Metrics by channel"):  # fmt: skip
        assert heading in out
    assert "sla.warning" in out
    assert "badges: billing 1, general 2, returns 1, social 1" in out
    assert 'search "refund": c3' in out
    assert "merged p4 into p2" in out
    assert "breached" in out
    assert "Public comment answered by moving to DM" in out
    assert "same conversation (c1, private_reply)" in out
    assert "a missed call becomes a callback task" in out
    assert "\x1b[" not in out
    assert db.exists()
    assert main(["demo", "--db", str(db)]) == 1  # refuses to overwrite a kept database


def test_demo_colour_on_request(capsys: pytest.CaptureFixture[str]) -> None:
    """--colour always paints the headings and states."""
    assert main(["demo", "--colour", "always"]) == 0
    assert "\x1b[1;36m" in capsys.readouterr().out


def test_the_phone_scene_puts_the_missed_call_next_to_the_texts() -> None:
    """Tom's missed call finds his profile, becomes a routed callback task, and the callback's
    talk time, after-call work and callback time are measured."""
    from omnicx.desk._voice_demo import run_phone_scene
    from omnicx.model import CallEvent, MessageEvent

    desk = demo_desk(MemoryStore())
    sample = run_sample(desk)
    scene = run_phone_scene(desk)
    assert scene.missed.callback
    assert scene.missed.customer_id == sample.customers["tom"]
    assert scene.missed.receipt is not None
    assert scene.missed.receipt.queue == "general"
    channels = {e.message.channel.name for e in scene.timeline if isinstance(e, MessageEvent)}
    assert {"sms", "chat", "voice"} <= channels
    assert sum(isinstance(e, CallEvent) for e in scene.timeline) == 5
    calls = scene.calls
    assert (calls.inbound, calls.outbound, calls.called_back.part) == (1, 1, 1)
    assert calls.callback_time.median == 14 * 60 + 30
    assert (calls.talk_time.median, calls.after_call_work.median) == (240, 120)
    assert desk.conversation(scene.missed.conversation_id).conversation.channel.name == "voice"
