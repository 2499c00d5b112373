"""omnicx.metrics' ``__all__`` is pinned: adding a public name is a visible decision."""

from __future__ import annotations

import omnicx.metrics

PINNED = [
    "DEFAULT_RELATIVE_ERROR", "DIMENSIONS", "DURATIONS", "EXACT_LIMIT", "NONE", "BusinessTime",
    "ConversationFacts", "Distribution", "FactsBuilder", "GroupMetrics", "MetricsAccumulator", "MetricsConfig",
    "MetricsReport", "Nps", "Rate", "SlaOutcome", "SlaTally", "Summary", "Timing", "backlog_at",
    "compute_metrics", "facts_by_conversation", "fold_conversation", "group_keys",
    "group_to_dict", "report_table", "report_to_dict", "was_active",
]  # fmt: skip


def _isort_key(name: str) -> tuple[int, str]:
    # The order ruff's RUF022 keeps: CONSTANTS, then Classes, then functions.
    rank = 0 if name.isupper() else 1 if name[:1].isupper() else 2
    return rank, name


def test_all_is_pinned_sorted_and_documented() -> None:
    """__all__ equals the pinned list, is sorted, and every name exists with a docstring."""
    names = list(omnicx.metrics.__all__)
    assert names == PINNED
    assert names == sorted(names, key=_isort_key)
    for name in names:
        value = getattr(omnicx.metrics, name)
        if callable(value):
            assert value.__doc__, name
