"""Helpers for the A/B tests: a simulated population of calls routed through a real test."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from selection import DynamicModelManager, PerformanceRecord

T0 = datetime(2026, 3, 1, tzinfo=UTC)
TASK = "logical_reasoning"
CHAMPION = "openrouter/claude-3-sonnet"
CHALLENGER = "openrouter/gpt-4-turbo"


@dataclass
class Arms:
    """Raw values recorded per arm (what scipy is given to check the analysis)."""

    values: dict[str, dict[str, list[float]]] = field(default_factory=lambda: {"a": {}, "b": {}})

    def add(self, arm: str, **metrics: float) -> None:
        for name, value in metrics.items():
            self.values[arm].setdefault(name, []).append(value)

    def __getitem__(self, key: tuple[str, str]) -> np.ndarray:
        arm, metric = key
        return np.asarray(self.values[arm].get(metric, []), dtype=float)


@dataclass(frozen=True)
class Truth:
    """How each arm behaves: (champion, challenger) per parameter."""

    quality: tuple[float, float] = (0.7, 0.7)
    quality_sd: float = 0.1
    accuracy: tuple[float, float] = (0.6, 0.6)
    error: tuple[float, float] = (0.02, 0.02)
    cost: tuple[float, float] = (0.002, 0.002)
    latency: tuple[float, float] = (1000.0, 1000.0)


async def feed(
    manager: DynamicModelManager,
    test_id: str,
    n: int,
    *,
    rng: np.random.Generator,
    truth: Truth = Truth(),
    start: int = 0,
    task: str = TASK,
    drop_challenger: float = 0.0,
    arms: Arms | None = None,
) -> Arms:
    """Route ``n`` requests through the test, simulate each call, record them in one batch.

    ``drop_challenger`` loses that share of the challenger's records (broken logging), which
    a sample-ratio check must notice.
    """
    arms = arms if arms is not None else Arms()
    router = manager.model_selector
    records = []
    for i in range(start, start + n):
        request_id = f"{test_id}-{i}"
        assignment = router.assign(task, request_id=request_id)
        assert assignment is not None
        k = 0 if assignment.arm == "a" else 1
        if k == 1 and drop_challenger and rng.random() < drop_challenger:
            continue
        quality = float(np.clip(rng.normal(truth.quality[k], truth.quality_sd), 0.0, 1.0))
        accuracy = float(np.clip(rng.normal(truth.accuracy[k], 0.15), 0.0, 1.0))
        error = bool(rng.random() < truth.error[k])
        cost = float(rng.gamma(4.0, truth.cost[k] / 4.0))
        latency = float(rng.lognormal(math.log(truth.latency[k]), 0.6))
        record = PerformanceRecord(
            record_id=request_id,
            model_id=assignment.model_id,
            task_type=task,
            quality_score=quality,
            accuracy_score=accuracy,
            error_occurred=error,
            cost=cost,
            response_time_ms=latency,
        )
        records.append(router.tag(record))
        arms.add(
            assignment.arm,
            quality_score=quality,
            accuracy_score=accuracy,
            error=float(error),
            cost=cost,
            response_time_ms=latency,
        )
    await manager.performance_tracker.record_many(records)
    return arms
