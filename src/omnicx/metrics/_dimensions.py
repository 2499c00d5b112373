"""Breakdown dimensions: which group(s) a conversation falls in."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, tzinfo

from omnicx.errors import Problem, ValidationError, suggest
from omnicx.metrics._facts import ConversationFacts

NONE = "(none)"
"""The group value of a conversation that has no value for a dimension."""

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _local(facts: ConversationFacts, tz: tzinfo) -> datetime:
    return facts.created_at.astimezone(tz)


_SINGLE: dict[str, Callable[[ConversationFacts, tzinfo], str | None]] = {
    "channel": lambda f, _: f.channel,
    "queue": lambda f, _: f.queue,
    "agent": lambda f, _: f.agent,
    "priority": lambda f, _: f.priority,
    "status": lambda f, _: f.status.value,
    "hour": lambda f, tz: f"{_local(f, tz).hour:02d}",
    "weekday": lambda f, tz: _WEEKDAYS[_local(f, tz).weekday()],
    "day": lambda f, tz: _local(f, tz).date().isoformat(),
    "week": lambda f, tz: "{}-W{:02d}".format(*_local(f, tz).isocalendar()[:2]),
    "month": lambda f, tz: _local(f, tz).strftime("%Y-%m"),
}

DIMENSIONS: tuple[str, ...] = (*_SINGLE, "tag", "attr.<name>")
"""Every breakdown dimension. Time buckets (hour, weekday, day, week, month)
use the creation instant; ``tag`` puts a conversation in one group per tag;
``attr.<name>`` groups by a custom attribute."""


def check_dimensions(by: Sequence[str]) -> tuple[str, ...]:
    """Return ``by`` as a tuple, or raise ``ValidationError`` naming each unknown dimension."""
    problems = [
        Problem(f"by[{index}]", f"unknown dimension {name!r}{suggest(name, [*_SINGLE, 'tag'])}")
        for index, name in enumerate(by)
        if not (name in _SINGLE or name == "tag" or (name.startswith("attr.") and len(name) > 5))
    ]
    if problems:
        raise ValidationError(problems)
    return tuple(by)


def group_keys(
    facts: ConversationFacts, by: tuple[str, ...], tz: tzinfo = UTC
) -> list[tuple[str, ...]]:
    """Every group key the conversation belongs to (several when grouping by tag)."""
    choices: list[Sequence[str]] = []
    for name in by:
        if name == "tag":
            choices.append(sorted(facts.tags) or [NONE])
        elif name.startswith("attr."):
            choices.append([facts.attributes.get(name[5:], NONE)])
        else:
            choices.append([_SINGLE[name](facts, tz) or NONE])
    if all(len(c) == 1 for c in choices):
        return [tuple(c[0] for c in choices)]
    return list(itertools.product(*choices))


def key_function(
    by: tuple[str, ...], tz: tzinfo = UTC
) -> Callable[[ConversationFacts], list[tuple[str, ...]]]:
    """``group_keys`` specialised to one breakdown (the hot path of accumulation)."""
    if not all(name in _SINGLE for name in by):
        return lambda facts: group_keys(facts, by, tz)
    getters = [_SINGLE[name] for name in by]
    if len(getters) == 1:
        (get,) = getters
        return lambda facts: [(get(facts, tz) or NONE,)]

    def keys(facts: ConversationFacts) -> list[tuple[str, ...]]:
        return [tuple(get(facts, tz) or NONE for get in getters)]

    return keys
