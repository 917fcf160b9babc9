"""Evaluate the selector on a large synthetic trace: the issue's target is under 60 s.

Run: .venv/bin/python bench/bench_evaluate.py [--prompts 100000] [--weights 10]
        [--policy selector|all] [--batch-size 100] [--csv] [--budget 0.5]

Builds a trace with 3 models and 4 tasks (seeded), optionally writes it as a RouterBench
CSV and times loading it back, then times ``evaluate`` (bandit-feedback replay through the
real tracker, one run per cost weight) and ``build_report``. Wall time and the process's
CPU time are both printed: on a shared machine the CPU time is the one that does not depend
on what else runs. Issue #19's target is <= 10 us of CPU per row x policy x weight.
``--policy all`` times every policy the trace allows, one after the other; ``--budget``
also times one budgeted replay (that share of the best model's cost) per policy taking one.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import tempfile
import time
from pathlib import Path

import numpy as np

from scenarios.evaluation import (
    POLICIES,
    EvaluationConfig,
    PolicySpec,
    Trace,
    best_single_model,
    build_report,
    evaluate,
    hindsight,
    load_trace,
    replay,
    synthetic_trace,
)
from selection import Budget

ACCURACY = {
    "math": {"big": 0.90, "mid": 0.75, "small": 0.55},
    "code": {"big": 0.85, "mid": 0.80, "small": 0.50},
    "chat": {"big": 0.80, "mid": 0.78, "small": 0.74},
    "facts": {"big": 0.88, "mid": 0.70, "small": 0.60},
}
COST = {"big": 0.01, "mid": 0.002, "small": 0.0002}


def write_routerbench_csv(trace, path: Path) -> None:
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        models = trace.models
        out.writerow(["sample_id", "eval_name", *models, *(f"{m}|total_cost" for m in models)])
        for i, pid in enumerate(trace.prompt_ids):
            task = trace.tasks[trace.task_index[i]]
            out.writerow([pid, task, *trace.quality[i].tolist(), *trace.cost[i].tolist()])


def time_budgeted(trace: Trace, spec: PolicySpec, share: float, batch_size: int) -> None:
    """Time one replay of ``spec`` paced to ``share`` of the best single model's cost."""
    means = hindsight(trace)
    budget = Budget.share_of(float(means.cost[best_single_model(trace)]), share)
    order = np.arange(trace.n_prompts, dtype=np.intp)
    rng = np.random.default_rng(0)
    c0 = time.process_time()
    choices = asyncio.run(
        replay(trace, spec, order=order, weight=None, rng=rng, batch_size=batch_size,
               budget=budget)
    )  # fmt: skip
    cpu = time.process_time() - c0
    spent = float(trace.cost[order, choices].mean())
    print(
        f"{spec.name} budget {share:g} ({budget}): CPU {cpu:.2f} s, "
        f"{cpu / trace.n_prompts * 1e6:.1f} us/row; mean cost ${spent:.6f}/request"
    )


def time_policy(trace: Trace, spec: PolicySpec, weights: tuple[float, ...], batch: int) -> None:
    """Time ``evaluate`` of one policy over the weights, and print its CPU per row x weight."""
    config = EvaluationConfig(weights=weights, seed=0, batch_size=batch)
    c0 = time.process_time()
    evaluation = asyncio.run(evaluate(trace, [spec], config))
    cpu = time.process_time() - c0
    rows = trace.n_prompts * len(evaluation.runs)
    print(
        f"{spec.name}: {len(evaluation.runs)} runs, CPU {cpu:.2f} s, {cpu / rows * 1e6:.1f} us/row"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prompts", type=int, default=100_000)
    parser.add_argument("--weights", type=int, default=10)
    parser.add_argument("--policy", default="selector", choices=[*POLICIES, "all"])
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--csv", action="store_true", help="also time writing and loading a CSV")
    parser.add_argument("--budget", type=float, help="also time a budgeted replay at this share")
    args = parser.parse_args()

    trace = synthetic_trace(
        np.random.default_rng(1), n_prompts=args.prompts, accuracy=ACCURACY, cost=COST
    )
    if args.csv:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "bench.csv"
            write_routerbench_csv(trace, path)
            t0 = time.perf_counter()
            trace = load_trace(path)
            size = path.stat().st_size / 1e6
            print(f"load_trace {size:.1f} MB CSV: {time.perf_counter() - t0:.2f} s")
    weights = tuple(round(i / args.weights, 4) for i in range(args.weights))
    if args.policy == "all":
        for spec in POLICIES.values():
            if trace.has_latency or not spec.needs_latency:
                time_policy(trace, spec, weights, args.batch_size)
        if args.budget is not None:
            for spec in POLICIES.values():
                if spec.takes_budget:
                    time_budgeted(trace, spec, args.budget, args.batch_size)
        return
    if args.budget is not None:
        time_budgeted(trace, POLICIES[args.policy], args.budget, args.batch_size)
    config = EvaluationConfig(weights=weights, seed=0, batch_size=args.batch_size)
    t0, c0 = time.perf_counter(), time.process_time()
    evaluation = asyncio.run(evaluate(trace, [POLICIES[args.policy]], config))
    replay_s, replay_cpu = time.perf_counter() - t0, time.process_time() - c0
    t0 = time.perf_counter()
    report = build_report(evaluation)
    report_s = time.perf_counter() - t0
    requests = args.prompts * len(weights)
    print(
        f"{args.policy}: {args.prompts:,} prompts x {len(weights)} weights x {len(trace.models)} "
        f"models, batch {args.batch_size}: replay {replay_s:.1f} s "
        f"({requests / replay_s:,.0f} requests/s; CPU {replay_cpu:.1f} s), "
        f"report {report_s:.1f} s, total {replay_s + report_s:.1f} s (target < 60 s)"
    )
    score = next(s for s in report.scores if s.name == args.policy)
    zero = next(s for s in report.scores if s.name == "zero-router")
    cpts = ", ".join("-" if c is None else f"{c:.1%}" for c in score.cpt)
    print(f"AIQ {score.aiq:.4f} (zero router {zero.aiq:.4f}); CPT(50/80/95%) {cpts}")


if __name__ == "__main__":
    main()
