"""A step's calls as columns read exactly as the records they make."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest

from agents import Observations
from scenarios.columns import CallColumns
from selection import PerformanceRecord

NOW = datetime(2026, 1, 1, 9, tzinfo=UTC)


def _calls(seed: int, model: str = "sim/a", n: int = 50) -> CallColumns:
    rng = np.random.default_rng(seed)
    failed = rng.random(n) < 0.2
    quality = np.where(failed | (rng.random(n) < 0.3), math.nan, rng.random(n))
    return CallColumns.build(
        record_id=[f"{model}-{seed}-{i}" for i in range(n)],
        model_id=model,
        task_type="logical_reasoning",
        timestamp=NOW,
        response_time_ms=rng.lognormal(7, 0.3, n),
        token_count_input=rng.poisson(300, n),
        token_count_output=np.where(failed, 0, rng.poisson(500, n)),
        cost=rng.random(n) / 100,
        quality_score=quality,
        failed=failed,
        timed_out=failed & (rng.random(n) < 0.5),
        perceived=np.where(failed, math.nan, rng.random(n)),
    )


def test_rows_are_the_records_field_for_field() -> None:
    calls = CallColumns.concat([_calls(1), _calls(2, "sim/b")])
    rows = calls.rows()
    records = [PerformanceRecord(**row) for row in rows]
    assert len(records) == 100
    assert any(r.quality_score is None for r in records)
    assert {r.error_type for r in records} == {None, "timeout", "server_error"}
    for row, record in zip(rows, records, strict=True):
        assert row == record.model_dump(include=set(row))
        assert type(row["token_count_input"]) is int
        assert type(row["response_time_ms"]) is float


def test_observations_equal_reading_the_records() -> None:
    calls = CallColumns.concat([_calls(3), _calls(4, "sim/b")])
    records = [PerformanceRecord(**row) for row in calls.rows()]
    expected = Observations.from_records(records)
    got = calls.observations(perceived=False)
    assert got.tasks == expected.tasks
    assert got.models == expected.models
    for name in ("scores", "errors", "cost", "latency", "times"):
        assert getattr(got, name).tobytes() == getattr(expected, name).tobytes(), name
    seen = calls.observations(perceived=True).scores[:, 0]
    assert seen.tobytes() == calls.perceived.tobytes()


def test_take_and_concat_keep_rows_in_order() -> None:
    seen = _calls(5).observations(perceived=True)
    rows = np.array([4, 0, 4, 9])
    taken = Observations.concat([seen.take(rows), seen.take(np.array([1]))])
    assert taken.models == tuple(seen.models[i] for i in (4, 0, 4, 9, 1))
    assert taken.cost.tolist() == [seen.cost[i] for i in (4, 0, 4, 9, 1)]


def test_bad_parts_are_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        CallColumns.concat([])
    tagged = _calls(6).with_fields(ab_test_id=np.full(50, None, dtype=object))
    with pytest.raises(ValueError, match="different fields"):
        CallColumns.concat([_calls(7), tagged])
    with pytest.raises(ValueError, match="3 values for 50 calls"):
        _calls(8).with_fields(ab_arm=np.full(3, None, dtype=object))
