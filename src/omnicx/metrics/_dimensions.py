"""Breakdown dimensions: which group(s) a conversation falls in."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, tzinfo

from omnicx.errors import Problem, ValidationError, suggest
from omnicx.metrics._facts import ConversationFacts
from omnicx.metrics._rows import Dims, dims_of

NONE = "(none)"
"""The group value of a conversation that has no value for a dimension."""

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _local(dims: Dims, tz: tzinfo) -> datetime:
    created = dims[5]
    if not isinstance(created, datetime):  # epoch seconds from a numeric FactsBuilder
        created = datetime.fromtimestamp(created, UTC)
    return created.astimezone(tz)


# Each reads one value from a conversation's ``Dims`` (see omnicx.metrics._rows).
_SINGLE: dict[str, Callable[[Dims, tzinfo], str | None]] = {
    "channel": lambda d, _: d[0],
    "queue": lambda d, _: d[1],
    "agent": lambda d, _: d[2],
    "priority": lambda d, _: d[3],
    "status": lambda d, _: d[4],
    "hour": lambda d, tz: f"{_local(d, tz).hour:02d}",
    "weekday": lambda d, tz: _WEEKDAYS[_local(d, tz).weekday()],
    "day": lambda d, tz: _local(d, tz).date().isoformat(),
    "week": lambda d, tz: "{}-W{:02d}".format(*_local(d, tz).isocalendar()[:2]),
    "month": lambda d, tz: _local(d, tz).strftime("%Y-%m"),
}

DIMENSIONS: tuple[str, ...] = (*_SINGLE, "tag", "attr.<name>")
"""Every breakdown dimension. Time buckets (hour, weekday, day, week, month)
use the creation instant; ``tag`` puts a conversation in one group per tag;
``attr.<name>`` groups by a custom attribute: a conversation's custom field
(``DetailsChanged``: rules' ``set_fields``, ``Desk.set_fields``) or the host's
attributes event."""


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


def _keys(dims: Dims, by: tuple[str, ...], tz: tzinfo) -> list[tuple[str, ...]]:
    choices: list[Sequence[str]] = []
    for name in by:
        if name == "tag":
            choices.append(sorted(dims[6]) or [NONE])
        elif name.startswith("attr."):
            choices.append([dims[7].get(name[5:], NONE)])
        else:
            choices.append([_SINGLE[name](dims, tz) or NONE])
    if all(len(c) == 1 for c in choices):
        return [tuple(c[0] for c in choices)]
    return list(itertools.product(*choices))


def group_keys(
    facts: ConversationFacts, by: tuple[str, ...], tz: tzinfo = UTC
) -> list[tuple[str, ...]]:
    """Every group key the conversation belongs to (several when grouping by tag)."""
    return _keys(dims_of(facts), by, tz)


_POSITIONS = {"channel": 0, "queue": 1, "agent": 2, "priority": 3, "status": 4}


def plain_position(by: tuple[str, ...]) -> int | None:
    """The ``Dims`` position of ``by``'s one dimension when its value is the group key's."""
    if len(by) == 1:
        return _POSITIONS.get(by[0])
    return None


def key_function(by: tuple[str, ...], tz: tzinfo = UTC) -> Callable[[Dims], list[tuple[str, ...]]]:
    """The group keys of a conversation's ``Dims`` for one breakdown (the hot path)."""
    if not all(name in _SINGLE for name in by):
        return lambda dims: _keys(dims, by, tz)
    getters = [_SINGLE[name] for name in by]
    if len(getters) == 1:
        (get,) = getters
        return lambda dims: [(get(dims, tz) or NONE,)]

    def keys(dims: Dims) -> list[tuple[str, ...]]:
        return [tuple(get(dims, tz) or NONE for get in getters)]

    return keys
