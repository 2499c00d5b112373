"""The conversation lifecycle table, enumerated move by move."""

from __future__ import annotations

import pytest

from omnicx.errors import InvalidTransition
from omnicx.model import LIFECYCLE, Status, can_transition, is_reopen, transition

ALL_MOVES = [(a, b) for a in Status for b in Status]

EXPECTED_ALLOWED = {
    ("new", "open"), ("new", "pending"), ("new", "on_hold"), ("new", "solved"),
    ("open", "pending"), ("open", "on_hold"), ("open", "solved"),
    ("pending", "open"), ("pending", "on_hold"), ("pending", "solved"),
    ("on_hold", "open"), ("on_hold", "pending"), ("on_hold", "solved"),
    ("solved", "open"), ("solved", "closed"),
}  # fmt: skip


@pytest.mark.parametrize(("current", "target"), ALL_MOVES, ids=lambda s: s.value)
def test_every_move_is_allowed_exactly_when_the_table_says(current: Status, target: Status) -> None:
    allowed = (current.value, target.value) in EXPECTED_ALLOWED
    assert can_transition(current, target) is allowed
    if allowed:
        assert transition(current, target) is target
    else:
        with pytest.raises(InvalidTransition) as caught:
            transition(current, target)
        assert caught.value.state == current.value
        assert caught.value.target == target.value


def test_table_covers_every_status() -> None:
    assert set(LIFECYCLE) == set(Status)


def test_closed_cannot_reopen_and_says_what_to_do() -> None:
    with pytest.raises(InvalidTransition) as caught:
        transition(Status.CLOSED, Status.OPEN)
    assert str(caught.value) == (
        "can't reopen a conversation in state closed: a closed conversation is final; "
        "start a follow-up conversation linked to it"
    )
    assert isinstance(caught.value, RuntimeError)


def test_same_status_is_not_a_move() -> None:
    with pytest.raises(InvalidTransition, match="already pending"):
        transition(Status.PENDING, Status.PENDING)


def test_solved_must_reopen_before_pending() -> None:
    with pytest.raises(InvalidTransition, match="reopen it"):
        transition(Status.SOLVED, Status.PENDING)


def test_nothing_returns_to_new() -> None:
    with pytest.raises(InvalidTransition, match="can't return to new"):
        transition(Status.OPEN, Status.NEW)


def test_reopen_is_only_solved_to_open() -> None:
    assert is_reopen(Status.SOLVED, Status.OPEN)
    assert not is_reopen(Status.PENDING, Status.OPEN)
    assert not is_reopen(Status.SOLVED, Status.CLOSED)


def test_active_statuses() -> None:
    assert {s for s in Status if s.is_active} == {
        Status.NEW,
        Status.OPEN,
        Status.PENDING,
        Status.ON_HOLD,
    }
