"""How long choosing a model takes: 50 models, 10 task types.

Run: .venv/bin/python bench/bench_selector.py
Prints the median per call of:
  warm   - get_optimal_model when nothing changed since the last call (the cache answers);
  cold   - get_optimal_model right after a new record for the task (scores are rebuilt);
  thompson - one Thompson-sampling draw (always recomputed from the cached score table).
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime

import numpy as np

from selection import (
    DynamicModelManager,
    ModelCatalog,
    ModelSpec,
    SimClock,
    TaskThresholds,
    TaskType,
)

N_MODELS = 50
TASKS = [t.value for t in TaskType]


def catalog(rng: np.random.Generator) -> ModelCatalog:
    specs = []
    for i in range(N_MODELS):
        price = float(rng.uniform(0.0001, 0.05))
        specs.append(
            ModelSpec(
                id=f"provider/model-{i:02d}",
                provider="provider",
                input_cost_per_1k_tokens=price,
                output_cost_per_1k_tokens=price * 2,
                context_length=int(rng.choice([8_000, 32_000, 128_000])),
                specializations=tuple(rng.choice(TASKS, size=2, replace=False)),
                quality_prior=float(rng.uniform(0.5, 0.85)),
            )
        )
    return ModelCatalog(specs)


def median_us(samples: list[float]) -> float:
    return statistics.median(samples) * 1e6


async def main() -> None:
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        manager = DynamicModelManager(
            f"sqlite:///{tmp}/bench.db",
            catalog=catalog(rng),
            clock=SimClock(datetime(2026, 1, 1, tzinfo=UTC)),
            rng=np.random.default_rng(1),
            thresholds={task: TaskThresholds() for task in TASKS},  # random data, no limits
        )
        await manager.initialize()
        records = [
            {
                "model_id": f"provider/model-{int(rng.integers(N_MODELS)):02d}",
                "task_type": TASKS[int(rng.integers(len(TASKS)))],
                "quality_score": float(rng.uniform(0.3, 1.0)),
                "cost": float(rng.uniform(0.0001, 0.05)),
                "response_time_ms": float(rng.lognormal(7, 0.5)),
            }
            for _ in range(20_000)
        ]
        await manager.performance_tracker.record_many(records)
        factors = {"quality": 0.5, "cost": 0.3, "speed": 0.2}
        for task in TASKS:  # warm every task's cache and the stored recommendation
            await manager.get_optimal_model(task, factors)

        warm = []
        for i in range(20_000):
            task = TASKS[i % len(TASKS)]
            t0 = time.perf_counter()
            await manager.get_optimal_model(task, factors)
            warm.append(time.perf_counter() - t0)

        cold = []
        for i in range(500):
            task = TASKS[i % len(TASKS)]
            record = dict(records[i], task_type=task)
            await manager.performance_tracker.record(record)
            t0 = time.perf_counter()
            await manager.get_optimal_model(task, factors)
            cold.append(time.perf_counter() - t0)

        thompson = []
        for i in range(5_000):
            task = TASKS[i % len(TASKS)]
            t0 = time.perf_counter()
            await manager.get_optimal_model(task, factors, mode="thompson")
            thompson.append(time.perf_counter() - t0)
        await manager.close()

    print(f"{N_MODELS} models x {len(TASKS)} task types, 20,000 records; median per call")
    print(f"  get_optimal_model warm       {median_us(warm):8.1f} us   (target < 50 us)")
    print(f"  get_optimal_model cold       {median_us(cold):8.1f} us   (after a new record)")
    print(f"  get_optimal_model thompson   {median_us(thompson):8.1f} us")


if __name__ == "__main__":
    asyncio.run(main())
