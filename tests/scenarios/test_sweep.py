"""Sweeps: the same rows in one process or several, and errors that name the parameter."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scenarios.cli import main
from scenarios.spec import load_scenario
from scenarios.sweep import SWEPT_METRICS, aggregate_sweep, parse_param, sweep
from selection.errors import ConfigError


def tiny():
    spec = load_scenario("steady-state").with_overrides(steps=8)
    return spec.model_copy(update={"agents": spec.agents.model_copy(update={"count": 6})})


def test_a_pool_gives_the_same_rows_as_one_process():
    params = {"agents.social_influence": [0.0, 0.9]}
    alone = sweep(tiny(), seeds=[0, 1], params=params, workers=1)
    pooled = sweep(tiny(), seeds=[0, 1], params=params, workers=2)
    np.testing.assert_equal(alone, pooled)  # NaN agreement (no vote in 8 steps) equals NaN
    assert [(r["agents.social_influence"], r["seed"]) for r in alone] == [
        (0.0, 0), (0.0, 1), (0.9, 0), (0.9, 1),
    ]  # fmt: skip
    assert alone[0]["cumulative_regret"] != alone[1]["cumulative_regret"]  # seeds differ
    [low, high] = aggregate_sweep(alone, ["agents.social_influence"])
    assert low["runs"] == high["runs"] == 2


def test_parameters_are_parsed_and_checked():
    assert parse_param("agents.count=20,40") == ("agents.count", [20, 40])
    assert parse_param("selector.mode=greedy,thompson") == ("selector.mode", ["greedy", "thompson"])
    with pytest.raises(ConfigError, match="must look like path=value"):
        parse_param("agents.count")
    with pytest.raises(ConfigError, match="no field 'nope'"):
        sweep(tiny(), seeds=[0], params={"agents.nope": [1]}, workers=1)
    with pytest.raises(ConfigError, match=r"agents\.count"):
        sweep(tiny(), seeds=[0], params={"agents.count": [-5]}, workers=1)


def test_sweep_command_writes_its_tables(tmp_path: Path, capsys):
    code = main(["sweep", "steady-state", "--steps", "6", "--seeds", "0:2", "--workers", "1",
                 "--param", "agents.vote_period=2,3", "--out", str(tmp_path)])  # fmt: skip
    assert code == 0
    assert "4 runs (2 seeds per setting)" in capsys.readouterr().out
    assert (tmp_path / "sweep_runs.csv").read_text().count("\n") == 5
    assert (tmp_path / "sweep_summary.csv").read_text().count("\n") == 3


def test_a_hive_sweep_reports_the_value_of_the_hive_against_the_selector_alone():
    from scenarios.run import run_scenario

    spec = tiny().with_overrides(steps=12)
    rows = sweep(spec, seeds=[0, 1], workers=1)
    for row in rows:
        seeded = spec.with_overrides(seed=row["seed"])
        alone = run_scenario(seeded, policy="selector").summary["cumulative_regret"]
        hive = run_scenario(seeded, policy="hive").summary
        assert row["hive_value"] == pytest.approx(alone - hive["cumulative_regret"])
        assert row["failed_calls"] == hive["failed_calls"]
    [summary] = aggregate_sweep(rows, [])
    values = [r["hive_value"] for r in rows]
    assert summary["hive_value_mean"] == pytest.approx(sum(values) / 2)
    assert summary["hive_value_ci_low"] < summary["hive_value_mean"] < summary["hive_value_ci_high"]
    baseline = sweep(spec, seeds=[0], policy="selector", workers=1)
    assert np.isnan(baseline[0]["hive_value"])


def test_counted_metrics_are_summarised_too():
    # failed_calls is an int per run: it was left out of the summary (nan) before
    rows = [{"policy": "hive", "seed": s, **dict.fromkeys(SWEPT_METRICS, 1.0)} for s in (1, 2)]
    rows[0]["failed_calls"], rows[1]["failed_calls"] = 3, 5
    [summary] = aggregate_sweep(rows, ["policy"])
    assert summary["failed_calls_mean"] == 4.0
    assert summary["failed_calls_sd"] == pytest.approx(2**0.5)
