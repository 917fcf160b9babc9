"""Assignment: stable per unit, the split holds, the selector routes by it, records carry it."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from selection import ExperimentError, PerformanceRecord
from selection.abtest import assign, bucket
from selection.abtest.assignment import UnnamedCalls
from tests.selection.abtest.support import CHALLENGER, CHAMPION, TASK


def test_buckets_are_uniform_and_independent_across_tests():
    units = [f"user-{i}" for i in range(20_000)]
    a = np.array([bucket("test-1", u) for u in units])
    b = np.array([bucket("test-2", u) for u in units])
    assert stats.kstest(a, "uniform").pvalue > 0.001
    assert abs(stats.pearsonr(a, b).statistic) < 0.03
    assert bucket("test-1", "user-7") == bucket("test-1", "user-7")


@pytest.mark.parametrize("split", [0.5, 0.1, 0.9])
async def test_the_realised_split_matches_the_configured_one(manager, split):
    test_id = await manager.ab_test_manager.create_test(
        CHAMPION, CHALLENGER, TASK, traffic_split=split, test_id=f"split-{split}"
    )
    test = await manager.ab_test_manager.get_test(test_id)
    n = 100_000
    in_b = sum(assign(test, f"unit-{i}").arm == "b" for i in range(n))
    # Within binomial noise: 4 standard deviations, and the SRM test does not fire.
    assert abs(in_b - n * split) < 4 * np.sqrt(n * split * (1 - split))
    assert stats.chisquare([n - in_b, in_b], [n * (1 - split), n * split]).pvalue > 0.001


async def test_a_unit_always_lands_in_the_same_arm(manager):
    test_id = await manager.ab_test_manager.create_test(
        CHAMPION, CHALLENGER, TASK, unit="user", test_id="by-user"
    )
    served: dict[str, str] = {}
    for _ in range(3):
        for user in (f"user-{i}" for i in range(200)):
            model = await manager.get_optimal_model(TASK, unit_id=user, request_id="ignored")
            assert served.setdefault(user, model) == model
    assert set(served.values()) == {CHAMPION, CHALLENGER}
    test = await manager.ab_test_manager.get_test(test_id)
    assert all(assign(test, u).model_id == m for u, m in served.items())


async def test_routed_calls_are_recorded_with_their_arm(manager):
    test_id = await manager.ab_test_manager.create_test(
        CHAMPION, CHALLENGER, TASK, test_id="tagging"
    )
    test = await manager.ab_test_manager.get_test(test_id)
    for i in range(40):
        rec = await manager.recommend(TASK, request_id=f"r{i}")
        assert f"A/B test {test_id}" in rec.reasoning
        perf = {"quality_score": 0.8, "cost": 0.002, "response_time_ms": 900}
        record = await manager.update_model_performance(
            rec.recommended_model_id, TASK, perf, request_id=f"r{i}"
        )
        assert record.ab_test_id == test_id
        assert record.ab_arm == assign(test, f"r{i}").arm
        assert record.ab_phase == 0
    stored = await manager.store.fetch_records(limit=100)
    assert {r.ab_test_id for r in stored} == {test_id}
    sums = await manager.store.ab_arm_sums(test_id)
    assert sums[(0, "a")].records + sums[(0, "b")].records == 40


async def test_calls_outside_the_test_are_not_counted(manager):
    await manager.ab_test_manager.create_test(CHAMPION, CHALLENGER, TASK, test_id="outside")
    perf = {"quality_score": 0.8}
    # An id the test never routed: outside.
    record = await manager.update_model_performance(CHAMPION, TASK, perf, request_id="late-id")
    assert record.ab_test_id is None
    # No id, and no call routed without one: outside.
    record = await manager.update_model_performance(CHAMPION, TASK, perf)
    assert record.ab_test_id is None
    # Routed to one model, served another: left out.
    routed = await manager.get_optimal_model(TASK, request_id="r1")
    other = CHALLENGER if routed == CHAMPION else CHAMPION
    record = await manager.update_model_performance(other, TASK, perf, request_id="r1")
    assert record.ab_test_id is None
    assert await manager.store.ab_arm_sums("outside") == {}


async def test_calls_without_an_id_are_their_own_units(manager, rng):
    # The seed's Usage Example 3: create a test, route with get_optimal_model(task), record
    # with update_model_performance(model, task, perf), read the results. No ids anywhere.
    test_id = await manager.ab_test_manager.create_test(
        CHAMPION, CHALLENGER, TASK, test_id="unnamed"
    )
    served = []
    for _ in range(400):
        model = await manager.get_optimal_model(TASK)
        served.append(model)
        quality = float(np.clip(rng.normal(0.9 if model == CHALLENGER else 0.7, 0.05), 0, 1))
        record = await manager.update_model_performance(model, TASK, {"quality_score": quality})
        assert record.ab_test_id == test_id
        assert record.ab_arm == ("b" if model == CHALLENGER else "a")
    in_b = served.count(CHALLENGER)
    assert abs(in_b - 200) < 4 * np.sqrt(400 * 0.25)  # the 50/50 split, by fresh ids
    sums = await manager.store.ab_arm_sums(test_id)
    assert (sums[(0, "a")].records, sums[(0, "b")].records) == (400 - in_b, in_b)
    results = await manager.ab_test_manager.analyze_test_results(test_id)
    assert results["statistical_significance"]["status"] == "significant"


async def test_routed_without_an_id_recorded_for_another_model_stays_outside(manager):
    await manager.ab_test_manager.create_test(CHAMPION, CHALLENGER, TASK, test_id="other")
    routed = await manager.get_optimal_model(TASK)
    other = next(m.id for m in manager.catalog.active() if m.id not in (CHAMPION, CHALLENGER))
    record = await manager.update_model_performance(other, TASK, {"quality_score": 0.5})
    assert record.ab_test_id is None
    # The routed call's id is still there for its own record.
    record = await manager.update_model_performance(routed, TASK, {"quality_score": 0.5})
    assert record.ab_test_id == "other"


async def test_a_session_test_takes_a_call_without_a_session_as_its_own_unit(manager):
    await manager.ab_test_manager.create_test(
        CHAMPION, CHALLENGER, TASK, unit="session", test_id="sessions"
    )
    test = await manager.ab_test_manager.get_test("sessions")
    for i in range(20):
        rec = await manager.recommend(TASK, request_id=f"r{i}")
        assert rec.recommended_model_id == assign(test, f"r{i}").model_id
        record = await manager.update_model_performance(
            rec.recommended_model_id, TASK, {"quality_score": 0.8}, request_id=f"r{i}"
        )
        assert record.ab_test_id == "sessions"


def test_unnamed_calls_are_taken_oldest_first_and_bounded():
    calls = UnnamedCalls(capacity=3)
    for fresh, model in [("f1", "m1"), ("f2", "m2"), ("f3", "m1"), ("f4", "m1")]:
        calls.keep("t", model, fresh)
    assert len(calls) == 3  # f1 was forgotten
    assert calls.take("t", "m1") == "f3"
    assert calls.take("t", "m2") == "f2"
    assert calls.take("t", "m2") is None
    assert calls.take("other", "m1") is None
    assert calls.take("t", "m1") == "f4"
    assert len(calls) == 0
    with pytest.raises(ValueError, match="capacity"):
        UnnamedCalls(0)


async def test_a_pretagged_record_is_checked(manager):
    await manager.ab_test_manager.create_test(CHAMPION, CHALLENGER, TASK, test_id="pre")
    ok = {"ab_test_id": "pre", "ab_arm": "b", "ab_phase": 0, "quality_score": 0.9}
    record = await manager.update_model_performance(CHALLENGER, TASK, ok)
    assert record.ab_arm == "b"
    bad = [
        ({**ok, "ab_test_id": "nope"}, "unknown A/B test 'nope'"),
        ({**ok, "ab_arm": "a"}, "cannot be in arm 'a'"),
        ({**ok, "ab_phase": 4}, "phase 4"),
    ]
    for perf, message in bad:
        with pytest.raises(ExperimentError, match=message):
            await manager.update_model_performance(CHALLENGER, TASK, perf)
    with pytest.raises(ExperimentError, match="does not cover task"):
        await manager.update_model_performance(CHALLENGER, "creative_generation", ok)
    with pytest.raises(Exception, match="set together"):
        PerformanceRecord(model_id=CHAMPION, task_type=TASK, ab_test_id="pre")


async def test_requests_too_long_for_an_arm_stay_outside_for_both_arms(manager):
    # llama-3-70b has an 8k context: with a 100k-token request neither arm takes part.
    llama = "openrouter/llama-3-70b"
    await manager.ab_test_manager.create_test(llama, CHALLENGER, TASK, test_id="ctx")
    for i in range(30):
        rec = await manager.recommend(TASK, request_id=f"r{i}", min_context_length=100_000)
        assert rec.recommended_model_id != llama
        assert "A/B test" not in rec.reasoning
        record = await manager.update_model_performance(
            rec.recommended_model_id, TASK, {"quality_score": 0.8}, request_id=f"r{i}"
        )
        assert record.ab_test_id is None
