"""``--sla FILE``: SLA policies from a file decide the attainment and breaches of
``omnicx metrics`` and ``omnicx report``."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.metrics.conftest import Timeline
from tests.metrics.test_accumulator import conversations

from omnicx import serde
from omnicx.cli import main
from omnicx.cli._metrics import stream_metrics
from omnicx.metrics import NONE
from omnicx.model import Event
from omnicx.sla import ClockState, SlaEngine, load_policies

POLICIES = """
policies:
  - name: chat
    when: {channel: chat}
    targets: {first_reply: 10m, resolution: 1h}
default:
  name: standard
  targets: {first_reply: 1h, next_reply: 1h, resolution: 1d}
"""


def _write(path: Path, events: list[Event]) -> Path:
    path.write_text("".join(json.dumps(serde.event_to_dict(e)) + "\n" for e in events))
    return path


def _policies(tmp_path: Path, text: str = POLICIES, name: str = "sla.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _oracle(engine: SlaEngine, timelines: list[list[Event]], now: object) -> dict[str, Counter]:
    """Per channel and target, achieved and breached clocks from ``SlaEngine.status``."""
    found: dict[str, Counter] = {}
    for events in timelines:
        channel = next((e.message.channel.name for e in events if hasattr(e, "message")), NONE)
        for target in engine.status(events, now).targets:  # type: ignore[arg-type]
            if target.state is ClockState.BREACHED or (
                target.state is ClockState.ACHIEVED and target.target is not None
            ):
                key = f"{target.metric.value}:{target.state is ClockState.ACHIEVED}"
                found.setdefault(channel, Counter())[key] += 1
    return found


@given(
    st.integers(1, 6).flatmap(lambda n: st.tuples(*(conversations(f"c{i}") for i in range(n)))),
    st.randoms(),
    st.sampled_from([0, 1, 20_000]),
)
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=40)
def test_one_pass_counts_the_clocks_the_engine_reports(tmp_path_factory, ts, rng, keep) -> None:
    """Conversations interleaved anyhow, solved ones retired to the stream's file or kept:
    each channel's tallies are the achieved and breached clocks ``SlaEngine.status``
    reports for its conversations."""
    engine = load_policies(POLICIES, format="yaml")
    queues = [list(t.events) for t in ts]
    ordered = []
    while any(queues):
        ordered.append(rng.choice([q for q in queues if q]).pop(0))
    path = _write(tmp_path_factory.mktemp("sla") / "events.jsonl", ordered)
    (report,) = stream_metrics(path, breakdowns=[("channel",)], keep_solved=keep, sla=engine) or ()
    now = max(e.at for e in ordered)
    got = {
        key[0]: Counter(
            {
                f"{name}:{ok}": n
                for name, tally in group.sla.items()
                for ok, n in ((True, tally.achieved), (False, tally.breached))
                if n
            }
        )
        for key, group in report.groups.items()
    }
    want = _oracle(engine, [list(t.events) for t in ts], now)
    assert {k: v for k, v in got.items() if v} == want


def test_the_table_and_json_show_attainment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A chat answered in 5 minutes meets the chat policy; an email answered after 2 hours
    breaches the default's first reply target."""
    chat = Timeline("a").inbound(0, "chat").reply(5, "chat").solve(30)
    email = Timeline("b").inbound(0, "email").reply(120)
    path = _write(tmp_path / "events.jsonl", [*chat.events, *email.events])
    sla = _policies(tmp_path)
    assert main(["metrics", str(path), "--by", "channel", "--sla", str(sla), "--json"]) == 0
    groups = {g["key"]["channel"]: g["sla"] for g in json.loads(capsys.readouterr().out)["groups"]}
    assert groups["chat"] == {
        "first_reply": {"achieved": 1, "breached": 0, "attainment": 1.0},
        "resolution": {"achieved": 1, "breached": 0, "attainment": 1.0},
    }
    assert groups["email"] == {"first_reply": {"achieved": 0, "breached": 1, "attainment": 0.0}}
    assert main(["metrics", str(path), "--by", "channel", "--sla", str(sla)]) == 0
    out = capsys.readouterr().out
    assert "SLA met" in out
    assert "first reply SLA met" in out
    rows = [line.split() for line in out.splitlines()]
    last = [row for row in rows if row and row[0] in ("chat", "email")][-2:]
    assert last[0][-4:] == ["100%", "0", "100%", "100%"]
    assert last[1][-4:] == ["0%", "1", "0%", "-"]
    assert main(["metrics", str(path), "--by", "channel"]) == 0
    assert "SLA" not in capsys.readouterr().out


def test_a_bad_policy_file_names_the_option_file_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Errors say --sla FILE, then the path inside it; nothing is reported."""
    path = _write(tmp_path / "events.jsonl", Timeline("a").inbound(0).events)
    sla = _policies(tmp_path, "policies:\n  - name: p\n    targets: {first_reply: soon}\n")
    assert main(["metrics", str(path), "--sla", str(sla)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"omnicx: error: --sla {sla}.policies[0].targets.first_reply: 'soon' is not a duration "
        "like '1h 30m', '45m', '2d' or a number of seconds\n"
    )
    assert main(["metrics", str(path), "--sla", str(tmp_path / "none.yaml")]) == 1
    assert "none.yaml: can't read the file" in capsys.readouterr().err
    broken = _policies(tmp_path, '{"policies": [', "sla.json")
    assert main(["metrics", str(path), "--sla", str(broken)]) == 1
    assert capsys.readouterr().err.startswith(f"omnicx: error: --sla {broken}: invalid JSON")


def test_the_report_counts_the_same_outcomes(tmp_path: Path) -> None:
    """omnicx report --sla: the dashboard's SLA figures are those of omnicx metrics."""
    pytest.importorskip("plotly")
    from omnicx.cli import build_parser
    from omnicx.cli._report import build

    chat = Timeline("a").inbound(0, "chat").reply(5, "chat").solve(30)
    email = Timeline("b").inbound(0, "email").reply(120)
    path = _write(tmp_path / "events.jsonl", [*chat.events, *email.events])
    sla = _policies(tmp_path)
    args = build_parser().parse_args(
        ["report", str(path), "-o", str(tmp_path / "r.html"), "--sla", str(sla)]
    )
    dashboard = build(args)
    assert dashboard is not None
    (metrics,) = stream_metrics(path, breakdowns=[()], sla=load_policies(sla)) or ()
    assert dashboard.overall.groups[()].sla == metrics.groups[()].sla
    by_channel = dashboard.breakdowns["channel"].groups
    assert by_channel[("email",)].sla["first_reply"].breached == 1
    assert main(["report", str(path), "-o", str(tmp_path / "r.html"), "--sla", str(sla)]) == 0
