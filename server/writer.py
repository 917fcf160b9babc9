"""Records written off the request path: a bounded queue and one background writer.

A request hands its records to :meth:`RecordWriter.submit` and answers at once; one task
writes what has gathered, every request's records in one transaction per batch, so the
store is written once per batch and the selector's score table is rebuilt once per batch
instead of once per request.

Nothing accepted is lost. :meth:`submit` waits while the queue is full (back-pressure, never
a drop). A batch the store cannot take now (:class:`StoreUnavailableError`, including an
ambiguous commit: the tracker skips ids already stored, so a retry counts nothing twice) is
retried with a growing pause, the queue behind it waiting. A batch the store refuses for
good (a record it finds invalid) is written request by request, so only the offending
request's records are left out, with an error log naming their ids. :meth:`close` stops
accepting and writes everything queued before it returns; if the store is still down
after ``close_timeout`` seconds it raises :class:`StoreUnavailableError` naming how many
records could not be written.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Sequence

from selection import (
    DynamicModelManager,
    GenesisError,
    PerformanceRecord,
    StoreError,
    StoreUnavailableError,
)

__all__ = ["RecordWriter"]

logger = logging.getLogger(__name__)

_Group = tuple[PerformanceRecord, ...]


class RecordWriter:
    """Writes each request's records through the manager's tracker, in batches.

    Args:
        manager: Its tracker stores the records (and updates the selector's sums); its
            A/B test manager checks the tests the records belong to.
        capacity: Requests queued at most before :meth:`submit` waits.
        max_batch: Records written in one transaction at most.
        linger: Seconds the writer waits after the first queued request for more to join
            its batch (0 writes whatever is queued when it next runs); :meth:`flush` and
            :meth:`close` cut it short. Each batch is one transaction and one rebuild of
            the selector's score table, so lingering saves both.
        retry_seconds: The first and the longest pause between tries while the store is
            unavailable.
        close_timeout: Seconds :meth:`close` keeps retrying before giving up.
    """

    def __init__(
        self,
        manager: DynamicModelManager,
        *,
        capacity: int = 10_000,
        max_batch: int = 2_000,
        linger: float = 0.05,
        retry_seconds: tuple[float, float] = (0.05, 5.0),
        close_timeout: float = 30.0,
    ) -> None:
        if capacity < 1 or max_batch < 1 or linger < 0:
            raise ValueError("capacity and max_batch must be >= 1 and linger >= 0")
        self._manager = manager
        self._queue: asyncio.Queue[_Group] = asyncio.Queue(capacity)
        self._max_batch = max_batch
        self._linger = linger
        self._retry = retry_seconds
        self._close_timeout = close_timeout
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._inflight: list[_Group] = []
        self._hurry = asyncio.Event()
        self.written = 0  # records stored (new ones), for tests and /status
        self.refused = 0  # records the store refused for good (logged)

    def __repr__(self) -> str:
        return f"RecordWriter(queued={self._queue.qsize()}, written={self.written})"

    @property
    def queued(self) -> int:
        """Requests waiting to be written."""
        return self._queue.qsize()

    def start(self) -> None:
        """Start the background writer (in the running event loop)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="records")

    async def submit(self, records: Sequence[PerformanceRecord]) -> None:
        """Queue one request's records; waits while the queue is full.

        Raises:
            StoreError: The writer is closed (the server is shutting down).
        """
        if self._closed:
            raise StoreError("the record writer is closed; the server is shutting down")
        if records:
            self.start()
            await self._queue.put(tuple(records))

    async def flush(self) -> None:
        """Return once everything queued before this call is written."""
        if self._task is not None:
            self._hurry.set()  # no lingering for more: someone waits
            await self._queue.join()

    async def close(self) -> None:
        """Stop accepting, write everything queued, stop the writer.

        Raises:
            StoreUnavailableError: The store stayed unavailable for ``close_timeout``
                seconds; the message says how many records were not written.
        """
        self._closed = True
        if self._task is None:
            return
        self._hurry.set()
        try:
            await asyncio.wait_for(self._queue.join(), self._close_timeout)
        except TimeoutError:
            lost = sum(len(g) for g in [*self._inflight, *self._drain_nowait()])
            raise StoreUnavailableError(
                f"the store stayed unavailable for {self._close_timeout:g} s at shutdown; "
                f"{lost} records were not written"
            ) from None
        finally:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    # -- the writer task ------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            if self._linger and not self._hurry.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._hurry.wait(), self._linger)
            self._hurry.clear()
            size = len(batch[0])
            self._inflight = batch
            while size < self._max_batch and not self._queue.empty():
                group = self._queue.get_nowait()
                batch.append(group)
                size += len(group)
            try:
                await self._write(batch)
            except Exception:  # a bug, not the store: log it and keep the writer alive
                lost = sum(len(g) for g in batch)
                logger.exception("writing %d records failed unexpectedly; they are lost", lost)
                self.refused += lost
            finally:
                self._inflight = []
                for _ in batch:
                    self._queue.task_done()

    async def _write(self, batch: list[_Group]) -> None:
        pause = self._retry[0]
        while True:
            try:
                await self._store(_unique(r for g in batch for r in g))
                return
            except StoreUnavailableError as exc:
                logger.warning("store unavailable (%s); retrying in %.2f s", exc, pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, self._retry[1])
            except GenesisError as exc:
                if len(batch) == 1:
                    ids = ", ".join(r.record_id for r in batch[0])
                    logger.error("records %s refused by the store: %s", ids, exc)
                    self.refused += len(batch[0])
                    return
                for group in batch:  # keep the others: write request by request
                    await self._write([group])
                return

    async def _store(self, records: list[PerformanceRecord]) -> None:
        self.written += await self._manager.performance_tracker.record_many(records)
        tests = {r.ab_test_id for r in records if r.ab_test_id is not None}
        for test_id in sorted(tests):
            try:
                await self._manager.ab_test_manager.maybe_monitor(test_id)
            except GenesisError as exc:  # the records are stored; the check runs next time
                logger.warning("A/B test %s: monitoring failed: %s", test_id, exc)

    def _drain_nowait(self) -> list[_Group]:
        groups = []
        while not self._queue.empty():
            groups.append(self._queue.get_nowait())
            self._queue.task_done()
        return groups


def _unique(records: Iterable[PerformanceRecord]) -> list[PerformanceRecord]:
    # A request id reused by two requests of one batch: the first is kept, as the store
    # keeps the first when they arrive in separate transactions.
    seen: set[str] = set()
    out: list[PerformanceRecord] = []
    for r in records:
        if r.record_id not in seen:
            seen.add(r.record_id)
            out.append(r)
    return out
