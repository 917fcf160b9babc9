"""From an :class:`Evaluation` to the figures: per-run rows, per-policy scores, CSV, tables.

Rows: one per policy run (a policy at a cost weight) and one per reference (each single
model, the per-prompt and per-task oracles). Scores: per policy, AIQ over the single models'
cost range, AIQ minus the Zero router's, and CPT at 50/80/95%, with the Zero router and the
per-prompt oracle (swept over prices of quality, see ``oracle_frontier``) scored the same way.
A policy without a cost weight is one point, and AIQ counts nothing below a policy's
cheapest point, so a one-point AIQ is a floor, comparable only with care.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from rich.console import Console
from rich.table import Table as RichTable

from scenarios.evaluation.bandit import Evaluation
from scenarios.evaluation.measures import (
    Summary,
    aiq,
    best_single_model,
    cpt,
    cumulative_regret,
    hindsight,
    oracle_frontier,
    per_prompt_oracle,
    per_task_oracle,
    summarize,
)
from scenarios.evaluation.traces import FloatArray

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CPT_LEVELS", "Report", "Row", "Score", "build_report", "print_report", "write_csv"]

CPT_LEVELS = (0.5, 0.8, 0.95)


@dataclass(frozen=True)
class Row:
    """One run or reference: what it achieved and its final cumulative regret."""

    kind: Literal["policy", "reference"]
    name: str
    weight: float | None
    summary: Summary
    regret: float | None = None
    regret_weight: float | None = None
    note: str = ""
    budget: float | None = None  # a budgeted run's target, USD per request


@dataclass(frozen=True)
class Score:
    """A policy's (or reference's) curve over the sweep, reduced to the papers' numbers."""

    name: str
    points: int
    aiq: float
    aiq_minus_zero: float
    best_quality: float
    cpt: tuple[float | None, ...]


@dataclass(frozen=True)
class Report:
    """Everything printed, written and plotted.

    Attributes:
        strong, weak: the best single model and the cheapest one (CPT's pair).
        cost_range: the single models' mean cost per request, lowest and highest (AIQ's range).
        regret_curves: per policy, cumulative regret per step at ``regret_weight``.
        oracle_curve: (mean cost, quality) of the per-prompt oracle over its price sweep.
    """

    trace: str
    prompts: int
    models: tuple[str, ...]
    seed: int
    strong: str
    weak: str
    cost_range: tuple[float, float]
    regret_weight: float
    rows: tuple[Row, ...]
    scores: tuple[Score, ...]
    regret_curves: dict[str, FloatArray]
    oracle_curve: tuple[tuple[float, float], ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """One row per run and per reference, with the columns of ``runs.csv``."""
        import pandas as pd

        return pd.DataFrame(_run_rows(self))

    def scores_frame(self) -> pd.DataFrame:
        """One row per policy and reference curve, with the columns of ``summary.csv``."""
        import pandas as pd

        return pd.DataFrame(_score_rows(self))


def build_report(evaluation: Evaluation, *, regret_weight: float | None = None) -> Report:
    """Compute every figure of an evaluation.

    Args:
        evaluation: the runs, as :func:`~scenarios.evaluation.evaluate` returns them.
        regret_weight: the cost weight at which unweighted policies' regret is measured and
            regret curves are drawn; by default the middle weight of the sweep.
    """
    trace, order = evaluation.trace, evaluation.order
    weights = evaluation.config.weights
    rw = weights[len(weights) // 2] if regret_weight is None else regret_weight
    if rw not in weights:
        raise ValueError(f"regret weight {rw!r} is not one of the cost weights {list(weights)}")
    h = hindsight(trace)
    strong = best_single_model(trace)
    weak = int(np.argmin(h.cost))
    rows: list[Row] = []
    for j, model in enumerate(trace.models):
        note = "best single model" if j == strong else ""
        if j == weak:
            note = (note + "; " if note else "") + "cheapest (weak model for CPT)"
        choices = np.full(trace.n_prompts, j)
        rows.append(Row("reference", f"model:{model}", None, summarize(trace, choices), note=note))
    for name, choices in (
        ("oracle-per-prompt", per_prompt_oracle(trace)),
        ("oracle-per-task", per_task_oracle(trace)),
    ):
        rows.append(Row("reference", name, None, summarize(trace, choices)))
    curves: dict[str, FloatArray] = {}
    for run in evaluation.runs:
        at = rw if run.weight is None else run.weight
        regret = cumulative_regret(trace, order, run.choices, at, h=h)
        summary = summarize(trace, run.choices, order)
        note = ""
        if run.budget is not None:
            spent = summary.mean_cost / run.budget.dollars
            note = (
                f"budget {evaluation.config.budget:g} x {trace.models[strong]}'s mean cost "
                f"= {run.budget}; spent {spent:.1%} of it"
            )
        elif at == rw:
            curves[run.policy] = regret
        target = None if run.budget is None else run.budget.dollars
        rows.append(
            Row("policy", run.policy, run.weight, summary, float(regret[-1]), at, note, target)
        )
    cost_range = (float(h.cost.min()), float(h.cost.max()))
    model_points = [(r.summary.mean_cost, r.summary.quality) for r in rows[: trace.n_models]]
    zero_aiq = aiq(model_points, cost_range=cost_range)

    def score(name: str, picked: Sequence[Summary]) -> Score:
        value = aiq([(s.mean_cost, s.quality) for s in picked], cost_range=cost_range)
        shares = [(s.shares[strong], s.quality) for s in picked]
        q_strong, q_weak = h.quality[strong], h.quality[weak]
        levels = tuple(cpt(shares, weak=q_weak, strong=q_strong, level=x) for x in CPT_LEVELS)
        best = max(s.quality for s in picked)
        return Score(name, len(picked), value, value - zero_aiq, best, levels)

    scores = [
        score(p, [r.summary for r in rows if r.kind == "policy" and r.name == p])
        for p in evaluation.policies
    ]
    scores.append(score("zero-router", [r.summary for r in rows[: trace.n_models]]))
    oracle = [summarize(trace, choices) for choices in oracle_frontier(trace)]
    scores.append(score("oracle-per-prompt", oracle))
    return Report(
        trace=trace.name,
        prompts=trace.n_prompts,
        models=trace.models,
        seed=evaluation.config.seed,
        strong=trace.models[strong],
        weak=trace.models[weak],
        cost_range=cost_range,
        regret_weight=rw,
        rows=tuple(rows),
        scores=tuple(scores),
        regret_curves=curves,
        oracle_curve=tuple((s.mean_cost, s.quality) for s in oracle),
    )


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.10g}"


def _run_rows(report: Report) -> list[dict[str, Any]]:
    """``runs.csv``'s lines as dictionaries (``None`` where a value does not apply)."""
    out = []
    for r in report.rows:
        s = r.summary
        out.append(
            {"kind": r.kind, "name": r.name, "weight": r.weight, "requests": s.requests,
             "quality": s.quality, "total_cost": s.total_cost, "mean_cost": s.mean_cost,
             "mean_latency_ms": s.mean_latency_ms,
             **{f"share:{m}": x for m, x in zip(report.models, s.shares, strict=True)},
             "regret": r.regret, "regret_weight": r.regret_weight, "note": r.note,
             "budget": r.budget}
        )  # fmt: skip
    return out


def _score_rows(report: Report) -> list[dict[str, Any]]:
    """``summary.csv``'s lines as dictionaries."""
    return [
        {"name": sc.name, "points": sc.points, "aiq": sc.aiq, "aiq_minus_zero": sc.aiq_minus_zero,
         "best_quality": sc.best_quality,
         **{f"cpt{round(x * 100)}": c for x, c in zip(CPT_LEVELS, sc.cpt, strict=True)}}
        for sc in report.scores
    ]  # fmt: skip


def write_csv(report: Report, folder: Path) -> list[Path]:
    """Write ``runs.csv`` (one line per row) and ``summary.csv`` (one per score)."""
    folder.mkdir(parents=True, exist_ok=True)
    runs, summary = folder / "runs.csv", folder / "summary.csv"
    for path, rows in ((runs, _run_rows(report)), (summary, _score_rows(report))):
        with path.open("w", newline="", encoding="utf-8") as handle:
            out = csv.writer(handle, lineterminator="\n")
            out.writerow(list(rows[0]))
            for row in rows:
                out.writerow([_cell(v) for v in row.values()])
    return [runs, summary]


def _cell(value: object) -> object:
    return _num(value) if value is None or isinstance(value, float) else value


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def print_report(report: Report, console: Console) -> None:
    """Print the runs table and the scores table."""
    console.print(
        f"[bold]{report.trace}[/]: {report.prompts:,} prompts, {len(report.models)} models, "
        f"seed {report.seed}; best single model {report.strong}, cheapest {report.weak}; "
        f"AIQ over mean cost ${report.cost_range[0]:.6f}-${report.cost_range[1]:.6f}/request"
    )
    table = RichTable(title=f"Runs (regret of unweighted policies at w={report.regret_weight:g})")
    for column in ("policy / reference", "w", "quality", "total $", "$/request"):
        table.add_column(column, justify="left" if column.startswith("policy") else "right")
    for model in report.models:
        table.add_column(f"% {model}", justify="right", overflow="fold")
    table.add_column("regret", justify="right")
    for r in report.rows:
        s = r.summary
        table.add_row(
            r.name,
            ("budget" if r.budget is not None else "-") if r.weight is None else f"{r.weight:g}",
            f"{s.quality:.4f}",
            f"{s.total_cost:,.4f}",
            f"{s.mean_cost:.6f}",
            *(f"{x:.1%}" for x in s.shares),
            "-" if r.regret is None else f"{r.regret:,.1f}",
        )
    console.print(table)
    scores = RichTable(title=f"Frontier scores (strong {report.strong}, weak {report.weak})")
    for column in ("policy / reference", "points", "AIQ", "AIQ - zero", "best quality"):
        scores.add_column(column, justify="left" if column.startswith("policy") else "right")
    for level in CPT_LEVELS:
        scores.add_column(f"CPT({level:.0%})", justify="right")
    for sc in report.scores:
        scores.add_row(
            sc.name,
            str(sc.points),
            f"{sc.aiq:.4f}",
            f"{sc.aiq_minus_zero:+.4f}",
            f"{sc.best_quality:.4f}",
            *(_pct(c) for c in sc.cpt),
        )
    console.print(scores)
