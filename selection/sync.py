"""A synchronous face of :class:`~selection.DynamicModelManager`, for scripts and notebooks.

Every method runs the manager's coroutine of the same name on one private event loop in a
thread of its own (:class:`~selection.loopthread.EventLoopThread`), so it works in a plain
script and inside a Jupyter kernel, whose own loop is already running, alike::

    with SyncModelManager("sqlite:///:memory:") as manager:
        model_id = manager.get_optimal_model("pattern_recognition")

Calls made past a DataFrame go in as one batch: :meth:`SyncModelManager.record_frame`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from selection.abtest.config import Decision
from selection.abtest.metrics import AnalysisMode
from selection.abtest.results import AnalysisReport
from selection.budget import BudgetLike
from selection.core import ChoiceMode
from selection.errors import InvalidRecordError
from selection.loopthread import EventLoopThread
from selection.manager import DynamicModelManager
from selection.recommendation import Recommendation
from selection.records import PerformanceRecord
from selection.tasks import TaskLike

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["SyncModelManager"]

_IDS = ("model_id", "task_type", "request_id", "unit_id")


class SyncModelManager:
    """The manager's API without ``await``; opens the store on construction.

    Args:
        database_url: As for :class:`~selection.DynamicModelManager`; note that the default
            is the environment's database or ``sqlite:///genesis_prime.db``.
        **options: Any other argument of :class:`~selection.DynamicModelManager`
            (``catalog``, ``clock``, ``thresholds``, ``rng``, ``budget``,
            ``task_budgets``...).
    """

    def __init__(self, database_url: str | None = None, **options: Any) -> None:
        self._loop = EventLoopThread("genesis-sync-manager")
        try:
            self.manager = DynamicModelManager(database_url, **options)
            self._loop.run(self.manager.initialize())
        except BaseException:
            self._loop.close()
            raise

    def __repr__(self) -> str:
        return f"SyncModelManager({self.manager!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the manager's store and stop its loop; further calls do nothing."""
        if self._loop.closed:
            return
        try:
            self._loop.run(self.manager.close())
        finally:
            self._loop.close()

    # -- the manager's API ----------------------------------------------------------------

    def get_optimal_model(
        self,
        task: TaskLike,
        priority_factors: Mapping[str, float] | None = None,
        *,
        mode: ChoiceMode = "greedy",
        unit_id: str | None = None,
        request_id: str | None = None,
        budget: BudgetLike | None = None,
    ) -> str:
        """:meth:`DynamicModelManager.get_optimal_model`."""
        return self._loop.run(
            self.manager.get_optimal_model(
                task,
                priority_factors,
                mode=mode,
                unit_id=unit_id,
                request_id=request_id,
                budget=budget,
            )
        )

    def recommend(
        self,
        task: TaskLike,
        priority_factors: Mapping[str, float] | None = None,
        *,
        mode: ChoiceMode = "greedy",
        unit_id: str | None = None,
        request_id: str | None = None,
        budget: BudgetLike | None = None,
    ) -> Recommendation:
        """:meth:`DynamicModelManager.recommend`."""
        return self._loop.run(
            self.manager.recommend(
                task,
                priority_factors,
                mode=mode,
                unit_id=unit_id,
                request_id=request_id,
                budget=budget,
            )
        )

    def update_model_performance(
        self,
        model_id: str,
        task: TaskLike,
        performance: Mapping[str, Any],
        request_id: str | None = None,
        *,
        unit_id: str | None = None,
    ) -> PerformanceRecord:
        """:meth:`DynamicModelManager.update_model_performance`."""
        return self._loop.run(
            self.manager.update_model_performance(
                model_id, task, performance, request_id, unit_id=unit_id
            )
        )

    def create_model_comparison_test(
        self,
        task: TaskLike,
        challenger_model_id: str,
        *,
        champion_model_id: str | None = None,
        **options: Any,
    ) -> str:
        """:meth:`DynamicModelManager.create_model_comparison_test`."""
        return self._loop.run(
            self.manager.create_model_comparison_test(
                task, challenger_model_id, champion_model_id=champion_model_id, **options
            )
        )

    def analyze_test_results(
        self, test_id: str, *, mode: AnalysisMode = "sequential", phase: int = 0
    ) -> AnalysisReport:
        """:meth:`ABTestManager.analyze_test_results`; ``.to_frame()`` gives one row per metric."""
        return self._loop.run(
            self.manager.ab_test_manager.analyze_test_results(test_id, mode=mode, phase=phase)
        )

    def monitor(self, test_id: str | None = None) -> list[Decision]:
        """:meth:`ABTestManager.monitor`: promote, ramp, roll back or expire tests."""
        return self._loop.run(self.manager.ab_test_manager.monitor(test_id))

    def get_system_status(self) -> dict[str, Any]:
        """:meth:`DynamicModelManager.get_system_status`."""
        return self._loop.run(self.manager.get_system_status())

    # -- DataFrames -----------------------------------------------------------------------

    def record_frame(self, frame: pd.DataFrame | Iterable[Mapping[str, Any]]) -> int:
        """Record many calls at once, one per row; all of them or, on any error, none.

        Each row names ``model_id`` and ``task_type`` and carries the seed's performance
        fields (``quality_score``, ``response_time_ms``, ``cost``, ``error_occurred``...);
        an empty or NaN cell is a field not given. ``request_id`` (the record id) and
        ``unit_id``, when present, tag a call routed by a running A/B test with its arm, as
        :meth:`update_model_performance` does.

        Returns:
            How many records were new (an id already stored counts once).

        Raises:
            InvalidRecordError: naming the row and the field that is wrong; nothing is stored.
            UnknownModelError, UnknownTaskError: a row names an unknown model or task.
        """
        rows = _rows(frame)
        return self._loop.run(self._record_rows(rows))

    async def _record_rows(self, rows: list[dict[str, Any]]) -> int:
        manager = self.manager
        now = manager.clock.now()
        records = []
        for i, row in enumerate(rows):
            missing = [name for name in ("model_id", "task_type") if name not in row]
            if missing:
                raise InvalidRecordError(f"row {i}: no {missing[0]!r} (every row needs one)")
            performance = {k: v for k, v in row.items() if k not in _IDS}
            try:
                record = PerformanceRecord.from_performance(
                    row["model_id"], row["task_type"], performance,
                    request_id=row.get("request_id"), timestamp=now,
                )  # fmt: skip
            except InvalidRecordError as exc:
                raise InvalidRecordError(f"row {i}: {exc}") from exc
            records.append(
                manager.model_selector.tag(
                    record, unit_id=row.get("unit_id"), request_id=row.get("request_id")
                )
            )
        written = await manager.performance_tracker.record_many(records)
        for test_id in sorted({r.ab_test_id for r in records if r.ab_test_id is not None}):
            await manager.ab_test_manager.maybe_monitor(test_id)
        return written


def _rows(frame: pd.DataFrame | Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Plain-Python rows without the empty cells (pandas' NaN, None, numpy scalars unwrapped)."""
    records = frame.to_dict("records") if hasattr(frame, "to_dict") else list(frame)
    out = []
    for row in records:
        clean: dict[str, Any] = {}
        for key, value in row.items():
            item = value.item() if hasattr(value, "item") else value  # numpy scalar -> Python
            if item is None or (isinstance(item, float) and math.isnan(item)):
                continue
            clean[str(key)] = item
        out.append(clean)
    return out
