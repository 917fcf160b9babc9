"""Synthetic traces with known answers, for tests, benchmarks and quick experiments."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from scenarios.evaluation.traces import FloatArray, Trace

__all__ = ["synthetic_trace"]


def synthetic_trace(
    rng: np.random.Generator,
    *,
    n_prompts: int,
    accuracy: Mapping[str, Mapping[str, float]],
    cost: Mapping[str, float],
    latency_ms: Mapping[str, float] | None = None,
    cost_spread: float = 0.3,
    name: str = "synthetic",
) -> Trace:
    """A trace whose model ``m`` answers a prompt of task ``t`` right with ``accuracy[t][m]``.

    Tasks are drawn uniformly per prompt; answers are independent 0/1 draws; a call costs
    ``cost[m]`` times a log-normal factor of spread ``cost_spread`` (mean 1), and takes
    ``latency_ms[m]`` times the same kind of factor when latencies are given.

    Raises:
        ValueError: a task lacks a model's accuracy, or a size is not positive.
    """
    if n_prompts < 1:
        raise ValueError(f"n_prompts must be >= 1, got {n_prompts!r}")
    models = tuple(cost)
    tasks = tuple(accuracy)
    if not tasks or not models:
        raise ValueError("give at least one task (accuracy) and one model (cost)")
    table = np.empty((len(tasks), len(models)))
    for t, task in enumerate(tasks):
        for j, model in enumerate(models):
            if model not in accuracy[task]:
                raise ValueError(f"accuracy[{task!r}] lacks model {model!r}")
            table[t, j] = accuracy[task][model]
    task_index = rng.integers(len(tasks), size=n_prompts)
    quality = (rng.random((n_prompts, len(models))) < table[task_index]).astype(float)

    def factor() -> FloatArray:
        sigma = cost_spread
        return rng.lognormal(-(sigma**2) / 2, sigma, (n_prompts, len(models)))

    costs = np.array([cost[m] for m in models]) * factor()
    latency = None
    if latency_ms is not None:
        latency = np.array([latency_ms[m] for m in models]) * factor()
    return Trace(
        name=name,
        models=models,
        tasks=tasks,
        prompt_ids=tuple(f"p{i}" for i in range(n_prompts)),
        task_index=task_index,
        quality=quality,
        cost=costs,
        latency_ms=latency,
    )
