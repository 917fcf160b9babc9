"""A batch of outcomes as columns, added to the per-(model, task) sums in one numpy pass.

Adding a replay's outcomes record by record (a validated :class:`~selection.PerformanceRecord`
each, then :meth:`Aggregate.add`) costs microseconds a row. :class:`BatchSums` holds a batch
as integer codes and metric columns instead, and adds it with ``np.add.at``, which applies
the values in row order: every sum comes out bit for bit as the record-by-record adds would
leave it, and new (model, task) cells are created in order of first appearance, as
:meth:`Router.absorb` creates them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from selection.aggregates import Aggregate, add_grouped
from selection.metrics import COLUMN_INDEX, METRIC_COLUMNS
from selection.records import METRIC_RANGES

__all__ = ["BatchSums"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


class BatchSums:
    """One batch of outcomes: per row its model and task (as codes) and metric values.

    Args:
        model_ids: the models the codes in ``models`` name.
        tasks: the task types the codes in ``task_codes`` name (canonical names).
        models: per row, its model's position in ``model_ids``.
        task_codes: per row, its task's position in ``tasks``.
        columns: metric column name -> per row value, ``NaN`` where absent.

    Raises:
        ValueError: rows of different lengths, a code out of range, an unknown column, or a
            value a record could not hold.
    """

    def __init__(
        self,
        model_ids: Sequence[str],
        tasks: Sequence[str],
        models: IntArray,
        task_codes: IntArray,
        columns: Mapping[str, FloatArray],
    ) -> None:
        n = len(models)
        if len(task_codes) != n or any(len(v) != n for v in columns.values()):
            raise ValueError("every column of a batch needs one value per row")
        for codes, names, what in ((models, model_ids, "model"), (task_codes, tasks, "task")):
            if n and (codes.min() < 0 or codes.max() >= len(names)):
                raise ValueError(f"a {what} code is outside 0..{len(names) - 1}")
        for column, values in columns.items():
            reason = self.check_column(column, values)
            if reason is not None:
                raise ValueError(reason)
        self.model_ids = tuple(model_ids)
        self.tasks = tuple(tasks)
        self.models = models
        self.task_codes = task_codes
        self.columns = dict(columns)

    @staticmethod
    def check_column(column: str, values: FloatArray) -> str | None:
        """Why ``values`` cannot be a record's ``column`` (``NaN`` = absent), else ``None``.

        The bounds are the ones :class:`~selection.PerformanceRecord` enforces.
        """
        if column not in COLUMN_INDEX:
            return f"{column!r} is not a metric column"
        low, high = METRIC_RANGES[column]
        known = values[~np.isnan(values)]
        bad = ~np.isfinite(known) | (known < low) | (known > high)
        if bad.any():
            return f"{column} {float(known[bad][0])!r} is outside [{low:g}, {high:g}]"
        return None

    def __len__(self) -> int:
        return len(self.models)

    def add_to(self, sums: dict[str, dict[str, Aggregate]]) -> set[str]:
        """Add the batch to ``{task: {model: sums}}`` in place; return the tasks touched."""
        if not len(self):
            return set()
        cell = self.task_codes * len(self.model_ids) + self.models
        codes, first, inverse = np.unique(cell, return_index=True, return_inverse=True)
        aggs: list[Aggregate] = [Aggregate()] * len(codes)
        for u in np.argsort(first, kind="stable").tolist():  # new cells in order of appearance
            task, model = divmod(int(codes[u]), len(self.model_ids))
            by_model = sums.setdefault(self.tasks[task], {})
            agg = by_model.get(self.model_ids[model])
            if agg is None:
                agg = by_model[self.model_ids[model]] = Aggregate()
            aggs[u] = agg
        absent = np.full(len(self), np.nan)
        columns = [self.columns.get(column, absent) for column in METRIC_COLUMNS]
        add_grouped(aggs, inverse, columns, np.zeros(len(self), dtype=bool))
        return {self.tasks[int(c) // len(self.model_ids)] for c in codes}
