"""The arena plots: the market over time, and the hive's board as votes accumulate.

Drawn with :mod:`scenarios.figures` (own Agg canvas, stable model colours, PNG and SVG).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scenarios.figures import legend_outside, model_colour, new_figure, save_figure
from scenarios.run import RunResult

__all__ = ["plot_ballots", "plot_market"]

_SHOWN = 9  # models named in the legend; the rest are summed as "other"


def plot_market(stem: Path, run: RunResult, rows: list[dict[str, Any]]) -> list[Path]:
    """Traffic share per model over time (stacked), each new #1 marked, the as-of #1 below."""
    steps = list(range(run.spec.steps))
    shares: dict[str, list[float]] = {}
    for r in run.traffic:
        shares.setdefault(str(r["model"]), [0.0] * len(steps))[int(r["step"])] += float(r["share"])
    ranked = sorted(shares, key=lambda m: (-sum(shares[m]), m))
    shown = ranked[:_SHOWN]
    other = [sum(shares[m][k] for m in ranked[_SHOWN:]) for k in steps]
    dates = [row["date"] for row in rows]
    figure = new_figure(11, 6.5)
    ax, top = figure.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [4, 1]})
    ax.stackplot(
        steps, *[shares[m] for m in shown], other, labels=[*shown, "other"],
        colors=[model_colour(m) for m in shown] + ["lightgrey"],
    )  # fmt: skip
    previous = None
    for row in rows:
        if row["top_priced"] != previous and previous is not None:
            ax.axvline(row["step"], color="black", linestyle=":", linewidth=0.8)
            ax.annotate(row["top_priced"], (row["step"], 1.0), fontsize=6, rotation=90, va="top")
        previous = row["top_priced"]
    ax.set_ylim(0, 1)
    ax.set_ylabel(f"share of weekly traffic ({run.policy})")
    legend_outside(ax)
    ax.set_title("The LLM market replayed from Chatbot Arena: traffic share, each new #1 dotted")
    leaders = sorted({str(row["top_priced"]) for row in rows})
    index = {m: i for i, m in enumerate(leaders)}
    top.scatter(steps, [index[str(row["top_priced"])] for row in rows], s=6, label="as-of #1")
    picks = [index.get(str(row.get(run.policy)), -1) for row in rows]
    top.scatter(steps, picks, s=6, marker="x", label=f"{run.policy}'s main model")
    top.set_yticks(range(-1, len(leaders)), ["(another model)", *leaders], fontsize=5)
    legend_outside(top)
    ticks = steps[:: max(1, len(steps) // 10)]
    top.set_xticks(ticks, [dates[k] for k in ticks], fontsize=7, rotation=30)
    top.set_xlabel("week (date of the board)")
    return save_figure(figure, stem)


def plot_ballots(stem: Path, rows: list[dict[str, Any]], title: str) -> list[Path]:
    """Kendall tau with the published board, and whether the top is right, against votes."""
    figure = new_figure(8, 4)
    ax = figure.subplots()
    votes = [r["votes"] for r in rows]
    ax.plot(votes, [r["kendall_tau"] for r in rows], marker="o", label="Kendall tau vs published")
    ax.step(votes, [1.0 if r["top_inside"] else 0.0 for r in rows], where="post", linestyle="--",
            label="hive's #1 inside the published #1's 95% interval (1: yes)")  # fmt: skip
    ax.set_xscale("log")
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlabel("pairwise ballots (log scale)")
    ax.set_ylabel("Kendall tau / yes-no")
    ax.set_title(title, fontsize=9)
    legend_outside(ax)
    return save_figure(figure, stem)
