"""SQL for A/B tests: per-arm sums kept by triggers, the queries that read them, migrations.

Why triggers: analysing a test must not scan its records. A full scan of two million rows
takes seconds in SQLite, so the database keeps, per (test, phase, arm), the sufficient
statistics of every metric column (count, sum, sum of squares) and a log-spaced histogram of
latency, updated in the same transaction as the records themselves. Any writer (the
tracker, a second process, a bulk load) keeps them right, and an analysis reads a few rows.

* SQLite: the store adds a batch's tagged records to the sums itself, in the batch's
  transaction, with one grouped statement over the rows it just inserted
  (:func:`sqlite_insert_rollup`); a row trigger on INSERT would copy every row into the
  trigger's registers and cost a third of the insert speed, tagged or not. Deletes and
  updates (a rating given later) are kept right by row triggers. Rows inserted by other
  programs are not counted until :func:`rebuild_statements` runs.
* PostgreSQL: statement-level triggers over transition tables, so a ``COPY`` of a batch
  updates each (test, phase, arm) once.

Inserts, deletes and updates are covered; ``TRUNCATE`` is not (rebuild with
:func:`rebuild_statements`). Latency buckets: bucket ``b`` holds values in
``[exp(b / 100), exp((b + 1) / 100))`` milliseconds, about 1% wide; a latency of exactly 0
falls in :data:`ZERO_BUCKET`.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Sequence

from selection.aggregates import Aggregate
from selection.metrics import METRIC_COLUMNS
from selection.store._sql import AB_TEST_COLUMNS, Dialect, square_sql

__all__ = [
    "AB_ALL_COLUMNS",
    "AB_ARRAY_COLUMNS",
    "AB_JSON_COLUMNS",
    "AB_TIME_COLUMNS",
    "BUCKETS_PER_E",
    "LATENCY_COLUMN",
    "ZERO_BUCKET",
    "histogram_query",
    "prepare_sqlite",
    "rebuild_statements",
    "rollup_ddl",
    "sqlite_insert_rollup",
    "sums_from_rows",
    "sums_query",
    "values_query",
]


LATENCY_COLUMN = "response_time_ms"
BUCKETS_PER_E = 100
ZERO_BUCKET = -1_000_000

SUMS_TABLE = "ab_test_arm_sums"
HISTOGRAM_TABLE = "ab_test_latency_histogram"

AB_EXTRA_COLUMNS: tuple[str, ...] = (
    "guardrails",
    "design",
    "phases",
    "decisions",
    "monitor_state",
    "end_time",
)
AB_ALL_COLUMNS: tuple[str, ...] = (*AB_TEST_COLUMNS, *AB_EXTRA_COLUMNS)
AB_JSON_COLUMNS = frozenset(
    ("results", "guardrails", "design", "phases", "decisions", "monitor_state")
)
AB_ARRAY_COLUMNS = frozenset(("task_types", "success_metrics"))
AB_TIME_COLUMNS = frozenset(("start_time", "end_time"))

# Columns older databases lack; SQLite has no ADD COLUMN IF NOT EXISTS (PostgreSQL's schema
# file adds them itself).
_SQLITE_ADDED: dict[str, tuple[tuple[str, str], ...]] = {
    "model_performance_records": (
        ("ab_test_id", "VARCHAR(255)"),
        ("ab_arm", "VARCHAR(1)"),
        ("ab_phase", "INTEGER"),
    ),
    "ab_test_configurations": tuple((c, "TEXT") for c in AB_EXTRA_COLUMNS),
}

_VALUE_COLUMNS = ("records", "errors", *(f"{p}_{c}" for c in METRIC_COLUMNS for p in "nsq"))


def prepare_sqlite(conn: sqlite3.Connection) -> None:
    """Before the schema script: add A/B columns older databases lack; ensure ln() and floor()."""
    for table, columns in _SQLITE_ADDED.items():
        existing = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        if not existing:
            continue  # a new database: the schema script creates the table whole
        for name, sql_type in columns:
            if name not in existing:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {name} {sql_type}")
    try:
        conn.execute("SELECT ln(2.0), floor(2.5)").fetchone()
    except sqlite3.OperationalError:
        # SQLite built without its math functions: the histogram triggers need these two.
        conn.create_function("ln", 1, math.log, deterministic=True)
        conn.create_function("floor", 1, math.floor, deterministic=True)


def _bucket(value: str, dialect: Dialect) -> str:
    log = f"floor(ln({value}) * {BUCKETS_PER_E})"
    cast = f"CAST({log} AS INTEGER)" if dialect == "sqlite" else f"{log}::integer"
    return f"CASE WHEN {value} > 0 THEN {cast} ELSE {ZERO_BUCKET} END"


def _tables() -> str:
    metrics = ",\n".join(
        f"    n_{c} BIGINT NOT NULL DEFAULT 0, s_{c} DOUBLE PRECISION NOT NULL DEFAULT 0, "
        f"q_{c} DOUBLE PRECISION NOT NULL DEFAULT 0"
        for c in METRIC_COLUMNS
    )
    return f"""
CREATE TABLE IF NOT EXISTS {SUMS_TABLE} (
    test_id VARCHAR(255) NOT NULL,
    phase INTEGER NOT NULL,
    arm VARCHAR(1) NOT NULL,
    records BIGINT NOT NULL DEFAULT 0,
    errors BIGINT NOT NULL DEFAULT 0,
{metrics},
    PRIMARY KEY (test_id, phase, arm)
);
CREATE TABLE IF NOT EXISTS {HISTOGRAM_TABLE} (
    test_id VARCHAR(255) NOT NULL,
    phase INTEGER NOT NULL,
    arm VARCHAR(1) NOT NULL,
    bucket INTEGER NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (test_id, phase, arm, bucket)
);
"""


def _upsert_set(alias: str) -> str:
    prefix = f"{alias}." if alias else ""
    return ", ".join(f"{c} = {prefix}{c} + excluded.{c}" for c in _VALUE_COLUMNS)


def _sqlite_apply(row: str, sign: str) -> str:
    """Add (``sign=""``) or remove (``"-"``) one record's values, inside a row trigger."""
    values = ", ".join(
        f"{sign}({row}.{c} IS NOT NULL), {sign}COALESCE({row}.{c}, 0), "
        f"{sign}COALESCE(CAST({row}.{c} AS REAL) * {row}.{c}, 0)"
        for c in METRIC_COLUMNS
    )
    key = f"{row}.ab_test_id, {row}.ab_phase, {row}.ab_arm"
    # "WHERE" before "ON CONFLICT" is required: SQLite's upsert after INSERT ... SELECT.
    return f"""
    INSERT INTO {SUMS_TABLE} (test_id, phase, arm, {", ".join(_VALUE_COLUMNS)})
    SELECT {key}, {sign}1, {sign}({row}.error_occurred <> 0), {values}
    WHERE {row}.ab_test_id IS NOT NULL
    ON CONFLICT (test_id, phase, arm) DO UPDATE SET {_upsert_set("")};
    INSERT INTO {HISTOGRAM_TABLE} (test_id, phase, arm, bucket, count)
    SELECT {key}, {_bucket(f"{row}.{LATENCY_COLUMN}", "sqlite")}, {sign}1
    WHERE {row}.ab_test_id IS NOT NULL AND {row}.{LATENCY_COLUMN} IS NOT NULL
    ON CONFLICT (test_id, phase, arm, bucket) DO UPDATE SET count = count + excluded.count;"""


def _grouped(source: str, sign: str, dialect: Dialect) -> tuple[str, str]:
    """``SELECT`` lists adding (or removing) a set of records, grouped per (test, phase, arm)."""
    sums = ", ".join(
        f"{sign}COUNT({c}), {sign}COALESCE(SUM({c}), 0), "
        f"{sign}COALESCE(SUM({square_sql(f'CAST({c} AS DOUBLE PRECISION)', dialect)}), 0)"
        for c in METRIC_COLUMNS
    )
    errors = "SUM(CASE WHEN error_occurred THEN 1 ELSE 0 END)"
    values = (
        f"SELECT ab_test_id, ab_phase, ab_arm, {sign}COUNT(*), {sign}{errors}, {sums} "
        f"FROM {source} WHERE ab_test_id IS NOT NULL GROUP BY ab_test_id, ab_phase, ab_arm"
    )
    bucket = _bucket(LATENCY_COLUMN, dialect)
    histogram = (
        f"SELECT ab_test_id, ab_phase, ab_arm, {bucket}, {sign}COUNT(*) FROM {source} "
        f"WHERE ab_test_id IS NOT NULL AND {LATENCY_COLUMN} IS NOT NULL "
        f"GROUP BY ab_test_id, ab_phase, ab_arm, {bucket}"
    )
    return values, histogram


def _postgres_apply(source: str, sign: str) -> str:
    values, histogram = _grouped(source, sign, "postgres")
    return f"""
        INSERT INTO {SUMS_TABLE} AS s (test_id, phase, arm, {", ".join(_VALUE_COLUMNS)})
        {values}
        ON CONFLICT (test_id, phase, arm) DO UPDATE SET {_upsert_set("s")};
        INSERT INTO {HISTOGRAM_TABLE} AS h (test_id, phase, arm, bucket, count)
        {histogram}
        ON CONFLICT (test_id, phase, arm, bucket) DO UPDATE SET count = h.count + excluded.count;"""


def rollup_ddl(dialect: Dialect) -> str:
    """Tables and triggers that keep the per-arm sums; idempotent, run after the schema."""
    if dialect == "sqlite":
        both = f"{_sqlite_apply('OLD', '-')}\n{_sqlite_apply('NEW', '')}"
        return _tables() + (
            # Inserts are rolled up by the store (sqlite_insert_rollup); a database from
            # before that keeps no insert trigger, or its rows would count twice.
            "DROP TRIGGER IF EXISTS gp_ab_sums_insert_v1;\n"
            "CREATE TRIGGER IF NOT EXISTS gp_ab_sums_delete_v1 AFTER DELETE ON "
            "model_performance_records WHEN OLD.ab_test_id IS NOT NULL BEGIN"
            f"{_sqlite_apply('OLD', '-')}\nEND;\n"
            "CREATE TRIGGER IF NOT EXISTS gp_ab_sums_update_v1 AFTER UPDATE ON "
            "model_performance_records "
            "WHEN OLD.ab_test_id IS NOT NULL OR NEW.ab_test_id IS NOT NULL BEGIN"
            f"{both}\nEND;\n"
        )
    triggers = "".join(
        f"DROP TRIGGER IF EXISTS gp_ab_sums_{event.lower()} ON model_performance_records;\n"
        f"CREATE TRIGGER gp_ab_sums_{event.lower()} AFTER {event} ON model_performance_records "
        f"REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION gp_ab_sums_v1();\n"
        for event, tables in (
            ("INSERT", "NEW TABLE AS new_rows"),
            ("DELETE", "OLD TABLE AS old_rows"),
            ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
        )
    )
    return _tables() + (
        "CREATE OR REPLACE FUNCTION gp_ab_sums_v1() RETURNS trigger LANGUAGE plpgsql AS $fn$\n"
        "BEGIN\n"
        f"    IF TG_OP IN ('DELETE', 'UPDATE') THEN{_postgres_apply('old_rows', '-')}\n"
        "    END IF;\n"
        f"    IF TG_OP IN ('INSERT', 'UPDATE') THEN{_postgres_apply('new_rows', '')}\n"
        "    END IF;\n"
        "    RETURN NULL;\n"
        "END\n$fn$;\n" + triggers
    )


def sqlite_insert_rollup() -> list[str]:
    """Statements adding the records inserted after a rowid (the one parameter) to the sums.

    Run in the inserting transaction, after the insert; SQLite gives new rows rowids above
    every existing one.
    """
    values, histogram = _grouped(
        "(SELECT * FROM model_performance_records WHERE rowid > ?)", "", "sqlite"
    )
    return [
        f"INSERT INTO {SUMS_TABLE} (test_id, phase, arm, {', '.join(_VALUE_COLUMNS)}) {values} "
        f"ON CONFLICT (test_id, phase, arm) DO UPDATE SET {_upsert_set('')}",
        f"INSERT INTO {HISTOGRAM_TABLE} (test_id, phase, arm, bucket, count) {histogram} "
        "ON CONFLICT (test_id, phase, arm, bucket) DO UPDATE SET count = count + excluded.count",
    ]


def rebuild_statements(dialect: Dialect) -> list[str]:
    """Statements that recompute every per-arm sum from the records (one transaction)."""
    values, histogram = _grouped("model_performance_records", "", dialect)
    return [
        f"DELETE FROM {SUMS_TABLE}",
        f"DELETE FROM {HISTOGRAM_TABLE}",
        f"INSERT INTO {SUMS_TABLE} (test_id, phase, arm, {', '.join(_VALUE_COLUMNS)}) {values}",
        f"INSERT INTO {HISTOGRAM_TABLE} (test_id, phase, arm, bucket, count) {histogram}",
    ]


def sums_query(placeholder: str) -> str:
    """``SELECT phase, arm, records, errors, <n, s, q per metric>`` for one test."""
    return (
        f"SELECT phase, arm, {', '.join(_VALUE_COLUMNS)} FROM {SUMS_TABLE} "
        f"WHERE test_id = {placeholder} ORDER BY phase, arm"
    )


def sums_from_rows(rows: Sequence[Sequence[object]]) -> dict[tuple[int, str], Aggregate]:
    """Turn rows of :func:`sums_query` into aggregates keyed by (phase, arm)."""
    found: dict[tuple[int, str], Aggregate] = {}
    for row in rows:
        values = [float(v) for v in row[2:]]  # type: ignore[arg-type]
        metrics = values[2:]
        found[(int(row[0]), str(row[1]))] = Aggregate.from_sums(  # type: ignore[call-overload]
            round(values[0]),
            round(values[1]),
            [round(v) for v in metrics[0::3]],
            metrics[1::3],
            [max(0.0, v) for v in metrics[2::3]],  # removals may leave -1e-17
        )
    return found


def histogram_query(placeholder: str) -> str:
    """``SELECT phase, arm, bucket, count`` of one test's latency histogram."""
    return (
        f"SELECT phase, arm, bucket, count FROM {HISTOGRAM_TABLE} "
        f"WHERE test_id = {placeholder} AND count <> 0 ORDER BY phase, arm, bucket"
    )


def values_query(placeholder: str, column: str) -> str:
    """``SELECT ab_arm, <column>`` of one test phase's records, for exact rank tests.

    Raises:
        ValueError: if ``column`` is not a metric column.
    """
    if column not in METRIC_COLUMNS:
        raise ValueError(f"unknown metric column {column!r}")
    return (
        f"SELECT ab_arm, {column} FROM model_performance_records "
        f"WHERE ab_test_id = {placeholder} AND ab_phase = {placeholder} "
        f"AND {column} IS NOT NULL LIMIT {placeholder}"
    )
