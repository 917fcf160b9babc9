"""Plots of a cultural market: MusicLab's share trajectories, Gini and U, quality vs success."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hive.market import WorldsRun
from scenarios.figures import new_figure

__all__ = ["plot_worlds"]


def plot_worlds(
    out: Path, table: Sequence[dict[str, Any]], runs: dict[tuple[float, int], WorldsRun]
) -> list[Path]:
    """Write worlds_trajectories.png, worlds_inequality.png and worlds_quality.png."""
    levels = sorted({influence for influence, _ in runs})
    low, high = levels[0], levels[-1]
    shared = [s for v, s in runs if v == low and (high, s) in runs]  # failed runs are missing
    if not shared:  # no seed finished at both ends: draw the lowest level twice
        high = low
        shared = [s for v, s in runs if v == low]
    seed = min(shared)
    paths = []

    # 1. Share trajectories per world, the independent condition above the strongest influence.
    first = runs[(low, seed)]
    worlds = min(first.counts.shape[0], 8)
    fig = new_figure(2.2 * worlds, 5)
    axes = fig.subplots(2, worlds, sharex=True, sharey=True)
    axes = np.atleast_2d(axes)
    settled = [
        runs[(v, seed)].trajectory[runs[(v, seed)].at >= first.at[-1] / 10] for v in (low, high)
    ]
    top = 1.15 * max(float(t[:, :worlds].max()) for t in settled)  # the first picks are 0 or 1
    for row, influence in enumerate((low, high)):
        run = runs[(influence, seed)]
        best = int(np.argmax(run.quality))
        for w in range(worlds):
            ax = axes[row, w]
            ax.plot(run.at, run.trajectory[:, w, :], color="0.7", linewidth=0.6)
            ax.plot(run.at, run.trajectory[:, w, best], color="tab:red", linewidth=1.2)
            ax.set_title(f"influence {influence:g}, world {w + 1}", fontsize=7)
            ax.tick_params(labelsize=6)
            ax.set_ylim(0, top)
    axes[0, 0].set_ylabel("market share", fontsize=8)
    axes[1, 0].set_ylabel("market share", fontsize=8)
    for ax in axes[1]:
        ax.set_xlabel("choices", fontsize=7)
    fig.suptitle(f"Market share per world over choices (seed {seed}; red: the best model)")
    paths.append(out / "worlds_trajectories.png")
    fig.savefig(paths[-1], dpi=110)

    # 2. Gini and U against influence, 95% intervals over seeds.
    fig = new_figure(9, 3.6)
    axes = fig.subplots(1, 2)
    x = [row["influence"] for row in table]
    titles = {"gini": "Gini (inequality)", "u": "U (unpredictability)"}
    for ax, (metric, title) in zip(axes, titles.items(), strict=True):
        mean = np.array([row[f"{metric}_mean"] for row in table])
        lo = np.array([row[f"{metric}_lo"] for row in table])
        hi = np.array([row[f"{metric}_hi"] for row in table])
        ax.errorbar(x, mean, yerr=[mean - lo, hi - mean], marker="o", capsize=3)
        ax.set_xlabel("social influence (0 = independent)")
        ax.set_title(title)
        ax.grid(alpha=0.3)
    paths.append(out / "worlds_inequality.png")
    fig.savefig(paths[-1], dpi=110)

    # 3. Quality against success: every world's final share per model, at both ends.
    fig = new_figure(9, 3.6)
    axes = fig.subplots(1, 2, sharey=True)
    for ax, influence in zip(axes, (low, high), strict=True):
        for (level, _), run in runs.items():
            if level != influence:
                continue
            q = np.broadcast_to(run.quality, run.shares.shape)
            ax.scatter(q.ravel(), run.shares.ravel(), s=3, alpha=0.25, color="tab:blue")
        ax.set_title(f"influence {influence:g}")
        ax.set_xlabel("hidden quality")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("final market share (every world, every seed)")
    paths.append(out / "worlds_quality.png")
    fig.savefig(paths[-1], dpi=110)
    return paths
