"""Differential test: BusinessCalendar against a minute-by-minute oracle.

The oracle knows nothing about spans, caches or DST arithmetic: it steps
through UTC minutes, reads each one's local wall clock and asks whether that
reading lies in an opening of its date (or in the previous date's overnight
shift). Random weeks use quarter-hour boundaries, so every answer is exact in
whole minutes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from omnicx.sla import BusinessCalendar

DAY = 86400
Q = 900  # a quarter hour
STEP = 60  # one minute: every boundary and DST change falls on a minute
# Dates with a DST change, and the zones that change on them.
ANCHORS = [
    ("America/New_York", date(2026, 3, 8)),
    ("America/New_York", date(2026, 11, 1)),
    ("Europe/Berlin", date(2026, 3, 29)),
    ("Europe/Berlin", date(2026, 10, 25)),
    ("Asia/Tokyo", date(2026, 6, 1)),
    # Chile changes clocks at midnight: a date starts inside a gap or a repeat.
    ("America/Santiago", date(2026, 4, 4)),
    ("America/Santiago", date(2026, 9, 6)),
]


@st.composite
def days(draw: st.DrawFn) -> tuple[tuple[int, int], ...]:
    points = sorted(draw(st.sets(st.integers(0, 95), max_size=4)))
    if len(points) % 2:
        points = points[:-1]
    hours = [(points[i] * Q, points[i + 1] * Q) for i in range(0, len(points), 2)]
    if hours and draw(st.booleans()):
        # Turn the last interval into an overnight shift ending next morning.
        start = hours[-1][0]
        hours[-1] = (start, start + draw(st.integers(1, 96)) * Q)
    return tuple(hours)


@st.composite
def calendars(draw: st.DrawFn) -> tuple[BusinessCalendar, date]:
    zone, anchor = draw(st.sampled_from(ANCHORS))
    week = [draw(days()) for _ in range(7)]
    for d in range(7):
        nxt = (d + 1) % 7
        if (
            week[d]
            and week[d][-1][1] > DAY
            and week[nxt]
            and week[nxt][0][0] < week[d][-1][1] - DAY
        ):
            start = week[d][-1][0]
            week[d] = (*week[d][:-1], (start, DAY))
    if not any(week):
        week[0] = ((9 * 3600, 17 * 3600),)
    window = [anchor + timedelta(days=n) for n in range(-3, 5)]
    holidays = frozenset(draw(st.sets(st.sampled_from(window), max_size=2)))
    special = {draw(st.sampled_from(window)): draw(days())} if draw(st.booleans()) else {}
    calendar = BusinessCalendar(timezone=zone, week=tuple(week), holidays=holidays, special=special)
    return calendar, anchor


def oracle_open(calendar: BusinessCalendar, minute: int) -> bool:
    local = datetime.fromtimestamp(minute, ZoneInfo(calendar.timezone)).replace(tzinfo=None)
    seconds = local.hour * 3600 + local.minute * 60
    today = calendar.hours_on(local.date())
    yesterday = calendar.hours_on(local.date() - timedelta(days=1))
    return any(s <= seconds < e for s, e in today) or any(
        s <= seconds + DAY < e for s, e in yesterday
    )


def oracle_minutes(calendar: BusinessCalendar, anchor: date) -> list[tuple[int, bool]]:
    start = int(datetime(anchor.year, anchor.month, anchor.day, tzinfo=UTC).timestamp()) - 18 * 3600
    # From the evening before the change (overnight shifts) to the day after.
    return [(m, oracle_open(calendar, m)) for m in range(start, start + 2 * DAY, STEP)]


def at(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


@given(calendars(), st.data())
def test_matches_minute_oracle(case: tuple[BusinessCalendar, date], data: st.DataObject) -> None:
    """is_open, seconds_between, add and next_open agree with the minute oracle, DST included."""
    calendar, anchor = case
    minutes = oracle_minutes(calendar, anchor)
    # Instants in the first part of the window leave room to walk forward.
    i = data.draw(st.integers(0, len(minutes) // 2))
    j = data.draw(st.integers(i, len(minutes) - 1))
    start, end = minutes[i][0], minutes[j][0]
    assert calendar.is_open(at(start)) is minutes[i][1]
    open_minutes = sum(1 for _, is_open in minutes[i:j] if is_open)
    assert calendar.seconds_between(at(start), at(end)) == open_minutes * STEP
    n = data.draw(st.integers(0, 16 * 60))
    later = [m for m, is_open in minutes[i:] if is_open]
    if n == 0:
        assert calendar.add(at(start), 0) == at(start)
    elif len(later) >= n:
        assert calendar.add(at(start), n * STEP) == at(later[n - 1] + STEP)
    if later:
        assert calendar.next_open(at(start)) == at(later[0])


@given(calendars(), st.data())
def test_add_inverts_seconds_between(
    case: tuple[BusinessCalendar, date], data: st.DataObject
) -> None:
    """seconds_between(a, add(a, n)) == n for any start and any whole-second n."""
    calendar, anchor = case
    base = datetime(anchor.year, anchor.month, anchor.day, tzinfo=UTC)
    start = base + timedelta(seconds=data.draw(st.integers(-2 * DAY, 2 * DAY)))
    n = data.draw(st.integers(0, 3 * DAY))
    assert calendar.seconds_between(start, calendar.add(start, n)) == n
