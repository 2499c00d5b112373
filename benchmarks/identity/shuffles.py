"""Order independence of batch resolution: the same records, shuffled, one partition.

    python benchmarks/identity/shuffles.py --n 100000 --shuffles 3
    python benchmarks/identity/shuffles.py --n 100000 --no-fuzzy
    python benchmarks/identity/shuffles.py --n 100000 --people 0.6   # many namesakes
    python benchmarks/identity/shuffles.py --n 100000 --competing 1000

Generates records (synth.py), resolves them in the generated order and in
``--shuffles`` shuffled orders, and reports for each shuffle how many records
move (their cluster, as a set of record ids, differs from the first run),
with pairwise precision/recall and records/s of each run.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from scores import score  # noqa: E402
from synth import generate  # noqa: E402

from omnicx.identity import BatchPolicy, ContactRecord, resolve_batch  # noqa: E402


def competing(count: int) -> tuple[list[ContactRecord], list[int]]:
    """``count`` groups of four records whose two fuzzy blocks compete for one person.

    ``a`` and ``b`` share a name and an address, ``c`` and ``d`` another
    spelling of the name and another address, ``b`` and ``c`` an email, and
    ``a`` and ``d`` are two Shopify customers: only one block can link, and
    which one must not depend on the input order. Truth: one person each.
    """
    records: list[ContactRecord] = []
    for g in range(count):
        one, other = f"Ana Lima{g}", f"Ana Lyma{g}"
        here, there = f"{g} High Street", f"{g} Low Road"
        bridge = [f"bridge{g}@z.example"]
        shop_a, shop_d = (
            [("shopify:customer", f"{2 * g + 1}")],
            [("shopify:customer", f"{2 * g + 2}")],
        )
        records += [
            ContactRecord(record_id=f"c{g}a", name=one, address=here, external_ids=shop_a),
            ContactRecord(record_id=f"c{g}b", name=one, address=here, emails=bridge),
            ContactRecord(record_id=f"c{g}c", name=other, address=there, emails=bridge),
            ContactRecord(record_id=f"c{g}d", name=other, address=there, external_ids=shop_d),
        ]
    return records, [-1 - g for g in range(count) for _ in range(4)]


def moved(left: Mapping[str, str], right: Mapping[str, str]) -> int:
    """How many records sit in a different cluster (as a set of record ids) in ``right``."""

    def members(labels: Mapping[str, str]) -> dict[str, frozenset[str]]:
        found: dict[str, set[str]] = defaultdict(set)
        for rid, label in labels.items():
            found[label].add(rid)
        return {label: frozenset(rids) for label, rids in found.items()}

    a, b = members(left), members(right)
    return sum(1 for rid in left if a[left[rid]] != b[right[rid]])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--shuffles", type=int, default=3)
    parser.add_argument(
        "--people", type=float, default=0.25, help="people per record (0.6: many namesakes)"
    )
    parser.add_argument("--no-fuzzy", action="store_true", help="the deterministic pass only")
    parser.add_argument(
        "--competing",
        type=int,
        default=0,
        help="add this many groups of four records whose fuzzy blocks compete (see competing())",
    )
    args = parser.parse_args(argv)
    data = generate(args.n, seed=args.seed, people=int(args.n * args.people))
    extra, extra_truth = competing(args.competing)
    everything = [*data.records, *extra]
    truth = dict(zip((r.record_id for r in everything), [*data.truth, *extra_truth], strict=True))
    policy = BatchPolicy(fuzzy=not args.no_fuzzy)
    label = "fuzzy" if policy.fuzzy else "deterministic"
    print(
        f"identity shuffles: {args.n:,} records of {len(set(data.truth)):,} people, {label},"
        f" {args.shuffles} shuffles, {args.competing:,} competing groups"
    )
    rng = random.Random(args.seed + 1)
    first: Mapping[str, str] | None = None
    for run in range(args.shuffles + 1):
        records = list(everything)
        if run:
            rng.shuffle(records)
        start = time.process_time()
        result = resolve_batch(records, policy=policy)
        cpu = time.process_time() - start
        rids = [r.record_id for r in records]
        s = score([result.clusters[r] for r in rids], [truth[r] for r in rids])
        moves = "" if first is None else f", {moved(first, result.clusters):,} records move"
        print(
            f"  {'generated order' if not run else f'shuffle {run}':<16}"
            f" P {s.precision:.4f} R {s.recall:.4f} F1 {s.f1:.4f},"
            f" {result.cluster_count:,} clusters, {len(records) / cpu:,.0f} records/s{moves}"
        )
        first = first or result.clusters


if __name__ == "__main__":
    main()
