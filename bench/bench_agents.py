"""Agents: how fast one agent observes records and casts a ballot.

Run: .venv/bin/python bench/bench_agents.py
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import numpy as np

from agents import PERSONAS, BeliefConfig, GenesisAgent
from selection import PerformanceRecord, TaskType

TASKS = [t.value for t in TaskType]
MODELS = [f"provider/model-{i}" for i in range(50)]
T0 = datetime(2025, 1, 1, tzinfo=UTC)


def records(n: int, rng: np.random.Generator) -> list[PerformanceRecord]:
    return [
        PerformanceRecord(
            model_id=MODELS[int(rng.integers(len(MODELS)))],
            task_type=TASKS[int(rng.integers(len(TASKS)))],
            quality_score=float(rng.uniform()),
            accuracy_score=float(rng.uniform()),
            cost=float(rng.uniform(0.0001, 0.1)),
            response_time_ms=float(rng.uniform(100, 5000)),
            error_occurred=bool(rng.uniform() < 0.02),
            timestamp=T0 + timedelta(seconds=i),
        )
        for i in range(n)
    ]


def best_of(repeats: int, fn) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    rng = np.random.default_rng(0)
    batch = records(10_000, rng)
    config = BeliefConfig(decay=0.98, half_life_hours=24)

    def fresh() -> GenesisAgent:
        return GenesisAgent(
            "bench", PERSONAS["analyst"], rng=np.random.default_rng(1), beliefs=config
        )

    batch_s = best_of(5, lambda: fresh().observe_many(batch))
    one = fresh()

    def one_by_one() -> None:
        for r in batch[:2000]:
            one.observe(r)

    single_s = best_of(1, one_by_one) * len(batch) / 2000
    agent = fresh()
    agent.observe_many(batch)
    ballot_s = best_of(50, lambda: agent.ballot(TaskType.LOGICAL_REASONING))
    print(
        f"observe_many: {len(batch) / batch_s:,.0f} records/s "
        "(10,000 records, 50 models x 10 tasks)"
    )
    print(f"observe (one at a time): {len(batch) / single_s:,.0f} records/s")
    print(f"ballot: {ballot_s * 1e6:,.0f} us per task (50 models known)")


if __name__ == "__main__":
    main()
