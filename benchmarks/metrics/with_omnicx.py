"""The omnicx side: fold columns through ``FactsBuilder`` into two accumulators.

The public API a host with columnar events uses: one ``FactsBuilder`` per
conversation, fed each row as a step (``message``, ``status``, ``assigned``,
``survey``, ``priority``) with its epoch-second timestamp as it is, then
``builder.add_to(by_channel, by_queue, now=...)`` counts the conversation into
both ``MetricsAccumulator`` breakdowns, and ``report()`` reads the figures.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from synth import (
    ASSIGN,
    BOT,
    CHANNELS,
    CSAT,
    INBOUND,
    NPS,
    PRIORITIES,
    QUEUES,
    REOPEN,
    REPLY,
    SOLVE,
)

from omnicx.metrics import (
    DURATIONS,
    FactsBuilder,
    MetricsAccumulator,
    MetricsConfig,
    MetricsReport,
)
from omnicx.model import Status, SurveyKind

CHUNK = 4096


def reports(columns: dict[str, np.ndarray], now: datetime) -> tuple[MetricsReport, MetricsReport]:
    """Every metric by channel and by queue."""
    config = MetricsConfig()
    by_channel = MetricsAccumulator(by=("channel",))
    by_queue = MetricsAccumulator(by=("queue",))
    epoch_now = now.timestamp()  # the builders hold epoch seconds; give them ``now`` alike
    builder: FactsBuilder | None = None
    current = -1
    # Python lists of a short slice at a time: the whole columns as lists would
    # cost ~1 GB, and short-lived lists keep the garbage collector's passes short.
    for offset in range(0, len(columns["conv"]), CHUNK):
        part = slice(offset, offset + CHUNK)
        rows = zip(
            columns["conv"][part].tolist(),
            columns["at"][part].tolist(),  # epoch seconds: FactsBuilder takes them as they are
            columns["kind"][part].tolist(),
            [CHANNELS[c] for c in columns["channel"][part].tolist()],
            columns["queue"][part].tolist(),
            columns["agent"][part].tolist(),
            columns["value"][part].tolist(),
            strict=True,
        )
        for conv, at, kind, channel, queue, agent, value in rows:
            if conv != current:
                if builder is not None:
                    builder.add_to(by_channel, by_queue, now=epoch_now)
                builder = FactsBuilder(conversation_id=str(conv), created_at=at, config=config)
                current = conv
            assert builder is not None
            if kind == INBOUND:
                builder.message(at, channel=channel, inbound=True)
            elif kind == REPLY:
                builder.message(at, channel=channel, inbound=False, human_reply=True)
            elif kind == BOT:
                builder.message(at, channel=channel, inbound=False, machine_reply=True)
            elif kind == SOLVE:
                builder.status(at, Status.SOLVED)
            elif kind == REOPEN:
                builder.status(at, Status.OPEN)
            elif kind == ASSIGN:
                builder.assigned(f"a{agent}", QUEUES[queue])
            elif kind == CSAT:
                builder.survey(SurveyKind.CSAT, value, 1, 5)
            elif kind == NPS:
                builder.survey(SurveyKind.NPS, value, 0, 10)
            else:
                builder.priority(PRIORITIES[value])
    if builder is not None:
        builder.add_to(by_channel, by_queue, now=epoch_now)
    return by_channel.report(), by_queue.report()


def figures(report: MetricsReport) -> dict[str, Any]:
    """The compared figures of a report, keyed by group value."""
    out: dict[str, Any] = {}
    for (key,), g in report.groups.items():
        out[key] = {
            "conversations": g.conversations,
            "solved": g.solved,
            "reopened": [g.reopened.part, g.reopened.whole],
            "one_touch": [g.one_touch.part, g.one_touch.whole],
            "fcr": [g.first_contact_resolution.part, g.first_contact_resolution.whole],
            "csat": [g.csat.part, g.csat.whole],
            "nps": [g.nps.promoters, g.nps.passives, g.nps.detractors],
            "survey_response": [g.survey_response.part, g.survey_response.whole],
            "agent_replies": [g.agent_replies.count, g.agent_replies.total],
            "durations": {
                name: [s.count, s.total, s.median, s.p90, s.p95]
                for name in DURATIONS
                for s in (g.durations[name],)
            },
        }
    return out


def now_after(columns: dict[str, np.ndarray]) -> datetime:
    """An instant after every event plus the FCR window, so every FCR is decided."""
    return datetime.fromtimestamp(int(columns["at"].max()), UTC) + timedelta(days=8)
