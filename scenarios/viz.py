"""A live page for a scenario: Mesa's SolaraViz with the run's own figures, stepping as it runs.

``genesis-prime viz NAME`` serves it (:mod:`scenarios.viz_cli`); in a notebook,
``make_page("steady-state")`` as a cell's last line shows the same page inline. The page
shows traffic share per task, cumulative regret, the hive's agreement and the social network
(each agent coloured by the model it currently ranks first for a task), redrawn after every
step; the sidebar steps, plays, and resets with another seed or policy.

The figures are those the run's report draws (:mod:`scenarios.outputs`), from a snapshot of
the live model (:func:`snapshot`), so the page and ``run``'s plots agree.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from scenarios.figures import legend_outside, model_colour, new_figure
from scenarios.model import SCALAR_METRICS, HiveModel
from scenarios.outputs import draw_metric
from scenarios.run import RunResult
from scenarios.spec import load_scenario
from scenarios.viz_cli import APP_MODULE, ENV_POLICY, ENV_SCENARIO, ENV_SEED, POLICIES
from selection.extras import missing_extra

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "APP_MODULE",
    "ENV_POLICY",
    "ENV_SCENARIO",
    "ENV_SEED",
    "POLICIES",
    "draw_network",
    "draw_traffic_grid",
    "make_page",
    "snapshot",
]


def snapshot(model: HiveModel) -> RunResult:
    """The live model's metrics and traffic so far, as a :class:`RunResult` (no summary)."""
    frame = model.datacollector.get_model_vars_dataframe()
    metrics = [
        {"step": i, **{name: float(row[name]) for name in SCALAR_METRICS}}
        for i, row in enumerate(frame.to_dict("records"))
    ]
    return RunResult(
        spec=model.spec,
        policy=model.policy.name,
        metrics=metrics,
        traffic=model.traffic_rows(),
        summary={},
        log_digest="",
        requests_generated=model.requests_generated,
        records_written=model.records_written,
    )


def draw_network(model: HiveModel, task: str | None = None) -> Figure:
    """The hive's social graph; each agent coloured by the model it ranks first for ``task``.

    Agents without experience of the task yet are grey. The layout is seeded, so it stays put
    from step to step and only the colours change.
    """
    import networkx as nx

    figure = new_figure(6.4, 4.6)
    ax = figure.subplots()
    ax.set_axis_off()
    graph = None if model.hive is None else model.hive.graph
    if graph is None:
        ax.set_title(f"policy {model.policy.name!r} has no hive network", fontsize=9)
        return figure
    task = task or model.tasks[0]
    position = nx.spring_layout(graph, seed=0)
    for a, b in graph.edges():
        (xa, ya), (xb, yb) = position[a], position[b]
        ax.plot([xa, xb], [ya, yb], color="lightgrey", lw=0.5, zorder=1)
    tops: dict[str, str | None] = {}
    for agent in model.members:
        judgement = agent.core.assess(task)
        tops[agent.agent_id] = judgement.ranking[0] if judgement and judgement.ranking else None
    for top in [*sorted({t for t in tops.values() if t is not None}), None]:
        ids = [n for n in graph.nodes() if tops.get(n) == top]
        if not ids:
            continue
        xy = np.array([position[n] for n in ids])
        colour = "#d9d9d9" if top is None else model_colour(top)
        label = "no view yet" if top is None else top
        ax.scatter(xy[:, 0], xy[:, 1], s=36, color=colour, edgecolors="black", linewidths=0.4,
                   label=f"{label} ({len(ids)})", zorder=2)  # fmt: skip
    ax.set_title(f"hive network: each agent's first choice for {task} (step {model.steps})",
                 fontsize=9)  # fmt: skip
    legend_outside(ax)
    return figure


def draw_traffic_grid(run: RunResult) -> Figure:
    """Traffic share per task as stacked areas, tasks in a grid: compact, for the page.

    The report's :func:`~scenarios.outputs.draw_traffic_share` draws the same shares as lines,
    a row per task; the page's grid cells are too small for that.
    """
    tasks = sorted({r["task"] for r in run.traffic})
    columns = 2 if len(tasks) > 1 else 1
    rows = math.ceil(len(tasks) / columns)
    figure = new_figure(6.4, 0.6 + 1.9 * rows)
    axes = figure.subplots(rows, columns, squeeze=False, sharex=True, sharey=True)
    models = sorted({r["model"] for r in run.traffic})
    for index, task in enumerate(tasks):
        ax = axes[index // columns, index % columns]
        mine = [r for r in run.traffic if r["task"] == task]
        steps = sorted({r["step"] for r in mine})
        share = {m: dict.fromkeys(steps, 0.0) for m in models}
        for r in mine:
            share[r["model"]][r["step"]] = 100 * r["share"]
        ax.stackplot(steps, [list(share[m].values()) for m in models],
                     colors=[model_colour(m) for m in models], labels=models)  # fmt: skip
        ax.set_title(task, fontsize=8)
        ax.set_ylim(0, 100)
        ax.tick_params(labelsize=7)
        if index % columns == 0:
            ax.set_ylabel("traffic share (%)", fontsize=7)
    for extra in range(len(tasks), rows * columns):
        axes[extra // columns, extra % columns].set_axis_off()
    for ax in axes[-1]:
        ax.set_xlabel("step", fontsize=7)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside right upper", fontsize=7)
    return figure


def _placeholder(title: str, *, waiting: bool = True) -> Figure:
    figure = new_figure(6.4, 2.4)
    ax = figure.subplots()
    ax.set_axis_off()
    text = f"{title}: press Step or ▶" if waiting else title
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=10)
    return figure


def _no_agreement_yet(model: HiveModel) -> Figure:
    if model.spec.agents.channel == "evidence":
        return _placeholder("no hive agreement: the evidence channel pools reports, no vote",
                            waiting=False)  # fmt: skip
    return _placeholder(f"hive agreement (first vote at step {model.spec.agents.vote_period})")


def _figures(model: HiveModel) -> dict[str, Figure]:
    """The page's four figures for the model as it stands."""
    if model.steps == 0:
        return {
            "traffic": _placeholder("traffic share per task"),
            "regret": _placeholder("cumulative regret"),
            "agreement": _placeholder("hive agreement"),
            "network": draw_network(model),
        }
    run = snapshot(model)
    agreement = [m["agreement"] for m in run.metrics]
    return {
        "traffic": draw_traffic_grid(run),
        "regret": draw_metric([run], "cumulative_regret"),
        "agreement": draw_metric([run], "agreement")
        if not all(math.isnan(a) for a in agreement)
        else _no_agreement_yet(model),
        "network": draw_network(model),
    }


def make_page(
    scenario: str | Path = "steady-state", *, seed: int | None = None, policy: str = "hive"
) -> Any:
    """The SolaraViz page for a scenario (a Solara element: serve it, or show it in Jupyter).

    Raises:
        ConfigError: the scenario cannot be loaded.
        MissingExtraError: Solara is not installed (the ``[viz]`` extra).
    """
    try:
        import solara

        with warnings.catch_warnings():
            # Solara's hook linter flags a use_state inside Mesa's own page; not ours to fix.
            warnings.filterwarnings("ignore", message=r".*use_state.*", category=UserWarning)
            from mesa.visualization import SolaraViz
            from mesa.visualization.utils import update_counter
    except ModuleNotFoundError as exc:
        raise missing_extra(exc, feature="the live page (genesis-prime viz)") or exc from exc
    spec = load_scenario(scenario)
    name = str(scenario)
    model = HiveModel(scenario=spec, seed=seed, policy=policy)

    def component(key: str) -> Any:
        @solara.component  # type: ignore[untyped-decorator]  # solara ships no types for it
        def Figure(model: HiveModel) -> Any:
            update_counter.get()  # redraw after every step
            return solara.FigureMatplotlib(_figures(model)[key], format="png", dpi=90)

        Figure.__name__ = f"Figure_{key}"
        return Figure

    params: dict[str, Any] = {
        "scenario": spec,
        "seed": {"type": "SliderInt", "value": spec.seed if seed is None else seed,
                 "label": "seed", "min": 0, "max": 99, "step": 1},
        "policy": {"type": "Select", "value": policy, "values": list(POLICIES), "label": "policy"},
    }  # fmt: skip
    keys = ("traffic", "regret", "agreement", "network")
    return SolaraViz(
        model,
        components=[(component(key), 0) for key in keys],
        model_params=params,
        name=f"Genesis Prime · {name}",
    )
