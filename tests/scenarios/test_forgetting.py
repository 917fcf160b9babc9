"""Forgetting in the built-in scenarios: a recovered model wins its traffic back, a drift
moves the choice sooner, and without a half-life the runs are what they always were."""

from __future__ import annotations

from typing import Any

import pytest

from scenarios import run_scenario
from scenarios.spec import ScenarioSpec, load_scenario

MID = "sim/mid"


def with_half_life(spec: ScenarioSpec, half_life: float | None) -> ScenarioSpec:
    return spec.with_overrides(
        selector={**spec.selector.model_dump(), "half_life_hours": half_life}
    )


def share(traffic: list[dict[str, Any]], task: str, model: str, steps: range) -> float:
    rows = [r for r in traffic if r["task"] == task and r["step"] in steps]
    total = sum(r["requests"] for r in rows)
    return float(sum(r["requests"] for r in rows if r["model"] == model) / total)


def test_the_spec_default_is_no_forgetting():
    assert load_scenario("outage").selector.half_life_hours is None


@pytest.mark.slow
def test_after_an_outage_the_recovered_model_wins_its_traffic_back():
    spec = load_scenario("outage")  # sim/mid fails 9 calls in 10 in steps 50-64
    after = range(65, spec.steps)
    remembering = run_scenario(spec, policy="selector")
    forgetting = run_scenario(with_half_life(spec, 4.0), policy="selector")
    # All-time sums keep the outage's 30 s timeouts in its latency for good.
    assert share(remembering.traffic, "logical_reasoning", MID, after) < 0.1
    assert share(forgetting.traffic, "logical_reasoning", MID, after) > 0.5
    assert forgetting.summary["cumulative_regret"] < 0.7 * remembering.summary["cumulative_regret"]


@pytest.mark.slow
def test_a_quality_drift_moves_the_choice_sooner_when_forgetting():
    spec = load_scenario("quality-drift")  # sim/mid loses 0.2 of quality at step 50
    soon = range(50, 62)
    remembering = run_scenario(spec, policy="selector")
    forgetting = run_scenario(with_half_life(spec, 4.0), policy="selector")
    before = range(40, 50)
    assert share(remembering.traffic, "logical_reasoning", MID, before) > 0.8
    assert share(forgetting.traffic, "logical_reasoning", MID, before) > 0.8
    assert share(forgetting.traffic, "logical_reasoning", MID, soon) < 0.5 * share(
        remembering.traffic, "logical_reasoning", MID, soon
    )
