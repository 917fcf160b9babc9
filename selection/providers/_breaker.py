"""A circuit breaker per key (model id): stop calling what keeps failing, probe later."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["BreakerState", "CircuitBreaker"]


class BreakerState(StrEnum):
    """A circuit's state."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(slots=True)
class _Circuit:
    state: BreakerState = BreakerState.CLOSED
    failures: int = 0
    opened_at: float = 0.0
    probing: bool = False


class CircuitBreaker:
    """Per-key breakers: closed -> open after N consecutive failures -> half-open -> ...

    After ``failure_threshold`` consecutive failures a key's circuit opens and
    :meth:`allow` refuses it. Once ``cooldown`` seconds have passed it is half-open:
    :meth:`allow` lets exactly one probe through; the probe's success closes the circuit,
    its failure reopens it for another cool-down. Not thread-safe; one event loop.

    Args:
        failure_threshold: Consecutive failures that open a circuit.
        cooldown: Seconds an open circuit waits before a probe.
        clock: Monotonic seconds; inject a fake to step time in tests.
    """

    def __init__(
        self,
        *,
        failure_threshold: int = 5,
        cooldown: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError(f"failure_threshold must be >= 1, got {failure_threshold}")
        self._threshold = failure_threshold
        self._cooldown = cooldown
        self._clock = clock
        self._circuits: dict[str, _Circuit] = {}

    def state(self, key: str) -> BreakerState:
        """Return the circuit's state now (an open circuit past its cool-down is half-open)."""
        circuit = self._circuits.get(key)
        if circuit is None:
            return BreakerState.CLOSED
        if circuit.state is BreakerState.OPEN and self._cooled_down(circuit):
            return BreakerState.HALF_OPEN
        return circuit.state

    def allow(self, key: str) -> bool:
        """Whether a call for ``key`` may go out now; claims the probe when half-open.

        A caller that got ``True`` must then call :meth:`record_success`,
        :meth:`record_failure` or :meth:`release`.
        """
        circuit = self._circuits.get(key)
        if circuit is None or circuit.state is BreakerState.CLOSED:
            return True
        if circuit.state is BreakerState.OPEN:
            if not self._cooled_down(circuit):
                return False
            circuit.state = BreakerState.HALF_OPEN
        if circuit.probing:
            return False
        circuit.probing = True
        return True

    def record_success(self, key: str) -> None:
        """Close the circuit and forget its failures."""
        self._circuits.pop(key, None)

    def record_failure(self, key: str) -> None:
        """Count a failure; open the circuit at the threshold, or reopen a failed probe."""
        circuit = self._circuits.setdefault(key, _Circuit())
        if circuit.state is BreakerState.OPEN:
            return
        circuit.failures += 1
        if circuit.state is BreakerState.HALF_OPEN or circuit.failures >= self._threshold:
            circuit.state = BreakerState.OPEN
            circuit.opened_at = self._clock()
            circuit.probing = False

    def release(self, key: str) -> None:
        """End a call that proved nothing (cancelled, or the request's own fault)."""
        circuit = self._circuits.get(key)
        if circuit is not None:
            circuit.probing = False

    def _cooled_down(self, circuit: _Circuit) -> bool:
        return self._clock() - circuit.opened_at >= self._cooldown
