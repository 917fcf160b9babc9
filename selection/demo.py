"""A short demonstration: simulated calls for a few tasks, recorded through the real tracker."""

from __future__ import annotations

import numpy as np
from rich.console import Console
from rich.table import Table

from selection.manager import DynamicModelManager
from selection.records import PerformanceRecord
from selection.tasks import TaskType

__all__ = ["DEMO_TASKS", "run_demo"]

DEMO_TASKS = (
    TaskType.LOGICAL_REASONING,
    TaskType.CREATIVE_GENERATION,
    TaskType.TECHNICAL_EXPLANATION,
    TaskType.PHILOSOPHICAL_ANALYSIS,
)


async def run_demo(
    manager: DynamicModelManager, *, rounds: int, seed: int, console: Console | None = None
) -> dict[str, str]:
    """Route ``rounds`` rounds of calls per demo task by Thompson sampling and record them.

    Each model's true behaviour is hidden from the selector: a quality drawn once per
    (model, task) near the catalog's prior, latency and tokens drawn per call. Returns the
    final greedy recommendation per task.
    """
    if rounds < 1:
        raise ValueError(f"rounds must be at least 1, got {rounds}")
    if seed < 0:  # numpy's own message would not say which number
        raise ValueError(f"seed must be >= 0, got {seed}")
    await manager.initialize()
    rng = np.random.default_rng(seed)
    truth = {
        (spec.id, task.value): float(
            np.clip((spec.quality_prior or 0.7) + rng.normal(0.0, 0.06), 0.05, 0.98)
        )
        for spec in manager.catalog.active()
        for task in DEMO_TASKS
    }
    chooser = np.random.default_rng(rng.integers(2**63))
    for _ in range(rounds):
        batch = []
        for task in DEMO_TASKS:
            rec = manager.model_selector.recommend(task, mode="thompson", rng=chooser)
            spec = manager.catalog.get(rec.recommended_model_id)
            failed = bool(rng.random() < 0.02)
            tokens_in, tokens_out = (int(t) for t in rng.poisson((400, 350)))
            latency = (spec.typical_latency_ms or 2000) * float(rng.lognormal(0.0, 0.3))
            quality = float(np.clip(rng.normal(truth[(spec.id, task.value)], 0.08), 0, 1))
            batch.append(
                PerformanceRecord(
                    model_id=spec.id,
                    task_type=task,
                    response_time_ms=round(latency, 1),
                    token_count_input=tokens_in,
                    token_count_output=tokens_out,
                    cost=spec.estimate_cost(tokens_in, tokens_out),
                    quality_score=None if failed else quality,
                    error_occurred=failed,
                    error_type="server_error" if failed else None,
                    timestamp=manager.clock.now(),
                    context_data={"source": "demo", "seed": seed},
                )
            )
        await manager.performance_tracker.record_many(batch)
    final = {}
    table = Table(title=f"Recommendations after {rounds} rounds (seed {seed})")
    for column in (
        "task",
        "model",
        "confidence",
        "its calls",
        "its quality",
        "highest true quality",
    ):
        table.add_column(column, overflow="fold")
    for task in DEMO_TASKS:
        rec = await manager.recommend(task)
        final[task.value] = rec.recommended_model_id
        stats = manager.performance_tracker.task_stats(task)
        chosen = stats.get(rec.recommended_model_id)
        total = sum(agg.records for agg in stats.values())
        best = max((v, m) for (m, t), v in truth.items() if t == task.value)
        observed = chosen.mean("quality_score") if chosen else None
        table.add_row(
            task.value,
            rec.recommended_model_id,
            f"{rec.confidence_score:.2f}",
            f"{chosen.records if chosen else 0}/{total}",
            "-" if observed is None else f"{observed:.3f}",
            f"{best[1]} ({best[0]:.3f})",
        )
    if console is not None:
        console.print(table)
    return final
