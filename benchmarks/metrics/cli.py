"""The ``omnicx metrics`` command end to end on a JSON-lines file, next to pandas reading it.

    benchmarks/run metrics --cli --n 100000     # 100k conversations (~0.8M events)
    benchmarks/run metrics --cli                # 1M conversations (~8M events)
    benchmarks/run metrics --cli --before /path/to/older/src   # also an older omnicx
    benchmarks/run metrics --cli --file /tmp/events-1m.jsonl   # write the log once, keep it

The synthetic conversations of synth.py become attrs events (events.py),
written one ``serde.event_to_dict`` object per line in time order, the way a
host exports a store. Each side then runs in its own child process, so each
peak RSS is its own (``wait4``'s ``ru_maxrss``):

- omnicx: ``omnicx metrics FILE --by channel --by queue --json`` (two
  breakdowns, one pass);
- the Python path: the same file through the library, ``serde.event_from_dict``
  per line into a ``MetricsStream`` and two accumulators (no command line);
- Dask: ``omnicx.contrib.dask.compute_breakdowns`` on a ``LocalCluster`` of 2
  worker processes (localhost only), the lines grouped by conversation with
  a bag ``groupby`` first (the log is in time order), partials merged up a
  tree; the workers' own CPU and peak RSS are printed as well;
- pandas: ``pandas.read_json(FILE, lines=True)`` and the volume per channel
  and per queue, the least any pandas metrics job over the file does first.

omnicx and pandas must agree on the number of conversations per channel; the
Python path and Dask must give the command's reports exactly.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

PANDAS = """
import json, sys
import pandas as pd
frame = pd.read_json(sys.argv[1], lines=True)
conversations = frame.dropna(subset=["conversation_id"]).drop_duplicates("conversation_id")
messages = frame[frame["type"] == "message"]
channel = messages.drop_duplicates("conversation_id").set_index("conversation_id")["message"]
channel = channel.map(lambda m: m["channel"])
print(json.dumps({"channel": channel.value_counts().to_dict(), "events": len(frame)}))
"""


_WRITE_CHUNK = 200_000


# The Python path: the library API over the same file, without the command line.
PYTHON = """
import json, sys
from omnicx import serde
from omnicx.metrics import MetricsAccumulator, MetricsStream, report_to_dict
accumulators = [MetricsAccumulator(by=("channel",)), MetricsAccumulator(by=("queue",))]
latest = None
with MetricsStream() as stream, open(sys.argv[1], "rb") as log:
    for line in log:
        event = serde.event_from_dict(json.loads(line))
        stream.feed(event)
        latest = event.at if latest is None or event.at > latest else latest
    stream.add_to(*accumulators, now=latest)
print(json.dumps({"now": latest.isoformat(),
                  "breakdowns": [report_to_dict(a.report()) for a in accumulators]}))
"""

# The Dask path: two worker processes on localhost read the file, group its
# events by conversation (a shuffle) and merge the partials up a tree.
DASK = """
import json, resource, sys
from datetime import datetime
import dask.bag as db
from distributed import Client, LocalCluster
from omnicx.contrib.dask import compute_breakdowns
from omnicx.metrics import report_to_dict

def usage():
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime, own.ru_maxrss / 1024

def conversation(line):
    return line[line.index('"conversation_id": "') + 20:].split('"', 1)[0]

if __name__ == "__main__":
    path, now = sys.argv[1], datetime.fromisoformat(sys.argv[2])
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        lines = db.read_text(path, blocksize="64MiB")
        grouped = lines.groupby(conversation, npartitions=2 * lines.npartitions)
        events = grouped.map(lambda pair: pair[1]).flatten()
        reports = compute_breakdowns(events, now=now, breakdowns=[("channel",), ("queue",)])
        workers = client.run(usage)
    print(json.dumps({"breakdowns": [report_to_dict(r) for r in reports],
                      "workers": list(workers.values())}))
"""


def write_file(n: int, path: Path) -> int:
    """Write ``n`` synthetic conversations as an event log; returns the number of events.

    The rows are put in time order (ties keep their order) and turned into
    events a chunk at a time, so writing 1M conversations never holds their
    8M events at once.
    """
    import events as as_events
    import numpy as np
    from synth import generate

    from omnicx import serde

    columns = generate(n)
    order = np.argsort(columns["at"], kind="stable")  # a log in time order
    ordered = {name: column[order] for name, column in columns.items()}
    del columns
    total = len(order)
    with path.open("w", encoding="utf-8") as log:
        for start in range(0, total, _WRITE_CHUNK):
            part = {name: c[start : start + _WRITE_CHUNK] for name, c in ordered.items()}
            log.writelines(
                json.dumps(serde.event_to_dict(event)) + "\n"
                for event in as_events.to_events(part, first_id=start)
            )
    return total


def run(command: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``command`` as a child; its wall and CPU seconds, peak RSS (MB) and output."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.PIPE, env=env)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        error = child.stderr.read().decode() if child.stderr else ""
        if child.returncode:
            raise SystemExit(f"{command[:3]} failed ({child.returncode}): {error[-2000:]}")
        out.seek(0)
        text = out.read().decode()
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_mb": usage.ru_maxrss / 1024,
        "output": text,
    }


def _omnicx(path: Path, src: str | None) -> list[str]:
    code = "import sys; from omnicx.cli import main; sys.exit(main(sys.argv[1:]))"
    command = [sys.executable, "-c", code, "metrics", str(path), "--json"]
    if src is None:
        return [*command, "--by", "channel", "--by", "queue"]
    return [*command, "--by", "channel"]  # an older omnicx: one breakdown per run


def main() -> int:
    if sys.argv[1:2] == ["--write"]:
        print(write_file(int(sys.argv[2]), Path(sys.argv[3])))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="conversations")
    parser.add_argument("--before", help="the src/ of an older omnicx to time as well")
    parser.add_argument(
        "--file",
        help="the event log to read: written there first when missing, then kept for the "
        "next run (default: a temporary file)",
    )
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask path")
    parser.add_argument("--no-pandas", action="store_true", help="skip pandas")
    args = parser.parse_args(sys.argv[2:] if sys.argv[1:2] == ["--cli"] else sys.argv[1:])
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(args.file) if args.file else Path(scratch) / "events.jsonl"
        start = time.perf_counter()
        if args.file and path.exists():
            events = sum(1 for _ in path.open("rb"))
            how = "read again"
        else:
            # Written by a child: a parent grown by building the events would pass
            # its size on to every side's peak RSS (Linux keeps ru_maxrss across exec).
            written = run([sys.executable, __file__, "--write", str(args.n), str(path)])
            events = int(written["output"])
            how = "written"
        size_mb = path.stat().st_size / 2**20
        print(
            f"{args.n:,} conversations, {events:,} events, {size_mb:,.0f} MB of JSON lines "
            f"({how} in {time.perf_counter() - start:.0f} s)"
        )
        fast = importlib.util.find_spec("orjson") is not None
        print(f"event lines parsed by {'orjson (the fast extra)' if fast else 'json'}")
        results = {"omnicx metrics (streaming, 2 breakdowns)": run(_omnicx(path, None))}
        if args.before:
            env = {**os.environ, "PYTHONPATH": args.before}
            results["omnicx metrics (before, 1 breakdown)"] = run(_omnicx(path, args.before), env)
        results["Python path (MetricsStream, 2 breakdowns)"] = python = run(
            [sys.executable, "-c", PYTHON, str(path)]
        )
        now = json.loads(python["output"])["now"]
        if not args.no_dask:
            results["Dask, 2 worker processes (shuffle + tree)"] = run(
                [sys.executable, "-c", DASK, str(path), now]
            )
        if not args.no_pandas:
            results["pandas read_json + volume"] = run([sys.executable, "-c", PANDAS, str(path)])
    ours = json.loads(results["omnicx metrics (streaming, 2 breakdowns)"]["output"])
    same = {"Python path": json.loads(python["output"])["breakdowns"] == ours["breakdowns"]}
    dask_run = results.get("Dask, 2 worker processes (shuffle + tree)")
    if dask_run is not None:
        dask_out = json.loads(dask_run["output"])
        same["Dask"] = dask_out["breakdowns"] == ours["breakdowns"]
        worker_cpu = sum(cpu for cpu, _ in dask_out["workers"])
        worker_rss = max(rss for _, rss in dask_out["workers"])
    print(f"{'':44} {'wall':>8} {'CPU':>8} {'peak RSS':>10} {'events/s':>10}")
    for name, result in results.items():
        print(
            f"{name:44} {result['wall']:7.1f}s {result['cpu']:7.1f}s "
            f"{result['rss_mb']:8,.0f}MB {events / result['wall']:10,.0f}"
        )
    if dask_run is not None:
        print(
            f"  Dask workers: {worker_cpu:.1f}s CPU together, peak RSS {worker_rss:,.0f}MB "
            "each at most (the row above: the client process with the workers it reaped)"
        )
    print("same reports as the command line: " + ", ".join(f"{k} {v}" for k, v in same.items()))
    if args.no_pandas:
        return 0 if all(same.values()) else 1
    theirs = json.loads(results["pandas read_json + volume"]["output"])
    volume = {g["key"]["channel"]: g["conversations"] for g in ours["breakdowns"][0]["groups"]}
    agree = volume == theirs["channel"]
    pandas = results["pandas read_json + volume"]
    print(f"{'':44} {'wall':>8} {'CPU':>8} {'peak RSS':>10} {'events/s':>10}")
    for name, result in results.items():
        print(
            f"{name:44} {result['wall']:7.1f}s {result['cpu']:7.1f}s "
            f"{result['rss_mb']:8,.0f}MB {events / result['wall']:10,.0f}"
        )
    ours_run = results["omnicx metrics (streaming, 2 breakdowns)"]
    print(
        f"omnicx / pandas: CPU {ours_run['cpu'] / pandas['cpu']:.2f}x, "
        f"peak RSS {ours_run['rss_mb'] / pandas['rss_mb']:.2f}x; "
        f"volume per channel agrees: {agree}"
    )
    return 0 if agree and all(same.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
