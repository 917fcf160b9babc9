"""The automation: promotion and its ramp, rollback, a broken split, abandon, expiry, stop."""

from __future__ import annotations

from datetime import timedelta

import pytest

from selection import Guardrail, RampPlan
from tests.selection.abtest.support import CHALLENGER, CHAMPION, TASK, Truth, feed

BETTER = Truth(quality=(0.70, 0.76))
RAMP = RampPlan(steps=(0.75, 0.9), step_hours=1, min_samples_per_arm=40)
# Margins a few hundred calls per arm can vouch for (the defaults, 1 point of error rate and
# 10% of cost and latency, take thousands).
GUARDRAILS = [
    Guardrail(metric="error_rate", margin=0.05, relative=False),
    Guardrail(metric="cost", margin=0.2),
    Guardrail(metric="response_time_ms", margin=0.2),
]


@pytest.fixture
async def test_id(manager):
    return await manager.ab_test_manager.create_test(
        CHAMPION,
        CHALLENGER,
        TASK,
        test_id="auto",
        min_samples_per_arm=100,
        min_runtime_hours=2,
        duration_hours=48,
        ramp=RAMP,
        guardrails=GUARDRAILS,
    )


async def promote(manager, rng, clock, test_id):
    ab = manager.ab_test_manager
    await feed(manager, test_id, 1200, rng=rng, truth=BETTER)
    assert await ab.monitor() == []  # clearly better, but the minimum run time is 2 h
    clock.advance(timedelta(hours=3))
    [decision] = await ab.monitor()
    assert (decision.action, decision.from_status, decision.to_status) == (
        "promote",
        "running",
        "ramping",
    )
    return decision


async def test_a_better_challenger_is_promoted_step_by_step(manager, rng, clock, test_id):
    ab = manager.ab_test_manager
    decision = await promote(manager, rng, clock, test_id)
    evidence = decision.evidence["metrics"]
    assert evidence["quality_score"]["ci"][0] > 0  # the always-valid interval excludes 0
    assert all(evidence[g]["noninferior"] for g in ("error_rate", "cost", "response_time_ms"))
    assert (await ab.get_test(test_id)).phase.traffic_split == 0.75
    await feed(manager, test_id, 400, rng=rng, truth=BETTER, start=1200)
    assert await ab.monitor() == []  # a step lasts at least an hour
    clock.advance(timedelta(hours=1))
    [step] = await ab.monitor()
    assert (step.action, step.to_status) == ("ramp", "ramping")
    assert step.evidence["phase"] == 1
    await feed(manager, test_id, 800, rng=rng, truth=BETTER, start=1600)
    clock.advance(timedelta(hours=1))
    [done] = await ab.monitor()
    assert (done.action, done.to_status) == ("complete_ramp", "promoted")
    test = await ab.get_test(test_id)
    assert [p.traffic_split for p in test.phases] == [0.5, 0.75, 0.9, 1.0]
    # The winner now serves the task, and the hive may not overrule it.
    assert await manager.get_optimal_model(TASK) == CHALLENGER
    assert manager.model_selector.ab_winners[TASK] == CHALLENGER
    status = await manager.get_system_status()
    assert status["active_ab_tests"] == 0
    assert status["current_assignments"][TASK] == CHALLENGER
    assert [d["action"] for d in status["ab_decisions"]] == ["complete_ramp", "ramp", "promote"]
    assert status["ab_tests"][0]["winner"] == CHALLENGER


async def test_a_guardrail_regression_during_the_ramp_rolls_back(manager, rng, clock, test_id):
    ab = manager.ab_test_manager
    await promote(manager, rng, clock, test_id)
    failing = Truth(quality=(0.70, 0.76), error=(0.02, 0.25))
    await feed(manager, test_id, 400, rng=rng, truth=failing, start=1200)
    [decision] = await ab.monitor()
    assert (decision.action, decision.from_status, decision.to_status) == (
        "rollback",
        "ramping",
        "rolled_back",
    )
    assert "error_rate" in decision.reason
    assert decision.evidence["phase"] == 1
    assert decision.evidence["metrics"]["error_rate"]["ci"][0] > 0.01  # beyond the margin
    assert ab.active_test(TASK) is None
    # All traffic back to the champion, which keeps the task.
    assert await manager.get_optimal_model(TASK, request_id="after") == CHAMPION
    assert manager.model_selector.ab_winners[TASK] == CHAMPION
    report = await ab.analyze_test_results(test_id, phase=1)
    assert report["metrics"]["error_rate"]["regressed"] is True


async def test_a_broken_split_is_flagged_and_blocks_promotion(manager, rng, clock, test_id):
    ab = manager.ab_test_manager
    # The challenger's records get lost a third of the time: its arm looks small.
    await feed(manager, test_id, 900, rng=rng, truth=BETTER, drop_challenger=0.3)
    clock.advance(timedelta(hours=3))
    report = await ab.analyze_test_results(test_id)
    assert report["sample_ratio"]["mismatch"] is True
    assert report["sample_ratio"]["p_value"] < 0.001
    assert report["statistical_significance"]["status"] == "significant"
    assert report["winner"] is None
    assert "sample ratio mismatch" in report["reason"]
    [flag] = await ab.monitor()
    assert (flag.action, flag.to_status) == ("flag", "running")
    assert "promotion is blocked" in flag.reason
    assert await ab.monitor() == []  # flagged once, not at every look
    await feed(manager, test_id, 300, rng=rng, truth=BETTER, drop_challenger=0.3, start=900)
    assert await ab.monitor() == []
    clock.advance(timedelta(hours=48))
    [end] = await ab.monitor()
    assert (end.action, end.to_status) == ("expire", "completed")
    assert (await ab.get_test(test_id)).status == "completed"


async def test_a_worse_challenger_is_abandoned(manager, rng, test_id):
    worse = Truth(quality=(0.70, 0.64))
    await feed(manager, test_id, 600, rng=rng, truth=worse)
    [decision] = await manager.ab_test_manager.monitor()
    assert (decision.action, decision.to_status) == ("abandon", "completed")
    assert "worse on quality_score" in decision.reason
    assert manager.model_selector.ab_winners[TASK] == CHAMPION


async def test_a_better_but_dearer_challenger_is_not_promoted(manager, rng, clock, test_id):
    dearer = Truth(quality=(0.70, 0.76), cost=(0.002, 0.003))
    await feed(manager, test_id, 800, rng=rng, truth=dearer)
    clock.advance(timedelta(hours=3))
    report = await manager.ab_test_manager.analyze_test_results(test_id)
    assert report["metrics"]["quality_score"]["better"] is True
    assert report["metrics"]["cost"]["passed"] is False
    assert report["winner"] == CHAMPION
    [decision] = await manager.ab_test_manager.monitor()
    assert decision.action == "abandon"
    assert "cost" in decision.reason


async def test_an_inconclusive_test_expires(manager, rng, clock, test_id):
    await feed(manager, test_id, 300, rng=rng)
    assert await manager.ab_test_manager.monitor() == []
    clock.advance(timedelta(hours=49))
    [decision] = await manager.ab_test_manager.monitor()
    assert (decision.action, decision.to_status) == ("expire", "completed")
    assert "the champion stays" in decision.reason
    assert TASK not in manager.model_selector.ab_winners


async def test_recording_calls_runs_the_automation(manager, rng, clock, test_id):
    # No explicit monitor(): recording routed calls checks the test every 15 minutes.
    for i in range(600):
        model = await manager.get_optimal_model(TASK, request_id=f"r{i}")
        k = 1 if model == CHALLENGER else 0
        quality = float(min(1.0, max(0.0, rng.normal(BETTER.quality[k], 0.1))))
        perf = {"quality_score": quality, "cost": 0.002, "response_time_ms": 900.0 + i % 7}
        await manager.update_model_performance(model, TASK, perf, request_id=f"r{i}")
        clock.advance(timedelta(seconds=30))
    test = await manager.ab_test_manager.get_test(test_id)
    assert test.status == "ramping"
    assert test.decisions[0].action == "promote"


async def test_stopping_by_hand_is_a_stored_decision(manager, rng, test_id):
    await feed(manager, test_id, 200, rng=rng)
    decision = await manager.ab_test_manager.stop_test(test_id, reason="model deprecated")
    assert sum(decision.evidence["records"]) == 200
    status = await manager.get_system_status()
    assert status["ab_decisions"][0]["action"] == "stop"
    assert status["ab_decisions"][0]["reason"] == "model deprecated"
    assert status["ab_tests"][0]["status"] == "stopped"
    assert TASK not in manager.model_selector.ab_winners


async def test_show_never_prints_a_verdict_its_rows_contradict(manager, rng, clock, test_id):
    from rich.console import Console

    from selection.abtest.cli import print_report

    ab = manager.ab_test_manager
    # better on quality, far worse on the error-rate guardrail: the verdict keeps the champion
    failing = Truth(quality=(0.70, 0.76), error=(0.02, 0.25))
    await feed(manager, test_id, 1200, rng=rng, truth=failing)
    report = await ab.analyze_test_results(test_id)
    assert report["winner"] == CHAMPION
    assert "beyond the margin on error_rate" in report["reason"]
    console = Console(record=True, width=250)
    print_report(report, console)
    text = console.export_text()
    row = next(line for line in text.splitlines() if line.startswith("│ error_rate"))
    assert "regressed" in row
    assert "not shown" not in text
    # lift and its interval in the same unit (percent), the interval of the verdict's mode
    quality = report["metrics"]["quality_score"]
    low, high = quality["sequential"]["relative_ci"]
    assert f"{quality['relative_lift']:+.2%} [{low:+.2%}, {high:+.2%}]" in text
    assert "sequential intervals" in text
