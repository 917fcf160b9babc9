"""A run's outputs: per-step metrics and traffic (CSV), plots (PNG and SVG) and a short report."""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scenarios.figures import (
    FORMATS,
    legend_outside,
    model_colour,
    new_figure,
    note_coinciding,
    policy_style,
    save_figure,
    scale_for,
)
from scenarios.run import RunResult

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "OUTPUT_FILES",
    "SUMMARY_COLUMNS",
    "draw_metric",
    "draw_traffic_share",
    "write_outputs",
    "write_rows",
]

_PLOT_STEMS = ("traffic_share", "cumulative_regret", "cost", "agreement")
OUTPUT_FILES = (
    "metrics.csv",
    "traffic.csv",
    "summary.csv",
    *(f"{stem}.{extension}" for stem in _PLOT_STEMS for extension in FORMATS),
    "report.md",
)
"""The files :func:`write_outputs` writes."""

SUMMARY_COLUMNS = (
    ("policy", "policy"),
    ("requests", "requests"),
    ("mean_quality", "quality"),
    ("total_cost", "cost $"),
    ("cost_vs_oracle", "cost / oracle"),
    ("cumulative_regret", "regret"),
    ("regret_per_request", "regret / request"),
)
"""Summary fields shown side by side, with their column titles."""


def write_outputs(out_dir: Path, main: RunResult, others: Sequence[RunResult] = ()) -> list[Path]:
    """Write metrics.csv, traffic.csv, summary.csv, the plots and report.md; return the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = [
        _csv(out_dir / "metrics.csv", main.metrics),
        _csv(out_dir / "traffic.csv", main.traffic),
        _csv(out_dir / "summary.csv", [_flat(r.summary) for r in (main, *others)]),
    ]
    plots = _plots(out_dir, main, others)
    written += plots
    written.append(_report(out_dir / "report.md", main, others, plots))
    return written


def _flat(summary: dict[str, Any]) -> dict[str, Any]:
    flat = {k: v for k, v in summary.items() if not isinstance(v, dict)}
    for key, value in summary.get("requests_to_80pct", {}).items():
        flat[f"requests_to_80pct[{key}]"] = value
    return flat


def write_rows(path: Path, rows: Sequence[dict[str, Any]]) -> Path:
    """Write dictionaries as CSV, columns in order of first appearance."""
    return _csv(path, rows)


def _csv(path: Path, rows: Sequence[dict[str, Any]]) -> Path:
    columns: list[str] = []
    for row in rows:
        columns.extend(c for c in row if c not in columns)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


_LINE_PLOTS = (
    ("cumulative_regret", "cumulative regret", "regret (utility, summed over requests)"),
    ("cost", "cost per step", "cost per step (USD)"),
    ("agreement", "hive agreement", "Kendall's W (0 to 1)"),
)
"""Per-step metrics drawn one line per policy: file stem, title, y-axis label with its unit."""

_NO_VALUES = {
    "agreement": "the hive casts no ballots on the evidence channel "
    '(agents.channel = "verdict" votes)',
}
"""Why a metric can have no value in any policy of a run."""


def draw_traffic_share(results: Sequence[RunResult]) -> Figure:
    """Traffic share per model over steps: a row per task, a column per policy (small multiples)."""
    main = results[0]
    tasks = sorted({r["task"] for r in main.traffic})
    figure = new_figure(4.2 * len(results) + 1.6, 2.4 * len(tasks))
    axes = figure.subplots(len(tasks), len(results), squeeze=False, sharex=True, sharey=True)
    for column, result in enumerate(results):
        for row, task in enumerate(tasks):
            ax = axes[row, column]
            rows = [r for r in result.traffic if r["task"] == task]
            for model in sorted({r["model"] for r in rows}):
                mine = [r for r in rows if r["model"] == model]
                ax.plot([r["step"] for r in mine], [100 * r["share"] for r in mine],
                        color=model_colour(model), label=model, lw=1.2)  # fmt: skip
            _mark_events(ax, result)
            ax.set_ylim(0, 105)
            ax.set_title(f"{task} · {result.policy}", fontsize=8)
            if column == 0:
                ax.set_ylabel("traffic share (%)", fontsize=8)
            if row == len(tasks) - 1:
                ax.set_xlabel("step", fontsize=8)
            if column == len(results) - 1:
                legend_outside(ax)
    return figure


def draw_metric(results: Sequence[RunResult], metric: str) -> Figure:
    """One per-step metric, a line per policy; equal lines stay visible and are named."""
    title, ylabel = next((t, y) for m, t, y in _LINE_PLOTS if m == metric)
    figure = new_figure(9, 3.4)
    ax = figure.subplots()
    curves: dict[str, list[float]] = {}
    for index, result in enumerate(results):
        values = [m[metric] for m in result.metrics]
        if all(math.isnan(v) for v in values):
            continue
        curves[result.policy] = values
        ax.plot([m["step"] for m in result.metrics], values, label=result.policy, lw=1.3,
                **policy_style(index))  # fmt: skip
    _mark_events(ax, results[0])
    if not curves:  # said on the figure, not left as empty axes
        ax.set_xlim(0, results[0].spec.steps)
        ax.text(0.5, 0.5, f"nothing to draw: {_NO_VALUES.get(metric, 'no policy has a value')}",
                transform=ax.transAxes, ha="center", va="center", color="dimgrey")  # fmt: skip
    ax.set_yscale(**scale_for(v for c in curves.values() for v in c))
    ax.set_title(f"{results[0].spec.name}: {title}", fontsize=9)
    ax.set_xlabel("step")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    legend_outside(ax)
    note_coinciding(ax, curves)
    return figure


def _mark_events(ax: Axes, result: RunResult) -> None:
    """A dotted line at each event; outages shaded over the steps they last."""
    for event in result.spec.events:
        duration = getattr(event, "duration", None)
        if duration is not None:
            ax.axvspan(event.step, event.step + duration, color="red", alpha=0.08, lw=0)
        ax.axvline(event.step, color="grey", linestyle=":", linewidth=1)
        ax.annotate(event.kind, (event.step, 1.0), xycoords=("data", "axes fraction"),
                    fontsize=6, rotation=90, va="top", color="dimgrey")  # fmt: skip


def _plots(out_dir: Path, main: RunResult, others: Sequence[RunResult]) -> list[Path]:
    results = (main, *others)
    paths = save_figure(draw_traffic_share(results), out_dir / "traffic_share")
    for metric, _, _ in _LINE_PLOTS:
        paths += save_figure(draw_metric(results, metric), out_dir / metric)
    return paths


def _report(path: Path, main: RunResult, others: Sequence[RunResult], plots: list[Path]) -> Path:
    spec = main.spec
    lines = [
        f"# {spec.name} (seed {spec.seed})",
        "",
        spec.description,
        "",
        f"{spec.steps} steps of {spec.step_minutes:g} minutes, "
        f"{main.requests_generated:,} requests, {main.records_written:,} records written, "
        f"{spec.agents.count} agents voting by {spec.agents.consensus} "
        f"every {spec.agents.vote_period} steps.",
        "",
        "| " + " | ".join(title for _, title in SUMMARY_COLUMNS) + " |",
        "|" + "---|" * len(SUMMARY_COLUMNS),
    ]
    for result in (main, *others):
        cells = [_cell(result.summary.get(key)) for key, _ in SUMMARY_COLUMNS]
        lines.append("| " + " | ".join(cells) + " |")
    wins = main.summary.get("requests_to_80pct") or {}
    if wins:
        lines += ["", "Requests until a released model that is its task's oracle holds 80%:", ""]
        lines += [f"- {key}: {'never' if n is None else f'{n:,}'}" for key, n in wins.items()]
    lines += [
        "",
        "Per-step metrics: [metrics.csv](metrics.csv); traffic: [traffic.csv](traffic.csv).",
        "",
    ]
    lines += [f"![{p.stem}]({p.name})" for p in plots if p.suffix == ".png"]
    lines += ["", f"Event log digest: `{main.log_digest}`", ""]
    path.write_text("\n".join(lines))
    return path


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "n/a" if math.isnan(value) else f"{value:,.4g}"
    return str(value)
