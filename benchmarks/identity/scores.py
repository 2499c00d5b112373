"""Clustering scores against ground truth: pairwise precision/recall/F1 and B-cubed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence

import attrs


@attrs.frozen(kw_only=True)
class Scores:
    """Pairwise and B-cubed precision, recall and F1 of a predicted partition."""

    precision: float
    recall: float
    f1: float
    b3_precision: float
    b3_recall: float
    b3_f1: float


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def score(predicted: Sequence[Hashable], truth: Sequence[Hashable]) -> Scores:
    """Score ``predicted`` cluster labels against ``truth`` labels, record by record."""
    cells = Counter(zip(predicted, truth, strict=True))
    pred_sizes = Counter(predicted)
    true_sizes = Counter(truth)
    together = sum(_pairs(c) for c in cells.values())
    pred_pairs = sum(_pairs(c) for c in pred_sizes.values())
    true_pairs = sum(_pairs(c) for c in true_sizes.values())
    precision = together / pred_pairs if pred_pairs else 1.0
    recall = together / true_pairs if true_pairs else 1.0
    # B-cubed: for each record, the share of its cluster that is truly its person
    # (precision) and the share of its person found in its cluster (recall).
    n = len(predicted)
    b3p = sum(c * c / pred_sizes[p] for (p, _t), c in cells.items()) / n
    b3r = sum(c * c / true_sizes[t] for (_p, t), c in cells.items()) / n
    return Scores(
        precision=precision,
        recall=recall,
        f1=_f1(precision, recall),
        b3_precision=b3p,
        b3_recall=b3r,
        b3_f1=_f1(b3p, b3r),
    )
