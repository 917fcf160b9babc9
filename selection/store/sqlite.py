"""The embedded store: SQLite through the standard library, on one worker thread.

One connection lives on one dedicated thread, so statements never interleave and the event
loop never blocks. The database runs in WAL mode with ``synchronous=NORMAL``: a committed
record survives a crash of the process (not necessarily a power cut of the machine).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from selection.aggregates import Aggregate
from selection.errors import ConfigError, StoreError, StoreUnavailableError
from selection.recommendation import Recommendation
from selection.records import PerformanceRecord
from selection.store._ab_sql import (
    AB_ALL_COLUMNS,
    AB_ARRAY_COLUMNS,
    AB_JSON_COLUMNS,
    AB_TIME_COLUMNS,
    histogram_query,
    prepare_sqlite,
    rebuild_statements,
    rollup_ddl,
    sqlite_insert_rollup,
    sums_from_rows,
    sums_query,
    values_query,
)
from selection.store._bucket_sql import bucket_aggregate_query, buckets_from_rows
from selection.store._decay_sql import DecayedRows, decayed_aggregate_query, decayed_from_rows
from selection.store._lifecycle import OpenClose
from selection.store._sql import (
    AB_TEST_COLUMNS,
    RECOMMENDATION_COLUMNS,
    RECORD_COLUMNS,
    BatchRows,
    aggregate_query,
    aggregates_from_rows,
    batch_rows,
    record_from_columns,
    score_update_sql,
)

if TYPE_CHECKING:
    from selection.batch import RecordBatch

__all__ = ["SqliteStore"]

T = TypeVar("T")


@functools.cache
def _insert_sql(columns: tuple[str, ...]) -> str:
    return (
        f"INSERT INTO model_performance_records ({', '.join(columns)}) "
        f"VALUES ({', '.join('?' * len(columns))})"
    )


_ID_CHUNK = 900
_ROLLUP = sqlite_insert_rollup()  # stay under SQLite's bound-parameter limit on old builds


def _ts(value: datetime) -> str:
    # Fixed width with microseconds, so that text order is time order.
    return value.isoformat(timespec="microseconds")


def _json(value: object) -> str:
    return "{}" if value == {} else json.dumps(value, separators=(",", ":"))


class SqliteStore(OpenClose):
    """A :class:`~selection.store.Store` in one SQLite file (or in memory)."""

    def __init__(self, path: str | Path, *, busy_timeout: float = 30.0) -> None:
        self.path = str(path)
        self.busy_timeout = busy_timeout  # how long a writer waits for another's lock
        self.url = f"sqlite:///{self.path}"
        self._conn: sqlite3.Connection | None = None
        self._executor: ThreadPoolExecutor | None = None

    @classmethod
    def from_url(cls, url: str) -> SqliteStore:
        """``sqlite:///relative.db``, ``sqlite:////absolute.db`` or ``sqlite:///:memory:``."""
        prefix = "sqlite:///"
        if not url.startswith(prefix) or len(url) == len(prefix):
            raise ConfigError(f"malformed SQLite URL {url!r}: use sqlite:///path/to/file.db")
        return cls(url[len(prefix) :])

    def __repr__(self) -> str:
        return f"SqliteStore({self.path!r})"

    # -- lifecycle ----------------------------------------------------------------------

    async def open(self) -> None:
        """Open the file and create the schema if needed."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="genesis-sqlite")
        await self._run(self._connect)

    async def aclose(self) -> None:
        """Close the connection and its thread."""
        if self._executor is None:
            return
        await self._run(self._disconnect)
        self._executor.shutdown(wait=True)
        self._executor = None

    def _connect(self) -> None:
        if self._conn is not None:
            return
        if self.path != ":memory:" and not Path(self.path).parent.exists():
            raise StoreUnavailableError(f"cannot open {self.path}: its folder does not exist")
        if self.path != ":memory:" and not Path(self.path).exists():
            # Readable by its owner only: records may hold prompts. SQLite gives the -wal and
            # -shm files the database file's permissions.
            with contextlib.suppress(FileExistsError):
                os.close(os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        try:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=self.busy_timeout)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout * 1000)}")
            prepare_sqlite(conn)
            schema = resources.files("selection.store").joinpath("schema/sqlite.sql")
            conn.executescript(schema.read_text("utf-8"))
            conn.executescript(rollup_ddl("sqlite"))
        except sqlite3.Error as exc:
            raise StoreUnavailableError(f"cannot open SQLite database {self.path}: {exc}") from exc
        self._conn = conn

    def _disconnect(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        if self._executor is None:
            raise StoreError("the SQLite store is not open; call open() or use 'async with'")
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)
        except sqlite3.Error as exc:  # callers that say more catch these first, in the thread
            raise self._error("database operation failed", exc) from exc

    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError("the SQLite store is not open; call open() or use 'async with'")
        return self._conn

    # -- records ------------------------------------------------------------------------

    async def add_records(self, records: Iterable[PerformanceRecord]) -> list[PerformanceRecord]:
        """Write the records in one transaction; return those not stored before."""
        from selection.batch import RecordBatch

        items = list(records)
        new = await self._add(RecordBatch.from_records(items))
        return items if new is None else [r for r, kept in zip(items, new, strict=True) if kept]

    async def add_batch(self, batch: RecordBatch) -> RecordBatch:
        """Write a batch in one transaction; return its records not stored before.

        Rows are built from the columns before the write lock is taken, so the lock is held
        only while they are inserted.
        """
        new = await self._add(batch)
        return batch if new is None else batch.take(new)

    async def _add(self, batch: RecordBatch) -> list[bool] | None:
        if not len(batch):
            return None
        rows = await self._run(batch_rows, batch, _ts, _json)
        return await self._run(
            self._guard, f"writing {len(rows.rows)} records failed", self._insert, rows
        )

    def _guard(self, what: str, fn: Callable[..., T], *args: Any) -> T:
        try:
            return fn(*args)
        except sqlite3.Error as exc:
            raise self._error(what, exc) from exc

    def _error(self, what: str, exc: sqlite3.Error) -> StoreError:
        if "locked" in str(exc) or "busy" in str(exc):
            return StoreUnavailableError(
                f"SQLite: {what}: another writer held {self.path} for more than "
                f"{self.busy_timeout:g} s"
            )
        return StoreError(f"SQLite: {what}: {exc}")

    def _insert(self, batch: BatchRows) -> list[bool] | None:
        """Insert rows; ``None`` means all were new, else a per-row 'was new' mask."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            last = self._last_rowid()
            db.executemany(_insert_sql(batch.columns), batch.rows)
            self._roll_up(batch, last)
        except sqlite3.IntegrityError:
            # Some ids are stored already: the rare path, keep only the new rows.
            db.execute("ROLLBACK")
            return self._insert_new_only(batch)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        return None

    def _last_rowid(self) -> int:
        row = self._db.execute("SELECT COALESCE(MAX(rowid), 0) FROM model_performance_records")
        return int(row.fetchone()[0])

    def _roll_up(self, batch: BatchRows, last_rowid: int) -> None:
        """Add the just-inserted A/B-tagged rows to the per-arm sums (same transaction)."""
        if batch.rows and "ab_test_id" in batch.columns:
            for statement in _ROLLUP:
                self._db.execute(statement, (last_rowid,))

    def _insert_new_only(self, batch: BatchRows) -> list[bool]:
        db = self._db
        rows = batch.rows
        db.execute("BEGIN IMMEDIATE")
        try:
            ids = [row[0] for row in rows]  # record_id is always the first column
            existing: set[str] = set()
            for start in range(0, len(ids), _ID_CHUNK):
                chunk = ids[start : start + _ID_CHUNK]
                marks = ", ".join("?" * len(chunk))
                sql = (
                    f"SELECT record_id FROM model_performance_records WHERE record_id IN ({marks})"
                )
                existing.update(r[0] for r in db.execute(sql, chunk))
            mask = [row[0] not in existing for row in rows]
            fresh = BatchRows(
                batch.columns, [row for row, new in zip(rows, mask, strict=True) if new]
            )
            last = self._last_rowid()
            db.executemany(_insert_sql(fresh.columns), fresh.rows)
            self._roll_up(fresh, last)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        return mask

    async def aggregates(
        self,
        *,
        task: str | None = None,
        models: Sequence[str] | None = None,
        since: datetime | None = None,
    ) -> dict[tuple[str, str], Aggregate]:
        """Sums per (model, task) computed by SQLite."""
        sql, params = aggregate_query(
            "sqlite", task=task, models=models, since=since, since_value=since and _ts(since)
        )
        rows = await self._run(lambda: self._db.execute(sql, params).fetchall())
        return aggregates_from_rows(rows)

    async def decayed_aggregates(self, half_life_hours: float) -> DecayedRows:
        """Time-decayed sums per (model, task) and each task's anchor, computed by SQLite."""
        sql = decayed_aggregate_query("sqlite", half_life_hours)
        rows = await self._run(lambda: self._db.execute(sql).fetchall())
        return decayed_from_rows(rows, lambda v: datetime.fromisoformat(str(v)))

    async def bucket_aggregates(self, bucket_seconds: int) -> dict[tuple[str, str, int], Aggregate]:
        """Sums per (model, task, time bucket), computed by SQLite."""
        sql = bucket_aggregate_query("sqlite", bucket_seconds)
        rows = await self._run(lambda: self._db.execute(sql).fetchall())
        return buckets_from_rows(rows)

    async def record_time(self, record_id: str) -> datetime | None:
        """The stored timestamp of one record, or ``None`` if no record has this id."""
        sql = "SELECT timestamp FROM model_performance_records WHERE record_id = ?"
        row = await self._run(lambda: self._db.execute(sql, [record_id]).fetchone())
        return None if row is None else datetime.fromisoformat(str(row[0]))

    async def update_scores(
        self,
        record_id: str,
        changes: Mapping[str, float],
        *,
        model_id: str | None = None,
        task_type: str | None = None,
    ) -> tuple[str, str, dict[str, float | None]] | None:
        """Set score columns of one record in one transaction; return its old values."""
        columns = list(changes)
        select, update, extra = score_update_sql(
            columns, "?", model_id=model_id, task_type=task_type
        )

        def run() -> tuple[str, str, dict[str, float | None]] | None:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                row = db.execute(select, [record_id, *extra]).fetchone()
                if row is not None:
                    db.execute(update, [*changes.values(), record_id])
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
            if row is None:
                return None
            return row[0], row[1], dict(zip(columns, row[2:], strict=True))

        return await self._run(self._guard, f"amending record {record_id!r} failed", run)

    async def count_records(self) -> int:
        """How many performance records are stored."""
        sql = "SELECT COUNT(*) FROM model_performance_records"
        return int(await self._run(lambda: self._db.execute(sql).fetchone()[0]))

    async def fetch_records(
        self,
        *,
        task: str | None = None,
        model: str | None = None,
        since: datetime | None = None,
        limit: int = 1000,
    ) -> list[PerformanceRecord]:
        """The newest records matching the filters, newest first."""
        where, params = [], []
        for column, value in (("task_type", task), ("model_id", model)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if since is not None:
            where.append("timestamp >= ?")
            params.append(_ts(since))
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        sql = (
            f"SELECT {', '.join(RECORD_COLUMNS)} FROM model_performance_records{clause} "
            "ORDER BY timestamp DESC LIMIT ?"
        )
        rows = await self._run(lambda: self._db.execute(sql, [*params, limit]).fetchall())
        return [_record_from_row(row) for row in rows]

    # -- recommendations and A/B tests --------------------------------------------------

    async def add_recommendation(self, recommendation: Recommendation) -> None:
        """Store a recommendation."""
        r = recommendation
        row = (
            r.id,
            r.task_type,
            r.recommended_model_id,
            r.confidence_score,
            r.reasoning,
            json.dumps(r.expected_performance),
            r.cost_estimate,
            json.dumps(list(r.alternative_models)),
            json.dumps(r.recommendation_factors),
            _ts(r.timestamp),
        )
        sql = (
            f"INSERT INTO model_recommendations ({', '.join(RECOMMENDATION_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(row))})"
        )
        await self._run(self._write, sql, row)

    async def latest_recommendations(self) -> dict[str, Recommendation]:
        """The newest stored recommendation per task type."""
        sql = (
            f"SELECT {', '.join(RECOMMENDATION_COLUMNS)} FROM model_recommendations r "
            "WHERE timestamp = (SELECT MAX(timestamp) FROM model_recommendations "
            "WHERE task_type = r.task_type) ORDER BY id"
        )
        rows = await self._run(lambda: self._db.execute(sql).fetchall())
        found = {}
        for row in rows:
            data = dict(zip(RECOMMENDATION_COLUMNS, row, strict=True))
            for key in ("expected_performance", "alternative_models", "recommendation_factors"):
                data[key] = json.loads(data[key])
            found[data["task_type"]] = Recommendation.model_validate(data)
        return found

    async def save_ab_test(self, row: Mapping[str, Any]) -> None:
        """Insert or replace an ``ab_test_configurations`` row."""
        values = []
        for column in AB_TEST_COLUMNS:
            value = row.get(column)
            if column in ("task_types", "success_metrics", "results") and value is not None:
                value = json.dumps(list(value) if column != "results" else value)
            elif column == "start_time" and isinstance(value, datetime):
                value = _ts(value)
            values.append(value)
        sql = (
            f"INSERT OR REPLACE INTO ab_test_configurations ({', '.join(AB_TEST_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(values))})"
        )
        await self._run(self._write, sql, tuple(values))

    async def ab_tests(self, *, status: str | None = None) -> list[dict[str, Any]]:
        """Stored A/B test rows, optionally only those with this status."""
        sql = f"SELECT {', '.join(AB_TEST_COLUMNS)} FROM ab_test_configurations"
        params: tuple[str, ...] = ()
        if status is not None:
            sql += " WHERE status = ?"
            params = (status,)
        rows = await self._run(
            lambda: self._db.execute(sql + " ORDER BY test_id", params).fetchall()
        )
        found = []
        for row in rows:
            data = dict(zip(AB_TEST_COLUMNS, row, strict=True))
            for key in ("task_types", "success_metrics", "results"):
                if data[key] is not None:
                    data[key] = json.loads(data[key])
            if data["start_time"] is not None:
                data["start_time"] = datetime.fromisoformat(data["start_time"])
            found.append(data)
        return found

    def _write(self, sql: str, params: tuple[Any, ...]) -> None:
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute(sql, params)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    # -- A/B tests: whole rows and per-arm sums ---------------------------------------

    async def upsert_ab_test(self, row: Mapping[str, Any]) -> None:
        """Insert or update an A/B test row with every column, the seed's and the extra ones.

        (:meth:`save_ab_test` writes the seed's columns only, and on SQLite replaces the row,
        which clears the extra ones.)
        """
        values = tuple(_ab_value(column, row.get(column)) for column in AB_ALL_COLUMNS)
        updates = ", ".join(f"{c} = excluded.{c}" for c in AB_ALL_COLUMNS[1:])
        sql = (
            f"INSERT INTO ab_test_configurations ({', '.join(AB_ALL_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(values))}) "
            f"ON CONFLICT (test_id) DO UPDATE SET {updates}"
        )
        await self._run(self._write, sql, values)

    async def load_ab_tests(self, *, test_id: str | None = None) -> list[dict[str, Any]]:
        """Every stored A/B test row (or only ``test_id``'s), every column decoded."""
        sql = f"SELECT {', '.join(AB_ALL_COLUMNS)} FROM ab_test_configurations"
        params: tuple[str, ...] = ()
        if test_id is not None:
            sql += " WHERE test_id = ?"
            params = (test_id,)
        rows = await self._run(
            lambda: self._db.execute(sql + " ORDER BY start_time, test_id", params).fetchall()
        )
        found = []
        for row in rows:
            data = dict(zip(AB_ALL_COLUMNS, row, strict=True))
            for key, value in data.items():
                if value is None:
                    continue
                if key in AB_JSON_COLUMNS or key in AB_ARRAY_COLUMNS:
                    data[key] = json.loads(value)
                elif key in AB_TIME_COLUMNS:
                    data[key] = datetime.fromisoformat(value)
            found.append(data)
        return found

    async def ab_arm_sums(self, test_id: str) -> dict[tuple[int, str], Aggregate]:
        """Per (phase, arm) of a test, the sums of every metric column (kept as rows land)."""
        sql = sums_query("?")
        return sums_from_rows(await self._run(lambda: self._db.execute(sql, (test_id,)).fetchall()))

    async def ab_latency_histograms(self, test_id: str) -> dict[tuple[int, str], dict[int, int]]:
        """Per (phase, arm) of a test, latency bucket -> count (see ``_ab_sql``)."""
        sql = histogram_query("?")
        rows = await self._run(lambda: self._db.execute(sql, (test_id,)).fetchall())
        found: dict[tuple[int, str], dict[int, int]] = {}
        for phase, arm, bucket, count in rows:
            found.setdefault((int(phase), str(arm)), {})[int(bucket)] = int(count)
        return found

    async def ab_metric_values(
        self, test_id: str, *, phase: int, column: str, limit: int
    ) -> dict[str, list[float]]:
        """Raw values of one column per arm in one test phase, at most ``limit`` in all."""
        sql = values_query("?", column)
        rows = await self._run(lambda: self._db.execute(sql, (test_id, phase, limit)).fetchall())
        found: dict[str, list[float]] = {"a": [], "b": []}
        for arm, value in rows:
            found[str(arm)].append(float(value))
        return found

    async def rebuild_ab_sums(self) -> None:
        """Recompute every test's per-arm sums from the records (after a bulk repair)."""
        await self._run(self._write_many, rebuild_statements("sqlite"))

    def _write_many(self, statements: Sequence[str]) -> None:
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            for statement in statements:
                db.execute(statement)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")


def _ab_value(column: str, value: Any) -> Any:
    if value is None:
        return None
    if column in AB_JSON_COLUMNS:
        return json.dumps(value, separators=(",", ":"), allow_nan=False)
    if column in AB_ARRAY_COLUMNS:
        return json.dumps(list(value))
    if column in AB_TIME_COLUMNS and isinstance(value, datetime):
        return _ts(value)
    return value


def _record_from_row(row: Sequence[Any]) -> PerformanceRecord:
    data = dict(zip(RECORD_COLUMNS, row, strict=True))
    data["error_occurred"] = bool(data["error_occurred"])
    data["timestamp"] = datetime.fromisoformat(data["timestamp"])
    data["context_data"] = json.loads(data["context_data"])
    return record_from_columns(data)
