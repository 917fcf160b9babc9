"""Forgetting: exponentially time-decayed sums per (model, task), the ones choosing reads.

A record of age ``a`` counts ``w = 2 ** (-a / half_life)`` times in every sum (the record
and error counts, each column's count, sum and sum of squares), so the selector's estimates
follow a world that changes. The decay runs on *time*, not on records, because a model that
is not chosen gets no records: decaying per record of the model would keep a bad spell (an
outage, a drift later reversed) in its estimate for ever, while decaying in time lets its
evidence fade back to the catalog's prior, its spread grow, and Thompson sampling try it
again (the discounted bandits of Garivier & Moulines, 2011, discount every arm each round
for the same reason). Time also makes the sums a pure function of the stored timestamps,
so the store recomputes them in SQL at start-up (see
:func:`selection.store.decay_aggregate_query`).

Each task keeps its own anchor: the timestamp of its latest record. Ages are measured from
it, so a task's evidence ages as the task's own traffic moves on (a task with no traffic
keeps what it knew until it is asked again, and absorbing one task's records never
re-scores another). A record timestamped after the anchor moves the anchor: every sum of
the task is multiplied by the decay over the gap. Weights are floored at ``exp(-700)``
(about 1e-304), as the SQL does, so neither side underflows differently.

The decayed sums are :class:`~selection.aggregates.Aggregate` objects whose counts are
*effective* counts (real numbers): every read of an aggregate (mean, variance, the
estimates in :mod:`selection.scoring`) takes them as frequency weights.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import cast

from selection.aggregates import Aggregate
from selection.metrics import COLUMN_INDEX
from selection.records import PerformanceRecord

__all__ = ["MIN_LOG_WEIGHT", "DecayedSums", "check_half_life"]

MIN_LOG_WEIGHT = -700.0
"""The smallest natural log of a weight (shared with the SQL, so both floor alike)."""

_LN2 = math.log(2.0)


def check_half_life(half_life_hours: float | None) -> float | None:
    """Validate a half-life in hours (``None``: never forget).

    Raises:
        ValueError: not a positive finite number.
    """
    if half_life_hours is None:
        return None
    if (
        isinstance(half_life_hours, bool)
        or not isinstance(half_life_hours, int | float)
        or not (math.isfinite(half_life_hours) and half_life_hours > 0)
    ):
        raise ValueError(
            f"half_life_hours must be a positive number of hours, got {half_life_hours!r}"
        )
    return float(half_life_hours)


def _floats(values: list[int]) -> list[float]:
    # The decayed aggregates hold effective (real) counts in Aggregate's count lists.
    return cast("list[float]", values)


class DecayedSums:
    """Time-decayed sums per (task, model), each task anchored at its latest record.

    Args:
        half_life_hours: after this many hours a record counts half.
    """

    def __init__(self, half_life_hours: float) -> None:
        checked = check_half_life(half_life_hours)
        assert checked is not None
        self.half_life_hours = checked
        self._rate = _LN2 / (checked * 3600.0)  # per second, natural log
        self._sums: dict[str, dict[str, Aggregate]] = {}
        self._anchors: dict[str, datetime] = {}

    def __repr__(self) -> str:
        return f"DecayedSums(half_life_hours={self.half_life_hours:g}, tasks={len(self._sums)})"

    def weight(self, age_seconds: float) -> float:
        """The weight of a record ``age_seconds`` older than its task's anchor."""
        return math.exp(max(MIN_LOG_WEIGHT, -self._rate * age_seconds))

    def anchor(self, task: str) -> datetime | None:
        """The timestamp the task's ages are measured from (its latest record)."""
        return self._anchors.get(task)

    def task_sums(self, task: str) -> Mapping[str, Aggregate]:
        """Decayed sums per model for one task (read only)."""
        return self._sums.get(task, {})

    def load(
        self, aggregates: Mapping[tuple[str, str], Aggregate], anchors: Mapping[str, datetime]
    ) -> None:
        """Replace everything with sums computed elsewhere (the store's SQL, at start-up).

        Raises:
            ValueError: a task has sums but no anchor.
        """
        missing = sorted({task for _, task in aggregates} - set(anchors))
        if missing:
            raise ValueError(f"decayed sums for task {missing[0]!r} come without its anchor")
        self._sums.clear()
        self._anchors = dict(anchors)
        for (model_id, task), agg in aggregates.items():
            self._sums.setdefault(task, {})[model_id] = agg

    def absorb(self, records: Sequence[PerformanceRecord]) -> set[str]:
        """Add committed records (timestamped) at their weights; return the tasks touched.

        Raises:
            ValueError: a record has no timestamp (the tracker stamps every record).
        """
        latest: dict[str, datetime] = {}
        for r in records:
            if r.timestamp is None:
                raise ValueError(f"record {r.record_id!r} has no timestamp; cannot decay it")
            seen = latest.get(r.task_type)
            if seen is None or r.timestamp > seen:
                latest[r.task_type] = r.timestamp
        for task, newest in latest.items():
            self._advance(task, newest)
        anchors, sums = self._anchors, self._sums
        weights: dict[tuple[str, datetime], float] = {}  # a batch often shares one timestamp
        for r in records:
            task = r.task_type
            by_model = sums.get(task)
            if by_model is None:
                by_model = sums[task] = {}
            agg = by_model.get(r.model_id)
            if agg is None:
                agg = by_model[r.model_id] = Aggregate()
            assert r.timestamp is not None
            w = weights.get((task, r.timestamp))
            if w is None:
                w = weights[task, r.timestamp] = self.weight(
                    (anchors[task] - r.timestamp).total_seconds()
                )
            _add(agg, r.metric_values(), r.error_occurred, w)
        return set(latest)

    def amend(
        self,
        model_id: str,
        task: str,
        timestamp: datetime,
        old: Mapping[str, float | None],
        new: Mapping[str, float],
    ) -> bool:
        """Replace one record's values of some columns at the record's weight.

        Returns:
            ``False`` when nothing is held for the model on the task (nothing changed).
        """
        agg = self._sums.get(task, {}).get(model_id)
        anchor = self._anchors.get(task)
        if agg is None or anchor is None:
            return False
        w = self.weight((anchor - timestamp).total_seconds())
        count, total, total_sq = _floats(agg.count), agg.total, agg.total_sq
        for column, value in new.items():
            i = COLUMN_INDEX[column]
            previous = old.get(column)
            if previous is not None:
                count[i] -= w
                total[i] -= w * previous
                total_sq[i] -= w * previous * previous
            count[i] += w
            total[i] += w * value
            total_sq[i] += w * value * value
            if count[i] <= 1e-12:  # rounding residue of an emptied column
                count[i], total[i], total_sq[i] = 0.0, 0.0, 0.0
            total_sq[i] = max(0.0, total_sq[i])
        return True

    def _advance(self, task: str, to: datetime) -> None:
        """Move the task's anchor forward to ``to``, decaying its sums over the gap."""
        anchor = self._anchors.get(task)
        if anchor is not None and to <= anchor:
            return
        self._anchors[task] = to
        if anchor is None:
            return
        factor = math.exp(-self._rate * (to - anchor).total_seconds())
        for agg in self._sums.get(task, {}).values():
            _scale(agg, factor)


def _add(agg: Aggregate, values: Iterable[float | None], error: bool, w: float) -> None:
    # Effective counts: Aggregate's int fields hold real numbers here (see the module doc).
    agg.records += w  # type: ignore[assignment]
    if error:
        agg.errors += w  # type: ignore[assignment]
    count, total, total_sq = agg.count, agg.total, agg.total_sq
    for i, value in enumerate(values):
        if value is not None:
            count[i] += w  # type: ignore[call-overload]
            wv = w * value
            total[i] += wv
            total_sq[i] += wv * value


def _scale(agg: Aggregate, factor: float) -> None:
    agg.records = cast("int", agg.records * factor)
    agg.errors = cast("int", agg.errors * factor)
    count, total, total_sq = _floats(agg.count), agg.total, agg.total_sq
    for i in range(len(count)):
        count[i] *= factor
        total[i] *= factor
        total_sq[i] *= factor
