"""A run's outputs: per-step metrics and traffic (CSV), plots (PNG) and a short report."""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scenarios.run import RunResult

__all__ = ["OUTPUT_FILES", "SUMMARY_COLUMNS", "write_outputs", "write_rows"]

_PLOTTED = ("cumulative_regret", "cost", "agreement")
OUTPUT_FILES = (
    "metrics.csv",
    "traffic.csv",
    "summary.csv",
    "traffic_share.png",
    *(f"{metric}.png" for metric in _PLOTTED),
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


def _plots(out_dir: Path, main: RunResult, others: Sequence[RunResult]) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    tasks = sorted({r["task"] for r in main.traffic})
    events = [(e.step, e.kind) for e in main.spec.events]
    fig, axes = plt.subplots(len(tasks), 1, figsize=(9, 2.6 * len(tasks)), squeeze=False)
    for ax, task in zip(axes[:, 0], tasks, strict=True):
        models = sorted({r["model"] for r in main.traffic if r["task"] == task})
        for model in models:
            rows = [r for r in main.traffic if r["task"] == task and r["model"] == model]
            ax.plot([r["step"] for r in rows], [r["share"] for r in rows], label=model)
        for step, kind in events:
            ax.axvline(step, color="grey", linestyle=":", linewidth=1)
            ax.annotate(kind, (step, 1.0), fontsize=7, rotation=90, va="top")
        ax.set_title(f"{task}: traffic share", fontsize=9)
        ax.set_ylim(0, 1.05)
        ax.legend(fontsize=7, loc="center left")
    axes[-1, 0].set_xlabel("step")
    fig.tight_layout()
    paths.append(_save(fig, out_dir / "traffic_share.png"))
    titles = ("cumulative regret", "cost per step ($)", "hive agreement (Kendall's W)")
    for metric, title in zip(_PLOTTED, titles, strict=True):
        fig, ax = plt.subplots(figsize=(9, 3))
        for result in (main, *others):
            values = [m[metric] for m in result.metrics]
            if all(math.isnan(v) for v in values):
                continue
            ax.plot([m["step"] for m in result.metrics], values, label=result.policy)
        for step, _ in events:
            ax.axvline(step, color="grey", linestyle=":", linewidth=1)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("step")
        if ax.get_legend_handles_labels()[0]:  # a short run may never vote: nothing to label
            ax.legend(fontsize=7)
        fig.tight_layout()
        paths.append(_save(fig, out_dir / f"{metric}.png"))
    plt.close("all")
    return paths


def _save(fig: Any, path: Path) -> Path:
    fig.savefig(path, dpi=110)
    return path


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
    lines += [f"![{p.stem}]({p.name})" for p in plots]
    lines += ["", f"Event log digest: `{main.log_digest}`", ""]
    path.write_text("\n".join(lines))
    return path


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "n/a" if math.isnan(value) else f"{value:,.4g}"
    return str(value)
