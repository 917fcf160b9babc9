"""Forgetting after a change in the built-in scenarios: steady state is "never forget" bit for
bit, and a drift or an outage is followed as a half-life follows it."""

from __future__ import annotations

from typing import Any

import pytest

from scenarios import run_scenario
from scenarios.spec import ScenarioSpec, load_scenario

MID = "sim/mid"


def forgetting(spec: ScenarioSpec, forget: str | None) -> ScenarioSpec:
    return spec.with_overrides(selector={**spec.selector.model_dump(), "forget": forget})


def share(traffic: list[dict[str, Any]], task: str, model: str, steps: range) -> float:
    rows = [r for r in traffic if r["task"] == task and r["step"] in steps]
    total = sum(r["requests"] for r in rows)
    return float(sum(r["requests"] for r in rows if r["model"] == model) / total)


def test_the_spec_default_is_no_forgetting():
    assert load_scenario("outage").selector.forget is None


@pytest.mark.slow
def test_when_nothing_changes_the_run_is_never_forget_bit_for_bit():
    spec = load_scenario("steady-state")
    never = run_scenario(spec, policy="selector")
    change = run_scenario(forgetting(spec, "change"), policy="selector")
    assert change.traffic == never.traffic
    assert change.summary["cumulative_regret"] == never.summary["cumulative_regret"]


@pytest.mark.slow
def test_after_an_outage_the_recovered_model_wins_its_traffic_back():
    spec = load_scenario("outage")  # sim/mid fails 9 calls in 10 in steps 50-64
    after = range(65, spec.steps)
    never = run_scenario(spec, policy="selector")
    change = run_scenario(forgetting(spec, "change"), policy="selector")
    assert share(never.traffic, "logical_reasoning", MID, after) < 0.1
    assert share(change.traffic, "logical_reasoning", MID, after) > 0.5
    assert change.summary["cumulative_regret"] < 0.7 * never.summary["cumulative_regret"]


@pytest.mark.slow
def test_a_quality_drift_moves_the_choice_within_a_few_steps():
    spec = load_scenario("quality-drift")  # sim/mid loses 0.2 of quality at step 50
    soon = range(50, 62)
    never = run_scenario(spec, policy="selector")
    change = run_scenario(forgetting(spec, "change"), policy="selector")
    assert share(change.traffic, "logical_reasoning", MID, range(40, 50)) > 0.8
    assert share(change.traffic, "logical_reasoning", MID, soon) < 0.5 * share(
        never.traffic, "logical_reasoning", MID, soon
    )
