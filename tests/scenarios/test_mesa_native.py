"""The scenario model as Mesa's tools build it: from plain parameters."""

from __future__ import annotations

import threading
from typing import Any

import mesa
import pandas as pd
import pytest

import scenarios
from scenarios import HiveModel, load_scenario, run_scenario
from selection import ConfigError

PARAMS = {"scenario": "steady-state", "seed": [1, 2]}


def _batch(parameters=PARAMS, max_steps=10) -> pd.DataFrame:
    rows = mesa.batch_run(
        scenarios.HiveModel,
        parameters=parameters,
        max_steps=max_steps,
        data_collection_period=1,
        display_progress=False,
    )
    return pd.DataFrame(rows)


def test_batch_run_over_two_seeds_returns_the_datacollector_rows():
    frame = _batch()
    # Mesa steps while model.steps <= max_steps: 11 steps, one DataCollector row each.
    assert sorted(frame.groupby("seed").size().items()) == [(1, 11), (2, 11)]
    assert set(scenarios.model.SCALAR_METRICS) <= set(frame.columns)
    one, two = (frame[frame.seed == s].reset_index(drop=True) for s in (1, 2))
    assert not one["requests"].equals(two["requests"])  # the seed reaches the model
    assert (frame["cumulative_regret"].diff().fillna(0)[frame.Step > 0] >= -1e-12).all()


def test_the_same_seed_gives_the_same_rows():
    first = _batch({"scenario": "steady-state", "seed": 3})
    again = _batch({"scenario": "steady-state", "seed": 3})
    pd.testing.assert_frame_equal(first, again)


def test_stepped_to_the_end_it_equals_run_scenario_bit_for_bit():
    spec = load_scenario("model-release").truncated(30).with_overrides(seed=5)
    with pytest.warns(UserWarning, match="drop the release of sim/newcomer"):
        model = HiveModel(scenario="model-release", seed=5, steps=30)
    while model.running:
        model.step()
    model.close()
    assert model.steps == spec.steps
    ours = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    theirs = run_scenario(spec).to_frame().drop(columns=["step", "policy"])
    pd.testing.assert_frame_equal(ours[list(theirs.columns)].astype(float), theirs)


def _dotted(name: str, value: Any) -> dict[str, Any]:
    return {name: value}


def test_overrides_reach_into_sections_and_bad_ones_are_named():
    model = HiveModel(scenario="steady-state", steps=3, **_dotted("agents.count", 12))
    assert model.spec.agents.count == 12
    assert len(model.members) == 12
    model.close()
    with pytest.raises(ConfigError, match="no field 'cuont'"):
        HiveModel(scenario="steady-state", **_dotted("agents.cuont", 12))
    with pytest.raises(ConfigError, match="'seed' is not a section"):
        HiveModel(scenario="steady-state", **_dotted("seed.x", 1))
    with pytest.raises(ConfigError, match=r"agents\.count"):
        HiveModel(scenario="steady-state", **_dotted("agents.count", -1))
    with pytest.raises(ConfigError, match="once"):
        HiveModel()
    with pytest.raises(ConfigError, match="missing: runner, log, rng"):
        HiveModel(scenario="steady-state", store=object())  # type: ignore[arg-type]


def _loop_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("hive-model")]


def test_a_model_built_from_parameters_releases_its_loop():
    before = set(_loop_threads())
    model = HiveModel(scenario="steady-state", steps=3)
    model.step()
    model.close()
    model.close()
    assert set(_loop_threads()) == before
    with pytest.raises(RuntimeError, match="closed"):
        model.step()
    # Mesa's tools stop at the last step and never close a model: reaching it closes.
    finished = HiveModel(scenario="steady-state", steps=3)
    assert len(_loop_threads()) == len(before) + 1
    while finished.running:
        finished.step()
    assert finished.steps == 3
    assert set(_loop_threads()) == before
