"""Clocks: the fixed clock moves only forward; the system clock is aware."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicx.clock import Clock, FixedClock, SystemClock
from omnicx.errors import ValidationError

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def test_clocks_satisfy_the_protocol() -> None:
    assert isinstance(FixedClock(START), Clock)
    assert isinstance(SystemClock(), Clock)


def test_system_clock_is_aware_utc() -> None:
    assert SystemClock().now().tzinfo is UTC


def test_fixed_clock_advances_by_seconds_timedelta_and_units() -> None:
    clock = FixedClock(START)
    assert clock.now() == START
    clock.advance(90)
    clock.advance(timedelta(minutes=1))
    assert clock.advance(hours=1) == START + timedelta(hours=1, seconds=150)


@given(st.lists(st.integers(0, 10**6), max_size=20))
def test_fixed_clock_is_monotonic(steps: list[int]) -> None:
    clock = FixedClock(START)
    seen = [clock.now()]
    for step in steps:
        seen.append(clock.advance(step))
    assert seen == sorted(seen)
    assert clock.now() == START + timedelta(seconds=sum(steps))


def test_fixed_clock_refuses_to_go_back() -> None:
    clock = FixedClock(START)
    with pytest.raises(ValueError, match="only moves forward"):
        clock.advance(-1)
    with pytest.raises(ValueError, match="only moves forward"):
        clock.set(START - timedelta(seconds=1))
    clock.set(START + timedelta(days=1))
    assert clock.now() == START + timedelta(days=1)


def test_fixed_clock_refuses_naive_instants() -> None:
    with pytest.raises(ValidationError, match="now: naive datetime"):
        FixedClock(datetime(2026, 1, 1))
    with pytest.raises(ValidationError, match="naive datetime"):
        FixedClock(START).set(datetime(2027, 1, 1))
