"""Backlog at an instant: how many conversations were open, and how old."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, tzinfo

from omnicx.metrics._dimensions import check_dimensions, group_keys
from omnicx.metrics._distribution import Distribution, Summary
from omnicx.metrics._facts import ConversationFacts


def was_active(facts: ConversationFacts, at: datetime) -> bool:
    """True when the conversation was in an active status at ``at``.

    Active periods are half-open, ``[start, end)``: a conversation solved at
    exactly ``at`` is no longer in the backlog; one created at ``at`` is.
    """
    return any(start <= at and (end is None or at < end) for start, end in facts.active_spans)


def backlog_at(
    facts: Iterable[ConversationFacts],
    at: datetime,
    *,
    by: Sequence[str] = (),
    tz: tzinfo = UTC,
) -> Mapping[tuple[str, ...], Summary]:
    """Open conversations at ``at`` per group: ``count`` and age (seconds since creation).

    Facts must be folded with ``now`` at or after ``at``. Groups with no open
    conversation are absent.
    """
    dims = check_dimensions(by)
    ages: dict[tuple[str, ...], Distribution] = {}
    for item in facts:
        if not was_active(item, at):
            continue
        age = int((at - item.created_at).total_seconds())
        for key in group_keys(item, dims, tz):
            ages.setdefault(key, Distribution()).add(age)
    return {key: ages[key].summary() for key in sorted(ages)}
