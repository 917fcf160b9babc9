"""Shared evidence and budgets on many-task traces (MMLU-like, RouterBench-like) and GSM8K.

Run: .venv/bin/python bench/bench_multitask.py [--seeds 3] [--points 7] [--budget 0.5]
        [--traces mmlu-like routerbench-like gsm8k FILE...] [--policies NAME...]
        [--prompts 5000] [--rb-prompts 14042] [--order shuffled|by-task] [--batch-size 100]
        [--gsm8k PATH]

Traces: ``mmlu-like`` (``scenarios.evaluation.multitask``, 50 tasks, two models, ``--prompts``),
``routerbench-like`` (``scenarios.evaluation.routerbench_like``, MMLU's 57 subjects and
RouterBench's eleven models, ``--rb-prompts``), ``gsm8k`` (RouteLLM's file, one task) or any
trace file ``load_trace`` reads (a RouterBench ``.pkl``, CSV...). The drawn traces are drawn
again per seed; a file is served in a different seeded order per seed.

For each trace and seed, every policy (``--policies``; selector variants from
``scenarios.evaluation.POLICIES``) runs at ``--points`` cost weights placed where its cost
moves, plus one run paced to ``--budget`` times the strong model's mean cost. Printed, averaged
over seeds (min-max in brackets): the budgeted run's quality and cost as a share of the strong
model's, its spend against the target, and each policy's AIQ against the Zero router's and the
per-task oracle's (the per-task oracle swept over prices of quality). The bar (issue 14):
>= 95% of the strong model's quality at <= 50% of its cost. The per-task oracle at the same cost
is printed too: no router that routes by task alone can beat it. ``--order by-task`` serves a
drawn trace one task after another (tasks arrive in turn) instead of shuffled.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from scenarios.evaluation import (
    POLICIES,
    EvaluationConfig,
    Trace,
    aiq,
    evaluate,
    hindsight,
    load_trace,
    summarize,
)
from scenarios.evaluation.measures import frontier, frontier_quality
from scenarios.evaluation.multitask import mmlu_like_trace
from scenarios.evaluation.routerbench_like import routerbench_like_trace

POLICY_NAMES = (
    "selector",
    "selector-shared",
    "selector-thompson",
    "selector-shared-thompson",
    "selector-shared-level",
)
GSM8K = Path("/work/shared/data/routellm_gsm8k_per_prompt_gpt4_vs_mixtral.csv")


def per_task_oracle_points(trace: Trace, prices: int = 64) -> list[tuple[float, float]]:
    """(mean cost, quality) of the per-task oracle at a sweep of prices of quality.

    At price ``p`` each task goes to the model maximising its whole-trace mean quality minus
    mean cost / ``p``; ``p`` runs over quantiles of the tasks' break-even prices.
    """
    h = hindsight(trace)
    share = np.bincount(trace.task_index, minlength=len(trace.tasks)) / trace.n_prompts
    dq = h.task_quality[:, :, None] - h.task_quality[:, None, :]
    dc = h.task_cost[:, :, None] - h.task_cost[:, None, :]
    ratios = (dc / np.where(dq > 0, dq, np.nan)).ravel()
    ratios = ratios[np.isfinite(ratios) & (ratios > 0)]
    sweep = [*np.quantile(ratios, np.linspace(0, 1, prices)), np.inf] if ratios.size else [np.inf]
    points = []
    for price in [1e-12, *sweep]:
        value = h.task_quality - (h.task_cost / price if np.isfinite(price) else 0.0)
        pick = np.argmax(value, axis=1)
        rows = np.arange(len(trace.tasks))
        points.append(
            (float(share @ h.task_cost[rows, pick]), float(share @ h.task_quality[rows, pick]))
        )
    return points


def oracle_at(points: list[tuple[float, float]], cost: float) -> float:
    """Best quality the per-task oracle reaches at a mean cost, mixing two of its points."""
    return frontier_quality(frontier(points), cost)


async def run_trace(
    trace: Trace, args: argparse.Namespace, seed: int, *, shuffle: bool = True
) -> dict[str, dict]:
    h = hindsight(trace)
    strong = int(np.argmax(h.quality))
    q_strong, c_strong = float(h.quality[strong]), float(h.cost[strong])
    cost_range = (float(h.cost.min()), float(h.cost.max()))
    zero = aiq(list(zip(h.cost.tolist(), h.quality.tolist(), strict=True)), cost_range=cost_range)
    oracle_points = per_task_oracle_points(trace)
    out: dict[str, dict] = {
        "zero-router": {"aiq": zero, "quality@budget": None},
        "oracle-per-task": {
            "aiq": aiq(oracle_points, cost_range=cost_range),
            "quality@budget": oracle_at(oracle_points, args.budget * c_strong) / q_strong,
        },
    }
    config = EvaluationConfig(
        weights=(0.0, 0.5, 1.0),
        frontier_points=args.points,
        budget=args.budget,
        seed=seed,
        shuffle=shuffle,
        batch_size=args.batch_size,
    )
    for name in args.policies:
        t0 = time.process_time()
        evaluation = await evaluate(trace, [POLICIES[name]], config)
        cpu = time.process_time() - t0
        summaries = [(r, summarize(trace, r.choices, evaluation.order)) for r in evaluation.runs]
        points = [(s.mean_cost, s.quality) for _, s in summaries]
        run, budgeted = next((r, s) for r, s in summaries if r.budget is not None)
        assert run.budget is not None
        out[name] = {
            "aiq": aiq(points, cost_range=cost_range),
            "quality@budget": budgeted.quality / q_strong,
            "cost@budget": budgeted.mean_cost / c_strong,
            "spend/target": budgeted.mean_cost / run.budget.dollars,
            "cpu_s": cpu,
        }
    return out


def report(title: str, results: list[dict[str, dict]], budget: float) -> None:
    print(f"\n{title} (mean over {len(results)} seeds; min-max in brackets)")
    print(
        f"{'policy':28} {'AIQ':>7} {'AIQ-zero':>9} {'AIQ-oracle':>10} "
        f"{'quality@' + format(budget, '.0%'):>16} {'cost':>14} {'spend/target':>18} {'CPU s':>6}"
    )
    merged: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for per_seed in results:
        zero = per_seed["zero-router"]["aiq"]
        for name, figures in per_seed.items():
            for key, value in figures.items():
                if value is not None:
                    merged[name][key].append(value)
            merged[name]["aiq-zero"].append(figures["aiq"] - zero)
            merged[name]["aiq-oracle"].append(figures["aiq"] - per_seed["oracle-per-task"]["aiq"])

    def cell(values: list[float], pct: bool, width: int) -> str:
        if not values:
            return f"{'-':>{width}}"
        mean, low, high = np.mean(values), min(values), max(values)
        text = f"{mean:.1%} [{low:.1%}-{high:.1%}]" if pct else f"{mean:.4f}"
        return f"{text:>{width}}"

    for name, figures in merged.items():
        print(
            f"{name:28} {cell(figures['aiq'], False, 7)} {np.mean(figures['aiq-zero']):+9.4f} "
            f"{np.mean(figures['aiq-oracle']):+10.4f} "
            f"{cell(figures.get('quality@budget', []), True, 16)} "
            f"{cell(figures.get('cost@budget', []), True, 14)} "
            f"{cell(figures.get('spend/target', []), True, 18)} "
            f"{np.mean(figures['cpu_s']) if 'cpu_s' in figures else 0:6.1f}"
        )


def draw(name: str, args: argparse.Namespace, seed: int) -> Trace:
    """The trace a ``--traces`` entry names, for one seed (files are read once per seed)."""
    if name == "mmlu-like":
        return mmlu_like_trace(np.random.default_rng(seed), n_prompts=args.prompts)
    if name == "routerbench-like":
        return routerbench_like_trace(np.random.default_rng(seed), n_prompts=args.rb_prompts)
    return load_trace(args.gsm8k if name == "gsm8k" else Path(name))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--points", type=int, default=7)
    parser.add_argument("--budget", type=float, default=0.5)
    parser.add_argument("--traces", nargs="+", default=["mmlu-like", "routerbench-like", "gsm8k"])
    parser.add_argument("--policies", nargs="+", default=list(POLICY_NAMES), choices=POLICIES)
    parser.add_argument("--prompts", type=int, default=5000)
    parser.add_argument("--rb-prompts", type=int, default=14_042)
    parser.add_argument("--order", choices=["shuffled", "by-task"], default="shuffled")
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--gsm8k", type=Path, default=GSM8K)
    args = parser.parse_args()
    for name in args.traces:
        if name == "gsm8k" and not args.gsm8k.exists():
            print(f"\nGSM8K skipped: {args.gsm8k} not found")
            continue
        drawn = name in ("mmlu-like", "routerbench-like")
        by_task = drawn and args.order == "by-task"
        results = []
        trace = None
        for seed in range(args.seeds):
            trace = draw(name, args, seed)
            if by_task:
                trace = trace.take(np.argsort(trace.task_index, kind="stable"))
            results.append(asyncio.run(run_trace(trace, args, seed, shuffle=not by_task)))
        assert trace is not None
        report(
            f"{trace.name} ({args.order if drawn else 'shuffled'}, batch {args.batch_size}): "
            f"{len(trace.tasks)} tasks, {trace.n_prompts:,} prompts, {trace.n_models} models; "
            f"budget {args.budget:g} x strong cost; bar >= 95% quality at <= 50% cost",
            results,
            args.budget,
        )


if __name__ == "__main__":
    main()
