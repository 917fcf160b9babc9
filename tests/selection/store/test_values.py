"""Every value a store accepts is physically sensible, read back exactly, and cannot poison it.

Issue 17, items 1 and 2 and the store side of its lower-severity list, on both stores.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from pydantic import ValidationError

from selection import (
    DynamicModelManager,
    InvalidRecordError,
    ModelCatalog,
    PerformanceRecord,
    PerformanceTracker,
    Router,
    SimClock,
    open_store,
)
from selection.errors import StoreError
from selection.records import METRIC_COLUMNS, METRIC_RANGES

from ._raw import raw_execute

T0 = datetime(2026, 1, 1, tzinfo=UTC)
SONNET = "openrouter/claude-3-sonnet"


def rec(i: int, **fields: object) -> PerformanceRecord:
    data: dict[str, object] = {
        "record_id": f"r{i}",
        "model_id": SONNET,
        "task_type": "logical_reasoning",
        "quality_score": 0.5,
        "cost": 0.01,
        "response_time_ms": 800.0,
        "timestamp": T0 + timedelta(minutes=i),
        **fields,
    }
    return PerformanceRecord.model_validate(data)


def test_every_metric_has_a_range():
    assert set(METRIC_RANGES) == set(METRIC_COLUMNS)
    for low, high in METRIC_RANGES.values():
        assert 0 <= low < high
        assert high * high * 1e12 < 1e300  # sums of squares of 10^12 rows stay finite


@pytest.mark.parametrize("column", METRIC_COLUMNS)
def test_a_value_past_its_range_is_refused_with_a_clear_error(column):
    low, high = METRIC_RANGES[column]
    over = high + 1 if isinstance(high, int) else high * 1.0001
    with pytest.raises(InvalidRecordError) as info:
        PerformanceRecord.from_performance(SONNET, "logical_reasoning", {column: over})
    message = str(info.value)
    assert column in message
    assert "less than or equal" in message
    assert "\n" not in message
    with pytest.raises(InvalidRecordError, match=column):
        PerformanceRecord.from_performance(SONNET, "logical_reasoning", {column: low - 1})


@pytest.mark.parametrize(
    ("field", "value"),
    [("cost", 1e300), ("response_time_ms", 1e200), ("token_count_input", 10**30)],
)
def test_the_probes_poison_values_are_refused(field, value):
    with pytest.raises(InvalidRecordError, match=field):
        PerformanceRecord.from_performance(SONNET, "logical_reasoning", {field: value})


async def test_the_largest_accepted_values_read_back_exactly(store):
    top = {column: high for column, (_, high) in METRIC_RANGES.items()}
    bottom = {column: low for column, (low, _) in METRIC_RANGES.items()}
    records = [rec(1, **top), rec(2, **bottom)]
    assert await store.add_records(records) == records
    back = sorted(await store.fetch_records(), key=lambda r: r.record_id)
    assert back == records
    assert back[0].token_count_input == 1_000_000_000
    [agg] = (await store.aggregates()).values()
    tokens = METRIC_COLUMNS.index("token_count_output")
    assert agg.total[tokens] == 1_000_000_000
    assert agg.total_sq[tokens] == 1e18


async def test_memory_equals_sql_at_the_largest_tokens(store_url):
    async with open_store(store_url) as store:
        tracker = PerformanceTracker(store, Router(ModelCatalog.default(), clock=SimClock(T0)))
        await tracker.start()
        await tracker.record_many([rec(i, token_count_input=10**9) for i in range(5)])
        memory = tracker.stats(SONNET, "logical_reasoning")
        [sql] = (await store.aggregates()).values()
    assert memory is not None
    assert memory.total == pytest.approx(sql.total, rel=1e-12)
    assert memory.total_sq == pytest.approx(sql.total_sq, rel=1e-12)


@pytest.mark.parametrize("tokens", [2**31, 2**32 + 5])
def test_token_counts_that_wrapped_int4_are_refused(tokens):
    with pytest.raises(InvalidRecordError, match="token_count_input"):
        PerformanceRecord.from_performance(
            SONNET, "logical_reasoning", {"token_count_input": tokens}
        )


async def test_aggregates_ignore_poison_already_in_the_table(store, store_url):
    """A row written behind the store's back (or before the ranges) cannot break a read."""
    await store.add_records([rec(1), rec(2)])
    columns = "record_id, model_id, task_type, prompt_hash, cost, response_time_ms, timestamp"
    poison = [
        ("p1", 1e300, 1e200),
        ("p2", 1.7e308, 1.7e308),
        ("p3", -5.0, 1e30),
    ]
    for record_id, cost, latency in poison:
        raw_execute(
            store_url,
            f"INSERT INTO model_performance_records ({columns}) "
            "VALUES (%s, %s, %s, '', %s, %s, %s)",
            [record_id, SONNET, "logical_reasoning", cost, latency, T0.isoformat()],
        )
    [agg] = (await store.aggregates()).values()
    assert agg.records == 5  # every row is counted as a call...
    cost = METRIC_COLUMNS.index("cost")
    latency = METRIC_COLUMNS.index("response_time_ms")
    assert agg.count[cost] == 2  # ...no poison value
    assert agg.total[cost] == pytest.approx(0.02)
    assert agg.count[latency] == 2
    assert agg.total_sq[latency] == pytest.approx(2 * 800.0**2)
    assert all(math.isfinite(v) for v in (*agg.total, *agg.total_sq))


async def test_a_manager_starts_and_recommends_over_a_poisoned_table(store_url):
    async with open_store(store_url) as store:
        await store.add_records([rec(1)])
    raw_execute(
        store_url,
        "UPDATE model_performance_records SET cost = %s, response_time_ms = %s",
        [1e300, 1e200],
    )
    async with DynamicModelManager(store_url) as manager:
        assert await manager.get_optimal_model("logical_reasoning") in ModelCatalog.default()
        status = await manager.get_system_status()
    assert status


# -- what the two stores must agree on ---------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"context_data": {"x": float("nan")}}, "context_data"),
        ({"context_data": {"x": [float("inf")]}}, "context_data"),
        ({"context_data": {"x": "a\x00b"}}, "context_data"),
        ({"context_data": {"a\x00": 1}}, "context_data"),
        ({"context_data": {"x": {1, 2}}}, "context_data"),
        ({"context_data": {"x": object()}}, "context_data"),
        ({"record_id": "a\x00b"}, "record_id"),
        ({"prompt_hash": "\x00"}, "prompt_hash"),
        ({"error_occurred": True, "error_type": "x\x00"}, "error_type"),
    ],
)
async def test_what_one_store_could_not_hold_is_refused_before_either(tracker_url, fields, named):
    async with open_store(tracker_url) as store:
        tracker = PerformanceTracker(store, Router(ModelCatalog.default(), clock=SimClock(T0)))
        good = rec(1).model_dump()
        with pytest.raises(InvalidRecordError, match=named):
            await tracker.record_many([good, {**rec(2).model_dump(), **fields}])
        assert await store.count_records() == 0


@pytest.fixture
def tracker_url(store_url: str) -> str:
    return store_url


async def test_json_that_both_stores_hold_reads_back_equal(store):
    context = {
        "escaped_backslash_u": "\\u0000 is six characters",
        "unicode": "naïve ☃ \U0001f600",
        "big": 2**62,
        "tiny": 5e-324,
        "nested": {"list": [1, 2.5, None, True, "x"]},
    }
    original = rec(1, context_data=context)
    await store.add_records([original])
    [back] = await store.fetch_records()
    assert back == original


@pytest.mark.parametrize("performance", [None, 3, "quality_score=1", ["quality_score"]])
async def test_a_performance_that_is_not_a_mapping_is_a_clear_error(sqlite_url, performance):
    async with DynamicModelManager(sqlite_url) as manager:
        with pytest.raises(InvalidRecordError, match="performance must be a mapping"):
            await manager.update_model_performance(SONNET, "logical_reasoning", performance)


def test_model_copy_and_model_construct_cannot_bypass_validation():
    good = rec(1)
    with pytest.raises(ValidationError):
        good.model_copy(update={"cost": 1e300})
    with pytest.raises(ValidationError):
        good.model_copy(update={"context_data": {"x": float("nan")}})
    with pytest.raises(ValidationError):
        PerformanceRecord.model_construct(**{**good.model_dump(), "response_time_ms": -1.0})
    assert good.model_copy(update={"cost": 0.5}).cost == 0.5
    assert PerformanceRecord.model_construct(**good.model_dump()) == good


@pytest.mark.postgres
async def test_old_int4_token_columns_are_migrated_to_bigint(pg_url):
    """A database created before 64-bit tokens: its rows stay, its columns widen, once."""
    raw_execute(
        pg_url,
        """CREATE TABLE model_performance_records (
            record_id VARCHAR(255) PRIMARY KEY, model_id VARCHAR(255) NOT NULL,
            task_type VARCHAR(100) NOT NULL, prompt_hash VARCHAR(64) NOT NULL,
            response_time_ms DOUBLE PRECISION, token_count_input INTEGER,
            token_count_output INTEGER, cost DOUBLE PRECISION, quality_score DOUBLE PRECISION,
            consciousness_score DOUBLE PRECISION, creativity_score DOUBLE PRECISION,
            accuracy_score DOUBLE PRECISION, reasoning_depth_score DOUBLE PRECISION,
            humor_score DOUBLE PRECISION, user_rating DOUBLE PRECISION,
            error_occurred BOOLEAN NOT NULL DEFAULT FALSE, error_type VARCHAR(255),
            timestamp TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
            context_data JSONB NOT NULL DEFAULT '{}')""",
    )
    raw_execute(
        pg_url,
        "INSERT INTO model_performance_records (record_id, model_id, task_type, prompt_hash, "
        "token_count_input, token_count_output) VALUES ('old', %s, 'logical_reasoning', '', "
        "2000000000, 7)",
        [SONNET],
    )

    def token_types() -> set[str]:
        with psycopg.connect(pg_url) as conn:
            rows = conn.execute(
                "SELECT data_type FROM information_schema.columns WHERE table_schema = "
                "current_schema() AND column_name LIKE 'token_count_%%'"
            ).fetchall()
        return {row[0] for row in rows}

    assert token_types() == {"integer"}
    async with open_store(pg_url) as store:
        await store.add_records([rec(1, token_count_input=10**9, token_count_output=10**9)])
        with pytest.raises(StoreError, match=r"stored record 'old'.*token_count_input"):
            await store.fetch_records()  # 2e9 is past the range: said in one line
        raw_execute(
            pg_url,
            "UPDATE model_performance_records SET token_count_input = 5 WHERE record_id = %s",
            ["old"],
        )
        back = {r.record_id: r for r in await store.fetch_records()}
    assert token_types() == {"bigint"}
    assert back["old"].token_count_output == 7
    assert back["r1"].token_count_input == 10**9
    async with open_store(pg_url) as again:  # the migration is a no-op the second time
        assert await again.count_records() == 2
