"""Identity benchmark: batch resolution of synthetic omnichannel contacts.

    benchmarks/run identity            # 1,000,000 records
    benchmarks/run identity --quick    # 50,000 records
    benchmarks/run identity --n 200000
    benchmarks/run identity --febrl    # FEBRL person matching next to Splink (febrl.py)
    benchmarks/run identity --n 100000 --incremental   # also the live graph: arrival order,
                                                        # 3 shuffles and the drift between them
    benchmarks/run identity --names    # the names guard on name forms (names.py)
    benchmarks/run identity --data contacts   # the second generator (contacts.py):
                                               # names and input forms as people write them

Generates contacts with ground-truth people (see synth.py), writes them as the
CSV ``omnicx resolve`` reads, and measures:

- ``omnicx resolve`` end to end in a child process (read CSV, resolve, write
  the partition): wall time, records/s and the child's peak RSS;
- ``resolve_batch`` in process, deterministic and with the fuzzy pass;
- pairwise precision/recall/F1 and B-cubed of each partition, next to the
  ceiling a perfect identifier-only resolver reaches on the same data;
- with ``--incremental``, the live graph (``resolve`` one record at a time,
  in a ``MemoryIdentityStore``): records/s, its scores, how many records it
  groups otherwise than ``resolve_batch`` (deterministic), and its
  arrival-order drift: the records whose grouping (as a set of record ids)
  differs from the in-order run's, in each of ``--shuffles`` shuffled orders.
"""

from __future__ import annotations

import argparse
import csv
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from scores import Scores, score  # noqa: E402
from synth import (  # noqa: E402
    ceiling_partition,
    generate,
    iter_csv_rows,
    unprotected_ceiling_partition,
)

from omnicx.identity import BatchPolicy, resolve_batch  # noqa: E402


def _line(label: str, s: Scores) -> str:
    return (
        f"  {label:<34} pairwise P {s.precision:.4f} R {s.recall:.4f} F1 {s.f1:.4f}"
        f" | B3 P {s.b3_precision:.4f} R {s.b3_recall:.4f} F1 {s.b3_f1:.4f}"
    )


# The child reports its own peak RSS (VmHWM of its address space): the
# getrusage(RUSAGE_CHILDREN) maximum also counts the parent's pages the child
# held between fork and exec, so it reports this benchmark's own size.
_CHILD = """
import sys
from omnicx.cli import main
code = main(["resolve", *sys.argv[1:]])
with open("/proc/self/status") as status:
    peak = next((line.split()[1] for line in status if line.startswith("VmHWM:")), "0")
print(f"peak-kib {peak}", file=sys.stderr)
sys.exit(code)
"""


def _cli(csv_path: Path, out_path: Path, extra: list[str]) -> tuple[float, float, float]:
    """Run ``omnicx resolve`` in a child; return (wall s, CPU s, peak RSS in MiB).

    CPU time is what one core spends, whatever else the machine is running.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(csv_path), "-o", str(out_path), *extra],
        check=True,
        stderr=subprocess.PIPE,
        text=True,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    peak = [line.split()[1] for line in done.stderr.splitlines() if line.startswith("peak-kib")]
    return wall, cpu, int(peak[-1]) / 1024 if peak else float("nan")


def _read_partition(path: Path) -> dict[str, str]:
    with path.open(newline="") as handle:
        rows = csv.reader(handle)
        next(rows)
        return {row[0]: row[1] for row in rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50,000 records")
    parser.add_argument("--n", type=int, default=None, help="number of records")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--data",
        choices=("synth", "contacts"),
        default="synth",
        help="the generator: synth.py, or contacts.py (names and input forms as people write them)",
    )
    parser.add_argument("--febrl", action="store_true", help="run febrl.py instead")
    parser.add_argument(
        "--names", action="store_true", help="run names.py instead (the names guard alone)"
    )
    parser.add_argument(
        "--incremental",
        action="store_true",
        help="also resolve the records one at a time through the graph, in arrival order",
    )
    parser.add_argument(
        "--shuffles",
        type=int,
        default=3,
        help="shuffled arrival orders for the drift (--incremental)",
    )
    args = parser.parse_args()
    if args.names:
        import names

        names.main(["--n", "5000"] if args.quick else [])
        return
    if args.febrl:
        import febrl  # its peers (pandas, splink) load only when asked for

        febrl.main(["--quick"] if args.quick else [])
        return
    n = args.n or (50_000 if args.quick else 1_000_000)

    start = time.perf_counter()
    if args.data == "contacts":
        import contacts

        data = contacts.generate(n, seed=args.seed)
    else:
        data = generate(n, seed=args.seed)
    print(f"identity: {n:,} synthetic records of {len(set(data.truth)):,} people", end="")
    print(f" (generated in {time.perf_counter() - start:.1f} s)")
    print(_line("ceiling (perfect identifier-only)", score(ceiling_partition(data), data.truth)))
    unprotected = score(unprotected_ceiling_partition(data), data.truth)
    print(_line("(no merge protection, for reference)", unprotected))

    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "contacts.csv"
        with csv_path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle, lineterminator="\n").writerows(iter_csv_rows(data))
        for label, extra in (("omnicx resolve", []), ("omnicx resolve --fuzzy", ["--fuzzy"])):
            out_path = Path(tmp) / "clusters.csv"
            wall, cpu, rss = _cli(csv_path, out_path, extra)
            clusters = _read_partition(out_path)
            predicted = [clusters[r.record_id] for r in data.records]
            print(
                f"  {label:<34} CPU {cpu:6.1f} s ({n / cpu:,.0f} records/s), wall {wall:.1f} s,"
                f" peak RSS {rss:,.0f} MiB (CSV read + resolve + write)"
            )
            print(_line(f"  -> {len(set(predicted)):,} clusters", score(predicted, data.truth)))

    for label, policy in (
        ("resolve_batch (in process)", BatchPolicy()),
        ("resolve_batch fuzzy (in process)", BatchPolicy(fuzzy=True)),
    ):
        start, wall = time.process_time(), time.perf_counter()
        result = resolve_batch(data.records, policy=policy)
        cpu, wall = time.process_time() - start, time.perf_counter() - wall
        print(f"  {label:<34} CPU {cpu:6.1f} s ({n / cpu:,.0f} records/s), wall {wall:.1f} s")
        predicted = [result.clusters[r.record_id] for r in data.records]
        print(_line(f"  -> {result.cluster_count:,} clusters", score(predicted, data.truth)))
    if args.incremental:
        batch = resolve_batch(data.records).clusters
        _incremental(data, batch, args.shuffles, args.seed)


def _live(records: list[object]) -> tuple[dict[str, str], float, float]:
    """Resolve ``records`` one at a time, in order; (record id -> profile, CPU s, wall s)."""
    from datetime import UTC, datetime, timedelta

    from omnicx.identity import MemoryIdentityStore, current_profile, observation_of, resolve

    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    observations = [
        observation_of(r, at=t0 + timedelta(seconds=i))  # type: ignore[arg-type]
        for i, r in enumerate(records)
    ]
    store = MemoryIdentityStore()
    start, wall = time.process_time(), time.perf_counter()
    ids = [resolve(store, o).customer_id for o in observations]
    cpu, wall = time.process_time() - start, time.perf_counter() - wall
    # Profiles split later (a value became shared) moved observations: read
    # each one's profile at the end, as a host would.
    del ids
    found = store.observations
    return (
        {oid: current_profile(store, pid).id for oid, (_, pid) in found.items()},
        cpu,
        wall,
    )


def _incremental(data: object, batch: object, shuffles: int, seed: int) -> None:
    """The live graph: in arrival order, then shuffled; scores, records/s and drift."""
    import random

    from shuffles import moved

    records, truth = data.records, data.truth  # type: ignore[attr-defined]
    n = len(records)
    rids = [r.record_id for r in records]
    first, cpu, wall = _live(records)
    print(
        f"  {'incremental graph (in process)':<34} CPU {cpu:6.1f} s ({n / cpu:,.0f} records/s), wall {wall:.1f} s"
    )
    predicted = [first[r] for r in rids]
    print(_line(f"  -> {len(set(predicted)):,} profiles", score(predicted, truth)))
    apart = moved(batch, first)  # type: ignore[arg-type]
    print(f"  {'  grouped otherwise than batch':<34} {apart:,} records ({apart / n:.3%})")
    rng = random.Random(seed + 2)
    drifts = []
    for run in range(1, shuffles + 1):
        order = list(records)
        rng.shuffle(order)
        other, cpu, _ = _live(order)
        drifts.append(moved(first, other))
        s = score([other[r] for r in rids], truth)
        print(
            f"  {f'  shuffle {run}':<34} {drifts[-1]:,} records move ({drifts[-1] / n:.3%}),"
            f" {n / cpu:,.0f} records/s, P {s.precision:.4f} R {s.recall:.4f}"
        )
    if drifts:
        worst = max(drifts)
        print(
            f"  {'  arrival-order drift':<34} at most {worst:,} records ({worst / n:.3%}) of {n:,}"
        )


if __name__ == "__main__":
    main()
