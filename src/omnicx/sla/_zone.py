"""Wall-clock intervals of one time zone, turned into exact UTC seconds.

A calendar speaks in wall-clock time ("09:00-17:00 in Europe/Berlin"); the
arithmetic runs on integer UTC seconds. The set of instants an opening
covers is every instant whose local wall-clock reading lies in it, so a
spring-forward gap inside an interval removes the missing hour and a
fall-back repeat inside it adds the repeated hour.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

_EPOCH_DATE = date(1970, 1, 1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECOND = timedelta(seconds=1)
# Real UTC offsets lie within -12h..+14h; a margin keeps the search safe.
_BEFORE = 15 * 3600
_AFTER = 13 * 3600

Span = tuple[int, int]
"""A half-open interval ``[start, end)`` of UTC epoch seconds."""


def to_epoch(at: datetime) -> int:
    """Whole UTC epoch seconds of an aware datetime (sub-seconds are dropped)."""
    return (at - _EPOCH) // _SECOND


def wall_seconds(day: date, seconds: int) -> int:
    """Naive "wall epoch" seconds: the local reading as if the zone were UTC."""
    return (day - _EPOCH_DATE).days * 86400 + seconds


def offset_at(zone: ZoneInfo, epoch: int) -> int:
    """The zone's UTC offset, in seconds, at a UTC instant."""
    offset = datetime.fromtimestamp(epoch, zone).utcoffset()
    assert offset is not None  # a ZoneInfo always answers
    return int(offset.total_seconds())


def local_date(zone: ZoneInfo, epoch: int) -> date:
    """The local calendar date at a UTC instant."""
    return datetime.fromtimestamp(epoch, zone).date()


def _changes(zone: ZoneInfo, low: int, high: int) -> list[int]:
    # The UTC instants in (low, high] where the offset changes; bisection
    # between samples whose offsets differ.
    samples = [low, (low + high) // 2, high]
    found: list[int] = []
    for a, b in itertools.pairwise(samples):
        oa = offset_at(zone, a)
        if oa == offset_at(zone, b):
            continue
        while b - a > 1:
            mid = (a + b) // 2
            if offset_at(zone, mid) == oa:
                a = mid
            else:
                b = mid
        found.append(b)
    return found


def preimage(zone: ZoneInfo, wall_start: int, wall_end: int) -> list[Span]:
    """UTC spans of every instant whose wall reading is in ``[wall_start, wall_end)``.

    Usually one span; two when a fall-back repeat cuts the interval.
    """
    low, high = wall_start - _BEFORE, wall_end + _AFTER
    cuts = [low, *_changes(zone, low, high), high]
    spans: list[Span] = []
    for piece_start, piece_end in itertools.pairwise(cuts):
        offset = offset_at(zone, piece_start)
        # Within a piece the offset is constant: wall = utc + offset.
        start = max(piece_start, wall_start - offset)
        end = min(piece_end, wall_end - offset)
        if start < end:
            if spans and spans[-1][1] >= start:
                spans[-1] = (spans[-1][0], max(spans[-1][1], end))
            else:
                spans.append((start, end))
    return spans


def first_instant(zone: ZoneInfo, wall: int) -> int:
    """The earliest UTC instant whose wall reading is at or after ``wall``."""
    spans = preimage(zone, wall, wall + 1)
    if spans:
        return spans[0][0]
    # ``wall`` falls in a spring-forward gap: the next reading that exists is
    # the instant the clocks jump.
    low = wall - _BEFORE
    return next(c for c in _changes(zone, low, wall + _AFTER) if c + offset_at(zone, c) > wall)
