"""Recommendation writes that never hold up a choice: made now, or queued while the store is down.

Choosing a model reads only memory; storing the recommendation it made is a record of the
choice, not part of it. So a write that fails with a :class:`~selection.errors.StoreError` is
queued, and one background task writes the queue, oldest first, as soon as the store answers
again (retrying with a growing pause). While anything is queued, new recommendations join the
queue, so they are stored in the order they were made.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque

from selection.errors import StoreError
from selection.recommendation import Recommendation
from selection.store import Store

__all__ = ["RecommendationOutbox"]

logger = logging.getLogger(__name__)


class RecommendationOutbox:
    """Writes recommendations to a store, queueing them while it fails.

    Args:
        store: where recommendations go.
        limit: the most recommendations kept while the store is down; past it the oldest
            are dropped (and counted in :attr:`dropped`).
    """

    def __init__(self, store: Store, *, limit: int = 10_000) -> None:
        self._store = store
        self._queue: deque[Recommendation] = deque()
        self._limit = limit
        self._task: asyncio.Task[None] | None = None
        self.retry_seconds: tuple[float, float] = (0.5, 30.0)  # first and longest pause
        self.dropped = 0

    @property
    def pending(self) -> int:
        """How many recommendations wait for the store."""
        return len(self._queue)

    async def put(self, recommendation: Recommendation) -> None:
        """Store ``recommendation`` now if nothing waits and the store answers; else queue it."""
        if not self._queue:
            try:
                await self._store.add_recommendation(recommendation)
                return
            except StoreError as exc:
                logger.warning("recommendations are queued until the store is back: %s", exc)
        if len(self._queue) >= self._limit:
            self._queue.popleft()
            self.dropped += 1
        self._queue.append(recommendation)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._drain())

    async def flush(self, *, wait_seconds: float | None = None) -> bool:
        """Wait until the queue is written (or ``wait_seconds`` pass); True if it is empty."""
        if self._task is not None and not self._task.done():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._task), wait_seconds)
        return not self._queue

    async def aclose(self) -> None:
        """Stop retrying; what is still queued is lost (and logged)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._queue:
            logger.warning(
                "%d recommendations were never stored: the store did not come back",
                len(self._queue),
            )
            self._queue.clear()

    async def _drain(self) -> None:
        pause = self.retry_seconds[0]
        while self._queue:
            try:
                await self._store.add_recommendation(self._queue[0])
            except StoreError:
                await asyncio.sleep(pause)
                pause = min(pause * 2, self.retry_seconds[1])
                continue
            self._queue.popleft()
            pause = self.retry_seconds[0]
        logger.info("queued recommendations are stored; the store is back")
