"""Running sums per (model, task): the sufficient statistics the selector reads.

The tracker keeps one :class:`Aggregate` per (model, task) in memory and the stores compute
the same sums in SQL, so the two can be compared and the memory rebuilt from the database.

An aggregate is one :class:`~selection.stats.Moments` per metric column plus the record and
error counts, stored column-wise so that adding a record is a tight loop. Each column's
arithmetic (mean, the variance rule, replacing a value) is :class:`Moments`'; read a column
as one with :meth:`Aggregate.moments`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from selection.metrics import COLUMN_INDEX, METRIC_COLUMNS
from selection.stats._moments import Moments, sample_variance

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["Aggregate", "ColumnSummary", "add_grouped"]

_INDEX = COLUMN_INDEX


@dataclass(frozen=True, slots=True)
class ColumnSummary:
    """Count, mean and sample standard deviation of one column."""

    n: int
    mean: float | None
    std: float | None

    def as_dict(self) -> dict[str, float | int | None]:
        """The summary as a plain dictionary."""
        return {"n": self.n, "mean": self.mean, "std": self.std}


class Aggregate:
    """Counts and sums of every metric column over a set of records.

    Attributes:
        records: how many records were added.
        errors: how many of them had ``error_occurred``.
        count, total, total_sq: per column (in ``METRIC_COLUMNS`` order), how many non-null
            values, their sum and their sum of squares.
    """

    __slots__ = ("count", "errors", "records", "total", "total_sq")

    def __init__(self) -> None:
        width = len(METRIC_COLUMNS)
        self.records = 0
        self.errors = 0
        self.count = [0] * width
        self.total = [0.0] * width
        self.total_sq = [0.0] * width

    @classmethod
    def from_sums(
        cls,
        records: int,
        errors: int,
        count: Sequence[int],
        total: Sequence[float],
        total_sq: Sequence[float],
    ) -> Aggregate:
        """Build an aggregate from sums computed elsewhere (by a store's SQL)."""
        agg = cls()
        agg.records, agg.errors = int(records), int(errors)
        agg.count = [int(c) for c in count]
        agg.total = [float(t) for t in total]
        agg.total_sq = [float(t) for t in total_sq]
        return agg

    def add(self, values: Sequence[float | None], error: bool) -> None:
        """Add one record's column values (``None`` where absent)."""
        self.records += 1
        if error:
            self.errors += 1
        count, total, total_sq = self.count, self.total, self.total_sq
        for i, value in enumerate(values):
            if value is not None:
                count[i] += 1
                total[i] += value
                total_sq[i] += value * value

    def merge(self, other: Aggregate) -> None:
        """Add another aggregate's sums to this one."""
        self.records += other.records
        self.errors += other.errors
        for i in range(len(self.count)):
            self.count[i] += other.count[i]
            self.total[i] += other.total[i]
            self.total_sq[i] += other.total_sq[i]

    def replace(self, column: str, old: float | None, new: float | None) -> None:
        """Replace one record's value of ``column``: take ``old`` out, add ``new``.

        The record and error counts do not change (a rating given later).
        """
        i = _INDEX[column]
        replaced = self.moments(column).replaced(old, new)
        self.count[i], self.total[i], self.total_sq[i] = (
            replaced.n,
            replaced.total,
            replaced.total_sq,
        )

    def moments(self, column: str) -> Moments:
        """The count, sum and sum of squares of ``column`` as :class:`~selection.stats.Moments`."""
        i = _INDEX[column]
        return Moments.from_sums(self.count[i], self.total[i], self.total_sq[i])

    def n(self, column: str) -> int:
        """How many records carry a value for ``column``."""
        return self.count[_INDEX[column]]

    def mean(self, column: str) -> float | None:
        """Mean of ``column``, or ``None`` with no values."""
        i = _INDEX[column]
        return self.total[i] / self.count[i] if self.count[i] else None

    def variance(self, column: str) -> float | None:
        """Sample variance (n - 1) of ``column``, or ``None`` with fewer than two values.

        The rule is :func:`selection.stats.sample_variance`'s (rounding residue reads as 0).
        """
        i = _INDEX[column]
        n = self.count[i]
        if n < 2:
            return None
        return sample_variance(n, self.total[i], self.total_sq[i])

    def summary(self, column: str) -> ColumnSummary:
        """Count, mean and standard deviation of ``column``."""
        var = self.variance(column)
        return ColumnSummary(
            self.n(column), self.mean(column), None if var is None else math.sqrt(var)
        )

    @property
    def error_rate(self) -> float | None:
        """Share of records that failed, or ``None`` with no records."""
        return self.errors / self.records if self.records else None

    def __repr__(self) -> str:
        return f"Aggregate(records={self.records}, errors={self.errors})"


def add_grouped(
    targets: Sequence[Aggregate],
    groups: npt.NDArray[np.intp],
    columns: Sequence[npt.NDArray[np.float64]],
    errors: npt.NDArray[np.bool_],
) -> None:
    """Add records given in columns to aggregates, each record to ``targets[groups[i]]``.

    ``columns`` are the metric columns in :data:`~selection.metrics.METRIC_COLUMNS` order,
    NaN where a record has no value. The sums come out bit for bit as adding the records one
    by one with :meth:`Aggregate.add` would leave them: ``np.add.at`` adds in record order.
    """
    import numpy as np  # here, not at the top: the command line starts without numpy

    width = len(targets)
    for target, records, failed in zip(
        targets,
        np.bincount(groups, minlength=width).tolist(),
        np.bincount(groups[errors], minlength=width).tolist(),
        strict=True,
    ):
        target.records += records
        target.errors += failed
    for i, values in enumerate(columns):
        present = ~np.isnan(values)
        if present.all():
            where, kept = groups, values
        else:
            where, kept = groups[present], values[present]
        if not len(kept):
            continue
        total = np.array([t.total[i] for t in targets])
        total_sq = np.array([t.total_sq[i] for t in targets])
        np.add.at(total, where, kept)
        np.add.at(total_sq, where, kept * kept)
        counts = np.bincount(where, minlength=width).tolist()
        for target, n, s, q in zip(targets, counts, total.tolist(), total_sq.tolist(), strict=True):
            if n:
                target.count[i] += n
                target.total[i] = s
                target.total_sq[i] = q
