"""Sums per (model, task, time bucket) in SQL, which the change detector replays at start-up.

:class:`selection.change.ChangeDetector` rebuilds its state from these rows.

A record's bucket is its timestamp's whole seconds since 1970 (UTC), integer-divided by the
bucket width, exactly as :func:`selection.change.bucket_of` computes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from selection.aggregates import Aggregate
from selection.store._sql import aggregates_from_rows, guarded_columns, sum_columns

__all__ = ["bucket_aggregate_query", "buckets_from_rows"]

_SECONDS = {
    # SQLite keeps fixed-width ISO text in UTC; strftime() alone would round .9995 s up to
    # the next second (it keeps milliseconds), so the fraction is cut off first.
    "sqlite": "CAST(strftime('%s', substr(timestamp, 1, 19)) AS INTEGER)",
    "postgres": "CAST(FLOOR(EXTRACT(EPOCH FROM timestamp)) AS BIGINT)",
}


def bucket_aggregate_query(dialect: Literal["sqlite", "postgres"], bucket_seconds: int) -> str:
    """``SELECT model_id, task_type, bucket, <sums> ... GROUP BY`` the three.

    Raises:
        ValueError: a bucket width that is not a positive whole number of seconds.
    """
    if isinstance(bucket_seconds, bool) or not isinstance(bucket_seconds, int):
        raise ValueError(f"bucket_seconds must be a whole number, got {bucket_seconds!r}")
    if bucket_seconds <= 0:
        raise ValueError(f"bucket_seconds must be positive, got {bucket_seconds!r}")
    return (
        "SELECT model_id, task_type, bucket, COUNT(*), "
        "COALESCE(SUM(CASE WHEN error_occurred THEN 1 ELSE 0 END), 0), "
        f"{sum_columns(dialect)} FROM (SELECT model_id, task_type, error_occurred, "
        f"{_SECONDS[dialect]} / {bucket_seconds} AS bucket, {guarded_columns()} "
        "FROM model_performance_records) AS guarded GROUP BY model_id, task_type, bucket"
    )


def buckets_from_rows(rows: Sequence[Sequence[object]]) -> dict[tuple[str, str, int], Aggregate]:
    """Turn rows of :func:`bucket_aggregate_query` into sums keyed by (model, task, bucket)."""
    found: dict[tuple[str, str, int], Aggregate] = {}
    for row in rows:
        key = (str(row[0]), str(row[1]))
        sums = aggregates_from_rows([(*key, *row[3:])])
        found[(*key, int(row[2]))] = sums[key]  # type: ignore[call-overload]
    return found
