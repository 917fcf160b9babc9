"""Storage for A/B tests: older databases gain the columns, big token counts sum safely."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import psycopg
import pytest

from selection import DynamicModelManager, PerformanceRecord, open_store
from tests.selection.abtest.support import CHALLENGER, CHAMPION, TASK

# The seed's tables as the first release created them: no A/B columns.
OLD_RECORDS = """
CREATE TABLE model_performance_records (
    record_id VARCHAR(255) PRIMARY KEY, model_id VARCHAR(255) NOT NULL,
    task_type VARCHAR(100) NOT NULL, prompt_hash VARCHAR(64) NOT NULL,
    response_time_ms {real}, token_count_input INTEGER, token_count_output INTEGER,
    cost {real}, quality_score {real}, consciousness_score {real}, creativity_score {real},
    accuracy_score {real}, reasoning_depth_score {real}, humor_score {real},
    user_rating {real}, error_occurred BOOLEAN NOT NULL DEFAULT FALSE,
    error_type VARCHAR(255), timestamp {time} NOT NULL, context_data {json} NOT NULL DEFAULT '{{}}'
);
CREATE TABLE ab_test_configurations (
    test_id VARCHAR(255) PRIMARY KEY, test_name VARCHAR(255) NOT NULL,
    model_a_id VARCHAR(255) NOT NULL, model_b_id VARCHAR(255) NOT NULL,
    task_types {array} NOT NULL, sample_size INTEGER, traffic_split {real},
    success_metrics {array}, duration_hours INTEGER, start_time {time}, status VARCHAR(50),
    results {json}
);
"""


def create_old_schema(url: str) -> None:
    if url.startswith("sqlite"):
        ddl = OLD_RECORDS.format(real="REAL", time="TEXT", json="TEXT", array="TEXT")
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            conn.executescript(ddl)
            conn.execute(
                "INSERT INTO model_performance_records (record_id, model_id, task_type, "
                "prompt_hash, quality_score, timestamp) VALUES "
                "('old', ?, ?, '', 0.8, '2026-01-01T00:00:00.000000+00:00')",
                (CHAMPION, TASK),
            )
    else:
        ddl = OLD_RECORDS.format(
            real="DOUBLE PRECISION", time="TIMESTAMPTZ", json="JSONB", array="TEXT[]"
        )
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(ddl)
            conn.execute(
                "INSERT INTO model_performance_records (record_id, model_id, task_type, "
                "prompt_hash, quality_score, timestamp) VALUES "
                "('old', %s, %s, '', 0.8, '2026-01-01T00:00:00Z')",
                (CHAMPION, TASK),
            )


async def test_an_older_database_gains_the_ab_columns(store_url):
    create_old_schema(store_url)
    async with DynamicModelManager(store_url) as manager:
        assert manager.performance_tracker.total_records() == 1
        test_id = await manager.ab_test_manager.create_test(CHAMPION, CHALLENGER, TASK)
        model = await manager.get_optimal_model(TASK, request_id="r1")
        record = await manager.update_model_performance(
            model, TASK, {"quality_score": 0.9}, request_id="r1"
        )
        assert record.ab_test_id == test_id
        stored = {r.record_id: r for r in await manager.store.fetch_records()}
        assert stored["old"].ab_test_id is None
        assert stored["r1"].ab_test_id == test_id
        sums = await manager.store.ab_arm_sums(test_id)
        assert sum(agg.records for agg in sums.values()) == 1
    async with DynamicModelManager(store_url) as again:  # and opening twice is harmless
        assert (await again.ab_test_manager.get_test(test_id)).status == "running"


async def test_token_counts_past_46341_sum_without_overflow(store_url):
    # PostgreSQL's INTEGER * INTEGER overflows at 2**31: the sums of squares must not.
    async with open_store(store_url) as store:
        record = PerformanceRecord(
            model_id=CHAMPION,
            task_type=TASK,
            token_count_input=120_000,
            timestamp=datetime(2026, 1, 1, tzinfo=UTC),
            ab_test_id="t",
            ab_arm="a",
            ab_phase=0,
        )
        await store.add_records([record])
        [agg] = (await store.aggregates()).values()
        assert agg.total_sq[1] == pytest.approx(120_000.0**2)
        assert (await store.ab_arm_sums("t"))[(0, "a")].total_sq[1] == pytest.approx(1.44e10)


async def test_sqlite_rolls_up_inserts_once_even_after_the_old_insert_trigger(sqlite_url):
    import sqlite3

    from selection.store._ab_sql import _sqlite_apply

    async with DynamicModelManager(sqlite_url) as manager:
        test_id = await manager.ab_test_manager.create_test(CHAMPION, CHALLENGER, TASK)
    # A database written before the store rolled up inserts itself kept an insert trigger.
    path = sqlite_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        conn.executescript(
            "CREATE TRIGGER gp_ab_sums_insert_v1 AFTER INSERT ON model_performance_records "
            f"WHEN NEW.ab_test_id IS NOT NULL BEGIN{_sqlite_apply('NEW', '')}\nEND;"
        )
    async with DynamicModelManager(sqlite_url) as manager:  # opening drops it
        for i in range(6):
            model = await manager.get_optimal_model(TASK, request_id=f"r{i}")
            await manager.update_model_performance(
                model,
                TASK,
                {"quality_score": 0.5 + i / 20, "response_time_ms": 900 + i},
                request_id=f"r{i}",
            )
        sums = await manager.store.ab_arm_sums(test_id)
        histograms = await manager.store.ab_latency_histograms(test_id)
        stored = [r for r in await manager.store.fetch_records() if r.ab_test_id == test_id]
    assert sum(agg.records for agg in sums.values()) == len(stored) == 6
    assert sum(sum(h.values()) for h in histograms.values()) == 6
    total = sum(agg.total[4] for agg in sums.values())  # quality_score
    assert total == pytest.approx(sum(r.quality_score or 0.0 for r in stored))
