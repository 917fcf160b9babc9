"""The performance tracker (the seed's PerformanceTracker): every call's record, kept twice.

Records go to the store in one transaction per batch and, once committed, into the running
sums per (model, task) that the core (:class:`~selection.core.Router`) owns. Choosing reads
only those sums, so it does no I/O; :meth:`PerformanceTracker.start` rebuilds them from the
store, so a restart forgets nothing. Windowed statistics are computed by the database.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from selection.aggregates import Aggregate
from selection.clock import Clock
from selection.errors import (
    AmbiguousWriteError,
    InvalidRecordError,
    UnknownModelError,
    UnknownTaskError,
)
from selection.feedback import ScoreAmendment, amend_scores
from selection.metrics import REGISTRY, MetricKind
from selection.records import PerformanceRecord
from selection.store import Store
from selection.tasks import TaskLike

if TYPE_CHECKING:
    from selection.batch import RecordBatch
    from selection.core import Router

__all__ = ["RANKED_STATISTICS", "PerformanceTracker"]

# Statistic name in compare_models' report -> (column, True if higher is better).
RANKED_STATISTICS: dict[str, tuple[str, bool]] = {
    f"avg_{m.column}": (m.column, m.higher_is_better)
    for m in REGISTRY
    if m.stored and m.kind is not MetricKind.TOKENS
}


# A batch this large allocates hundreds of thousands of objects and no reference cycles;
# the cyclic collector would otherwise rescan them many times over and halve the ingest speed.
_LARGE_BATCH = 1000


@contextmanager
def _gc_paused(pause: bool) -> Iterator[None]:
    was_enabled = gc.isenabled()
    if pause and was_enabled:
        gc.disable()
    try:
        yield
    finally:
        if pause and was_enabled:
            gc.enable()


class PerformanceTracker:
    """Records performance and answers questions about it.

    Args:
        store: where records live durably (opened by the caller).
        router: the core whose sums the committed records go into; its catalog names the
            known models and task types (records naming others are refused).
        clock: stamps records that arrive without a timestamp; the router's by default.
    """

    def __init__(self, store: Store, router: Router, *, clock: Clock | None = None) -> None:
        self.store = store
        self.router = router
        self.catalog = router.catalog
        self.clock: Clock = clock or router.clock

    def __repr__(self) -> str:
        return f"PerformanceTracker(store={self.store!r}, records={self.router.total_records()})"

    async def start(self) -> None:
        """Rebuild the core's sums from the store (and, forgetting, its decayed or bucket sums)."""
        half_life = self.router.half_life_hours
        decayed = None if half_life is None else await self.store.decayed_aggregates(half_life)
        change = self.router.change_detector
        buckets = (
            None if change is None else await self.store.bucket_aggregates(change.bucket_seconds)
        )
        self.router.load(await self.store.aggregates(), decayed, buckets)

    # -- writing ------------------------------------------------------------------------

    async def record(self, record: PerformanceRecord | Mapping[str, Any]) -> bool:
        """Store one record; return False if its id was stored before (then nothing changes)."""
        return await self.record_many([record]) == 1

    async def record_many(self, records: Iterable[PerformanceRecord | Mapping[str, Any]]) -> int:
        """Validate and store records, all or nothing; return how many were new.

        The records are checked and written as one :class:`~selection.batch.RecordBatch`
        (see :meth:`record_batch`).

        Raises:
            InvalidRecordError: a record is malformed, or two in the batch share an id.
            UnknownModelError: a record names a model the catalog does not hold.
            UnknownTaskError: a record names an undeclared task type.
            AmbiguousWriteError: the connection was lost at COMMIT; the records the store
                found committed are counted, so memory equals the database.
        """
        from selection.batch import RecordBatch

        items = records if isinstance(records, Sequence) else list(records)
        if not items:
            return 0
        with _gc_paused(len(items) >= _LARGE_BATCH):
            return await self.record_batch(RecordBatch.from_records(items))

    async def record_batch(self, batch: RecordBatch) -> int:
        """Store a batch of records in one transaction, all or nothing; return how many were new.

        A record whose id is stored already is skipped (never counted twice); the new ones
        go into the core's sums per (model, task), in columns. Records without a timestamp
        are stamped with the tracker's clock.

        Raises:
            InvalidRecordError: two records in the batch share an id.
            UnknownModelError: a record names a model the catalog does not hold.
            UnknownTaskError: a record names an undeclared task type.
            AmbiguousWriteError: as :meth:`record_many`.
        """
        if not len(batch):
            return 0
        self._check(batch)
        if None in batch.timestamp:
            batch = batch.stamped(self.clock.now())
        with _gc_paused(len(batch) >= _LARGE_BATCH):
            try:
                stored = await self.store.add_batch(batch)
            except AmbiguousWriteError as exc:
                self.router.absorb(exc.stored)  # what the store found committed after all
                raise
            self.router.absorb_batch(stored)
        return len(stored)

    async def amend(
        self,
        record_id: str,
        *,
        model_id: str | None = None,
        task_type: TaskLike | None = None,
        **scores: float,
    ) -> ScoreAmendment | None:
        """Set rating columns of a stored record (a rating given later) and adjust the sums.

        The row is updated in one transaction and the in-memory sums by the difference (the
        new value added, the old one taken out), so nothing is counted twice.

        Args:
            record_id: The record to amend (a request id from ``complete()``).
            model_id: When given, the record must be this model's.
            task_type: When given, the record must be of this task type.
            **scores: ``user_rating`` and/or ``quality_score``, in [0, 1].

        Returns:
            What changed, or ``None`` when no stored record matches (nothing changed).

        Raises:
            InvalidRecordError: a column cannot be amended or a value is not in [0, 1].
        """
        task = None if task_type is None else self.catalog.check_task(task_type)
        return await amend_scores(
            self, self.store, record_id, scores, model_id=model_id, task_type=task
        )

    def _check(self, batch: RecordBatch) -> None:
        """Refuse a batch naming an unknown model or task, or holding an id twice.

        The first record at fault is named, checked in the order a record's fields are.
        """
        catalog, tasks = self.catalog, self.catalog.tasks
        ids, models, task_types = batch.record_id, batch.model_id, batch.task_type
        if (
            all(m in catalog for m in set(models))
            and set(task_types) <= tasks
            and len(set(ids)) == len(ids)
        ):
            return
        seen: set[str] = set()
        for index, (record_id, model_id, task) in enumerate(
            zip(ids, models, task_types, strict=True)
        ):
            if model_id not in catalog:
                raise UnknownModelError(model_id, known=[s.id for s in catalog])
            if task not in tasks:
                raise UnknownTaskError(task)
            if record_id in seen:
                raise InvalidRecordError(
                    f"record {index}: record_id {record_id!r} appears twice in the batch"
                )
            seen.add(record_id)

    # -- reading: memory (hot path) -----------------------------------------------------

    def stats(self, model_id: str, task: TaskLike) -> Aggregate | None:
        """All-time sums for one model on one task (the core's)."""
        return self.router.stats(model_id, task)

    def task_stats(self, task: TaskLike) -> Mapping[str, Aggregate]:
        """All-time sums per model for one task (the core's; do not mutate)."""
        return self.router.task_stats(task)

    def total_records(self) -> int:
        """How many records the core's sums hold, over all models and tasks."""
        return self.router.total_records()

    # -- reading: database (windows, reports) -------------------------------------------

    async def window_stats(
        self, task: TaskLike, *, models: Sequence[str] | None = None, time_window_hours: float = 24
    ) -> dict[str, Aggregate]:
        """Sums per model for the records of the last ``time_window_hours``, from the database."""
        name = self.catalog.check_task(task)
        if not (time_window_hours > 0 and math.isfinite(time_window_hours)):
            raise ValueError(f"time_window_hours must be positive, got {time_window_hours!r}")
        since = self.clock.now() - timedelta(hours=time_window_hours)
        found = await self.store.aggregates(task=name, models=models, since=since)
        return {model_id: agg for (model_id, _), agg in found.items()}

    async def compare_models(
        self, models: Sequence[str], task: TaskLike, time_window_hours: float = 168
    ) -> dict[str, Any]:
        """Compare models on a task over a time window, as the seed's weekly report does.

        Returns:
            ``{"task_type", "time_window_hours", "models": {model: statistics},
            "rankings": {statistic: [model ids, best first]}}``. A model without records in
            the window gets ``{"error": "no data"}`` and is left out of the rankings.
        """
        name = self.catalog.check_task(task)
        for model_id in models:
            self.catalog.get(model_id)
        window = await self.window_stats(
            name, models=list(models), time_window_hours=time_window_hours
        )
        report: dict[str, dict[str, Any]] = {}
        for model_id in models:
            agg = window.get(model_id)
            report[model_id] = _model_statistics(agg) if agg else {"error": "no data"}
        rankings = {}
        for statistic, (_, higher_is_better) in RANKED_STATISTICS.items():
            scored = [
                (value, model_id)
                for model_id, row in report.items()
                if (value := row.get(statistic)) is not None
            ]
            scored.sort(key=lambda item: (-item[0] if higher_is_better else item[0], item[1]))
            rankings[statistic] = [model_id for _, model_id in scored]
        return {
            "task_type": name,
            "time_window_hours": time_window_hours,
            "models": report,
            "rankings": rankings,
        }


def _model_statistics(agg: Aggregate) -> dict[str, Any]:
    row: dict[str, Any] = {"total_requests": agg.records, "error_rate": agg.error_rate}
    for statistic, (column, _) in RANKED_STATISTICS.items():
        summary = agg.summary(column)
        row[statistic] = summary.mean
        row[statistic.replace("avg_", "std_", 1)] = summary.std
        row[statistic.replace("avg_", "n_", 1)] = summary.n
    return row
