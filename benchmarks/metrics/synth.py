"""Synthetic conversations as columns (numpy): the input both sides of the benchmark read.

Each conversation: a customer message, an assignment, maybe a priority change
and a bot answer, the first agent reply, one or two customer messages and the
next agent reply, a solve (5% stay open), maybe CSAT and NPS answers, and in
10% a customer follow-up that reopens it, with a reply and a second solve.
About 8 events per conversation.
"""

from __future__ import annotations

import numpy as np

INBOUND, REPLY, BOT, SOLVE, REOPEN, ASSIGN, PRIORITY, CSAT, NPS = range(9)
CHANNELS = ("email", "chat", "whatsapp", "sms", "voice")
PRIORITIES = ("low", "normal", "high", "urgent")
QUEUES = tuple(f"q{i:02d}" for i in range(20))
BASE = 1_700_000_000  # 2023-11-14, epoch seconds
SLOTS = (INBOUND, ASSIGN, PRIORITY, BOT, REPLY, INBOUND, INBOUND, REPLY, SOLVE, CSAT, NPS,
         INBOUND, REOPEN, REPLY, SOLVE)  # fmt: skip


def generate(n: int, seed: int = 7) -> dict[str, np.ndarray]:
    """Columns ``conv, at, kind, channel, queue, agent, value``, sorted by conversation and time."""
    rng = np.random.default_rng(seed)
    slots = len(SLOTS)
    gaps = np.empty((n, slots), dtype=np.int64)
    gaps[:, 0] = BASE + rng.integers(0, 30 * 86400, n)
    gaps[:, 1:] = rng.integers(1, 120, (n, slots - 1))
    gaps[:, 4] += rng.lognormal(7, 1.5, n).astype(np.int64)  # first reply
    gaps[:, 7] += rng.lognormal(8, 1.5, n).astype(np.int64)  # next reply
    gaps[:, 8] += rng.lognormal(9, 1.2, n).astype(np.int64)  # solve
    gaps[:, 11] += rng.integers(3600, 12 * 86400, n)  # follow-up, inside or past 7 days
    gaps[:, 13] += rng.lognormal(7, 1, n).astype(np.int64)
    at = np.cumsum(gaps, axis=1)
    present = np.ones((n, slots), dtype=bool)
    present[:, 2] = rng.random(n) < 0.4
    present[:, 3] = rng.random(n) < 0.3
    present[:, 6] = rng.random(n) < 0.5
    present[:, 9] = rng.random(n) < 0.3
    present[:, 10] = rng.random(n) < 0.2
    present[:, 11:] = (rng.random(n) < 0.1)[:, None]
    open_ = rng.random(n) < 0.05
    present[open_, 8:] = False
    conv = np.repeat(np.arange(n, dtype=np.int64)[:, None], slots, axis=1)
    kind = np.broadcast_to(np.array(SLOTS, dtype=np.int8), (n, slots))
    channel = np.repeat(rng.integers(0, len(CHANNELS), n).astype(np.int8)[:, None], slots, 1)
    queue = np.repeat(rng.integers(0, len(QUEUES), n).astype(np.int16)[:, None], slots, 1)
    agent = np.repeat(rng.integers(0, 200, n).astype(np.int16)[:, None], slots, 1)
    value = np.zeros((n, slots), dtype=np.int8)
    value[:, 2] = rng.integers(0, len(PRIORITIES), n)
    value[:, 9] = rng.integers(1, 6, n)
    value[:, 10] = rng.integers(0, 11, n)
    return {
        "conv": conv[present],
        "at": at[present],
        "kind": kind[present],
        "channel": channel[present],
        "queue": queue[present],
        "agent": agent[present],
        "value": value[present],
    }
