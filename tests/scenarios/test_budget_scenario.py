"""Scenarios take a budget (paced by the cost weight) and shared evidence; defaults change none."""

from __future__ import annotations

import pytest

from scenarios.run import run_scenario
from scenarios.spec import load_scenario


def _spec(**selector):
    spec = load_scenario("quality-drift").with_overrides(steps=60)
    return spec.model_copy(
        update={
            "agents": spec.agents.model_copy(update={"count": 12}),
            "selector": spec.selector.model_copy(update=selector),
        }
    )


def test_a_budget_holds_the_mean_cost_near_its_target():
    free = run_scenario(_spec(), policy="selector").summary
    free_cost = free["total_cost"] / free["requests"]
    target = 0.5 * free_cost
    paced = run_scenario(_spec(budget_per_request=target), policy="selector").summary
    assert paced["total_cost"] / paced["requests"] == pytest.approx(target, rel=0.05)
    assert paced["mean_quality"] <= free["mean_quality"]


def test_the_defaults_leave_runs_unchanged():
    plain = run_scenario(_spec(), policy="selector")
    same = run_scenario(_spec(share_evidence=False, budget_per_request=None), policy="selector")
    assert plain.log_digest != ""
    assert same.summary == plain.summary


def test_shared_evidence_runs_and_repeats():
    first = run_scenario(_spec(share_evidence=True), policy="selector")
    again = run_scenario(_spec(share_evidence=True), policy="selector")
    assert first.summary == again.summary
