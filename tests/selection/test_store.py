"""One suite, both stores: schema, writes, dedupe, aggregates in SQL, recommendations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from selection import Aggregate, PerformanceRecord, Recommendation, open_store
from selection.errors import ConfigError, StoreError

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def rec(
    i: int, *, model: str = "m1", task: str = "logical_reasoning", **fields
) -> PerformanceRecord:
    data = {
        "record_id": f"r{i}",
        "model_id": model,
        "task_type": task,
        "quality_score": (i % 10) / 10,
        "cost": 0.001 * i,
        "response_time_ms": 100.0 + i,
        "timestamp": T0 + timedelta(minutes=i),
    }
    data.update(fields)
    return PerformanceRecord(**data)


async def test_open_twice_is_harmless(store_url):
    async with open_store(store_url) as first:
        await first.add_records([rec(1)])
    async with open_store(store_url) as again:
        await again.open()  # and once more on an open store
        assert await again.count_records() == 1


async def test_round_trip_keeps_every_field(store):
    original = rec(
        7,
        prompt_hash="ab" * 32,
        token_count_input=150,
        token_count_output=300,
        consciousness_score=0.95,
        creativity_score=0.75,
        accuracy_score=0.92,
        reasoning_depth_score=0.5,
        humor_score=0.25,
        user_rating=1.0,
        error_occurred=True,
        error_type="timeout",
        context_data={"arm": "b", "nested": {"k": [1, 2]}},
    )
    assert await store.add_records([original]) == [original]
    [back] = await store.fetch_records()
    assert back == original


async def test_a_stored_id_is_not_counted_twice(store):
    await store.add_records([rec(1), rec(2)])
    stored = await store.add_records([rec(2), rec(3), rec(1, quality_score=0.0)])
    assert [r.record_id for r in stored] == ["r3"]
    assert await store.count_records() == 3
    [(_, agg)] = (await store.aggregates()).items()
    assert agg.records == 3
    [r1] = [r for r in await store.fetch_records() if r.record_id == "r1"]
    assert r1.quality_score == pytest.approx(0.1)  # the first write stands


async def test_aggregates_equal_python_sums(store):
    records = [rec(i, model=f"m{i % 3}", error_occurred=i % 7 == 0) for i in range(1, 200)]
    records.append(rec(500, model="m0", quality_score=None, cost=None))
    await store.add_records(records)
    found = await store.aggregates(task="logical_reasoning")
    for model in ("m0", "m1", "m2"):
        expected = Aggregate()
        for r in records:
            if r.model_id == model:
                expected.add(r.metric_values(), r.error_occurred)
        got = found[(model, "logical_reasoning")]
        assert got.records == expected.records
        assert got.errors == expected.errors
        assert got.count == expected.count
        assert got.total == pytest.approx(expected.total)
        assert got.total_sq == pytest.approx(expected.total_sq)


async def test_aggregates_filter_by_time_model_and_task(store):
    await store.add_records([rec(i) for i in range(10)] + [rec(99, task="pattern_recognition")])
    since = T0 + timedelta(minutes=5)
    found = await store.aggregates(task="logical_reasoning", models=["m1"], since=since)
    assert found[("m1", "logical_reasoning")].records == 5
    assert await store.aggregates(models=["nobody"]) == {}


async def test_recommendations_latest_per_task(store):
    def recommendation(task: str, model: str, minute: int) -> Recommendation:
        return Recommendation(
            task_type=task,
            recommended_model_id=model,
            confidence_score=0.5,
            reasoning="because",
            expected_performance={"quality": 0.8},
            cost_estimate=None,
            alternative_models=("x", "y"),
            recommendation_factors={"quality": 1.0},
            timestamp=T0 + timedelta(minutes=minute),
        )

    old = recommendation("logical_reasoning", "a", 1)
    new = recommendation("logical_reasoning", "b", 2)
    other = recommendation("pattern_recognition", "c", 1)
    for r in (old, new, other):
        await store.add_recommendation(r)
    latest = await store.latest_recommendations()
    assert latest == {"logical_reasoning": new, "pattern_recognition": other}


async def test_ab_test_rows_upsert(store):
    row = {
        "test_id": "t1",
        "test_name": "sonnet vs gpt",
        "model_a_id": "a",
        "model_b_id": "b",
        "task_types": ["logical_reasoning"],
        "sample_size": 100,
        "traffic_split": 0.5,
        "success_metrics": ["quality_score"],
        "duration_hours": 48,
        "start_time": T0,
        "status": "running",
        "results": None,
    }
    await store.save_ab_test(row)
    await store.save_ab_test({**row, "status": "stopped", "results": {"winner": "b"}})
    assert await store.ab_tests(status="running") == []
    [saved] = await store.ab_tests()
    assert saved == {**row, "status": "stopped", "results": {"winner": "b"}}


async def test_unopened_store_says_so(store_url):
    store = open_store(store_url)
    with pytest.raises(StoreError, match="not open"):
        await store.count_records()


@pytest.mark.parametrize("url", ["mysql://x", "nonsense", "sqlite://", "sqlite:///"])
def test_bad_urls_are_config_errors(url):
    with pytest.raises(ConfigError):
        open_store(url)


async def test_sqlite_missing_folder_is_unavailable(tmp_path):
    from selection.errors import StoreUnavailableError

    store = open_store(f"sqlite:///{tmp_path}/no/such/dir/x.db")
    with pytest.raises(StoreUnavailableError, match="folder does not exist"):
        await store.open()
    await store.aclose()


@pytest.mark.postgres
async def test_postgres_unreachable_is_unavailable_and_hides_password():
    from selection.errors import StoreUnavailableError
    from selection.store.postgres import PostgresStore

    store = PostgresStore("postgresql://u:s3cret@127.0.0.1:1/db", connect_timeout=1)
    with pytest.raises(StoreUnavailableError) as info:
        await store.open()
    assert "s3cret" not in str(info.value)
    assert "s3cret" not in repr(store)
