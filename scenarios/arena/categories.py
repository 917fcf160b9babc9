"""What the ``arena-categories`` run shows: per task, the chosen model against hindsight.

The board's hindsight choice for a task is the model with the best true value under the
scenario's weights (the oracle); the run's choice is the model that served most of the task's
traffic over the last fifth of the run. The cost-quality frontier of a task is the set of
models that no other model beats on both expected cost per request and strength.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from scenarios.oracle import true_values
from scenarios.run import RunResult
from scenarios.spec import ScenarioSpec
from scenarios.world import World

__all__ = ["analyse_categories", "frontier"]


def frontier(points: dict[str, tuple[float, float]]) -> list[str]:
    """Models on the cost-quality frontier, cheapest first (``points``: model -> cost, quality)."""
    ordered = sorted(points, key=lambda m: (points[m][0], -points[m][1], m))
    kept: list[str] = []
    best = float("-inf")
    for model in ordered:
        if points[model][1] > best:
            kept.append(model)
            best = points[model][1]
    return kept


def analyse_categories(
    spec: ScenarioSpec, runs: dict[str, RunResult]
) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """Per task: hindsight choice, each run's choice and its true value; and each frontier."""
    world = World(spec)
    weights = spec.selector.weights
    rows: list[dict[str, Any]] = []
    frontiers: dict[str, list[dict[str, Any]]] = {}
    tail = max(1, spec.steps // 5)
    for task in sorted(spec.traffic):
        values = true_values(world, task, weights, world.active)
        quality = {m: world.behaviour(m, task).quality for m in world.active}
        oracle = max(values, key=lambda m: (values[m], m))
        top = max(quality, key=lambda m: (quality[m], m))
        row: dict[str, Any] = {
            "task": task, "hindsight": oracle, "hindsight_value": values[oracle],
            "strongest": top, "strongest_value": values[top],
        }  # fmt: skip
        for name, run in runs.items():
            counts: Counter[str] = Counter()
            for r in run.traffic:
                if r["task"] == task and int(r["step"]) >= spec.steps - tail:
                    counts[str(r["model"])] += int(r["requests"])
            pick = max(counts.items(), key=lambda kv: (kv[1], kv[0]))[0] if counts else None
            row[name] = pick
            row[f"{name}_value"] = values[pick] if pick is not None else None
            total = sum(counts.values())
            row[f"{name}_share_of_hindsight"] = counts[oracle] / total if total else 0.0
        rows.append(row)
        points = {}
        for m in world.active:
            b = world.behaviour(m, task)
            price_in, price_out = world.prices(m)
            points[m] = ((b.tokens_in * price_in + b.tokens_out * price_out) / 1000.0, quality[m])
        frontiers[task] = [
            {"task": task, "model": m, "cost_per_request": points[m][0], "strength": points[m][1]}
            for m in frontier(points)
        ]
    return rows, frontiers
