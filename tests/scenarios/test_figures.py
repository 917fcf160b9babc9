"""Figures: no global matplotlib state, a scale that fits the data, equal lines named."""

from __future__ import annotations

import asyncio
import math
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import pytest
from matplotlib.patches import Rectangle

from scenarios import arun_scenario, load_scenario, run_scenario
from scenarios.figures import coinciding, model_colour, policy_style, scale_for
from scenarios.outputs import draw_metric, draw_traffic_share, write_outputs


@pytest.fixture(scope="module")
def runs():
    spec = load_scenario("outage").model_copy(update={"steps": 60})
    return [run_scenario(spec, policy=p) for p in ("hive", "selector", "cheapest", "fastest")]


def test_drawing_leaves_the_callers_backend_and_pyplot_alone(runs, tmp_path: Path) -> None:
    backend = matplotlib.get_backend()
    before = plt.get_fignums()
    written = write_outputs(tmp_path, runs[0], runs[1:])
    assert matplotlib.get_backend() == backend
    assert plt.get_fignums() == before
    for stem in ("traffic_share", "cumulative_regret", "cost", "agreement"):
        assert tmp_path / f"{stem}.png" in written
        assert (tmp_path / f"{stem}.svg").read_text().lstrip().startswith("<?xml")


def test_axes_are_labelled_with_units_and_legends_sit_outside(runs) -> None:
    figure = draw_metric(runs, "cost")
    ax = figure.axes[0]
    assert ax.get_ylabel() == "cost per step (USD)"
    assert ax.get_xlabel() == "step"
    anchor = ax.get_legend().get_bbox_to_anchor().transformed(ax.transAxes.inverted())
    assert anchor.x0 >= 1.0


def test_traffic_share_has_a_panel_per_task_and_policy(runs) -> None:
    figure = draw_traffic_share(runs)
    tasks = {r["task"] for r in runs[0].traffic}
    assert len(figure.axes) == len(tasks) * len(runs)


def test_the_outage_is_shaded_over_its_duration(runs) -> None:
    ax = draw_metric(runs, "cumulative_regret").axes[0]
    outage = next(e for e in runs[0].spec.events if e.kind == "outage")
    spans = [(p.get_x(), p.get_x() + p.get_width()) for p in ax.patches if isinstance(p, Rectangle)]
    assert (outage.step, outage.step + outage.duration) in spans


def test_identical_policies_are_named_under_the_plot(runs) -> None:
    ax = draw_metric(runs, "cumulative_regret").axes[0]
    notes = [t.get_text() for t in ax.texts if t.get_text().startswith("identical")]
    same = coinciding({r.policy: [m["cumulative_regret"] for m in r.metrics] for r in runs})
    assert bool(notes) == bool(same)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1.0, 2.0, 50.0], {"value": "linear"}),
        ([1.0, 10.0, 1000.0], {"value": "log"}),
        ([0.0, 0.5, 400.0], {"value": "symlog", "linthresh": 0.5}),
        ([0.0, 0.0], {"value": "linear"}),
        ([float("nan"), 1.0, 1e6], {"value": "log"}),
    ],
)
def test_scale_for(values, expected) -> None:
    assert scale_for(values) == expected


def test_coinciding_groups_equal_curves_only() -> None:
    groups = coinciding({"a": [0, 1, 2], "b": [0, 1, 2], "c": [0, 1, 3], "d": [0, 1, 3], "e": [9]})
    assert groups == [["a", "b"], ["c", "d"]]


def test_a_model_keeps_its_colour_and_policies_their_style() -> None:
    assert model_colour("openai/gpt-4o") == model_colour("openai/gpt-4o")
    styles = {(s["linestyle"], s["marker"]) for s in map(policy_style, range(32))}
    assert len(styles) == 32


def test_run_scenario_inside_an_event_loop_says_what_to_call() -> None:
    spec = load_scenario("steady-state").model_copy(update={"steps": 3})

    async def inside() -> None:
        with pytest.raises(RuntimeError, match=r"await scenarios\.arun_scenario"):
            run_scenario(spec)
        result = await arun_scenario(spec)
        assert result.to_frame().shape[0] == 3

    asyncio.run(inside())
    assert asyncio.run(arun_scenario(spec)).summary == run_scenario(spec).summary


def test_results_come_as_dataframes(runs) -> None:
    frame = runs[0].to_frame()
    assert list(frame["step"]) == list(range(60))
    assert set(frame["policy"]) == {"hive"}
    traffic = runs[0].traffic_frame()
    assert traffic.groupby(["step", "task"])["share"].sum().round(9).isin([0.0, 1.0]).all()


def test_a_metric_no_policy_has_says_why_instead_of_empty_axes(runs) -> None:
    # outage's hive is on the evidence channel (the default): it casts no ballots
    assert all(math.isnan(m["agreement"]) for r in runs for m in r.metrics)
    ax = draw_metric(runs, "agreement").axes[0]
    [note] = [t.get_text() for t in ax.texts if t.get_text().startswith("nothing to draw")]
    assert "evidence channel" in note
    assert ax.get_xlim() == (0, runs[0].spec.steps)
