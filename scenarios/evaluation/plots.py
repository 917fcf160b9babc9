"""The cost-quality frontier and the regret curves of an evaluation, as figures.

Drawn by the conventions of :mod:`scenarios.figures` (own canvas, no pyplot state, a style per
policy); matplotlib is imported when a figure is drawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from scenarios.evaluation.measures import frontier
from scenarios.evaluation.summary import Report
from scenarios.figures import legend_outside, new_figure, note_coinciding, policy_style, scale_for

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["draw_frontier", "draw_regret"]


def draw_frontier(report: Report) -> Figure:
    """Quality against mean cost per request: every policy's sweep, the models, the oracles.

    Each policy's points are joined in cost order; the Zero router (the frontier of the
    single models) is dashed, the per-prompt oracle's frontier dotted. Cost goes on a log
    axis when it spans more than two decades.
    """
    figure = new_figure(10, 6)
    ax = figure.subplots()
    models = [r for r in report.rows if r.name.startswith("model:")]
    zero = frontier([(r.summary.mean_cost, r.summary.quality) for r in models])
    ax.plot(zero[:, 0], zero[:, 1], "k--", lw=1, label="Zero router (mix of single models)")
    for r in models:
        ax.plot(r.summary.mean_cost, r.summary.quality, "ks", ms=7)
        ax.annotate(r.name.removeprefix("model:"), (r.summary.mean_cost, r.summary.quality),
                    textcoords="offset points", xytext=(5, -12), fontsize=8)  # fmt: skip
    if report.oracle_curve:
        hull = frontier(report.oracle_curve)
        ax.plot(hull[:, 0], hull[:, 1], "k:", lw=1, label="per-prompt oracle, price sweep")
    for r in report.rows:
        if r.name.startswith("oracle"):
            ax.plot(r.summary.mean_cost, r.summary.quality, "*", ms=12, label=r.name)
    names = list(dict.fromkeys(r.name for r in report.rows if r.kind == "policy"))
    for index, name in enumerate(names):
        pts = sorted(
            (r.summary.mean_cost, r.summary.quality)
            for r in report.rows
            if r.kind == "policy" and r.name == name
        )
        xs, ys = zip(*pts, strict=True)
        style = policy_style(index) | {"markevery": 1}
        ax.plot(xs, ys, lw=1, label=name, **style)
    ax.set_xscale(**scale_for(r.summary.mean_cost for r in report.rows))
    ax.set_xlabel("mean cost per request (USD)")
    ax.set_ylabel("mean quality (0 to 1)")
    ax.set_title(f"{report.trace}: cost-quality frontier ({report.prompts:,} prompts)")
    ax.grid(alpha=0.3)
    legend_outside(ax)
    return figure


def draw_regret(report: Report) -> Figure:
    """Cumulative regret over requests, per policy, at the report's regret weight."""
    figure = new_figure(10, 5)
    ax = figure.subplots()
    for index, (name, curve) in enumerate(report.regret_curves.items()):
        ax.plot(np.arange(1, len(curve) + 1), curve, lw=1.2, label=name, **policy_style(index))
    ax.set_yscale(**scale_for(v for c in report.regret_curves.values() for v in c))
    ax.set_xlabel("requests served")
    ax.set_ylabel("cumulative regret (utility, summed over requests)")
    ax.set_title(f"{report.trace}: regret vs per-task best, cost weight {report.regret_weight:g}")
    ax.grid(alpha=0.3)
    legend_outside(ax)
    note_coinciding(ax, {k: list(v) for k, v in report.regret_curves.items()})
    return figure
