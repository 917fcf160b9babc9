"""The oracle's calls are priced as the calls made are billed: failed calls bill no output."""

from __future__ import annotations

import numpy as np
import pytest

from scenarios.oracle import true_values
from scenarios.spec import load_scenario
from scenarios.world import World
from selection import call_cost, expected_cost


def test_expected_cost_is_the_mean_billed_cost_of_drawn_calls():
    world = World(load_scenario("steady-state"))
    model, task = "sim/small", "logical_reasoning"  # fails 2% of calls
    b = world.behaviour(model, task)
    price_in, price_out = world.prices(model)
    noise = np.random.default_rng(7).random((400_000, 5))
    billed = world.draw(model, task, noise).cost.mean()

    expected = expected_cost(
        b.tokens_in, b.tokens_out, price_in=price_in, price_out=price_out, error_rate=b.error_rate
    )
    undiscounted = call_cost(b.tokens_in, b.tokens_out, price_in=price_in, price_out=price_out)
    assert billed == pytest.approx(expected, rel=1e-3)
    # The old oracle price (every call billed its output) is off by the error rate's share.
    assert abs(billed - undiscounted) / billed > 5e-3


def test_the_oracle_values_cost_with_the_same_price():
    world = World(load_scenario("steady-state"))
    models = list(world.active)
    cheap = true_values(world, "logical_reasoning", {"cost": 1.0}, models)
    costs = {}
    for m in models:
        b = world.behaviour(m, "logical_reasoning")
        price_in, price_out = world.prices(m)
        costs[m] = expected_cost(
            b.tokens_in, b.tokens_out, price_in=price_in, price_out=price_out,
            error_rate=b.error_rate,
        )  # fmt: skip
    assert max(cheap, key=cheap.__getitem__) == min(costs, key=costs.__getitem__)
