"""SQL shared by both stores: column lists and the aggregate query."""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from selection.aggregates import Aggregate
from selection.errors import StoreError
from selection.metrics import METRIC_COLUMNS, SCORE_COLUMNS
from selection.records import METRIC_RANGES, PerformanceRecord

RECORD_COLUMNS: tuple[str, ...] = (
    "record_id",
    "model_id",
    "task_type",
    "prompt_hash",
    *METRIC_COLUMNS,
    "error_occurred",
    "error_type",
    "timestamp",
    "context_data",
    "ab_test_id",
    "ab_arm",
    "ab_phase",
)

# A record's row is HEAD, the timestamp, the context, TAIL (each store converts the middle two):
# attrgetter reads the plain columns in one C call per record.
ROW_HEAD = operator.attrgetter(*RECORD_COLUMNS[: RECORD_COLUMNS.index("timestamp")])
ROW_TAIL = operator.attrgetter(*RECORD_COLUMNS[RECORD_COLUMNS.index("context_data") + 1 :])

AB_TEST_COLUMNS: tuple[str, ...] = (
    "test_id",
    "test_name",
    "model_a_id",
    "model_b_id",
    "task_types",
    "sample_size",
    "traffic_split",
    "success_metrics",
    "duration_hours",
    "start_time",
    "status",
    "results",
)

RECOMMENDATION_COLUMNS: tuple[str, ...] = (
    "id",
    "task_type",
    "recommended_model_id",
    "confidence_score",
    "reasoning",
    "expected_performance",
    "cost_estimate",
    "alternative_models",
    "recommendation_factors",
    "timestamp",
)


def _guarded(column: str) -> str:
    # Only values in the metric's sensible range count, in floating point: whatever a table
    # holds (a row written by another program, a value from before the ranges existed), the
    # sums of squares cannot overflow, and INTEGER * INTEGER cannot wrap.
    low, high = METRIC_RANGES[column]
    value = f"CAST({column} AS DOUBLE PRECISION)"
    return f"CASE WHEN {column} BETWEEN {low!r} AND {high!r} THEN {value} END"


_GUARDED = ", ".join(f"{_guarded(c)} AS {c}" for c in METRIC_COLUMNS)


def guarded_columns() -> str:
    """Every metric column as ``<value if in its sensible range> AS column``, for a SELECT."""
    return _GUARDED


_SUMS = ", ".join(
    f"COUNT({c}), COALESCE(SUM({c}), 0), COALESCE(SUM({c} * {c}), 0)" for c in METRIC_COLUMNS
)


def sum_columns() -> str:
    """Every metric column's ``COUNT, SUM, SUM of squares``, in the order aggregates read."""
    return _SUMS


def aggregate_query(
    placeholder: str,
    *,
    task: str | None,
    models: Sequence[str] | None,
    since: datetime | None,
    since_value: object,
) -> tuple[str, list[object]]:
    """Build ``SELECT model_id, task_type, <sums> ... GROUP BY`` with its parameters.

    Args:
        placeholder: the driver's parameter marker (``?`` or ``%s``).
        task: only this task type.
        models: only these models.
        since: only records at or after this time.
        since_value: ``since`` as the driver wants it (text for SQLite, datetime for psycopg).
    """
    where: list[str] = []
    params: list[object] = []
    if task is not None:
        where.append(f"task_type = {placeholder}")
        params.append(task)
    if models is not None:
        where.append(f"model_id IN ({', '.join([placeholder] * len(models))})")
        params.extend(models)
    if since is not None:
        where.append(f"timestamp >= {placeholder}")
        params.append(since_value)
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    sql = (
        "SELECT model_id, task_type, COUNT(*), "
        "COALESCE(SUM(CASE WHEN error_occurred THEN 1 ELSE 0 END), 0), "
        f"{_SUMS} FROM (SELECT model_id, task_type, error_occurred, {_GUARDED} "
        f"FROM model_performance_records{clause}) AS guarded GROUP BY model_id, task_type"
    )
    return sql, params


def aggregates_from_rows(rows: Sequence[Sequence[object]]) -> dict[tuple[str, str], Aggregate]:
    """Turn rows of :func:`aggregate_query` into aggregates keyed by (model, task)."""
    found: dict[tuple[str, str], Aggregate] = {}
    for row in rows:
        sums = row[4:]
        found[(str(row[0]), str(row[1]))] = Aggregate.from_sums(
            int(row[2]),  # type: ignore[call-overload]
            int(row[3]),  # type: ignore[call-overload]
            [int(v) for v in sums[0::3]],  # type: ignore[call-overload]
            [float(v) for v in sums[1::3]],  # type: ignore[arg-type]
            [float(v) for v in sums[2::3]],  # type: ignore[arg-type]
        )
    return found


def score_update_sql(
    columns: Sequence[str], placeholder: str, *, model_id: str | None, task_type: str | None
) -> tuple[str, str, list[object]]:
    """Build the SELECT (old values) and UPDATE of one record's score columns.

    Returns:
        ``(select, update, extra_where_params)``: bind ``[record_id, *extra]`` to the SELECT
        and ``[*new_values, record_id]`` to the UPDATE.

    Raises:
        StoreError: a column is not a score column (column names are spliced into SQL).
    """
    bad = [c for c in columns if c not in SCORE_COLUMNS]
    if bad or not columns:
        raise StoreError(f"cannot update columns {bad or list(columns)}; only {SCORE_COLUMNS}")
    where: list[str] = [f"record_id = {placeholder}"]
    params: list[object] = []
    for column, value in (("model_id", model_id), ("task_type", task_type)):
        if value is not None:
            where.append(f"{column} = {placeholder}")
            params.append(value)
    select = (
        f"SELECT model_id, task_type, {', '.join(columns)} FROM model_performance_records "
        f"WHERE {' AND '.join(where)}"
    )
    update = (
        "UPDATE model_performance_records SET "
        f"{', '.join(f'{c} = {placeholder}' for c in columns)} WHERE record_id = {placeholder}"
    )
    return select, update, params


def record_from_columns(data: dict[str, Any]) -> PerformanceRecord:
    """A stored row as a record.

    Raises:
        StoreError: the row is not a valid record (written by another program or an older
            version), naming the record and the field.
    """
    try:
        return PerformanceRecord.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "record"
        raise StoreError(
            f"stored record {data.get('record_id')!r} is not a valid record: {field}: "
            f"{first['msg']}; correct or delete that row"
        ) from None


class RowStream:
    """Turns records into rows as a driver consumes them, keeping both.

    A store streams the rows into its fast path; if that fails on an id already stored, it
    :meth:`drain` s the rest and retries with every row it now holds.
    """

    def __init__(
        self,
        records: Iterable[PerformanceRecord],
        to_row: Callable[[PerformanceRecord], tuple[Any, ...]],
    ) -> None:
        self._source = iter(records)
        self._to_row = to_row
        self.records: list[PerformanceRecord] = []
        self.rows: list[tuple[Any, ...]] = []

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        for record in self._source:
            row = self._to_row(record)
            self.records.append(record)
            self.rows.append(row)
            yield row

    def drain(self) -> list[tuple[Any, ...]]:
        """Consume what is left; return every row."""
        rest = list(self._source)  # converted in bulk: no generator step per row
        self.records.extend(rest)
        self.rows.extend(map(self._to_row, rest))
        return self.rows
