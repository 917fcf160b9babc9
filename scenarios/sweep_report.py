"""A sweep's output folder: every run, the summary over seeds, and a plot per swept parameter."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scenarios.figures import new_figure
from scenarios.outputs import write_rows
from scenarios.sweep import aggregate_sweep

__all__ = ["PLOTTED_METRIC", "write_sweep_outputs"]

PLOTTED_METRIC = "cumulative_regret"
"""The metric drawn against each swept parameter."""


def write_sweep_outputs(
    out: Path, rows: Sequence[dict[str, Any]], params: Sequence[str]
) -> list[Path]:
    """Write ``sweep_runs.csv``, ``sweep_summary.csv`` and ``sweep_<parameter>.png`` files.

    Each plot shows, for each value of one parameter, the mean of :data:`PLOTTED_METRIC` over
    every run with that value (all seeds and other parameters) and its 95% t-interval.
    """
    out.mkdir(parents=True, exist_ok=True)
    written = [
        write_rows(out / "sweep_runs.csv", rows),
        write_rows(out / "sweep_summary.csv", aggregate_sweep(rows, params)),
    ]
    for param in params:
        written.append(_plot(out / sweep_plot_name(param), rows, param))
    return written


def sweep_plot_name(param: str) -> str:
    """The file name of the plot of regret against ``param``."""
    return f"sweep_{_slug(param)}.png"


def _slug(param: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in param)


def _plot(path: Path, rows: Sequence[dict[str, Any]], param: str) -> Path:
    table = aggregate_sweep(rows, [param])
    labels = [str(row[param]) for row in table]
    means = [row[f"{PLOTTED_METRIC}_mean"] for row in table]
    errors = [
        0.0
        if math.isnan(row[f"{PLOTTED_METRIC}_ci_high"])
        else row[f"{PLOTTED_METRIC}_ci_high"] - m
        for row, m in zip(table, means, strict=True)
    ]
    numeric = all(isinstance(row[param], int | float) for row in table)
    xs: list[Any] = [row[param] for row in table] if numeric else list(range(len(table)))
    fig = new_figure(6, 4)
    ax = fig.subplots()
    ax.errorbar(xs, means, yerr=errors, marker="o", capsize=4)
    ax.set_xticks(xs, labels)
    ax.set_xlabel(param)
    ax.set_ylabel(f"{PLOTTED_METRIC.replace('_', ' ')} (mean, 95% CI)")
    ax.set_title(f"{PLOTTED_METRIC.replace('_', ' ')} against {param}")
    fig.savefig(path, dpi=100)
    return path
