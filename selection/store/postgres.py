"""The PostgreSQL store: psycopg 3, async, pooled; batches go in by ``COPY``."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from importlib import resources
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import sql as pgsql
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from selection.aggregates import Aggregate
from selection.errors import AmbiguousWriteError, StoreError, StoreUnavailableError
from selection.metrics import COPY_TYPES
from selection.recommendation import Recommendation
from selection.records import PerformanceRecord
from selection.store import redact_url
from selection.store._ab_sql import (
    AB_ALL_COLUMNS,
    AB_ARRAY_COLUMNS,
    AB_JSON_COLUMNS,
    histogram_query,
    rebuild_statements,
    rollup_ddl,
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

__all__ = ["PostgresStore"]

# COPY's binary types of the record columns that are not metrics (theirs are in the registry).
_OTHER_COPY_TYPES = {
    "record_id": "text", "model_id": "text", "task_type": "text", "prompt_hash": "text",
    "error_occurred": "bool", "error_type": "text", "timestamp": "timestamptz",
    "context_data": "jsonb", "ab_test_id": "text", "ab_arm": "text", "ab_phase": "int4",
}  # fmt: skip
_COPY_TYPES = {c: COPY_TYPES.get(c) or _OTHER_COPY_TYPES[c] for c in RECORD_COLUMNS}
_COLUMN_LIST = ", ".join(RECORD_COLUMNS)
_SCHEMA_LOCK = 0x47454E45  # any constant: serialises concurrent schema creation


class PostgresStore(OpenClose):
    """A :class:`~selection.store.Store` on PostgreSQL."""

    def __init__(
        self, url: str, *, min_size: int = 1, max_size: int = 4, connect_timeout: float = 5.0
    ) -> None:
        self.url = url
        self._min_size = min_size
        self._max_size = max_size
        self._connect_timeout = connect_timeout
        self._pool: AsyncConnectionPool | None = None

    def __repr__(self) -> str:
        return f"PostgresStore({redact_url(self.url)!r})"

    # -- lifecycle ----------------------------------------------------------------------

    async def open(self) -> None:
        """Open the pool and create the schema if needed.

        Raises:
            StoreUnavailableError: in one line, why the server cannot be used (unreachable,
                no such database, authentication refused).
        """
        if self._pool is not None:
            return
        # One direct connection first: its error says exactly what is wrong, where a pool
        # would log a warning per retry and then only time out.
        try:
            probe = await psycopg.AsyncConnection.connect(
                self.url, connect_timeout=max(1, int(self._connect_timeout))
            )
        except psycopg.Error as exc:
            raise StoreUnavailableError(
                f"cannot use PostgreSQL at {redact_url(self.url)}: {_first_line(exc)}"
            ) from None
        await probe.close()
        pool = AsyncConnectionPool(
            self.url,
            min_size=self._min_size,
            max_size=self._max_size,
            open=False,
            timeout=self._connect_timeout,
            kwargs={"connect_timeout": max(1, int(self._connect_timeout))},
        )
        try:
            await pool.open(wait=True, timeout=self._connect_timeout)
            schema = resources.files("selection.store").joinpath("schema/postgres.sql")
            async with pool.connection() as conn, conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock(%s)", [_SCHEMA_LOCK])
                await conn.execute(schema.read_text("utf-8"))
                await conn.execute(rollup_ddl("postgres"))
        except PoolTimeout as exc:
            await pool.close()
            raise StoreUnavailableError(
                f"cannot reach PostgreSQL at {redact_url(self.url)} "
                f"within {self._connect_timeout:g} s"
            ) from exc
        except psycopg.Error as exc:
            await pool.close()
            raise _store_error("creating the schema failed", exc) from exc
        except BaseException:
            await pool.close()
            raise
        self._pool = pool

    async def aclose(self) -> None:
        """Close the pool."""
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    def _connection(self) -> Any:
        if self._pool is None:
            raise StoreError("the PostgreSQL store is not open; call open() or use 'async with'")
        return self._pool.connection()

    # -- records ------------------------------------------------------------------------

    async def add_records(self, records: Iterable[PerformanceRecord]) -> list[PerformanceRecord]:
        """Write the records in one transaction by COPY; return those not stored before.

        Raises:
            AmbiguousWriteError: as :meth:`add_batch`.
        """
        from selection.batch import RecordBatch

        items = list(records)
        new = await self._write(RecordBatch.from_records(items), items)
        return items if new is None else [r for r, kept in zip(items, new, strict=True) if kept]

    async def add_batch(self, batch: RecordBatch) -> RecordBatch:
        """Write a batch in one transaction by COPY; return its records not stored before.

        Raises:
            AmbiguousWriteError: the connection was lost around COMMIT; the store asked the
                server whether the transaction committed, and ``.stored`` says what it wrote.
        """
        new = await self._write(batch, None)
        return batch if new is None else batch.take(new)

    async def _write(
        self, batch: RecordBatch, items: list[PerformanceRecord] | None
    ) -> list[bool] | None:
        if not len(batch):
            return None
        rows = batch_rows(batch, None, Jsonb)
        write = _Write()
        try:
            return await self._add(rows, write)
        except psycopg.Error as exc:
            error = _store_error(f"writing {len(rows.rows)} records failed", exc)
            if isinstance(exc, psycopg.OperationalError) and write.txid is not None:
                every = batch.records() if items is None else items
                raise await self._reconcile(error, write, every) from exc
            raise error from exc

    async def _add(self, rows: BatchRows, write: _Write) -> list[bool] | None:
        """COPY the rows; ``None`` when all were new, else a per-row 'was new' mask."""
        async with self._connection() as conn:
            try:
                async with conn.transaction():
                    write.txid = await _txid(conn)
                    await _copy(conn, "model_performance_records", rows)
                    write.new = None  # what COMMIT, sent next, makes durable
                return None
            except psycopg.errors.UniqueViolation:
                write.txid = None  # some ids are stored already: keep only the new ones
            async with conn.transaction():
                write.txid = await _txid(conn)
                await conn.execute(
                    "CREATE TEMP TABLE _gp_staging "
                    "(LIKE model_performance_records INCLUDING DEFAULTS) ON COMMIT DROP"
                )
                await _copy(conn, "_gp_staging", rows)
                listed = ", ".join(rows.columns)
                cur = await conn.execute(
                    f"INSERT INTO model_performance_records ({listed}) "
                    f"SELECT {listed} FROM _gp_staging "
                    "ON CONFLICT (record_id) DO NOTHING RETURNING record_id"
                )
                new_ids = {row[0] for row in await cur.fetchall()}
                write.new = [row[0] in new_ids for row in rows.rows]
            return write.new

    async def _reconcile(
        self, error: StoreError, write: _Write, records: list[PerformanceRecord]
    ) -> StoreError:
        """After a lost connection, ask the server whether the write's transaction committed."""
        status = None
        for _ in range(50):  # the server aborts an orphaned transaction within moments
            try:
                async with self._connection() as conn:
                    cur = await conn.execute("SELECT txid_status(%s)", [write.txid])
                    row = await cur.fetchone()
            except (psycopg.Error, PoolTimeout):
                break
            status = row[0] if row else None
            if status != "in progress":
                break
            await asyncio.sleep(0.1)
        if status == "committed":
            stored = (
                records
                if write.new is None
                else [r for r, kept in zip(records, write.new, strict=True) if kept]
            )
            return AmbiguousWriteError(
                f"{error}; the outcome was ambiguous (the connection was lost at COMMIT) and "
                f"was reconciled: the transaction committed, {len(stored)} new records "
                "are stored and counted",
                stored=stored,
                reconciled=True,
            )
        if status == "aborted":
            return type(error)(f"{error}; reconciled: the transaction rolled back, nothing stored")
        return AmbiguousWriteError(
            f"{error}; the outcome is ambiguous and could not be reconciled (the server did not "
            "answer): the records may be stored; retry with the same ids, which are never "
            "counted twice, or restart to re-read the sums",
            stored=[],
            reconciled=False,
        )

    async def aggregates(
        self,
        *,
        task: str | None = None,
        models: Sequence[str] | None = None,
        since: datetime | None = None,
    ) -> dict[tuple[str, str], Aggregate]:
        """Sums per (model, task) computed by PostgreSQL."""
        query, params = aggregate_query(
            "postgres", task=task, models=models, since=since, since_value=since
        )
        return aggregates_from_rows(await self._fetch(query, params))

    async def decayed_aggregates(self, half_life_hours: float) -> DecayedRows:
        """Time-decayed sums per (model, task) and each task's anchor, computed by PostgreSQL."""
        rows = await self._fetch(decayed_aggregate_query("postgres", half_life_hours), [])
        return decayed_from_rows(rows, _as_datetime)

    async def bucket_aggregates(self, bucket_seconds: int) -> dict[tuple[str, str, int], Aggregate]:
        """Sums per (model, task, time bucket), computed by PostgreSQL."""
        return buckets_from_rows(
            await self._fetch(bucket_aggregate_query("postgres", bucket_seconds), [])
        )

    async def record_time(self, record_id: str) -> datetime | None:
        """The stored timestamp of one record, or ``None`` if no record has this id."""
        rows = await self._fetch(
            "SELECT timestamp FROM model_performance_records WHERE record_id = %s", [record_id]
        )
        return _as_datetime(rows[0][0]) if rows else None

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
            columns, "%s", model_id=model_id, task_type=task_type
        )
        try:
            async with self._connection() as conn, conn.transaction():
                cur = await conn.execute(select + " FOR UPDATE", [record_id, *extra])
                row = await cur.fetchone()
                if row is None:
                    return None
                await conn.execute(update, [*changes.values(), record_id])
        except psycopg.Error as exc:
            raise _store_error(f"amending record {record_id!r} failed", exc) from exc
        return row[0], row[1], dict(zip(columns, row[2:], strict=True))

    async def count_records(self) -> int:
        """How many performance records are stored."""
        rows = await self._fetch("SELECT COUNT(*) FROM model_performance_records", [])
        return int(rows[0][0])

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
        for column, value in (("task_type", task), ("model_id", model), ("timestamp", since)):
            if value is not None:
                where.append(f"{column} {'>=' if column == 'timestamp' else '='} %s")
                params.append(value)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        query = (
            f"SELECT {_COLUMN_LIST} FROM model_performance_records{clause} "
            "ORDER BY timestamp DESC LIMIT %s"
        )
        rows = await self._fetch(query, [*params, limit])
        return [record_from_columns(dict(zip(RECORD_COLUMNS, row, strict=True))) for row in rows]

    # -- recommendations and A/B tests --------------------------------------------------

    async def add_recommendation(self, recommendation: Recommendation) -> None:
        """Store a recommendation."""
        r = recommendation
        values = [
            r.id,
            r.task_type,
            r.recommended_model_id,
            r.confidence_score,
            r.reasoning,
            Jsonb(r.expected_performance),
            r.cost_estimate,
            list(r.alternative_models),
            Jsonb(r.recommendation_factors),
            r.timestamp,
        ]
        await self._execute(_insert_sql("model_recommendations", RECOMMENDATION_COLUMNS), values)

    async def latest_recommendations(self) -> dict[str, Recommendation]:
        """The newest stored recommendation per task type."""
        query = (
            f"SELECT DISTINCT ON (task_type) {', '.join(RECOMMENDATION_COLUMNS)} "
            "FROM model_recommendations ORDER BY task_type, timestamp DESC, id"
        )
        found = {}
        for row in await self._fetch(query, []):
            data = dict(zip(RECOMMENDATION_COLUMNS, row, strict=True))
            data["id"] = str(data["id"])
            data["alternative_models"] = tuple(data["alternative_models"] or ())
            found[data["task_type"]] = Recommendation.model_validate(data)
        return found

    async def save_ab_test(self, row: Mapping[str, Any]) -> None:
        """Insert or replace an ``ab_test_configurations`` row."""
        values = []
        for column in AB_TEST_COLUMNS:
            value = row.get(column)
            if column in ("task_types", "success_metrics") and value is not None:
                value = list(value)
            elif column == "results" and value is not None:
                value = Jsonb(value)
            values.append(value)
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in AB_TEST_COLUMNS[1:])
        query = (
            _insert_sql("ab_test_configurations", AB_TEST_COLUMNS)
            + f" ON CONFLICT (test_id) DO UPDATE SET {updates}"
        )
        await self._execute(query, values)

    async def ab_tests(self, *, status: str | None = None) -> list[dict[str, Any]]:
        """Stored A/B test rows, optionally only those with this status."""
        query = f"SELECT {', '.join(AB_TEST_COLUMNS)} FROM ab_test_configurations"
        params: list[Any] = []
        if status is not None:
            query += " WHERE status = %s"
            params.append(status)
        rows = await self._fetch(query + " ORDER BY test_id", params)
        return [dict(zip(AB_TEST_COLUMNS, row, strict=True)) for row in rows]

    # -- plumbing -----------------------------------------------------------------------

    async def _fetch(self, query: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        try:
            async with self._connection() as conn:
                cur = await conn.execute(query, params)
                return list(await cur.fetchall())
        except psycopg.Error as exc:
            raise _store_error("query failed", exc) from exc

    async def _execute(self, query: str, params: Sequence[Any]) -> None:
        try:
            async with self._connection() as conn, conn.transaction():
                await conn.execute(query, params)
        except psycopg.Error as exc:
            raise _store_error("write failed", exc) from exc

    # -- A/B tests: whole rows and per-arm sums ---------------------------------------

    async def upsert_ab_test(self, row: Mapping[str, Any]) -> None:
        """Insert or update an A/B test row with every column, the seed's and the extra ones."""
        values = [_ab_value(column, row.get(column)) for column in AB_ALL_COLUMNS]
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in AB_ALL_COLUMNS[1:])
        query = (
            _insert_sql("ab_test_configurations", AB_ALL_COLUMNS)
            + f" ON CONFLICT (test_id) DO UPDATE SET {updates}"
        )
        await self._execute(query, values)

    async def load_ab_tests(self, *, test_id: str | None = None) -> list[dict[str, Any]]:
        """Every stored A/B test row (or only ``test_id``'s), every column decoded."""
        query = f"SELECT {', '.join(AB_ALL_COLUMNS)} FROM ab_test_configurations"
        params: list[Any] = []
        if test_id is not None:
            query += " WHERE test_id = %s"
            params.append(test_id)
        rows = await self._fetch(query + " ORDER BY start_time, test_id", params)
        return [dict(zip(AB_ALL_COLUMNS, row, strict=True)) for row in rows]

    async def ab_arm_sums(self, test_id: str) -> dict[tuple[int, str], Aggregate]:
        """Per (phase, arm) of a test, the sums of every metric column (kept by triggers)."""
        return sums_from_rows(await self._fetch(sums_query("%s"), [test_id]))

    async def ab_latency_histograms(self, test_id: str) -> dict[tuple[int, str], dict[int, int]]:
        """Per (phase, arm) of a test, latency bucket -> count (see ``_ab_sql``)."""
        found: dict[tuple[int, str], dict[int, int]] = {}
        for phase, arm, bucket, count in await self._fetch(histogram_query("%s"), [test_id]):
            found.setdefault((int(phase), str(arm)), {})[int(bucket)] = int(count)
        return found

    async def ab_metric_values(
        self, test_id: str, *, phase: int, column: str, limit: int
    ) -> dict[str, list[float]]:
        """Raw values of one column per arm in one test phase, at most ``limit`` in all."""
        rows = await self._fetch(values_query("%s", column), [test_id, phase, limit])
        found: dict[str, list[float]] = {"a": [], "b": []}
        for arm, value in rows:
            found[str(arm)].append(float(value))
        return found

    async def rebuild_ab_sums(self) -> None:
        """Recompute every test's per-arm sums from the records (after a bulk repair)."""
        try:
            async with self._connection() as conn, conn.transaction():
                for statement in rebuild_statements("postgres"):
                    await conn.execute(statement)
        except psycopg.Error as exc:
            raise _store_error("rebuilding A/B sums failed", exc) from exc


async def _copy(conn: psycopg.AsyncConnection[Any], table: str, rows: BatchRows) -> None:
    statement = pgsql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
        pgsql.Identifier(table), pgsql.SQL(", ".join(rows.columns))
    )
    async with conn.cursor() as cur, cur.copy(statement) as copy:
        copy.set_types([_COPY_TYPES[c] for c in rows.columns])
        for row in rows.rows:
            await copy.write_row(row)


def _ab_value(column: str, value: Any) -> Any:
    if value is None:
        return None
    if column in AB_JSON_COLUMNS:
        return Jsonb(value)
    if column in AB_ARRAY_COLUMNS:
        return list(value)
    return value


def _insert_sql(table: str, columns: Sequence[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"


class _Write:
    """What one write has sent: its transaction id and which rows it would commit.

    ``new`` is ``None`` when every row would be new, else a per-row mask.
    """

    def __init__(self) -> None:
        self.txid: int | None = None
        self.new: list[bool] | None = None


async def _txid(conn: psycopg.AsyncConnection[Any]) -> int:
    cur = await conn.execute("SELECT txid_current()")
    row = await cur.fetchone()
    assert row is not None
    return int(row[0])


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _store_error(what: str, exc: psycopg.Error) -> StoreError:
    kind = StoreUnavailableError if isinstance(exc, psycopg.OperationalError) else StoreError
    return kind(f"PostgreSQL: {what}: {_first_line(exc)}")


def _as_datetime(value: object) -> datetime:
    if not isinstance(value, datetime):
        raise StoreError(f"expected a timestamp from PostgreSQL, got {value!r}")
    return value
