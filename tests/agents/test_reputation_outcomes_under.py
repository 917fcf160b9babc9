"""outcomes_under reads the records once and equals outcomes_from_records per weighting."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from agents import outcomes_from_records, outcomes_under
from selection import PerformanceRecord

TASK = "code_generation"


def _records(n: int, seed: int) -> list[PerformanceRecord]:
    rng = np.random.default_rng(seed)
    models = ["sim/a", "sim/b", "sim/c"]
    return [
        PerformanceRecord(
            model_id=models[i % 3],
            task_type=TASK if i % 5 else "creative_writing",
            quality_score=float(rng.random()),
            cost=float(rng.random() / 100),
            response_time_ms=float(rng.lognormal(6, 0.5)),
            timestamp=datetime(2026, 1, 1, tzinfo=UTC),
        )
        for i in range(n)
    ]


def test_each_weighting_equals_outcomes_from_records() -> None:
    records = _records(300, 1)
    weightings = [None, {"quality": 1.0}, {"cost": 0.7, "quality": 0.3}, {"speed": 2.0}]
    got = outcomes_under(records, task=TASK, weightings=weightings)
    assert got == [outcomes_from_records(records, task=TASK, weights=w) for w in weightings]
    assert len(got[0]) == 3


def test_no_records_for_the_task_gives_empty_outcomes() -> None:
    assert outcomes_under(_records(3, 2), task="summarization", weightings=[None, None]) == [{}, {}]
