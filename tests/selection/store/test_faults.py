"""PostgreSQL faults on the wire: a lost COMMIT reply, an outage, a failed start (issue 17)."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import stat
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from selection import (
    DynamicModelManager,
    ModelCatalog,
    PerformanceRecord,
    PerformanceTracker,
    Router,
    SimClock,
)
from selection.errors import AmbiguousWriteError, StoreError, StoreUnavailableError
from selection.store.postgres import PostgresStore
from selection.store.sqlite import SqliteStore

from ._proxy import FaultyProxy

T0 = datetime(2026, 1, 1, tzinfo=UTC)
SONNET = "openrouter/claude-3-sonnet"


def rows(n: int, prefix: str = "r") -> list[dict[str, object]]:
    return [
        {
            "record_id": f"{prefix}{i}",
            "model_id": SONNET,
            "task_type": "logical_reasoning",
            "quality_score": (i % 10) / 10,
            "cost": 0.001,
            "timestamp": T0 + timedelta(seconds=i),
        }
        for i in range(n)
    ]


@pytest.fixture
async def proxy(pg_url: str) -> AsyncIterator[FaultyProxy]:
    proxy = FaultyProxy(pg_url)
    await proxy.start()
    yield proxy
    await proxy.stop()


def _sql_count(pg_url: str) -> int:
    with psycopg.connect(pg_url) as conn:
        row = conn.execute("SELECT COUNT(*) FROM model_performance_records").fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.postgres
@pytest.mark.parametrize("duplicates", [False, True], ids=["all-new", "some-stored"])
async def test_a_lost_commit_reply_is_reconciled_and_memory_equals_sql(proxy, pg_url, duplicates):
    async with PostgresStore(proxy.url, connect_timeout=2) as store:
        tracker = PerformanceTracker(store, Router(ModelCatalog.default(), clock=SimClock(T0)))
        await tracker.start()
        if duplicates:
            await tracker.record_many(rows(300)[:100])  # the slow path: ids already stored
        proxy.drop_next_commit_reply = True
        with pytest.raises(AmbiguousWriteError) as info:
            await tracker.record_many(rows(3000))
        assert proxy.commits_dropped == 1
        error = info.value
        assert error.reconciled
        assert "ambiguous" in str(error)
        assert "reconciled" in str(error)
        assert "\n" not in str(error)
        assert len(error.stored) == (2900 if duplicates else 3000)
        assert _sql_count(pg_url) == 3000
        assert tracker.total_records() == 3000  # memory equals SQL, nothing counted twice
        assert await tracker.record_many(rows(3000)) == 0  # the retry adds nothing
        sql = (await store.aggregates())[(SONNET, "logical_reasoning")]
        memory = tracker.stats(SONNET, "logical_reasoning")
        assert memory is not None
        assert memory.records == sql.records
        assert memory.total == pytest.approx(sql.total)


@pytest.mark.postgres
async def test_a_lost_connection_before_commit_is_reconciled_as_nothing_stored(proxy, pg_url):
    async with PostgresStore(proxy.url, connect_timeout=2) as store:
        tracker = PerformanceTracker(store, Router(ModelCatalog.default(), clock=SimClock(T0)))

        def cut_midway():  # the proxy goes down while the batch streams in
            for i, row in enumerate(rows(20_000)):
                if i == 10_000:
                    asyncio.get_running_loop().create_task(proxy.stop())
                yield row

        with pytest.raises(StoreUnavailableError) as info:
            await tracker.record_many(list(cut_midway()))
        await proxy.start()
        assert not (isinstance(info.value, AmbiguousWriteError) and info.value.stored)
        assert _sql_count(pg_url) == 0
        assert tracker.total_records() == 0


@pytest.mark.postgres
async def test_choosing_works_while_postgres_is_down_and_the_writes_catch_up(proxy, pg_url):
    catalog = ModelCatalog.default()
    store = PostgresStore(proxy.url, connect_timeout=1)
    async with DynamicModelManager(store=store, catalog=catalog) as manager:
        manager.recommendation_outbox.retry_seconds = (0.05, 0.2)
        first = await manager.get_optimal_model("logical_reasoning")
        await proxy.stop()
        chosen = []
        for task in ("pattern_recognition", "creative_generation", "logical_reasoning"):
            for factors in ({"quality": 1.0}, {"cost": 1.0}):
                chosen.append(await manager.get_optimal_model(task, factors))
        assert all(model in catalog for model in [first, *chosen])
        assert manager.recommendation_outbox.pending >= 5
        await proxy.start()
        assert await manager.recommendation_outbox.flush(wait_seconds=10)
        assert manager.recommendation_outbox.pending == 0
        latest = await manager.store.latest_recommendations()
    assert set(latest) == {"logical_reasoning", "pattern_recognition", "creative_generation"}
    with psycopg.connect(pg_url) as conn:
        row = conn.execute("SELECT COUNT(*) FROM model_recommendations").fetchone()
    assert row is not None
    assert row[0] == 7  # the first one and all six made during the outage, each once


@pytest.mark.postgres
async def test_a_failed_start_leaks_no_pool(pg_url):
    # A search path naming no schema: connecting works, creating the tables fails.
    broken = pg_url.split("?")[0] + "?options=-csearch_path%3Dno_such_schema_gp"
    manager = DynamicModelManager(broken)
    with pytest.raises(StoreError, match="creating the schema failed"):
        await manager.initialize()
    await asyncio.sleep(0)
    others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert others == []  # no pool workers left pending
    assert manager.store._pool is None  # type: ignore[attr-defined]


@pytest.mark.postgres
async def test_a_database_that_does_not_exist_says_so_in_one_line(pg_url, caplog):
    caplog.set_level(logging.WARNING)
    missing = pg_url.split("?")[0].rsplit("/", 1)[0] + "/no_such_database_gp"
    with pytest.raises(StoreUnavailableError) as info:
        await PostgresStore(missing, connect_timeout=1).open()
    message = str(info.value)
    assert 'database "no_such_database_gp" does not exist' in message
    assert "\n" not in message
    assert caplog.records == []  # no pool warnings before the error


@pytest.mark.postgres
async def test_an_unreachable_server_says_so_in_one_line_without_pool_noise(caplog):
    caplog.set_level(logging.WARNING)
    with pytest.raises(StoreUnavailableError) as info:
        await PostgresStore("postgresql://u:s3cret@127.0.0.1:1/db", connect_timeout=1).open()
    message = str(info.value)
    assert "cannot use PostgreSQL at" in message
    assert "s3cret" not in message
    assert "\n" not in message
    assert caplog.records == []


# -- SQLite: a second writer while a large batch is validated --------------------------


class _LockProbe(Sequence[dict[str, object]]):
    """Records whose middle one, when validation reads it, checks the write lock is free."""

    def __init__(self, items: list[dict[str, object]], path: str) -> None:
        self._items = items
        self._path = path
        self.lock_free_during_validation: list[bool] = []

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index):
        middle = len(self._items) // 2
        if index == middle or (isinstance(index, slice) and index.start == middle):
            other = sqlite3.connect(self._path, timeout=0, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
                self.lock_free_during_validation.append(True)
            except sqlite3.OperationalError:
                self.lock_free_during_validation.append(False)
            finally:
                other.close()
        return self._items[index]


async def test_sqlite_validates_before_taking_the_write_lock(tmp_path):
    path = str(tmp_path / "g.db")
    async with SqliteStore(path) as store:
        tracker = PerformanceTracker(store, Router(ModelCatalog.default(), clock=SimClock(T0)))
        probe = _LockProbe(rows(12_000), path)
        assert await tracker.record_many(probe) == 12_000
    assert probe.lock_free_during_validation == [True]


async def test_sqlite_lock_timeout_names_the_right_count(tmp_path):
    path = str(tmp_path / "g.db")
    async with SqliteStore(path, busy_timeout=0.2) as store:
        tracker = PerformanceTracker(store, Router(ModelCatalog.default(), clock=SimClock(T0)))
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(StoreUnavailableError) as info:
                await tracker.record_many(rows(10))
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert "writing 10 records failed" in str(info.value)
        assert "another writer held" in str(info.value)
        assert tracker.total_records() == 0
        assert await tracker.record_many(rows(10)) == 10  # the lock is free again


async def test_sqlite_waits_for_a_writer_longer_than_five_seconds_by_default(tmp_path):
    assert SqliteStore(tmp_path / "g.db").busy_timeout >= 30


async def test_sqlite_recommendation_writes_queue_while_locked(tmp_path):
    path = str(tmp_path / "g.db")
    async with DynamicModelManager(store=SqliteStore(path, busy_timeout=0.1)) as manager:
        manager.recommendation_outbox.retry_seconds = (0.05, 0.1)
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        await manager.get_optimal_model("logical_reasoning")
        assert manager.recommendation_outbox.pending == 1
        holder.execute("ROLLBACK")
        holder.close()
        assert await manager.recommendation_outbox.flush(wait_seconds=5)
        assert set(await manager.store.latest_recommendations()) == {"logical_reasoning"}


def test_sqlite_files_are_private(tmp_path):
    path = tmp_path / "g.db"

    async def write() -> None:
        async with SqliteStore(path) as store:
            await store.add_records([PerformanceRecord.model_validate(r) for r in rows(3)])

    asyncio.run(write())
    for file in tmp_path.iterdir():
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file.name
