"""``retry_on_conflict``: run a desk call again when it lost a race."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from omnicx.errors import ConflictError, ValidationError

T = TypeVar("T")

DEFAULT_ATTEMPTS = 8
"""How many times ``retry_on_conflict`` runs a call at most."""


def retry_on_conflict(
    call: Callable[[], T],
    *,
    attempts: int = DEFAULT_ATTEMPTS,
    base_delay: float = 0.005,
    max_delay: float = 0.25,
    retry_on: tuple[type[BaseException], ...] = (ConflictError,),
    rand: Callable[[], float] = random.random,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Return ``call()``, running it again after a lost race, at most ``attempts`` times.

    A desk call reads its state, computes every change and commits once;
    when another worker committed in between, the store refuses the commit
    with ``ConflictError`` and nothing of it is written. Running the call
    again re-reads the state, and idempotency keys make that safe: a
    message another worker took in meanwhile returns that worker's receipt
    (``replayed``).

    Between attempts it sleeps a random share of an exponentially growing
    delay ("full jitter": ``rand() * min(max_delay, base_delay * 2**n)``),
    so workers that collided do not collide again in step.

    Args:
        call: the desk call, taking no arguments (``lambda: desk.receive(e)``).
        attempts: runs at most (at least 1).
        base_delay: seconds, the first delay's upper bound.
        max_delay: seconds, no delay is longer.
        retry_on: the exceptions that mean "run it again" (a host on SQLite
            may add ``omnicx.errors.StoreBusyError`` for a busy file).
        rand: a number in [0, 1) per delay (tests inject their own).
        sleep: how to wait (tests inject a recorder instead of sleeping).

    Raises:
        ValidationError: ``attempts`` is below 1 or a delay is negative.
        ConflictError: the last attempt's, when every attempt lost (or any
            other error ``call`` raises, at once).
    """
    if attempts < 1:
        raise ValidationError.single("attempts", f"expected at least 1, got {attempts}")
    if base_delay < 0 or max_delay < 0:
        raise ValidationError.single(
            "base_delay" if base_delay < 0 else "max_delay",
            f"expected a delay of 0 seconds or more, got {min(base_delay, max_delay)}",
        )
    for attempt in range(attempts):
        try:
            return call()
        except retry_on:
            if attempt == attempts - 1:
                raise
        sleep(rand() * min(max_delay, base_delay * 2**attempt))
    raise AssertionError("unreachable")  # pragma: no cover
