"""Clocks: the one place omnicx learns what time it is, injected by the host.

Core engines take an explicit ``now``; the desk pipeline asks a ``Clock``.
Tests use ``FixedClock`` and never the wall clock.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

import attrs

from omnicx.model._checks import require_aware

__all__ = ["Clock", "FixedClock", "SystemClock"]


@runtime_checkable
class Clock(Protocol):
    """Anything that tells the current instant as an aware datetime."""

    def now(self) -> datetime:
        """Return the current instant, timezone-aware."""
        ...


@attrs.frozen
class SystemClock:
    """The wall clock, in UTC. The default for production hosts."""

    def now(self) -> datetime:
        """Return the current UTC instant."""
        return datetime.now(UTC)


def _check_aware(_instance: object, _attribute: object, value: datetime) -> None:
    require_aware(value, "now")


@attrs.define
class FixedClock:
    """A clock that stands still until told to move; for tests and replays.

    It only moves forward: ``advance`` by a negative amount or ``set`` to an
    earlier instant raises ``ValueError``, so code under test can rely on
    monotonic time as it would in production.
    """

    current: datetime = attrs.field(validator=_check_aware)

    def now(self) -> datetime:
        """Return the clock's instant."""
        return self.current

    def advance(self, delta: timedelta | float = 0, /, **units: float) -> datetime:
        """Move forward by ``delta`` (a timedelta or seconds) plus ``units``.

        ``clock.advance(hours=2)`` and ``clock.advance(90)`` both work.
        Returns the new instant.
        """
        step = delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        step += timedelta(**units)
        if step < timedelta(0):
            raise ValueError(f"a FixedClock only moves forward; got a step of {step}")
        self.current += step
        return self.current

    def set(self, instant: datetime) -> None:
        """Jump to ``instant``, which must be aware and not earlier than now."""
        _check_aware(self, None, instant)
        if instant < self.current:
            raise ValueError(
                f"a FixedClock only moves forward; {instant.isoformat()} is before "
                f"{self.current.isoformat()}"
            )
        self.current = instant
