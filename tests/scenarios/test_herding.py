"""Herding: social influence now reaches routing, so it changes what the hive's run does."""

from __future__ import annotations

import statistics

from scenarios.spec import load_scenario
from scenarios.sweep import sweep


def test_influence_changes_routing_and_herds_onto_worse_models():
    spec = load_scenario("herding").with_overrides(steps=40)
    spec = spec.model_copy(update={"agents": spec.agents.model_copy(update={"count": 12})})
    rows = sweep(spec, seeds=[0, 1, 2], params={"agents.social_influence": [0.0, 0.9]}, workers=1)
    regret = {
        level: [r["cumulative_regret"] for r in rows if r["agents.social_influence"] == level]
        for level in (0.0, 0.9)
    }
    assert regret[0.0] != regret[0.9]  # before: bit-identical whatever the influence
    assert statistics.fmean(regret[0.9]) > 2 * statistics.fmean(regret[0.0])
