"""Retries with exponential backoff and full jitter, honouring the provider's Retry-After."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from selection.errors import (
    ErrorType,
    ProviderError,
    ProviderHTTPError,
)

__all__ = ["Jitter", "Retrier", "RetryPolicy", "Sleep", "full_jitter"]

logger = logging.getLogger(__name__)

T = TypeVar("T")
Jitter = Callable[[float], float]
"""Given an upper bound, return a delay in ``[0, bound]``."""
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """How often and how patiently to retry.

    Attributes:
        max_attempts: Total tries, the first included.
        base_delay: Backoff cap before the first retry, in seconds; doubles each retry.
        max_delay: Ceiling on the backoff cap.
        max_retry_after: The longest ``Retry-After`` honoured; a provider asking for more
            fails the call at once (a fallback model is better than a long wait).
    """

    max_attempts: int = 3
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be >= 1, got {self.max_attempts}")
        if min(self.base_delay, self.max_delay, self.max_retry_after) < 0:
            raise ValueError("delays must be >= 0")


def full_jitter(rng: np.random.Generator) -> Jitter:
    """Return a jitter drawing uniformly from ``[0, bound]`` with ``rng`` ("full jitter")."""

    def draw(bound: float) -> float:
        return float(rng.uniform(0.0, bound))

    return draw


class Retrier:
    """Run a provider call, retrying what a ``retryable`` error allows.

    Retried: timeouts, connection failures, HTTP 408, 409, 429, 529 and 5xx, and errors in
    a 200 body. Not retried: other 4xx, malformed answers, content filtering. The wait is
    the provider's ``Retry-After``/``retry-after-ms`` when given, else a full-jitter draw
    from ``[0, min(max_delay, base_delay * 2**retry)]``.

    Args:
        policy: Attempts and delays.
        jitter: Draws the backoff; by default ``full_jitter`` over a fresh, unseeded
            Generator, since jitter exists to decorrelate processes. Inject a seeded one
            for reproducible runs.
        sleep: Awaited with each delay; inject a recorder so tests run instantly.
    """

    def __init__(
        self,
        policy: RetryPolicy | None = None,
        *,
        jitter: Jitter | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._policy = policy or RetryPolicy()
        self._jitter = jitter or full_jitter(np.random.default_rng())
        self._sleep = sleep

    @property
    def policy(self) -> RetryPolicy:
        """The retry policy."""
        return self._policy

    def next_delay(self, exc: ProviderError, retries_done: int) -> float | None:
        """Return how long to wait before the next try, or ``None`` to give up.

        Args:
            exc: The failure of the last try.
            retries_done: Retries already made (0 after the first try).
        """
        if not exc.retryable or retries_done + 1 >= self._policy.max_attempts:
            return None
        retry_after = exc.retry_after if isinstance(exc, ProviderHTTPError) else None
        if retry_after is not None:
            return retry_after if retry_after <= self._policy.max_retry_after else None
        bound = min(self._policy.max_delay, self._policy.base_delay * 2.0**retries_done)
        return min(max(self._jitter(bound), 0.0), bound)

    async def run(
        self,
        call: Callable[[], Awaitable[T]],
        *,
        on_failure: Callable[[ErrorType, float], None] | None = None,
    ) -> T:
        """Await ``call()`` until it succeeds or the policy gives up.

        Args:
            call: Makes one try; a fresh awaitable each time.
            on_failure: Told the error type and seconds of every failed try.

        Returns:
            The first successful result.

        Raises:
            selection.errors.ProviderError: The last failure, once retries are over.
        """
        retries = 0
        while True:
            start = time.monotonic()
            try:
                return await call()
            except ProviderError as exc:
                if on_failure is not None:
                    on_failure(exc.error_type, time.monotonic() - start)
                delay = self.next_delay(exc, retries)
                if delay is None:
                    raise
                logger.info(
                    "provider call failed (%s: %s); retry %d in %.2fs",
                    exc.error_type,
                    exc,
                    retries + 1,
                    delay,
                )
                await self._sleep(delay)
                retries += 1
