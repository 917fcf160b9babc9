"""The tracker on both stores: validation at the door, restarts, concurrency, windows."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from selection import (
    DynamicModelManager,
    InvalidRecordError,
    ModelCatalog,
    PerformanceTracker,
    Router,
    SimClock,
    TaskType,
    UnknownModelError,
    UnknownTaskError,
    open_store,
)

T0 = datetime(2026, 3, 1, tzinfo=UTC)
SONNET = "openrouter/claude-3-sonnet"
MIXTRAL = "openrouter/mixtral-8x7b"


def perf(quality: float = 0.8, **extra) -> dict:
    return {"quality_score": quality, "cost": 0.002, "response_time_ms": 900, **extra}


@pytest.fixture
def clock() -> SimClock:
    return SimClock(T0)


@pytest.fixture
async def tracker(store_url, clock):
    async with open_store(store_url) as store:
        tracker = PerformanceTracker(store, Router(ModelCatalog.default(), clock=clock))
        await tracker.start()
        yield tracker


def row(model: str = SONNET, task: str = "logical_reasoning", **fields) -> dict:
    return {"model_id": model, "task_type": task, **perf(), **fields}


@pytest.mark.parametrize(
    ("bad", "error", "named"),
    [
        (row(quality_score=1.2), InvalidRecordError, "quality_score"),
        (row(cost=-0.01), InvalidRecordError, "cost"),
        (row(response_time_ms=float("nan")), InvalidRecordError, "response_time_ms"),
        (row(token_count_input=-5), InvalidRecordError, "token_count_input"),
        (row(cost=float("inf")), InvalidRecordError, "cost"),
        (row(model="openrouter/no-such-model"), UnknownModelError, "no-such-model"),
        (row(task="astrology"), UnknownTaskError, "astrology"),
    ],
    ids=["score>1", "negative cost", "nan time", "negative tokens", "inf cost", "model", "task"],
)
async def test_a_bad_record_rejects_its_whole_batch(tracker, bad, error, named):
    good = [row(record_id=f"ok{i}") for i in range(5)]
    with pytest.raises(error, match=named):
        await tracker.record_many([*good, bad])
    assert await tracker.store.count_records() == 0
    assert tracker.total_records() == 0


async def test_the_same_id_twice_in_one_batch_is_refused(tracker):
    with pytest.raises(InvalidRecordError, match="appears twice"):
        await tracker.record_many([row(record_id="x"), row(record_id="x")])
    assert await tracker.store.count_records() == 0


async def test_an_id_repeated_in_a_later_chunk_is_named_and_nothing_written(tracker):
    batch = [row(record_id=f"r{i}", timestamp=T0) for i in range(5003)]  # two chunks
    batch[5002] = row(record_id="r7", timestamp=T0)
    with pytest.raises(InvalidRecordError, match=r"record 5002: record_id 'r7' appears twice"):
        await tracker.record_many(batch)
    assert await tracker.store.count_records() == 0
    assert tracker.total_records() == 0


async def test_records_without_time_are_stamped_by_the_clock(tracker, clock):
    clock.advance(timedelta(hours=2))
    await tracker.record(row(record_id="a"))
    [stored] = await tracker.store.fetch_records()
    assert stored.timestamp == T0 + timedelta(hours=2)


async def test_custom_task_types_work_once_declared(tracker):
    with pytest.raises(UnknownTaskError):
        await tracker.record(row(task="legal_review"))
    tracker.catalog.declare_task("legal_review")
    assert await tracker.record(row(task="legal_review"))
    assert tracker.stats(SONNET, "legal_review").records == 1


async def test_a_restart_forgets_nothing(store_url, clock):
    async with DynamicModelManager(store_url, clock=clock) as first:
        for i in range(30):
            await first.update_model_performance(
                SONNET, TaskType.LOGICAL_REASONING, perf(0.5 + i / 100), request_id=f"q{i}"
            )
        before = first.performance_tracker.stats(SONNET, TaskType.LOGICAL_REASONING)
        choice = await first.get_optimal_model(TaskType.LOGICAL_REASONING)
    async with DynamicModelManager(store_url, clock=clock) as second:
        after = second.performance_tracker.stats(SONNET, TaskType.LOGICAL_REASONING)
        assert after.records == before.records == 30
        assert after.total == pytest.approx(before.total)
        assert await second.get_optimal_model(TaskType.LOGICAL_REASONING) == choice
        # re-sending an already stored request id changes nothing
        await second.update_model_performance(
            SONNET, TaskType.LOGICAL_REASONING, perf(0.0), request_id="q0"
        )
        assert second.performance_tracker.stats(SONNET, "logical_reasoning").records == 30


async def test_concurrent_writers_lose_nothing_and_memory_equals_sql(store_url, clock):
    models = [SONNET, MIXTRAL, "openrouter/gemini-pro", "openrouter/gpt-4-turbo"]
    tasks = [TaskType.LOGICAL_REASONING, TaskType.CREATIVE_GENERATION]
    async with DynamicModelManager(store_url, clock=clock) as manager:

        async def writer(w: int) -> None:
            for i in range(200):
                await manager.update_model_performance(
                    models[(w + i) % len(models)],
                    tasks[i % 2],
                    perf((w * 200 + i) % 97 / 97, cost=0.001 * (i % 5), error_occurred=i % 13 == 0),
                    request_id=f"w{w}-{i}",
                )

        await asyncio.gather(*(writer(w) for w in range(50)))
        assert await manager.store.count_records() == 10_000
        in_sql = await manager.store.aggregates()
        tracker = manager.performance_tracker
        assert tracker.total_records() == 10_000
        for (model, task), sql in in_sql.items():
            memory = tracker.stats(model, task)
            assert memory.records == sql.records
            assert memory.errors == sql.errors
            assert memory.count == sql.count
            assert memory.total == pytest.approx(sql.total, rel=1e-9)
            assert memory.total_sq == pytest.approx(sql.total_sq, rel=1e-9)


async def test_window_statistics_come_from_the_database(tracker, clock):
    old = [row(record_id=f"old{i}", quality_score=0.2, timestamp=T0) for i in range(5)]
    await tracker.record_many(old)
    clock.advance(timedelta(hours=48))
    await tracker.record_many([row(record_id=f"new{i}", quality_score=0.9) for i in range(3)])
    recent = await tracker.window_stats("logical_reasoning", time_window_hours=24)
    assert recent[SONNET].records == 3
    assert recent[SONNET].mean("quality_score") == pytest.approx(0.9)
    everything = await tracker.window_stats("logical_reasoning", time_window_hours=72)
    assert everything[SONNET].records == 8
    with pytest.raises(ValueError, match="time_window_hours"):
        await tracker.window_stats("logical_reasoning", time_window_hours=0)


async def test_compare_models_ranks_each_statistic(tracker):
    await tracker.record_many(
        [row(SONNET, record_id=f"s{i}", quality_score=0.9, cost=0.02) for i in range(4)]
        + [row(MIXTRAL, record_id=f"m{i}", quality_score=0.6, cost=0.001) for i in range(4)]
    )
    report = await tracker.compare_models(
        [SONNET, MIXTRAL, "openrouter/gpt-4-turbo"], "logical_reasoning", time_window_hours=168
    )
    assert report["rankings"]["avg_quality_score"] == [SONNET, MIXTRAL]
    assert report["rankings"]["avg_cost"] == [MIXTRAL, SONNET]
    assert report["models"]["openrouter/gpt-4-turbo"] == {"error": "no data"}
    assert report["models"][SONNET]["total_requests"] == 4
    assert report["models"][SONNET]["std_quality_score"] == pytest.approx(0.0)
    with pytest.raises(UnknownModelError):
        await tracker.compare_models(["nope"], "logical_reasoning")
