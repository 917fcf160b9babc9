"""The time-decayed sums in SQL: what :class:`selection.decay.DecayedSums` holds, recomputed.

Each task's anchor is its latest record's timestamp; a record of age ``a`` seconds weighs
``exp(max(-700, -ln 2 * a / half_life_seconds))`` in every sum, exactly as in memory.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Literal

from selection.aggregates import Aggregate
from selection.decay import MIN_LOG_WEIGHT, check_half_life
from selection.metrics import METRIC_COLUMNS
from selection.store._sql import guarded_columns

__all__ = ["DecayedRows", "decayed_aggregate_query", "decayed_from_rows"]

DecayedRows = tuple[dict[tuple[str, str], Aggregate], dict[str, datetime]]

# Age in seconds of a record (alias g) from its task's anchor (alias a), to the microsecond.
_AGE = {
    # SQLite keeps fixed-width ISO text (microseconds at characters 21-26, UTC); julianday()
    # would keep only milliseconds, and strftime() of the whole text rounds .9995 s up to the
    # next second, so the whole seconds are read from the first 19 characters.
    "sqlite": (
        "((CAST(strftime('%s', substr(a.anchor, 1, 19)) AS INTEGER) - "
        "CAST(strftime('%s', substr(g.timestamp, 1, 19)) AS INTEGER)) + "
        "(CAST(substr(a.anchor, 21, 6) AS INTEGER) - CAST(substr(g.timestamp, 21, 6) AS INTEGER))"
        " / 1000000.0)"
    ),
    "postgres": "CAST(EXTRACT(EPOCH FROM (a.anchor - g.timestamp)) AS DOUBLE PRECISION)",
}
_LARGER = {"sqlite": "MAX", "postgres": "GREATEST"}


def decayed_aggregate_query(dialect: Literal["sqlite", "postgres"], half_life_hours: float) -> str:
    """``SELECT model_id, task_type, anchor, <decayed sums> ... GROUP BY`` for one half-life.

    Rows come in the order :func:`decayed_from_rows` reads: model, task, the task's anchor,
    the weighted record count, the weighted error count, then per metric column its
    weighted count, sum and sum of squares.
    """
    hours = check_half_life(half_life_hours)
    assert hours is not None
    rate = math.log(2.0) / (hours * 3600.0)
    weight = f"EXP({_LARGER[dialect]}({MIN_LOG_WEIGHT!r}, -{rate!r} * {_AGE[dialect]}))"
    sums = ", ".join(
        f"COALESCE(SUM(CASE WHEN {c} IS NOT NULL THEN w END), 0), "
        f"COALESCE(SUM(w * {c}), 0), COALESCE(SUM(w * {c} * {c}), 0)"
        for c in METRIC_COLUMNS
    )
    return (
        "WITH anchors AS (SELECT task_type, MAX(timestamp) AS anchor "
        "FROM model_performance_records GROUP BY task_type), "
        "guarded AS (SELECT model_id, task_type, timestamp, error_occurred, "
        f"{guarded_columns()} FROM model_performance_records), "
        f"weighted AS (SELECT g.*, a.anchor AS anchor, {weight} AS w "
        "FROM guarded g JOIN anchors a ON a.task_type = g.task_type) "
        "SELECT model_id, task_type, MAX(anchor), SUM(w), "
        f"COALESCE(SUM(CASE WHEN error_occurred THEN w ELSE 0 END), 0), {sums} "
        "FROM weighted GROUP BY model_id, task_type"
    )


def decayed_from_rows(
    rows: Sequence[Sequence[object]], parse_time: Callable[[object], datetime]
) -> DecayedRows:
    """Turn rows of :func:`decayed_aggregate_query` into sums keyed by (model, task), anchors."""
    found: dict[tuple[str, str], Aggregate] = {}
    anchors: dict[str, datetime] = {}
    for row in rows:
        model_id, task = str(row[0]), str(row[1])
        anchors[task] = parse_time(row[2])
        agg = Aggregate()
        values = [float(v) for v in row[3:]]  # type: ignore[arg-type]
        # Effective counts are real numbers; Aggregate's reads take them as weights.
        agg.records, agg.errors = values[0], values[1]  # type: ignore[assignment]
        sums = values[2:]
        agg.count = sums[0::3]  # type: ignore[assignment]
        agg.total = sums[1::3]
        agg.total_sq = [max(0.0, v) for v in sums[2::3]]
        found[(model_id, task)] = agg
    return found, anchors
