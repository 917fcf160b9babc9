"""Where every timestamp comes from: the system clock, or a simulated one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

__all__ = ["Clock", "SimClock", "SystemClock"]


class Clock(Protocol):
    """A source of timezone-aware UTC timestamps."""

    def now(self) -> datetime:
        """Return the current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The wall clock."""

    def now(self) -> datetime:
        """Return the current UTC time."""
        return datetime.now(UTC)  # noqa: TID251 - the one place that reads the wall clock

    def __repr__(self) -> str:
        return "SystemClock()"


class SimClock:
    """A clock that moves only when told to, for simulations and tests."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("SimClock needs a timezone-aware start time")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        """Return the simulated current time."""
        return self._now

    def advance(self, delta: timedelta | float) -> datetime:
        """Move the clock forward by a timedelta or a number of seconds; return the new time."""
        step = delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        if step < timedelta(0):
            raise ValueError(f"a clock cannot go backwards (advance by {step})")
        self._now += step
        return self._now

    def __repr__(self) -> str:
        return f"SimClock({self._now.isoformat()})"
