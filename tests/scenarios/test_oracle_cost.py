"""The oracle's calls are priced as the calls made are billed: failed calls bill no output."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from scenarios import run_scenario
from scenarios.eventlog import EventLog, read_log
from scenarios.oracle import true_values
from scenarios.replay import replay
from scenarios.spec import ScenarioSpec, load_scenario
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


DATA = Path(__file__).parent / "data"


def test_a_log_written_before_the_price_fix_still_replays_up_to_the_hives_first_vote():
    # Written by main at 0f287b7 (format 1): genesis-prime run outage --steps 12.
    old = DATA / "outage-12-steps-format1.jsonl.gz"
    report = replay(old)
    # Every entry before the first vote (step 9) is identical; format 4 changed the ballots
    # (a documented fix), and the divergence says so.
    assert not report.identical
    assert report.divergence is not None
    assert report.divergence.step == 9
    assert report.divergence.detail.startswith("votes")
    assert "predates format 4" in report.divergence.detail
    assert report.not_compared == (
        "cost_vs_oracle", "cumulative_regret", "failed_calls", "judging_cost", "oracle_cost",
        "regret_per_request",
    )  # fmt: skip
    summary = next(e for e in read_log(old) if e["kind"] == "summary")
    replayed = run_scenario(ScenarioSpec.model_validate(next(read_log(old))["scenario"]))
    # The same traffic; the oracle's price moved, downwards (failed calls are cheaper).
    assert replayed.summary["requests"] == summary["requests"]
    assert replayed.summary["oracle_cost"] < summary["oracle_cost"]


def test_a_current_log_compares_the_oracle_cost_too(tmp_path: Path):
    path = tmp_path / "events.jsonl.gz"
    with EventLog(path) as log:
        run_scenario(load_scenario("outage").truncated(6), log=log)
    assert replay(path).identical
    entries = list(read_log(path))
    entries[-1]["oracle_cost"] *= 1.01
    tampered = tmp_path / "tampered.jsonl.gz"
    with gzip.open(tampered, "wt") as handle:
        handle.writelines(json.dumps(e) + "\n" for e in entries)
    report = replay(tampered)
    assert not report.identical
    assert report.divergence is not None
    assert "oracle_cost" in report.divergence.detail
