"""The pandas side: the same definitions, vectorised over the event columns.

Handles the shapes the synthetic data has (conversations start with a
customer message; reopens follow a solve); the omnicx side handles any.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from synth import ASSIGN, BOT, CHANNELS, CSAT, INBOUND, NPS, QUEUES, REOPEN, REPLY, SOLVE

FCR_WINDOW = 7 * 86400
DURATION_NAMES = ("first_reply", "reopen_reply", "next_reply", "first_resolution",
                  "full_resolution", "requester_wait", "agent_work", "on_hold")  # fmt: skip


def frames(columns: dict[str, np.ndarray]) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Per-conversation facts and per-metric duration samples (with their conversation)."""
    df = pd.DataFrame(columns)
    kind = df["kind"]
    g = df.groupby("conv", sort=False)
    conv = pd.DataFrame(
        {
            "created": g["at"].first(),
            "channel": g["channel"].first(),
        }
    )
    conv["queue"] = df[kind == ASSIGN].groupby("conv")["queue"].last()
    # Reply windows: open at creation and at each reopen; closed by a human reply or a solve.
    first = ~df["conv"].duplicated()
    opens = first | (kind == REOPEN)
    marker = pd.Series(np.nan, index=df.index)
    marker[(kind == REPLY) | (kind == SOLVE)] = 0.0
    marker[opens] = 1.0
    state_after = marker.groupby(df["conv"]).ffill()
    state_before = state_after.groupby(df["conv"]).shift(1)
    window_start = df["at"].where(opens).groupby(df["conv"]).ffill()
    window_no = opens.astype(np.int64).groupby(df["conv"]).cumsum()
    replies = kind == REPLY
    in_window = replies & (state_before == 1)
    frt = df.loc[in_window, ["conv"]].assign(value=(df["at"] - window_start)[in_window])
    first_window = window_no[in_window] == 1
    # Next reply: from the oldest customer message after the last clearing event.
    clears = (replies | (kind == BOT) | (kind == SOLVE)).astype(np.int64)
    segment = clears.groupby(df["conv"]).cumsum() - clears
    waiting = (kind == INBOUND) & (state_after == 0)
    wait_start = (
        df.loc[waiting, ["conv"]]
        .assign(segment=segment[waiting], start=df["at"][waiting])
        .groupby(["conv", "segment"])["start"]
        .min()
    )
    answered = replies & (state_before == 0)
    keys = pd.MultiIndex.from_arrays([df["conv"][answered], segment[answered]])
    starts = wait_start.reindex(keys).to_numpy()
    nrt = pd.DataFrame(
        {"conv": df["conv"][answered].to_numpy(), "value": df["at"][answered].to_numpy() - starts}
    )
    nrt = nrt[~np.isnan(starts)]
    # Resolution and status time.
    solves = df[kind == SOLVE].groupby("conv")["at"]
    conv["first_solve"] = solves.min()
    conv["last_solve"] = solves.max()
    status_rows = df[(kind == SOLVE) | (kind == REOPEN)]
    conv["solved"] = status_rows.groupby("conv")["kind"].last() == SOLVE
    conv["solved"] = conv["solved"].fillna(False).astype(bool)
    conv["reopens"] = (kind == REOPEN).groupby(df["conv"]).sum()
    conv["replies"] = replies.groupby(df["conv"]).sum()
    reopen_at = df["at"].where(kind == REOPEN).groupby(df["conv"]).sum()
    solve_at = df["at"].where(kind == SOLVE).groupby(df["conv"]).sum()
    conv["active"] = solve_at - reopen_at - conv["created"]
    follow = df["at"].where(
        ((kind == INBOUND) | (kind == REOPEN)) & (df["at"] > df["conv"].map(conv["first_solve"]))
    )
    conv["follow_up"] = follow.groupby(df["conv"]).min()
    conv["csat"] = df[kind == CSAT].groupby("conv")["value"].last()
    conv["nps"] = df[kind == NPS].groupby("conv")["value"].last()
    solved = conv["solved"]
    samples = {
        "first_reply": frt[first_window.to_numpy()],
        "reopen_reply": frt[~first_window.to_numpy()],
        "next_reply": nrt,
        "first_resolution": _per_conv(conv["first_solve"] - conv["created"]),
        "full_resolution": _per_conv((conv["last_solve"] - conv["created"])[solved]),
        "requester_wait": _per_conv(conv["active"][solved]),
        "agent_work": _per_conv(conv["active"][solved]),
        "on_hold": _per_conv(conv["active"][solved] * 0),
    }
    return conv, samples


def _per_conv(values: pd.Series) -> pd.DataFrame:
    values = values.dropna()
    return pd.DataFrame({"conv": values.index.to_numpy(), "value": values.to_numpy()})


def figures(conv: pd.DataFrame, samples: dict[str, pd.DataFrame], by: str) -> dict[str, Any]:
    """The compared figures per value of ``by`` ("channel" or "queue")."""
    names = CHANNELS if by == "channel" else QUEUES
    key = conv[by].map(lambda code: names[int(code)])
    solved = conv["solved"]
    ever = conv["first_solve"].notna()
    fcr_decided = ever
    fcr = ever & ~(conv["follow_up"] <= conv["first_solve"] + FCR_WINDOW)
    nps = conv["nps"]
    survey = conv["csat"].notna() | nps.notna()
    table = (
        pd.DataFrame(
            {
                "key": key,
                "n": 1,
                "solved": solved,
                "reopened": ever & (conv["reopens"] > 0),
                "ever": ever,
                "one_touch": solved & (conv["replies"] <= 1),
                "fcr": fcr,
                "fcr_decided": fcr_decided,
                "csat_yes": conv["csat"] >= 4,
                "csat_n": conv["csat"].notna(),
                "promoters": nps >= 9,
                "passives": (nps >= 7) & (nps <= 8),
                "detractors": nps <= 6,
                "survey": survey,
                "reply_n": solved,
                "reply_total": conv["replies"].where(solved, 0),
            }
        )
        .groupby("key")
        .sum()
    )
    out: dict[str, Any] = {}
    for group, row in table.iterrows():
        out[str(group)] = {
            "conversations": int(row["n"]),
            "solved": int(row["solved"]),
            "reopened": [int(row["reopened"]), int(row["ever"])],
            "one_touch": [int(row["one_touch"]), int(row["solved"])],
            "fcr": [int(row["fcr"]), int(row["fcr_decided"])],
            "csat": [int(row["csat_yes"]), int(row["csat_n"])],
            "nps": [int(row["promoters"]), int(row["passives"]), int(row["detractors"])],
            "survey_response": [int(row["survey"]), int(row["survey"])],
            "agent_replies": [int(row["reply_n"]), int(row["reply_total"])],
            "durations": {},
        }
    for name in DURATION_NAMES:
        frame = samples[name]
        values = frame.assign(key=frame["conv"].map(key))
        stats = values.groupby("key")["value"]
        agg = pd.DataFrame(
            {
                "count": stats.count(),
                "total": stats.sum(),
                "median": stats.quantile(0.5, interpolation="lower"),
                "p90": stats.quantile(0.9, interpolation="lower"),
                "p95": stats.quantile(0.95, interpolation="lower"),
            }
        )
        for group in out:
            if group in agg.index:
                r = agg.loc[group]
                out[group]["durations"][name] = [
                    int(r["count"]),
                    int(r["total"]),
                    float(r["median"]),
                    float(r["p90"]),
                    float(r["p95"]),
                ]
            else:
                out[group]["durations"][name] = [0, 0, None, None, None]
    return out
