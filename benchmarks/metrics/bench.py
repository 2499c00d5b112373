"""Metrics benchmark: the full metric suite by channel and by queue, omnicx vs pandas.

    benchmarks/run metrics            # 1M conversations (~8M events)
    benchmarks/run metrics --quick    # 50k conversations
    benchmarks/run metrics --n 200000
    benchmarks/run metrics --cli --n 100000   # ``omnicx metrics`` on a JSONL file (cli.py)

Both sides start from the same synthetic event columns (synth.py) and run in
their own child process, so each peak RSS is its own. omnicx folds the columns
through the public API a host with columnar data uses (with_omnicx.py): a
``FactsBuilder`` per conversation fed each row's step with its epoch-second
timestamp, then ``FactsBuilder.add_to`` into two mergeable
``MetricsAccumulator`` breakdowns; pandas computes the same definitions
vectorised.
Counts, sums and exact quantiles must be equal; quantiles omnicx reads from
its sketch must be within its documented 1% relative error. A sample of
conversations is also run through attrs events and ``compute_metrics`` to time
that path and check it gives the same report.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

RELATIVE_ERROR = 0.01


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def side(name: str, n: int, sample: int) -> dict[str, Any]:
    from synth import generate

    columns = generate(n)
    events = len(columns["conv"])
    start, cpu = time.perf_counter(), time.process_time()
    if name == "omnicx":
        import with_omnicx

        by_channel, by_queue = with_omnicx.reports(columns, with_omnicx.now_after(columns))
        result = {
            "channel": with_omnicx.figures(by_channel),
            "queue": with_omnicx.figures(by_queue),
        }
    else:
        import with_pandas

        conv, samples = with_pandas.frames(columns)
        result = {
            "channel": with_pandas.figures(conv, samples, "channel"),
            "queue": with_pandas.figures(conv, samples, "queue"),
        }
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    out: dict[str, Any] = {
        "events": events,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "peak_mb": _peak_mb(),
        "figures": result,
    }
    if name == "omnicx" and sample:
        out["event_path"] = event_path(sample)
    return out


def event_path(sample: int) -> dict[str, Any]:
    """Time the attrs-event path on ``sample`` conversations and check it matches the columns."""
    import events as as_events
    import with_omnicx
    from synth import generate

    from omnicx.metrics import compute_metrics

    columns = generate(sample, seed=11)
    now = with_omnicx.now_after(columns)
    start = time.perf_counter()
    built = as_events.to_events(columns)
    made = time.perf_counter()
    report = compute_metrics(built, now=now, by=("channel",))
    done = time.perf_counter()
    same = report == with_omnicx.reports(columns, now)[0]
    return {
        "conversations": sample,
        "events": len(built),
        "build_seconds": made - start,
        "compute_seconds": done - made,
        "same_as_columns": same,
    }


def compare(ours: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    """Every difference between the two sides' figures (empty when they agree)."""
    problems = []
    for by in ("channel", "queue"):
        if sorted(ours[by]) != sorted(theirs[by]):
            problems.append(f"{by}: groups differ")
            continue
        for key, mine in ours[by].items():
            other = theirs[by][key]
            for metric, value in mine.items():
                if metric != "durations" and value != other[metric]:
                    problems.append(f"{by}={key} {metric}: {value} != {other[metric]}")
            for name, (count, total, *quantiles) in mine["durations"].items():
                o_count, o_total, *o_quantiles = other["durations"][name]
                if (count, total) != (o_count, o_total):
                    problems.append(
                        f"{by}={key} {name}: count/total {count}/{total} != {o_count}/{o_total}"
                    )
                for q, got, want in zip(("p50", "p90", "p95"), quantiles, o_quantiles, strict=True):
                    if got is None or want is None:
                        if got != want:
                            problems.append(f"{by}={key} {name} {q}: {got} != {want}")
                    elif not math.isclose(got, want, rel_tol=RELATIVE_ERROR + 1e-9, abs_tol=1e-9):
                        problems.append(f"{by}={key} {name} {q}: {got} vs {want}")
    return problems


def main() -> int:
    if sys.argv[1:2] == ["--cli"]:  # the command line end to end on a JSONL file: cli.py
        import cli

        return cli.main()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50k conversations")
    parser.add_argument("--n", type=int, default=None, help="conversations (default 1M)")
    parser.add_argument(
        "--sample", type=int, default=20_000, help="conversations for the event path"
    )
    parser.add_argument("--side", choices=("omnicx", "pandas"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    n = args.n or (50_000 if args.quick else 1_000_000)
    if args.side:
        sample = min(args.sample, n)
        print(json.dumps(side(args.side, n, sample)))
        return 0
    runs = {}
    for name in ("omnicx", "pandas"):
        done = subprocess.run(
            [sys.executable, __file__, "--side", name, "--n", str(n), "--sample", str(args.sample)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        runs[name] = json.loads(done.stdout)
    ours, theirs = runs["omnicx"], runs["pandas"]
    print(f"metrics: {n:,} conversations, {ours['events']:,} events; suite by channel and by queue")
    for name, run in runs.items():
        rate = run["events"] / run["seconds"]
        print(
            f"  {name:7} {run['seconds']:8.2f} s wall {run['cpu_seconds']:8.2f} s CPU  "
            f"{rate:10,.0f} events/s  peak RSS {run['peak_mb']:6.0f} MB"
        )
    print(
        f"  omnicx / pandas: {ours['seconds'] / theirs['seconds']:.2f}x wall time, "
        f"{ours['cpu_seconds'] / theirs['cpu_seconds']:.2f}x CPU time"
    )
    sample = ours.get("event_path")
    if sample:
        per = (sample["build_seconds"] + sample["compute_seconds"]) / sample["events"]
        print(
            f"  attrs-event path on {sample['conversations']:,} conversations "
            f"({sample['events']:,} events): build {sample['build_seconds']:.2f} s, "
            f"compute_metrics {sample['compute_seconds']:.2f} s "
            f"(~{per * ours['events']:.0f} s at this size); same report as columns: "
            f"{sample['same_as_columns']}"
        )
    problems = compare(ours["figures"], theirs["figures"])
    if problems:
        print(f"  MISMATCH ({len(problems)}):")
        for line in problems[:20]:
            print(f"    {line}")
        return 1
    print("  results: equal (counts, sums and exact quantiles; sketch quantiles within 1%)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
