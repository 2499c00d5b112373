"""Listening: mentions per second through matching, bucketing and detection, and detection quality.

    benchmarks/run listening            # 100k, 300k and 1M mentions, 60 labelled series
    benchmarks/run listening --quick    # 20k and 100k mentions, 20 series

Throughput: 100 topics (brands, competitors, brand issues with network
filters, campaigns with language filters; 160 alert rules), 1,500 an hour
in time order (the report history fills after a week, 252k mentions), fed in batches of 10,000 to one ``Listener`` in a
child process per size, which prints its CPU-time throughput and peak RSS.
The mentions are built outside the timed part. The peer in the same run is
the same listener matching by trying every topic on every mention (the
plain path), on the first 20,000 mentions; both must match the same.

The last throughput line is the peer: the same run at the first size with
``LexiconSentiment`` as the classifier, so the cost of the default sentiment shows.

Quality: see quality.py; omnicx's detector at each sensitivity against a
rolling 24-hour z-score at 3 and 4, on the same series.
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import quality
import synth

from omnicx.listening import Listener, load_topics
from omnicx.listening._match import Matcher
from omnicx.listening._text import tokens_of
from omnicx.routing import LexiconSentiment

BATCH = 10_000


def throughput(total: int, word_list: bool = False) -> dict[str, float]:
    """Feed ``total`` mentions; CPU seconds of the feeding only, alerts, peak RSS.

    ``word_list`` scores sentiment with ``LexiconSentiment`` instead of the
    default ``SocialSentiment`` (the peer line: what sentiment costs).
    """
    listener = Listener(load_topics(synth.topics()))
    if word_list:
        listener.classifier = LexiconSentiment()
    stream = synth.mentions(total)
    cpu = wall = 0.0
    alerts = 0
    while chunk := list(itertools.islice(stream, BATCH)):
        c, w = time.process_time(), time.perf_counter()
        alerts += len(listener.feed(chunk))
        cpu += time.process_time() - c
        wall += time.perf_counter() - w
    state = len(listener.snapshot().to_json())
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "mentions": total,
        "cpu": cpu,
        "wall": wall,
        "alerts": alerts,
        "rss_mb": rss,
        "state_kb": state / 1024,
    }


def matching_peer(total: int) -> tuple[float, float]:
    """Seconds to match ``total`` mentions through the index and by trying every topic."""
    matcher = Matcher.compile(load_topics(synth.topics()).topics)
    items = [(m, tokens_of(m.text)) for m in synth.mentions(total)]
    c = time.process_time()
    fast = [matcher.match(m, t) for m, t in items]
    indexed = time.process_time() - c
    c = time.process_time()
    plain = [matcher.match_plain(m, t) for m, t in items]
    every = time.process_time() - c
    if fast != plain:
        raise SystemExit("the index and the plain path matched different topics")
    return indexed, every


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--word-list", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(throughput(args.child, args.word_list)))
        return
    sizes = (20_000, 100_000) if args.quick else (100_000, 300_000, 1_000_000)
    print("throughput: 100 topics, 160 alert rules, one core (CPU time of feed only)")
    runs = [(size, False) for size in sizes] + [(sizes[0], True)]
    for size, word_list in runs:
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(size), *(["--word-list"] * word_list)],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(out.stdout)
        label = " (word-list sentiment, the peer)" if word_list else ""
        print(
            f"  {size:>9,} mentions{label}: {size / r['cpu']:>8,.0f} mentions/s CPU "
            f"({size / r['wall']:,.0f}/s wall), {r['alerts']} alerts, peak RSS {r['rss_mb']:.0f} MB, "
            f"state {r['state_kb']:.0f} KiB"
        )
    indexed, every = matching_peer(20_000)
    print(
        f"  matching 20,000 mentions: index {20_000 / indexed:,.0f}/s, every topic tried "
        f"{20_000 / every:,.0f}/s (ratio {every / indexed:.1f}x)"
    )
    count = 20 if args.quick else 60
    series = [quality.make_series(seed) for seed in range(count)]
    windows = sum(len(s.windows) for s in series)
    print(
        f"quality: {count} series of {quality.HOURS} hourly buckets, {windows} labelled windows (NAB scores, 0 = never alarm, 100 = perfect)"
    )
    detectors = [
        *((f"omnicx {s}", quality.omnicx_detector(s)) for s in ("sensitive", "balanced", "strict")),
        ("rolling z-score >= 3", quality.zscore_detector(3.0)),
        ("rolling z-score >= 4", quality.zscore_detector(4.0)),
    ]
    print(
        f"  {'detector':<22} {'standard':>8} {'low FP':>7} {'low FN':>7} {'found':>7} {'false':>6} {'delay':>6}"
    )
    for name, detect in detectors:
        r = quality.evaluate(detect, series)
        print(
            f"  {name:<22} {r['standard']:>8.1f} {r['reward_low_fp']:>7.1f} {r['reward_low_fn']:>7.1f} "
            f"{r['found']:>3}/{r['windows']:<3} {r['false_alarms']:>6} {r['median_delay']!s:>5}h"
        )


if __name__ == "__main__":
    main()
