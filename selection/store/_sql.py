"""SQL shared by both stores: column lists and the aggregate query."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from pydantic import ValidationError

from selection.aggregates import Aggregate
from selection.errors import StoreError
from selection.metrics import METRIC_COLUMNS, SCORE_COLUMNS
from selection.records import METRIC_RANGES, PerformanceRecord

if TYPE_CHECKING:
    from selection.batch import RecordBatch

Dialect = Literal["sqlite", "postgres"]

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

_METRIC_SET = frozenset(METRIC_COLUMNS)
_NULLABLE = frozenset(("error_type", "ab_test_id", "ab_arm", "ab_phase"))

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


# Squares as Python (and SQLite) compute them. PostgreSQL refuses a product of two non-zero
# doubles that underflows to 0 ("value out of range: underflow"), so there the square of a
# value below 2**-537 is spelled out: the smallest subnormal when x * x rounds up to it (|x| >
# 2**-537.5, which no double equals: _HALF_UNDER is the largest double below it), else 0.
_SQUARE_EXACT = math.ldexp(1.0, -537)  # from here up, x * x is at least the smallest subnormal
_HALF_UNDER = math.ldexp(math.nextafter(math.sqrt(2.0), 0.0), -538)
_SMALLEST = math.ldexp(1.0, -1074)


def _float8(value: float) -> str:
    return f"CAST('{value!r}' AS DOUBLE PRECISION)"


def square_sql(value: str, dialect: Dialect) -> str:
    """SQL for ``value * value`` (a double) that equals Python's, underflow included."""
    if dialect == "sqlite":
        return f"{value} * {value}"
    return (
        f"CASE WHEN abs({value}) >= {_float8(_SQUARE_EXACT)} THEN {value} * {value} "
        f"WHEN abs({value}) > {_float8(_HALF_UNDER)} THEN {_float8(_SMALLEST)} "
        f"ELSE {_float8(0.0)} END"
    )


def _sums(dialect: Dialect) -> str:
    return ", ".join(
        f"COUNT({c}), COALESCE(SUM({c}), 0), COALESCE(SUM({square_sql(c, dialect)}), 0)"
        for c in METRIC_COLUMNS
    )


_SUMS = {"sqlite": _sums("sqlite"), "postgres": _sums("postgres")}


def sum_columns(dialect: Dialect) -> str:
    """Every metric column's ``COUNT, SUM, SUM of squares``, in the order aggregates read."""
    return _SUMS[dialect]


def aggregate_query(
    dialect: Dialect,
    *,
    task: str | None,
    models: Sequence[str] | None,
    since: datetime | None,
    since_value: object,
) -> tuple[str, list[object]]:
    """Build ``SELECT model_id, task_type, <sums> ... GROUP BY`` with its parameters.

    Args:
        dialect: the store's SQL.
        task: only this task type.
        models: only these models.
        since: only records at or after this time.
        since_value: ``since`` as the driver wants it (text for SQLite, datetime for psycopg).
    """
    placeholder = "?" if dialect == "sqlite" else "%s"
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
        f"{sum_columns(dialect)} FROM (SELECT model_id, task_type, error_occurred, {_GUARDED} "
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


class BatchRows(NamedTuple):
    """A batch's rows and the columns they fill (in :data:`RECORD_COLUMNS` order)."""

    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]


def batch_rows(
    batch: RecordBatch,
    timestamp: Callable[[datetime], Any] | None,
    context: Callable[[dict[str, Any]], Any],
) -> BatchRows:
    """A batch's rows, built column by column.

    A column every record leaves at the table's default (NULL, no error, an empty context)
    is not sent: the database fills it in, and the rows are narrower to bind.

    Args:
        batch: the records; each must carry a timestamp.
        timestamp: converts a timestamp for the driver (``None``: as it is).
        context: converts a ``context_data`` object for the driver.

    Raises:
        StoreError: a record has no timestamp.
    """
    times = batch.timestamp
    if None in times:
        missing = batch.record_id[times.index(None)]
        raise StoreError(f"record {missing!r} has no timestamp; the tracker stamps records")
    n = len(batch)
    names: list[str] = []
    columns: list[Sequence[Any]] = []
    for name in RECORD_COLUMNS:
        values: Sequence[Any]
        if name in _METRIC_SET:
            if not batch.has_values(name):
                continue
            values = batch.metric_list(name)
        elif name == "error_occurred":
            if not batch.error_occurred.any():
                continue
            values = batch.error_occurred.tolist()
        elif name == "timestamp":
            values = times if timestamp is None else list(map(timestamp, times))  # type: ignore[arg-type]
        elif name == "context_data":
            contexts = batch.column(name)
            if not any(contexts):
                continue
            values = list(map(context, contexts))
        else:
            values = batch.column(name)
            if name in _NULLABLE and values.count(None) == n:
                continue
        names.append(name)
        columns.append(values)
    return BatchRows(tuple(names), list(zip(*columns, strict=True)))
