"""Example tests for BusinessCalendar and ALWAYS_OPEN: every documented edge case."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

import omnicx.sla._calendar as calendar_module
from omnicx.errors import ValidationError
from omnicx.sla import ALWAYS_OPEN, BusinessCalendar, Calendar, load_calendar

NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
HOUR = 3600
HOUR_DELTA = timedelta(hours=1)


def office(zone: str = "America/New_York", **extra: object) -> BusinessCalendar:
    weekdays = {d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
    return load_calendar({"timezone": zone, "hours": weekdays, **extra})


def night(zone: str) -> BusinessCalendar:
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    return load_calendar({"timezone": zone, "hours": {d: ["22:00-06:00+1"] for d in days}})


def test_friday_afternoon_plus_one_hour_is_monday() -> None:
    """Golden case: Fri 16:30 + 1 business hour with Mon-Fri 09:00-17:00 is Mon 09:30."""
    due = office().add(datetime(2026, 11, 20, 16, 30, tzinfo=NY), HOUR)
    assert due == datetime(2026, 11, 23, 9, 30, tzinfo=NY)
    assert due.tzinfo == UTC


def test_start_during_holiday_starts_at_next_opening() -> None:
    """A start on a holiday counts from the next opening day."""
    calendar = office(holidays=["2026-12-25"])
    start = datetime(2026, 12, 25, 10, 0, tzinfo=NY)
    assert calendar.add(start, HOUR) == datetime(2026, 12, 28, 10, 0, tzinfo=NY)
    assert calendar.next_open(start) == datetime(2026, 12, 28, 9, 0, tzinfo=NY)
    assert not calendar.is_open(start)


def test_holiday_range_and_special_hours() -> None:
    """A holiday range closes every date in it; special hours replace a date's hours and win."""
    calendar = office(holidays=["2026-12-24..2026-12-31"], special={"2026-12-24": ["09:00-12:00"]})
    start = datetime(2026, 12, 24, 11, 0, tzinfo=NY)
    assert calendar.add(start, 2 * HOUR) == datetime(2027, 1, 1, 10, 0, tzinfo=NY)


def test_special_date_closed() -> None:
    """An empty list of special hours closes a normally open date."""
    calendar = office(special={"2026-11-23": []})
    assert not calendar.is_open(datetime(2026, 11, 23, 10, tzinfo=NY))


def test_spring_forward_night_shift_loses_an_hour() -> None:
    """A 22:00-06:00 shift over the spring-forward night holds 7 real hours, not 8."""
    calendar = night("America/New_York")
    start = datetime(2026, 3, 7, 22, 0, tzinfo=NY)
    assert calendar.seconds_between(start, datetime(2026, 3, 8, 12, tzinfo=NY)) == 7 * HOUR
    assert calendar.add(start, 7 * HOUR) == datetime(2026, 3, 8, 6, 0, tzinfo=NY)


def test_fall_back_night_shift_gains_an_hour() -> None:
    """A 22:00-06:00 shift over the fall-back night in Berlin holds 9 real hours."""
    calendar = night("Europe/Berlin")
    start = datetime(2026, 10, 24, 22, 0, tzinfo=BERLIN)
    assert calendar.seconds_between(start, datetime(2026, 10, 25, 12, tzinfo=BERLIN)) == 9 * HOUR


def test_lunch_break_is_skipped() -> None:
    """Split shifts: time in the lunch gap is not business time."""
    calendar = load_calendar(
        {"timezone": "Europe/Berlin", "hours": {"monday": ["09:00-12:00", "13:00-17:00"]}}
    )
    start = datetime(2026, 11, 23, 11, 30, tzinfo=BERLIN)
    assert calendar.add(start, HOUR) == datetime(2026, 11, 23, 13, 30, tzinfo=BERLIN)
    assert not calendar.is_open(datetime(2026, 11, 23, 12, 0, tzinfo=BERLIN))


def test_half_open_boundaries() -> None:
    """An opening includes its start and excludes its end; a result may be the end."""
    calendar = office()
    assert calendar.is_open(datetime(2026, 11, 23, 9, 0, tzinfo=NY))
    assert not calendar.is_open(datetime(2026, 11, 23, 17, 0, tzinfo=NY))
    friday = datetime(2026, 11, 20, 16, 0, tzinfo=NY)
    assert calendar.add(friday, HOUR) == datetime(2026, 11, 20, 17, 0, tzinfo=NY)


def test_zero_and_reversed_and_sub_second() -> None:
    """add(x, 0) is x; an empty or reversed range has 0 seconds; sub-seconds are dropped."""
    calendar = office()
    start = datetime(2026, 11, 21, 3, 0, 0, 700000, tzinfo=NY)
    assert calendar.add(start, 0) == start.replace(microsecond=0)
    assert calendar.seconds_between(start, start - timedelta(hours=5)) == 0


def test_negative_seconds_refused() -> None:
    """Adding negative business time is a programming error."""
    with pytest.raises(ValueError, match="seconds: must not be negative, got -1"):
        office().add(datetime(2026, 11, 23, tzinfo=UTC), -1)
    with pytest.raises(ValueError, match="seconds: must not be negative, got -1"):
        ALWAYS_OPEN.add(datetime(2026, 11, 23, tzinfo=UTC), -1)


def test_cost_grows_with_days_not_minutes() -> None:
    """A year of business time is computed by walking dates (and agrees with its inverse)."""
    calendar = office()
    start = datetime(2026, 1, 5, 9, 0, tzinfo=NY)
    due = calendar.add(start, 250 * 8 * HOUR)
    assert calendar.seconds_between(start, due) == 250 * 8 * HOUR


def test_always_open_counts_elapsed_time_across_dst() -> None:
    """ALWAYS_OPEN adds real elapsed seconds, not wall-clock hours, across DST."""
    start = datetime(2026, 3, 7, 12, 0, tzinfo=NY)
    due = ALWAYS_OPEN.add(start, 24 * HOUR)
    assert due == datetime(2026, 3, 8, 13, 0, tzinfo=NY)
    assert ALWAYS_OPEN.seconds_between(start, due) == 24 * HOUR
    assert ALWAYS_OPEN.seconds_between(due, start) == 0
    assert ALWAYS_OPEN.is_open(start)
    assert ALWAYS_OPEN.next_open(start) == start
    assert isinstance(ALWAYS_OPEN, Calendar)
    assert isinstance(office(), Calendar)


def test_constructor_validates() -> None:
    """Building a calendar directly checks the zone, the 7 days and the intervals."""
    with pytest.raises(ValidationError) as caught:
        BusinessCalendar(timezone="Mars/Olympus", week=((),))
    assert str(caught.value) == (
        "timezone: unknown time zone 'Mars/Olympus'\nweek: needs exactly 7 days, Monday first"
    )
    with pytest.raises(ValidationError) as caught:
        BusinessCalendar(
            timezone="UTC",
            week=((),) * 7,
            special={date(2026, 1, 1): ((100_000, 100_001), (5, 2 * 86400))},
        )
    assert str(caught.value) == (
        "week: a calendar needs at least one opening in its week\n"
        "special.2026-01-01[0]: start must be within the day (00:00 to 23:59)\n"
        "special.2026-01-01[1]: an interval can't be longer than 24 hours\n"
        "special.2026-01-01[1]: intervals must be listed in order of start"
    )


def test_unsorted_intervals_refused() -> None:
    """Intervals of a day must be listed in order."""
    with pytest.raises(ValidationError) as caught:
        load_calendar({"timezone": "UTC", "hours": {"monday": ["13:00-14:00", "09:00-10:00"]}})
    assert str(caught.value) == "hours.monday[1]: intervals must be listed in order of start"


def test_midnight_touching_across_days_is_allowed() -> None:
    """Around-the-clock weeks (00:00-24:00 every day) are valid and always open."""
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    calendar = load_calendar(
        {"timezone": "Europe/Berlin", "hours": {d: ["00:00-24:00"] for d in days}}
    )
    start = datetime(2026, 3, 28, 12, tzinfo=BERLIN)
    assert calendar.add(start, 24 * HOUR) == datetime(2026, 3, 29, 13, tzinfo=BERLIN)


def test_spring_forward_gap_boundary() -> None:
    """An opening starting inside the spring-forward gap starts when the clocks jump."""
    calendar = load_calendar({"timezone": "America/New_York", "hours": {"sunday": ["02:30-04:00"]}})
    day = datetime(2026, 3, 8, 0, 0, tzinfo=NY)
    assert calendar.next_open(day) == datetime(2026, 3, 8, 3, 0, tzinfo=NY)
    assert calendar.seconds_between(day, day + timedelta(days=1)) == HOUR


def test_fall_back_repeat_counts_twice() -> None:
    """A wall-clock interval inside the repeated hour is open in both passes."""
    calendar = load_calendar({"timezone": "America/New_York", "hours": {"sunday": ["01:00-01:30"]}})
    day = datetime(2026, 11, 1, 0, 0, tzinfo=NY)
    assert calendar.seconds_between(day, day + timedelta(days=1)) == HOUR


def test_answers_do_not_depend_on_query_order() -> None:
    """Asking about a later date first, then an earlier one, gives the same answers."""
    warm, fresh = office(), office()
    late = datetime(2027, 6, 1, 10, tzinfo=NY)
    early = datetime(2026, 1, 5, 10, tzinfo=NY)
    warm.add(late, 5 * HOUR)
    assert warm.seconds_between(early, late) == fresh.seconds_between(early, late)
    assert warm.add(early, 40 * HOUR) == fresh.add(early, 40 * HOUR)


def test_midnight_dst_changes_in_santiago() -> None:
    """Chile changes clocks at midnight: the repeated 23:00 hour counts twice, the lost one never."""
    santiago = ZoneInfo("America/Santiago")
    late = load_calendar({"timezone": "America/Santiago", "hours": {"saturday": ["23:00-24:00"]}})
    saturday = datetime(2026, 4, 4, 12, tzinfo=santiago)
    assert late.seconds_between(saturday, saturday + timedelta(days=1)) == 2 * HOUR
    assert late.is_open(datetime(2026, 4, 5, 3, 30, tzinfo=UTC))  # the second 23:30
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    always = load_calendar(
        {"timezone": "America/Santiago", "hours": {d: ["00:00-24:00"] for d in days}}
    )
    start = datetime(2026, 9, 5, 12, tzinfo=santiago)
    assert always.seconds_between(start, datetime(2026, 9, 6, 12, tzinfo=santiago)) == 23 * HOUR
    assert always.next_open(datetime(2026, 9, 6, 3, 59, tzinfo=UTC)) == datetime(
        2026, 9, 6, 3, 59, tzinfo=UTC
    )


def test_shared_between_threads() -> None:
    """One calendar used from several threads at once gives the single-threaded answers."""
    starts = [datetime(2026, 1, 5, 10, tzinfo=NY) + timedelta(days=37 * k) for k in range(12)]
    expected = [office().add(s, 100 * HOUR) for s in starts]
    shared = office()
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda s: shared.add(s, 100 * HOUR), reversed(starts)))
    assert got[::-1] == expected


def test_a_century_query_stays_within_the_cache_bounds() -> None:
    """One 100-year question leaves every per-date cache at or below its bound.

    The answers equal plain arithmetic (8 hours per weekday: New York's DST
    changes fall outside 09:00-17:00) and a cold calendar's answers.
    """
    calendar = office()
    start, end = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
    total = calendar.seconds_between(start, end)
    first = date(2000, 1, 1)
    weekdays = sum((first + timedelta(days=n)).weekday() < 5 for n in range((end - start).days))
    assert total == weekdays * 8 * HOUR
    assert calendar.add(start, total) == datetime(2099, 12, 31, 17, tzinfo=NY)
    assert len(calendar._days) <= calendar_module.DAYS_LIMIT
    assert len(calendar._starts) <= calendar_module.DAYS_LIMIT
    assert len(calendar._own) <= calendar_module.OWN_LIMIT
    assert len(calendar._blocks) <= calendar_module.BLOCKS_LIMIT
    probes = [
        (datetime(2000, 1, 3, 9, 30, tzinfo=NY), 3 * HOUR),
        (datetime(2026, 11, 20, 16, 30, tzinfo=NY), 41 * HOUR),
        (datetime(2099, 12, 30, 12, tzinfo=NY), 5 * HOUR),
    ]
    cold = office()
    assert [calendar.add(s, n) for s, n in probes] == [cold.add(s, n) for s, n in probes]
    assert [calendar.seconds_between(s, s + timedelta(days=400)) for s, _ in probes] == [
        office().seconds_between(s, s + timedelta(days=400)) for s, _ in probes
    ]


def test_questions_near_the_ends_of_the_date_range_are_answered() -> None:
    """Totals are kept per block of dates; a block reaching past year 9999 or before
    year 1 still answers for the dates inside it."""
    calendar = office("UTC")
    # 9999-12-01 is a Wednesday, 0001-01-10 a Wednesday too: three working days follow.
    for day in (datetime(9999, 12, 1, tzinfo=UTC), datetime(1, 1, 10, tzinfo=UTC)):
        assert day.weekday() == 2
        assert calendar.add(day + 10 * HOUR_DELTA, HOUR) == day + 11 * HOUR_DELTA
        assert calendar.seconds_between(day, day + timedelta(days=3)) == 3 * 8 * HOUR
