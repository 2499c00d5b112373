"""retry_on_conflict: bounded, jittered, re-running the call; no real sleeping."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicx.errors import ConflictError, NotFoundError, ValidationError
from omnicx.storage import retry_on_conflict


class Flaky:
    """Loses ``losses`` races, then returns how many runs it took."""

    def __init__(self, losses: int) -> None:
        self.losses = losses
        self.runs = 0

    def __call__(self) -> int:
        self.runs += 1
        if self.runs <= self.losses:
            raise ConflictError(f"lost race {self.runs}")
        return self.runs


def test_a_call_that_loses_races_runs_again_until_it_wins() -> None:
    slept: list[float] = []
    call = Flaky(3)
    assert retry_on_conflict(call, rand=lambda: 0.5, sleep=slept.append, base_delay=0.01) == 4
    assert slept == [0.005, 0.01, 0.02]


def test_delays_are_capped_and_the_last_conflict_is_raised() -> None:
    slept: list[float] = []
    call = Flaky(10)
    with pytest.raises(ConflictError, match="lost race 4"):
        retry_on_conflict(call, attempts=4, base_delay=1, max_delay=2.5, rand=lambda: 1.0,
                          sleep=slept.append)  # fmt: skip
    assert (call.runs, slept) == (4, [1, 2, 2.5])


def test_other_errors_are_raised_at_once() -> None:
    slept: list[float] = []

    def missing() -> None:
        raise NotFoundError("conversation", "c9")

    with pytest.raises(NotFoundError):
        retry_on_conflict(missing, sleep=slept.append)
    assert slept == []


def test_more_errors_can_mean_retry() -> None:
    runs: list[int] = []

    def busy() -> str:
        runs.append(1)
        if len(runs) < 2:
            raise OSError("database is locked")
        return "done"

    assert (
        retry_on_conflict(busy, retry_on=(ConflictError, OSError), sleep=lambda _: None) == "done"
    )


@pytest.mark.parametrize(
    ("attempts", "delay", "path"), [(0, 0.1, "attempts"), (3, -1, "base_delay")]
)
def test_bad_settings_are_refused(attempts: int, delay: float, path: str) -> None:
    with pytest.raises(ValidationError, match=path):
        retry_on_conflict(lambda: 1, attempts=attempts, base_delay=delay)


@given(losses=st.integers(0, 12), attempts=st.integers(1, 12), rand=st.floats(0, 0.999))
def test_runs_are_bounded_and_each_delay_within_its_bound(
    losses: int, attempts: int, rand: float
) -> None:
    slept: list[float] = []
    call = Flaky(losses)
    try:
        retry_on_conflict(call, attempts=attempts, base_delay=0.01, max_delay=0.1,
                          rand=lambda: rand, sleep=slept.append)  # fmt: skip
    except ConflictError:
        assert losses >= attempts
    assert call.runs == min(losses + 1, attempts)
    assert len(slept) == call.runs - 1
    assert all(0 <= d <= min(0.1, 0.01 * 2**n) for n, d in enumerate(slept))
