"""Due-instant throughput: omnicx BusinessCalendar.add vs pandas CustomBusinessHour.

Targets of 1 business hour to 10 days (240 business hours) from random
starts over a year, on a realistic calendar: Mon-Fri 09:00-12:00 and
13:00-17:00 with ten public holidays. pandas' CustomBusinessHour can express
that calendar (it has no time zones, so the comparison runs in UTC); every
result is checked equal. A second omnicx run uses Europe/Berlin with DST and
an overnight shift, which pandas cannot express.

    benchmarks/run sla            # full size
    benchmarks/run sla --quick    # a few seconds
"""

from __future__ import annotations

import argparse
import random
import resource
import time
from datetime import UTC, datetime, timedelta

import pandas as pd

from omnicx.sla import load_calendar

HOLIDAYS = [
    "2026-01-01", "2026-01-19", "2026-02-16", "2026-05-25", "2026-07-03",
    "2026-09-07", "2026-11-26", "2026-11-27", "2026-12-24", "2026-12-25",
]  # fmt: skip
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
HOURS = (1, 2, 4, 8, 16, 24, 40, 80, 160, 240)


def workload(n: int, seed: int = 7) -> list[tuple[datetime, int]]:
    rng = random.Random(seed)
    year = datetime(2026, 1, 1, tzinfo=UTC)
    return [
        (year + timedelta(minutes=rng.randrange(0, 350 * 24 * 60)), rng.choice(HOURS))
        for _ in range(n)
    ]


def office(zone: str, night: bool = False) -> object:
    hours: dict[str, list[str]] = {d: ["09:00-12:00", "13:00-17:00"] for d in WEEKDAYS}
    if night:
        hours["sat"] = ["22:00-06:00+1"]
    return load_calendar({"timezone": zone, "hours": hours, "holidays": HOLIDAYS})


def run_omnicx(
    cases: list[tuple[datetime, int]], zone: str, night: bool = False
) -> tuple[float, list[datetime]]:
    calendar = office(zone, night)  # a fresh calendar: its per-date cache is built in the run
    began = time.perf_counter()
    out = [calendar.add(start, hours * 3600) for start, hours in cases]  # type: ignore[attr-defined]
    return time.perf_counter() - began, out


def run_pandas(cases: list[tuple[datetime, int]]) -> tuple[float, list[datetime]]:
    offsets = {
        h: pd.offsets.CustomBusinessHour(
            n=h, start=["09:00", "13:00"], end=["12:00", "17:00"], holidays=HOLIDAYS
        )
        for h in HOURS
    }
    starts = [pd.Timestamp(s.replace(tzinfo=None)) for s, _ in cases]
    began = time.perf_counter()
    out = [start + offsets[h] for start, (_, h) in zip(starts, cases, strict=True)]
    elapsed = time.perf_counter() - began
    return elapsed, [t.to_pydatetime().replace(tzinfo=UTC) for t in out]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small run for development")
    parser.add_argument("--n", type=int, default=None, help="number of due-instant computations")
    args = parser.parse_args()
    n = args.n or (2_000 if args.quick else 50_000)
    cases = workload(n)
    run_pandas(cases[:200])  # warm pandas' import-time caches before timing
    t_pd, pd_out = run_pandas(cases)
    t_ox, ox_out = run_omnicx(cases, "UTC")
    # When a due instant falls exactly on an interval's end (12:00 or 17:00),
    # omnicx returns that end and pandas the next opening (13:00, or 09:00 the
    # next business day): the same business instant, zero open seconds apart.
    calendar = office("UTC")
    exact = sum(1 for a, b in zip(ox_out, pd_out, strict=True) if a == b)
    mismatches = sum(
        1
        for a, b in zip(ox_out, pd_out, strict=True)
        if a != b and calendar.next_open(a) != b  # type: ignore[attr-defined]
    )
    t_dst, _ = run_omnicx(cases, "Europe/Berlin", night=True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"due instants per target size {HOURS[0]}h..{HOURS[-1]}h business, n={n}")
    print(f"  omnicx BusinessCalendar.add     {n / t_ox:12,.0f} /s")
    print(f"  pandas CustomBusinessHour       {n / t_pd:12,.0f} /s")
    print(f"  ratio omnicx / pandas           {t_pd / t_ox:12.1f} x")
    print(
        f"  results equal                   {n - mismatches}/{n} ({exact} identical,"
        f" {n - mismatches - exact} interval end vs next opening)"
    )
    print(f"  omnicx Europe/Berlin, DST+night {n / t_dst:12,.0f} /s  (pandas can't express it)")
    print(f"  peak RSS                        {rss:12,.0f} MiB")
    if mismatches:
        raise SystemExit(f"{mismatches} results differ from pandas")


if __name__ == "__main__":
    main()
