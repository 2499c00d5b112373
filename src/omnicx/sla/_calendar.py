"""Business calendars: when a team is open, and arithmetic in open seconds.

Everything runs on integer UTC seconds over half-open intervals. Each local
date's openings are turned into UTC spans once (in a bounded cache on the
calendar), and totals of open seconds are kept per block of 32 dates, so
the cost grows with the days spanned, never with the minutes, and a
repeated question costs a few lookups per block.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol, runtime_checkable
from zoneinfo import ZoneInfo

import attrs

from omnicx._caches import BoundedCache
from omnicx._frozen import frozen_seq, frozen_set
from omnicx.errors import Problem, ValidationError
from omnicx.sla._zone import Span, first_instant, local_date, preimage, to_epoch, wall_seconds

DAY = 86400
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_ONE_DAY = timedelta(days=1)
_FIRST, _LAST = date.min.toordinal(), date.max.toordinal()

Hours = tuple[tuple[int, int], ...]
"""Opening intervals of one day as ``(start, end)`` seconds after local midnight.

``end`` may pass 86400 for an overnight shift (22:00-06:00 is ``(79200, 108000)``).
"""

BLOCK = 32
"""Dates per block of open-second totals."""
DAYS_LIMIT = 2_048
"""Dates whose spans and first instants a calendar remembers (about 5.6 years)."""
OWN_LIMIT = 64
"""Dates whose own openings a calendar remembers (only neighbours reuse them)."""
BLOCKS_LIMIT = 1_024
"""Blocks of open-second totals a calendar remembers (about 90 years)."""


@runtime_checkable
class Calendar(Protocol):
    """What SLA clocks need from a calendar: ``BusinessCalendar`` and ``ALWAYS_OPEN``."""

    def is_open(self, at: datetime) -> bool:
        """True when ``at`` lies inside an opening."""
        ...

    def add(self, start: datetime, seconds: int) -> datetime:
        """The instant ``seconds`` open seconds after ``start``."""
        ...

    def seconds_between(self, start: datetime, end: datetime) -> int:
        """Open seconds in ``[start, end)``; 0 when ``end <= start``."""
        ...

    def next_open(self, at: datetime) -> datetime:
        """``at`` itself when open, else the start of the next opening."""
        ...


def _fmt(seconds: int) -> str:
    suffix = "+1" if seconds > DAY else ""
    seconds = seconds - DAY if seconds > DAY else seconds
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}{suffix}"


def fmt_interval(interval: tuple[int, int]) -> str:
    """Render ``(start, end)`` the way calendar files write it: ``22:00-06:00+1``."""
    return f"{_fmt(interval[0])}-{_fmt(interval[1])}"


def day_problems(path: str, hours: Hours) -> list[Problem]:
    """Problems with one day's intervals: bounds, inverted, unsorted, overlap, touching."""
    problems: list[Problem] = []
    for i, (start, end) in enumerate(hours):
        where = f"{path}[{i}]"
        if not 0 <= start < DAY:
            problems.append(Problem(where, "start must be within the day (00:00 to 23:59)"))
        elif end <= start:
            problems.append(
                Problem(
                    where,
                    f"inverted interval {fmt_interval((start, end))}: it ends before it starts"
                    " (write an overnight shift as '22:00-06:00+1')",
                )
            )
        elif end - start > DAY:
            problems.append(Problem(where, "an interval can't be longer than 24 hours"))
        if i and start <= hours[i - 1][1] and start >= hours[i - 1][0]:
            relation = "touches" if start == hours[i - 1][1] else "overlaps"
            hint = "merge them into one" if relation == "touches" else "remove the overlap"
            problems.append(
                Problem(
                    where,
                    f"{relation} {path}[{i - 1}] ({fmt_interval(hours[i - 1])}); {hint}",
                )
            )
        elif i and start < hours[i - 1][0]:
            problems.append(Problem(where, "intervals must be listed in order of start"))
    return problems


def week_problems(path: str, week: tuple[Hours, ...]) -> list[Problem]:
    """Problems with a week: each day's own, plus overnight shifts running into the next day."""
    problems: list[Problem] = []
    for day, hours in enumerate(week):
        problems += day_problems(f"{path}.{WEEKDAYS[day]}", hours)
    if problems:
        return problems
    for day, hours in enumerate(week):
        if not hours or hours[-1][1] <= DAY:
            continue
        nxt = (day + 1) % 7
        spill = hours[-1][1] - DAY
        if week[nxt] and week[nxt][0][0] < spill:
            problems.append(
                Problem(
                    f"{path}.{WEEKDAYS[nxt]}[0]",
                    f"overlaps the overnight shift {path}.{WEEKDAYS[day]}[{len(hours) - 1}]"
                    f" ({fmt_interval(hours[-1])})",
                )
            )
    if not any(week):
        problems.append(Problem(path, "a calendar needs at least one opening in its week"))
    return problems


def _to_special(value: Mapping[date, Hours] | Iterable[tuple[date, Hours]]) -> tuple[Any, ...]:
    items = value.items() if isinstance(value, Mapping) else value
    return tuple(sorted((d, tuple(h)) for d, h in items))


@attrs.frozen(kw_only=True)
class BusinessCalendar:
    """Opening hours in an IANA time zone, with holidays and special dates.

    Build one with ``load_calendar`` from data, or directly with seconds
    (``week[0]`` is Monday). An opening belongs to the date it starts on: a
    holiday closes that date's shifts, including one running past midnight,
    while the previous evening's overnight shift still runs into it. Special
    hours replace a date's weekly hours (an empty tuple closes it) and win
    over a holiday on the same date. Results are UTC datetimes (convert for
    display); sub-second parts of inputs are dropped.

    Raises:
        ValidationError: unknown time zone or bad intervals, with their paths.
    """

    timezone: str
    week: tuple[Hours, ...] = attrs.field(converter=frozen_seq)
    holidays: frozenset[date] = attrs.field(default=frozenset(), converter=frozen_set)
    special: tuple[tuple[date, Hours], ...] = attrs.field(default=(), converter=_to_special)
    _zone: ZoneInfo = attrs.field(init=False, eq=False, repr=False)
    _special: dict[date, Hours] = attrs.field(init=False, eq=False, repr=False)
    # Bounded per-date caches (docs/internals.md): the UTC spans in each
    # date's window, the spans each date's own hours make, each date's first
    # instant, and open-second totals per block of dates. Every value is a
    # pure function of the calendar's fields and the date, so an evicted
    # entry is only recomputed, never wrong.
    _days: BoundedCache[date, tuple[Span, ...]] = attrs.field(init=False, eq=False, repr=False)
    _own: BoundedCache[date, tuple[Span, ...]] = attrs.field(init=False, eq=False, repr=False)
    _starts: BoundedCache[date, int] = attrs.field(init=False, eq=False, repr=False)
    _blocks: BoundedCache[int, tuple[int, ...]] = attrs.field(init=False, eq=False, repr=False)
    # The window ``[start, end)`` of the date last found, and that date: the
    # instants asked about ("now", event times) mostly fall in the same day.
    _window: tuple[int, int, date] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        problems: list[Problem] = []
        try:
            zone = ZoneInfo(self.timezone)
        except (ValueError, KeyError, OSError):
            problems.append(Problem("timezone", f"unknown time zone {self.timezone!r}"))
        if len(self.week) != 7:
            problems.append(Problem("week", "needs exactly 7 days, Monday first"))
        else:
            problems += week_problems("week", self.week)
        for d, hours in self.special:
            problems += day_problems(f"special.{d.isoformat()}", hours)
        if problems:
            raise ValidationError(problems)
        name = f"BusinessCalendar({self.timezone})"
        object.__setattr__(self, "_zone", zone)
        object.__setattr__(self, "_special", dict(self.special))
        object.__setattr__(self, "_days", BoundedCache(f"{name}.days", DAYS_LIMIT, personal=False))
        object.__setattr__(self, "_own", BoundedCache(f"{name}.own", OWN_LIMIT, personal=False))
        starts = BoundedCache[date, int](f"{name}.starts", DAYS_LIMIT, personal=False)
        object.__setattr__(self, "_starts", starts)
        blocks = BoundedCache[int, tuple[int, ...]](f"{name}.blocks", BLOCKS_LIMIT, personal=False)
        object.__setattr__(self, "_blocks", blocks)
        object.__setattr__(self, "_window", (0, 0, date.min))

    def hours_on(self, day: date) -> Hours:
        """The wall-clock intervals that start on a local date (after holidays and specials)."""
        if day in self._special:
            return self._special[day]
        if day in self.holidays:
            return ()
        return self.week[day.weekday()]

    def _own_spans(self, day: date) -> tuple[Span, ...]:
        spans = self._own.get(day)
        if spans is None:
            found: list[Span] = []
            for start, end in self.hours_on(day):
                found += preimage(self._zone, wall_seconds(day, start), wall_seconds(day, end))
            spans = self._own.put(day, tuple(found))
        return spans

    def _start_of(self, day: date) -> int:
        start = self._starts.get(day)
        if start is None:
            # A miss (a hit is the dict lookup above).
            start = self._starts.put(day, first_instant(self._zone, wall_seconds(day, 0)))
        return start

    def _spans(self, day: date) -> tuple[Span, ...]:
        # The UTC spans inside this date's window, whichever date they start on.
        cached = self._days.get(day)
        if cached is not None:
            return cached
        low, high = self._start_of(day), self._start_of(day + _ONE_DAY)
        pieces = sorted(
            self._own_spans(day - _ONE_DAY) + self._own_spans(day) + self._own_spans(day + _ONE_DAY)
        )
        merged: list[Span] = []
        for a, b in pieces:
            a, b = max(a, low), min(b, high)
            if a >= b:
                continue
            if merged and merged[-1][1] >= a:
                merged[-1] = (merged[-1][0], max(merged[-1][1], b))
            else:
                merged.append((a, b))
        return self._days.put(day, tuple(merged))

    def _block(self, number: int) -> tuple[int, ...]:
        # Open seconds before each date of block ``number`` (dates whose
        # ordinal // BLOCK is ``number``), from the block's start; the last
        # entry is the block's total. Date windows partition time, so blocks do.
        found = self._blocks.get(number)
        if found is None:
            running, totals = 0, [0]
            for ordinal in range(number * BLOCK, (number + 1) * BLOCK):
                # Dates next to the ends of what Python can represent (years
                # 1 and 9999) count as closed: their spans cannot be computed.
                if _FIRST + 2 < ordinal < _LAST - 2:
                    running += sum(b - a for a, b in self._spans(date.fromordinal(ordinal)))
                totals.append(running)
            found = self._blocks.put(number, tuple(totals))
        return found

    def _offset(self, epoch: int) -> tuple[int, int]:
        """``epoch``'s block and the open seconds before it in that block."""
        day = self._date_of(epoch)
        number, index = divmod(day.toordinal(), BLOCK)
        before = self._block(number)[index]
        for a, b in self._spans(day):
            if a >= epoch:
                break
            before += (b if b < epoch else epoch) - a
        return number, before

    def _date_of(self, epoch: int) -> date:
        low, high, day = self._window
        if low <= epoch < high:
            return day
        day = local_date(self._zone, epoch)
        start_of = self._start_of
        low, high = start_of(day), start_of(day + _ONE_DAY)
        # A fall-back repeat across midnight can put an instant in a
        # neighbouring date's window.
        if epoch >= high:
            day += _ONE_DAY
            low, high = high, start_of(day + _ONE_DAY)
        elif epoch < low:
            day -= _ONE_DAY
            low, high = start_of(day), low
        # One assignment of a whole tuple: threads never see half a window.
        object.__setattr__(self, "_window", (low, high, day))
        return day

    def _instant(self, epoch: int) -> datetime:
        # UTC, not the calendar's zone: Python never finds an ambiguous
        # local time equal to an instant in another zone (PEP 495).
        return datetime.fromtimestamp(epoch, UTC)

    def is_open(self, at: datetime) -> bool:
        """True when ``at`` lies inside an opening (start included, end excluded)."""
        u = to_epoch(at)
        return any(a <= u < b for a, b in self._spans(self._date_of(u)))

    def add(self, start: datetime, seconds: int) -> datetime:
        """The earliest instant with ``seconds`` open seconds in ``[start, it)``.

        Zero returns ``start``; a start outside hours counts from the next
        opening, and a result can be an opening's end (Fri 16:00 + 1 h of
        09:00-17:00 is Fri 17:00). Raises ValidationError for negative seconds.
        """
        if seconds < 0:
            raise ValidationError.single("seconds", f"must not be negative, got {seconds}")
        u = to_epoch(start)
        if seconds == 0:
            return self._instant(u)
        # The goal-th open second counted from the start of u's block: skip
        # whole blocks, then find its date in the block and walk that date's spans.
        number, before = self._offset(u)
        goal = before + seconds
        block = self._block(number)
        while block[-1] < goal:
            goal -= block[-1]
            number += 1
            block = self._block(number)
        index = bisect.bisect_left(block, goal) - 1
        remaining = goal - block[index]
        for a, b in self._spans(date.fromordinal(number * BLOCK + index)):
            if remaining <= b - a:
                return self._instant(a + remaining)
            remaining -= b - a
        raise AssertionError("the block totals and the spans disagree")  # pragma: no cover

    def seconds_between(self, start: datetime, end: datetime) -> int:
        """Open seconds in ``[start, end)``; 0 when ``end`` is not after ``start``."""
        u, v = to_epoch(start), to_epoch(end)
        if v <= u:
            return 0
        first, before_u = self._offset(u)
        last, before_v = self._offset(v)
        # Whole blocks in between count their totals: the work grows with the
        # blocks spanned, and repeated questions find them remembered.
        between = sum(self._block(n)[-1] for n in range(first, last))
        return between + before_v - before_u

    def next_open(self, at: datetime) -> datetime:
        """``at`` when open, else the start of the next opening."""
        u = to_epoch(at)
        day = self._date_of(u)
        while True:
            for a, b in self._spans(day):
                if b > u:
                    return self._instant(max(a, u))
            day += _ONE_DAY


@attrs.frozen
class _AlwaysOpen:
    """A calendar open every second: the one calendar-hours targets use."""

    def is_open(self, at: datetime) -> bool:
        """Always True."""
        return True

    def add(self, start: datetime, seconds: int) -> datetime:
        """``start`` plus ``seconds`` of elapsed (not wall-clock) time, in UTC."""
        if seconds < 0:
            raise ValidationError.single("seconds", f"must not be negative, got {seconds}")
        return datetime.fromtimestamp(to_epoch(start) + seconds, UTC)

    def seconds_between(self, start: datetime, end: datetime) -> int:
        """Elapsed whole seconds in ``[start, end)``; 0 when ``end`` is not after ``start``."""
        return max(0, to_epoch(end) - to_epoch(start))

    def next_open(self, at: datetime) -> datetime:
        """``at`` itself (to the whole second), in UTC."""
        return datetime.fromtimestamp(to_epoch(at), UTC)


ALWAYS_OPEN: Calendar = _AlwaysOpen()
"""A calendar open every second, for targets counted in calendar hours."""
