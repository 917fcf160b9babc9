"""BatchSums adds a batch in columns bit for bit as record-by-record adds would."""

from __future__ import annotations

import math

import numpy as np
import pytest

from selection import Aggregate, BatchSums

MODELS = ("a", "b", "c")
TASKS = ("x", "y")


def _by_records(sums, models, tasks, columns):
    from selection.metrics import COLUMN_INDEX, METRIC_COLUMNS

    for row, (j, t) in enumerate(zip(models.tolist(), tasks.tolist(), strict=True)):
        values: list[float | None] = [None] * len(METRIC_COLUMNS)
        for column, column_values in columns.items():
            v = float(column_values[row])
            values[COLUMN_INDEX[column]] = None if math.isnan(v) else v
        by_model = sums.setdefault(TASKS[t], {})
        by_model.setdefault(MODELS[j], Aggregate()).add(values, False)


def _state(sums):
    return [
        (task, model, agg.records, agg.count, agg.total, agg.total_sq)
        for task, by_model in sums.items()
        for model, agg in by_model.items()
    ]


def test_sums_cells_and_their_order_match_adding_records_one_by_one():
    rng = np.random.default_rng(0)
    expected: dict[str, dict[str, Aggregate]] = {}
    got: dict[str, dict[str, Aggregate]] = {}
    for _ in range(5):
        n = 40
        models = rng.integers(3, size=n).astype(np.intp)
        tasks = rng.integers(2, size=n).astype(np.intp)
        latency = rng.exponential(500.0, size=n)
        latency[rng.random(n) < 0.3] = np.nan
        columns = {
            "quality_score": rng.random(n),
            "cost": rng.exponential(0.003, size=n),
            "response_time_ms": latency,
        }
        _by_records(expected, models, tasks, columns)
        touched = BatchSums(MODELS, TASKS, models, tasks, columns).add_to(got)
        assert touched == {TASKS[t] for t in tasks.tolist()}
    assert _state(got) == _state(expected)  # exact floats, same insertion order


def test_an_empty_batch_touches_nothing():
    empty = np.array([], dtype=np.intp)
    sums: dict[str, dict[str, Aggregate]] = {}
    assert BatchSums(MODELS, TASKS, empty, empty, {"cost": np.array([])}).add_to(sums) == set()
    assert sums == {}


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"quality_score": np.array([0.5, 1.5])}, r"quality_score 1\.5 is outside \[0, 1\]"),
        ({"cost": np.array([-1.0, 0.0])}, r"cost -1\.0 is outside"),
        ({"cost": np.array([np.inf, 0.0])}, r"cost inf is outside"),
        ({"colour": np.array([0.0, 0.0])}, "'colour' is not a metric column"),
        ({"cost": np.array([0.0])}, "one value per row"),
    ],
)
def test_values_a_record_could_not_hold_are_refused(columns, message):
    codes = np.array([0, 1], dtype=np.intp)
    with pytest.raises(ValueError, match=message):
        BatchSums(MODELS, TASKS, codes, codes, columns)


def test_codes_outside_the_names_are_refused():
    with pytest.raises(ValueError, match=r"a model code is outside 0\.\.2"):
        BatchSums(MODELS, TASKS, np.array([3]), np.array([0]), {"cost": np.array([0.0])})
