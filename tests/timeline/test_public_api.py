"""The public surface of omnicx.timeline is pinned: adding a name is a visible decision."""

from __future__ import annotations

import omnicx.timeline as timeline

PINNED = [
    "ALL_EVENTS", "DEFAULT_ORDER", "UNRANKED", "CombinedTimeline", "ConversationSummary",
    "DedupKey", "EventKey", "Page", "ThreadDecision", "ThreadIndex", "ThreadOutcome",
    "ThreadReason", "ThreadingPolicy", "TimelineOrder", "TimelineQuery", "best_copy",
    "build_timeline", "combine_timelines", "completeness", "decode_cursor", "dedup_key",
    "encode_cursor", "event_channel", "external_key", "lookup_keys", "merge_keyed", "merge_streams",
    "message_id_key", "normalize_subject", "own_keys", "page", "referenced_keys",
    "since_last_agent_reply", "split_timeline", "thread", "utc_micros",
]  # fmt: skip


def _isort_key(name: str) -> tuple[int, str]:
    rank = 0 if name.isupper() else 1 if name[:1].isupper() else 2
    return rank, name


def test_all_is_pinned_and_sorted() -> None:
    """__all__ is exactly the pinned list, in ruff's RUF022 order, and importable."""
    assert timeline.__all__ == PINNED
    assert sorted(PINNED, key=_isort_key) == PINNED
    for name in PINNED:
        assert getattr(timeline, name) is not None


def test_every_public_callable_has_a_docstring() -> None:
    """Every exported class and function documents itself."""
    assert timeline.__doc__
    for name in PINNED:
        value = getattr(timeline, name)
        if callable(value):
            assert value.__doc__, name
