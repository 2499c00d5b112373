"""Detection quality on synthetic labelled series, scored as the NAB benchmark scores.

Each series is hourly mention counts over eight weeks: a base level, daily
and weekly seasonality, a trend (growth or decline), overdispersed noise
(gamma-Poisson), and events. Labelled anomalies: bursts (a few hours at
3-10x), ramps (a rise over six hours) and upward level shifts. Unlabelled,
and so false alarms if alerted on: downward shifts, and quiet gaps where the
whole stream is silent (a collection outage), which both detectors are told
of as the listener is (the stream had no mention at all).

Scoring follows NAB (Lavin and Ahmad, 2015): each anomaly window rewards its
earliest detection by a scaled sigmoid of its position (about 1 at the
window's start, 0 at its end), every detection outside a window costs A_FP
(less just after a window), a window without detection costs A_FN; the raw
score is normalised so that 0 is "never alarm" and 100 is perfect.
"""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

import attrs

from omnicx.listening import Knobs, load_topics
from omnicx.listening._series import Bucket, TopicSeries

HOURS = 24 * 7 * 8
WARMUP = 24 * 7  # no anomaly in the first week: both detectors are learning
PROFILES = {
    "standard": (1.0, 0.11, 1.0),
    "reward_low_fp": (1.0, 0.22, 1.0),
    "reward_low_fn": (1.0, 0.055, 2.0),
}


@attrs.frozen
class Series:
    """Counts, the silent buckets, and the labelled anomaly windows [start, end)."""

    counts: tuple[int, ...]
    silent: frozenset[int]
    windows: tuple[tuple[int, int], ...]


def _gamma_poisson(rng: random.Random, mean: float, shape: float) -> int:
    if mean <= 0:
        return 0
    lam = rng.gammavariate(shape, mean / shape)
    # Knuth for small rates, normal approximation for large ones.
    if lam < 30:
        limit, k, p = math.exp(-lam), 0, 1.0
        while True:
            p *= rng.random()
            if p <= limit:
                return k
            k += 1
    return max(0, round(rng.gauss(lam, math.sqrt(lam))))


def make_series(seed: int) -> Series:
    """One labelled series."""
    rng = random.Random(seed)
    base = math.exp(rng.uniform(math.log(3), math.log(400)))
    daily = rng.uniform(0.2, 0.8)
    weekend = rng.uniform(0.5, 1.0)
    growth = rng.uniform(-0.3, 1.0)  # over the eight weeks
    shape = rng.uniform(5, 50)  # overdispersion: lower is noisier
    peak = rng.uniform(10, 16)
    level = [1.0] * HOURS
    factor = [1.0] * HOURS
    windows: list[tuple[int, int]] = []
    silent: set[int] = set()
    t = WARMUP + rng.randrange(24, 96)
    while t < HOURS - 48:
        kind = rng.choice(["burst", "burst", "ramp", "shift_up", "shift_down", "gap"])
        if kind == "burst":
            length, size = rng.randint(1, 4), rng.uniform(3, 10)
            for h in range(t, t + length):
                factor[h] *= size
            windows.append((t, t + length + 6))
        elif kind == "ramp":
            size = rng.uniform(3, 6)
            for i, h in enumerate(range(t, t + 12)):
                factor[h] *= 1 + (size - 1) * min(1.0, (i + 1) / 6)
            windows.append((t, t + 12))
        elif kind in ("shift_up", "shift_down"):
            size = rng.uniform(2, 3) if kind == "shift_up" else rng.uniform(0.3, 0.6)
            for h in range(t, HOURS):
                level[h] *= size
            if kind == "shift_up":
                windows.append((t, t + 12))
        else:
            silent.update(range(t, t + rng.randint(3, 24)))
        t += rng.randint(72, 240)
    counts = []
    for h in range(HOURS):
        day = math.cos(2 * math.pi * ((h % 24) - peak) / 24)
        week = weekend if (h // 24) % 7 >= 5 else 1.0
        trend = 1 + growth * h / HOURS
        mean = base * (1 + daily * day) * week * trend * level[h] * factor[h]
        counts.append(0 if h in silent else _gamma_poisson(rng, mean, shape))
    return Series(tuple(counts), frozenset(silent), tuple(windows))


def omnicx_detector(sensitivity: str) -> Callable[[Series], list[int]]:
    """omnicx's series and alert rules: a 1-hour and a 3-hour spike rule, 6-hour cooldown."""
    topics = load_topics(
        {
            "topics": [
                {
                    "id": "t",
                    "query": "t",
                    "alerts": [
                        {
                            "kind": "volume_spike",
                            "window": w,
                            "sensitivity": sensitivity,
                            "cooldown": "6h",
                            "min_volume": 5,
                        }
                        for w in ("1h", "3h")
                    ],
                }
            ]
        }
    )

    def detect(series: Series) -> list[int]:
        s = TopicSeries.new(topics.topics[0], 60, 1, Knobs())
        out = []
        last = -(10**9)
        for h, count in enumerate(series.counts):
            s.open = Bucket(h, count=count)
            if s.close(h, h in series.silent) and h - last > 6:
                out.append(h)
                last = h
        return out

    return detect


def zscore_detector(threshold: float, window: int = 24) -> Callable[[Series], list[int]]:
    """The usual rolling z-score: mean and deviation of the last ``window`` buckets, same cooldown."""

    def detect(series: Series) -> list[int]:
        recent: deque[int] = deque(maxlen=window)
        out = []
        last = -(10**9)
        for h, count in enumerate(series.counts):
            if h in series.silent:
                continue
            if len(recent) == window and count >= 5:
                mean = sum(recent) / window
                sd = math.sqrt(sum((x - mean) ** 2 for x in recent) / (window - 1)) or 1.0
                if (count - mean) / sd >= threshold and h - last > 6:
                    out.append(h)
                    last = h
            recent.append(count)
        return out

    return detect


def _sigmoid(y: float) -> float:
    return 2.0 / (1.0 + math.exp(5.0 * y)) - 1.0


def nab_score(
    detections: Sequence[int],
    windows: Sequence[tuple[int, int]],
    profile: tuple[float, float, float],
) -> tuple[float, int, int, list[int]]:
    """Raw NAB score, windows found, false alarms, and each found window's delay in buckets."""
    a_tp, a_fp, a_fn = profile
    score = 0.0
    found: set[int] = set()
    false_alarms = 0
    delays = []
    for d in detections:
        inside = next((i for i, (s, e) in enumerate(windows) if s <= d < e), None)
        if inside is not None:
            if inside not in found:
                s, e = windows[inside]
                found.add(inside)
                delays.append(d - s)
                score += a_tp * _sigmoid(-(e - d) / (e - s))
            continue
        false_alarms += 1
        before = [(s, e) for s, e in windows if e <= d]
        if before:
            s, e = before[-1]
            score += a_fp * min(0.0, _sigmoid((d - e + 1) / (e - s)))
        else:
            score -= a_fp
    score -= a_fn * (len(windows) - len(found))
    return score, len(found), false_alarms, delays


def evaluate(detect: Callable[[Series], list[int]], series: Sequence[Series]) -> dict[str, Any]:
    """Normalised NAB scores per profile, windows found, false alarms and median delay."""
    runs = [(detect(s), s.windows) for s in series]
    out: dict[str, Any] = {}
    for name, profile in PROFILES.items():
        raw = null = perfect = 0.0
        for detections, windows in runs:
            raw += nab_score(detections, windows, profile)[0]
            null -= profile[2] * len(windows)
            perfect += profile[0] * _sigmoid(-1.0) * len(windows)
        out[name] = 100 * (raw - null) / (perfect - null)
    details = [nab_score(d, w, PROFILES["standard"]) for d, w in runs]
    delays = sorted(x for _, _, _, ds in details for x in ds)
    out["windows"] = sum(len(w) for _, w in runs)
    out["found"] = sum(f for _, f, _, _ in details)
    out["false_alarms"] = sum(fa for _, _, fa, _ in details)
    out["median_delay"] = delays[len(delays) // 2] if delays else None
    return out
