"""The cost-quality frontier plot and the regret plot (PNG, matplotlib's Agg backend).

matplotlib is imported when a plot is drawn, so the rest of the package works without it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from scenarios.evaluation.measures import frontier
from scenarios.evaluation.summary import Report

__all__ = ["plot_frontier", "plot_regret"]


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError as exc:
        raise ImportError("plots need matplotlib: pip install matplotlib") from exc
    matplotlib.use("Agg")  # files only: never open a window, never need a display
    import matplotlib.pyplot as plt

    return plt


def plot_frontier(report: Report, path: Path) -> Path:
    """Quality against mean cost per request: every policy's sweep, the models, the oracles.

    Each policy's points are joined in cost order; the Zero router (the frontier of the
    single models) is dashed, the per-prompt oracle's frontier dotted.
    """
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(9, 6))
    try:
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
        for name in dict.fromkeys(r.name for r in report.rows if r.kind == "policy"):
            pts = sorted(
                (r.summary.mean_cost, r.summary.quality)
                for r in report.rows
                if r.kind == "policy" and r.name == name
            )
            xs, ys = zip(*pts, strict=True)
            ax.plot(xs, ys, "o-", ms=4, lw=1, label=name)
        ax.set_xlabel("mean cost per request (USD)")
        ax.set_ylabel("mean quality")
        ax.set_title(f"{report.trace}: cost-quality frontier ({report.prompts:,} prompts)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
        fig.tight_layout()
        fig.savefig(path, dpi=120)
    finally:
        plt.close(fig)
    return path


def plot_regret(report: Report, path: Path) -> Path:
    """Cumulative regret over requests, per policy, at the report's regret weight."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(9, 5))
    try:
        for name, curve in report.regret_curves.items():
            ax.plot(np.arange(1, len(curve) + 1), curve, lw=1.2, label=name)
        ax.set_xlabel("requests served")
        ax.set_ylabel("cumulative regret (utility)")
        ax.set_title(
            f"{report.trace}: regret vs per-task best, cost weight {report.regret_weight:g}"
        )
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper left")
        fig.tight_layout()
        fig.savefig(path, dpi=120)
    finally:
        plt.close(fig)
    return path
