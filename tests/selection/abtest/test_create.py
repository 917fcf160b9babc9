"""Creating tests: the seed's Usage Example 3 as written, the power analysis, bad input."""

from __future__ import annotations

import math

import pytest

from selection import (
    DynamicModelManager,
    ExperimentError,
    Guardrail,
    TaskType,
    UnknownModelError,
    UnknownTaskError,
)
from selection.abtest.planning import DEFAULT_SCORE_SD
from selection.stats import sample_size_means
from tests.selection.abtest.support import CHALLENGER, CHAMPION, TASK

DATABASE_URL = ""


@pytest.fixture(autouse=True)
def _seed_url(store_url, monkeypatch):
    monkeypatch.setitem(globals(), "DATABASE_URL", store_url)


# --- Usage Example 3, as the seed writes it (import line aside) ------------------------


async def setup_model_comparison():
    manager = DynamicModelManager(DATABASE_URL)

    # Test Claude vs GPT-4 for consciousness tasks
    test_id = await manager.create_model_comparison_test(
        TaskType.CONSCIOUSNESS_PROCESSING, challenger_model_id="openrouter/gpt-4-turbo"
    )

    print(f"A/B test created: {test_id}")

    # After 48 hours, check results
    results = await manager.ab_test_manager.analyze_test_results(test_id)
    print(f"Winner: {results['winner']}")
    print(f"Statistical significance: {results['statistical_significance']['status']}")
    await manager.close()  # (not in the seed: release the connections)
    return test_id


async def test_usage_example_3(capsys):
    test_id = await setup_model_comparison()
    out = capsys.readouterr().out
    assert f"A/B test created: {test_id}" in out
    assert "Winner: None" in out
    assert "Statistical significance: insufficient data" in out


async def test_a_restart_loses_no_test():
    test_id = await setup_model_comparison()
    async with DynamicModelManager(DATABASE_URL) as again:
        [test] = await again.ab_test_manager.list_tests()
        assert test.test_id == test_id
        assert test.status == "running"
        assert test.spec.model_b_id == "openrouter/gpt-4-turbo"
        assert test.spec.task_types == ("consciousness_processing",)
        champion = test.spec.model_a_id
        assert again.ab_test_manager.active_test("consciousness_processing") == test
        status = await again.get_system_status()
    assert status["active_ab_tests"] == 1
    assert status["ab_tests"][0]["champion"] == champion
    # The seed's columns hold the seed's meaning.
    async with DynamicModelManager(DATABASE_URL) as again:
        [row] = await again.store.ab_tests()
    assert row["model_a_id"] == champion
    assert row["task_types"] == ["consciousness_processing"]
    assert row["success_metrics"] == ["quality_score"]
    assert row["traffic_split"] == 0.5
    assert row["status"] == "running"
    assert row["results"]["statistical_significance"]["status"] == "insufficient data"


async def test_the_champion_is_the_current_recommendation(manager):
    current = await manager.get_optimal_model(TASK)
    test_id = await manager.create_model_comparison_test(TASK, CHALLENGER)
    test = await manager.ab_test_manager.get_test(test_id)
    assert test.spec.model_a_id == current
    assert test.spec.model_b_id == CHALLENGER


# --- the power analysis ------------------------------------------------------------------


async def test_sample_size_comes_from_a_power_analysis(manager):
    test_id = await manager.ab_test_manager.create_test(
        CHAMPION, CHALLENGER, TASK, mde=0.05, alpha=0.05, power=0.8, traffic_split=0.2
    )
    test = await manager.ab_test_manager.get_test(test_id)
    prior = manager.catalog.get(CHAMPION).quality_prior
    fixed = sample_size_means(prior, DEFAULT_SCORE_SD, 0.05, alpha=0.05, power=0.8)
    # Always-valid boundary at the plan: sqrt(1 + u) = 3.04 standard errors, not 1.96.
    inflation = ((math.sqrt(1 + 8.2118) + 0.8416) / (1.96 + 0.8416)) ** 2
    assert test.plan.fixed_horizon_n_per_arm == math.ceil(fixed.n_exact)
    assert test.plan.planned_n_per_arm == pytest.approx(fixed.n_exact * inflation, abs=1.0)
    assert test.plan.baseline_source == "default"
    # A 20/80 split needs 1 / (2 * 0.2 * 0.8) times the units of an even one.
    assert test.sample_size == math.ceil(test.plan.planned_n_per_arm / (2 * 0.2 * 0.8))


async def test_observed_baseline_and_given_sample_size(manager, rng):
    records = [
        {"model_id": CHAMPION, "task_type": TASK, "quality_score": float(q)}
        for q in rng.normal(0.8, 0.05, 200).clip(0, 1)
    ]
    await manager.performance_tracker.record_many(records)
    test_id = await manager.ab_test_manager.create_test(CHAMPION, CHALLENGER, TASK, mde=0.02)
    test = await manager.ab_test_manager.get_test(test_id)
    assert test.plan.baseline_source == "observed"
    assert test.plan.baseline_mean == pytest.approx(0.8, abs=0.01)
    assert test.plan.baseline_sd == pytest.approx(0.05, rel=0.15)
    await manager.ab_test_manager.stop_test(test_id)
    given = await manager.ab_test_manager.create_test(CHAMPION, CHALLENGER, TASK, sample_size=999)
    test = await manager.ab_test_manager.get_test(given)
    assert (test.sample_size, test.plan.baseline_source) == (999, "given")


# --- bad input: a clear error, and nothing written ---------------------------------------


@pytest.mark.parametrize(
    ("args", "options", "error", "message"),
    [
        ((CHAMPION, "openrouter/no-such-model", TASK), {}, UnknownModelError, "no-such-model"),
        (("nope/model", CHALLENGER, TASK), {}, UnknownModelError, "nope/model"),
        ((CHAMPION, CHALLENGER, "astrology"), {}, UnknownTaskError, "astrology"),
        ((CHAMPION, CHAMPION, TASK), {}, ExperimentError, "both arms use"),
        ((CHAMPION, CHALLENGER, TASK), {"traffic_split": 0.0}, ExperimentError, "traffic_split"),
        ((CHAMPION, CHALLENGER, TASK), {"traffic_split": 1.0}, ExperimentError, "traffic_split"),
        ((CHAMPION, CHALLENGER, TASK), {"traffic_split": 1.5}, ExperimentError, "traffic_split"),
        ((CHAMPION, CHALLENGER, TASK), {"traffic_split": -0.2}, ExperimentError, "traffic_split"),
        ((CHAMPION, CHALLENGER, TASK), {"success_metrics": ["vibes"]}, ExperimentError, "vibes"),
        ((CHAMPION, CHALLENGER, TASK), {"duration_hours": 0}, ExperimentError, "duration_hours"),
        ((CHAMPION, CHALLENGER, TASK), {"colour": "red"}, ExperimentError, "colour"),
        (
            (CHAMPION, CHALLENGER, TASK),
            {"guardrails": [Guardrail(metric="cost", margin=0.1)], "success_metrics": ["cost"]},
            ExperimentError,
            "both a success metric and a guardrail",
        ),
        (
            (CHAMPION, CHALLENGER, TASK),
            {"success_metrics": ["cost"], "guardrails": []},
            ExperimentError,
            "give sample_size",
        ),
    ],
    ids=[
        "unknown challenger",
        "unknown champion",
        "unknown task",
        "same model",
        "split 0",
        "split 1",
        "split 1.5",
        "split negative",
        "unknown metric",
        "no duration",
        "unknown option",
        "metric twice",
        "no baseline",
    ],
)
async def test_bad_input_is_refused_and_nothing_written(manager, args, options, error, message):
    with pytest.raises(error, match=message):
        await manager.ab_test_manager.create_test(*args, **options)
    assert await manager.store.load_ab_tests() == []
    assert manager.ab_test_manager.active_test(TASK) is None


async def test_two_running_tests_on_one_task_are_refused(manager):
    first = await manager.create_model_comparison_test(TASK, CHALLENGER)
    with pytest.raises(ExperimentError, match=f"{first}.*already running on 'logical_reasoning'"):
        await manager.ab_test_manager.create_test(CHAMPION, "openrouter/mixtral-8x7b", TASK)
    assert len(await manager.store.load_ab_tests()) == 1
    await manager.ab_test_manager.stop_test(first)
    await manager.ab_test_manager.create_test(CHAMPION, "openrouter/mixtral-8x7b", TASK)


async def test_the_challenger_cannot_be_the_champion(manager):
    current = await manager.get_optimal_model(TASK)
    with pytest.raises(ExperimentError, match="both arms use"):
        await manager.create_model_comparison_test(TASK, current)


async def test_a_challenger_that_breaches_the_task_limits_is_refused(manager):
    # consciousness_processing allows at most $0.05 a request; Opus costs more.
    with pytest.raises(ExperimentError, match=r"claude-3-opus.*cannot serve"):
        await manager.create_model_comparison_test(
            TaskType.CONSCIOUSNESS_PROCESSING, "openrouter/claude-3-opus"
        )


async def test_unknown_test_ids_are_clear_errors(manager):
    ab = manager.ab_test_manager
    for call in (ab.analyze_test_results, ab.stop_test, ab.get_test):
        with pytest.raises(ExperimentError, match="unknown A/B test 'ab-nope'"):
            await call("ab-nope")


async def test_analysis_before_any_data_says_so(manager):
    test_id = await manager.create_model_comparison_test(TASK, CHALLENGER)
    for mode in ("sequential", "fixed"):
        results = await manager.ab_test_manager.analyze_test_results(test_id, mode=mode)
        assert results["statistical_significance"]["status"] == "insufficient data"
        assert results["winner"] is None
        assert results["sample_ratio"]["p_value"] is None
        assert results["metrics"]["quality_score"]["error"] == "insufficient_data"
    with pytest.raises(ExperimentError, match="no phase 3"):
        await manager.ab_test_manager.analyze_test_results(test_id, phase=3)


async def test_stopping_twice_is_an_error(manager):
    test_id = await manager.create_model_comparison_test(TASK, CHALLENGER)
    decision = await manager.ab_test_manager.stop_test(test_id, reason="budget cut")
    assert (decision.action, decision.to_status, decision.reason) == (
        "stop",
        "stopped",
        "budget cut",
    )
    with pytest.raises(ExperimentError, match="already ended"):
        await manager.ab_test_manager.stop_test(test_id)


async def test_a_chosen_test_id_must_be_new(manager):
    await manager.ab_test_manager.create_test(CHAMPION, CHALLENGER, TASK, test_id="exp-1")
    with pytest.raises(ExperimentError, match="exists already"):
        await manager.ab_test_manager.create_test(
            CHAMPION, CHALLENGER, "creative_generation", test_id="exp-1"
        )
