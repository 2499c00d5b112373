"""The conversation status lifecycle, as a transition table.

The table is data: docs render it, tests enumerate it, and ``transition()``
is the one function that applies it.
"""

from __future__ import annotations

from collections.abc import Mapping

from omnicx.errors import InvalidTransition
from omnicx.model._conversation import Status

S = Status

LIFECYCLE: Mapping[Status, frozenset[Status]] = {
    S.NEW: frozenset({S.OPEN, S.PENDING, S.ON_HOLD, S.SOLVED}),
    S.OPEN: frozenset({S.PENDING, S.ON_HOLD, S.SOLVED}),
    S.PENDING: frozenset({S.OPEN, S.ON_HOLD, S.SOLVED}),
    S.ON_HOLD: frozenset({S.OPEN, S.PENDING, S.SOLVED}),
    # Solved -> open is a reopen; solved -> closed is final.
    S.SOLVED: frozenset({S.OPEN, S.CLOSED}),
    # Closed is terminal (Zendesk, Freshdesk): a new inbound message starts a
    # follow-up conversation linked to this one instead.
    S.CLOSED: frozenset(),
}
"""Allowed moves: ``LIFECYCLE[current]`` is the set of statuses it may move to."""

_HINTS = {
    S.CLOSED: "a closed conversation is final; start a follow-up conversation linked to it",
    S.NEW: "a conversation can't return to new once work started",
}


def can_transition(current: Status, target: Status) -> bool:
    """True when ``LIFECYCLE`` allows moving from ``current`` to ``target``."""
    return target in LIFECYCLE[current]


def transition(current: Status, target: Status) -> Status:
    """Return ``target`` if the lifecycle allows the move, else raise.

    Raises:
        InvalidTransition: the move is not in ``LIFECYCLE``; the message says
            what to do instead where there is a way.
    """
    if target in LIFECYCLE[current]:
        return target
    if current is target:
        hint = f"the conversation is already {current.value}"
    elif current is S.SOLVED and target is not S.OPEN:
        hint = "reopen it (move to open) first, or close it"
    else:
        hint = _HINTS.get(current) or _HINTS.get(target, "")
    verb = (
        "reopen a conversation" if current is S.CLOSED else f"move a conversation to {target.value}"
    )
    raise InvalidTransition(verb, current.value, target.value, hint)


def is_reopen(current: Status, target: Status) -> bool:
    """True when a move reopens a solved conversation (metrics count these)."""
    return current is S.SOLVED and target is S.OPEN
