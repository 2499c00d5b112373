"""``omnicx report`` end to end on a JSON-lines file, next to ``omnicx metrics`` on the same file.

    benchmarks/run report                 # 100k conversations (~0.8M events)
    benchmarks/run report --n 20000       # a quicker look

The synthetic conversations of benchmarks/metrics (synth.py, events.py)
are written one ``serde.event_to_dict`` line each in time order, as a host
exports a store. Each side then runs in its own child process, so each peak
RSS is its own (``wait4``'s ``ru_maxrss``):

- ``omnicx report FILE -o report.html``: the whole dashboard, one pass;
- ``omnicx metrics FILE --by channel --by queue --json``: the same pass with
  two breakdowns, the peer the report adds its work to.

The report's page must say the file's number of conversations, as the
metrics' volume per channel adds up to.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

METRICS = Path(__file__).resolve().parents[1] / "metrics"
sys.path.insert(0, str(METRICS))

from cli import run  # noqa: E402  (benchmarks/metrics/cli.py: child runs, wait4 figures)

_MAIN = "import sys; from omnicx.cli import main; sys.exit(main(sys.argv[1:]))"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="conversations")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        path, page = Path(scratch) / "events.jsonl", Path(scratch) / "report.html"
        start = time.perf_counter()
        # Written by a child: see benchmarks/metrics/cli.py.
        written = run([sys.executable, str(METRICS / "cli.py"), "--write", str(args.n), str(path)])
        events = int(written["output"])
        size_mb = path.stat().st_size / 2**20
        print(
            f"{args.n:,} conversations, {events:,} events, {size_mb:,.0f} MB of JSON lines "
            f"(written in {time.perf_counter() - start:.0f} s)"
        )
        results = {
            "omnicx report (one pass, whole dashboard)": run(
                [sys.executable, "-c", _MAIN, "report", str(path), "-o", str(page)]
            ),
            "omnicx metrics (one pass, 2 breakdowns)": run(
                [
                    sys.executable,
                    "-c",
                    _MAIN,
                    "metrics",
                    str(path),
                    "--json",
                    "--by",
                    "channel",
                    "--by",
                    "queue",
                ]
            ),
        }
        html = page.read_text(encoding="utf-8")
        page_mb = page.stat().st_size / 2**20
    shown = re.search(r'<span class="label">Conversations</span><span class="value">(\d+)<', html)
    metrics = json.loads(results["omnicx metrics (one pass, 2 breakdowns)"]["output"])
    volume = sum(g["conversations"] for g in metrics["breakdowns"][0]["groups"])
    agree = shown is not None and int(shown.group(1)) == volume == args.n
    print(f"{'':44} {'wall':>8} {'CPU':>8} {'peak RSS':>10} {'events/s':>10}")
    for name, result in results.items():
        print(
            f"{name:44} {result['wall']:7.1f}s {result['cpu']:7.1f}s "
            f"{result['rss_mb']:8,.0f}MB {events / result['wall']:10,.0f}"
        )
    ours, peer = results.values()
    print(
        f"report / metrics: CPU {ours['cpu'] / peer['cpu']:.2f}x, peak RSS "
        f"{ours['rss_mb'] / peer['rss_mb']:.2f}x; page {page_mb:.1f} MB; "
        f"conversations agree: {agree}"
    )
    return 0 if agree else 1


if __name__ == "__main__":
    raise SystemExit(main())
