"""RecordBatch: the same rows and the same sums as records one by one, on both stores."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from selection import (
    InvalidRecordError,
    ModelCatalog,
    PerformanceRecord,
    PerformanceTracker,
    RecordBatch,
    Router,
    SimClock,
    UnknownModelError,
    UnknownTaskError,
    open_store,
)
from selection.metrics import METRIC_COLUMNS, SCORE_COLUMNS

T0 = datetime(2026, 3, 1, tzinfo=UTC)
MODELS = ["openrouter/claude-3-sonnet", "openrouter/mixtral-8x7b", "openrouter/gpt-4-turbo"]
TASKS = ["logical_reasoning", "creative_generation", "pattern_recognition"]

_score = st.one_of(
    st.none(),
    st.floats(0.0, 1.0),
    st.sampled_from([0.0, 1.0, 1e-300, 5e-324, 0.1, 1 / 3]),
)


@st.composite
def record(draw: st.DrawFn) -> dict[str, Any]:
    data: dict[str, Any] = {
        "model_id": draw(st.sampled_from(MODELS)),
        "task_type": draw(st.sampled_from(TASKS)),
        "response_time_ms": draw(st.one_of(st.none(), st.floats(0.0, 86_400_000.0))),
        "token_count_input": draw(st.one_of(st.none(), st.integers(0, 10**9))),
        "token_count_output": draw(st.one_of(st.none(), st.integers(0, 10**9))),
        "cost": draw(st.one_of(st.none(), st.floats(0.0, 1e4))),
        "timestamp": T0 + timedelta(microseconds=draw(st.integers(0, 10**12))),
    }
    for column in SCORE_COLUMNS:
        data[column] = draw(_score)
    if draw(st.booleans()):
        data["error_occurred"] = True
        data["error_type"] = draw(st.one_of(st.none(), st.sampled_from(["timeout", "5xx"])))
    if draw(st.integers(0, 4)) == 0:
        text = draw(st.text("ab é", max_size=3))
        data["context_data"] = {"k": draw(st.integers(-5, 5)), "s": text}
    if draw(st.integers(0, 3)) == 0:  # tagged by an A/B test: the stores keep per-arm sums
        data |= {"ab_test_id": "t1", "ab_arm": draw(st.sampled_from("ab")), "ab_phase": 0}
    if draw(st.integers(0, 3)) == 0:
        data["prompt_hash"] = draw(st.text("0123456789abcdef", max_size=64))
    return data


records = st.lists(record(), min_size=1, max_size=25)


def _typed(items: list[dict[str, Any]]) -> list[PerformanceRecord]:
    prefix = uuid.uuid4().hex[:8]
    return [PerformanceRecord(record_id=f"{prefix}-{i}", **d) for i, d in enumerate(items)]


def _sums(router: Router) -> dict[tuple[str, str], tuple[Any, ...]]:
    found = {}
    for task in TASKS:
        for model_id, agg in router.task_stats(task).items():
            found[(model_id, task)] = (
                agg.records, agg.errors, list(agg.count), list(agg.total), list(agg.total_sq)
            )  # fmt: skip
    return found


async def _write_and_read(url: str, typed: list[PerformanceRecord], *, split: bool) -> Any:
    async with open_store(url) as store:
        tracker = PerformanceTracker(store, Router(ModelCatalog.default(), clock=SimClock(T0)))
        if split:  # the per-record path: each record its own batch, summed by Router.absorb
            for r in typed:
                assert await tracker.record(r)
        else:
            assert await tracker.record_batch(RecordBatch.from_records(typed)) == len(typed)
        ids = {r.record_id for r in typed}
        stored = [r for r in await store.fetch_records(limit=10**6) if r.record_id in ids]
        return sorted(stored, key=lambda r: r.record_id), _sums(tracker.router)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=30)
@given(items=records)
def test_a_batch_stores_and_sums_exactly_what_records_one_by_one_do(store_url, items):
    typed = _typed(items)
    batch_rows, batch_sums = asyncio.run(_write_and_read(store_url, typed, split=False))
    one_rows, _ = asyncio.run(_write_and_read(store_url, _typed(items), split=True))
    assert batch_rows == sorted(typed, key=lambda r: r.record_id)
    assert [r.model_dump(exclude={"record_id"}) for r in one_rows] == [
        r.model_dump(exclude={"record_id"}) for r in batch_rows
    ]
    reference = Router(ModelCatalog.default(), clock=SimClock(T0))
    reference.absorb(typed)  # Aggregate.add, record by record
    assert batch_sums == _sums(reference)


@given(items=records)
def test_absorb_batch_is_bit_identical_to_absorb_on_top_of_existing_sums(items):
    typed = _typed(items)
    head, tail = typed[: len(typed) // 2], typed[len(typed) // 2 :]
    one, many = (Router(ModelCatalog.default(), clock=SimClock(T0)) for _ in range(2))
    one.absorb(head)
    many.absorb(head)
    one.absorb(tail)
    many.absorb_batch(RecordBatch.from_records(tail))
    assert _sums(many) == _sums(one)
    assert many.total_records() == len(typed)


@given(items=records)
def test_every_constructor_builds_the_same_batch(items):
    typed = _typed(items)
    dicts = [r.model_dump() for r in typed]
    columns: dict[str, Any] = {f: [d[f] for d in dicts] for f in PerformanceRecord.model_fields}
    for column in METRIC_COLUMNS:  # numeric columns as numpy arrays, NaN for no value
        columns[column] = np.array(columns[column], dtype=np.float64)
    columns["error_occurred"] = np.array(columns["error_occurred"])
    for batch in (
        RecordBatch.from_records(typed),
        RecordBatch.from_records(dicts),
        RecordBatch.from_columns(columns),
    ):
        assert batch.records() == typed


def test_a_data_frame_becomes_a_batch():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(
        {
            "record_id": ["a", "b"],
            "model_id": MODELS[:2],
            "task_type": TASKS[:2],
            "quality_score": [0.5, np.nan],
            "token_count_input": [10, 20],
            "timestamp": pd.to_datetime([T0, T0 + timedelta(seconds=1)], utc=True),
        }
    )
    batch = RecordBatch.from_frame(frame)
    first, second = batch.records()
    assert (first.quality_score, second.quality_score) == (0.5, None)
    assert second.token_count_input == 20
    assert type(second.token_count_input) is int
    assert second.timestamp == T0 + timedelta(seconds=1)


@pytest.mark.parametrize(
    ("column", "values", "named"),
    [
        ("quality_score", np.array([0.1, 0.2, 0.3, 1.5]), "record 3: quality_score"),
        ("cost", np.array([0.0, -1.0]), "record 1: cost"),
        ("response_time_ms", np.array([1.0, np.inf]), "record 1: response_time_ms"),
        ("token_count_input", np.array([1.0, 2.5]), "record 1: token_count_input"),
        ("quality_score", [0.1, "high"], "record 1: quality_score"),
        ("ab_arm", ["a", "c"], "record 1: ab_arm"),
    ],
)
def test_a_bad_column_names_the_record_and_field(column, values, named):
    n = len(values)
    columns: dict[str, Any] = {"model_id": [MODELS[0]] * n, "task_type": [TASKS[0]] * n}
    columns[column] = values
    if column == "ab_arm":
        columns |= {"ab_test_id": ["t"] * n, "ab_phase": [0] * n}
    with pytest.raises(InvalidRecordError, match=named):
        RecordBatch.from_columns(columns)


def test_columns_must_be_known_fields_of_one_length():
    with pytest.raises(InvalidRecordError, match="unknown field 'colour'"):
        RecordBatch.from_columns({"model_id": [MODELS[0]], "task_type": [TASKS[0]], "colour": [1]})
    with pytest.raises(InvalidRecordError, match="unequal lengths"):
        RecordBatch.from_columns({"model_id": [MODELS[0]], "task_type": TASKS})


def test_a_batch_is_immutable():
    batch = RecordBatch.from_columns({"model_id": [MODELS[0]], "task_type": [TASKS[0]]})
    with pytest.raises(AttributeError):
        batch.metrics = {}
    with pytest.raises(ValueError, match="read-only"):
        batch.metrics["cost"][0] = 1.0


@pytest.mark.parametrize(
    ("change", "error", "named"),
    [
        ({2: {"model_id": "openrouter/no-such-model"}}, UnknownModelError, "no-such-model"),
        ({1: {"task_type": "astrology"}}, UnknownTaskError, "astrology"),
        ({3: {"record_id": "r-0"}}, InvalidRecordError, "record 3: record_id 'r-0'"),
    ],
)
async def test_a_refused_batch_writes_nothing(store, change, error, named):
    tracker = PerformanceTracker(store, Router(ModelCatalog.default(), clock=SimClock(T0)))
    columns: dict[str, Any] = {
        "record_id": [f"r-{i}" for i in range(5)],
        "model_id": [MODELS[0]] * 5,
        "task_type": [TASKS[0]] * 5,
        "quality_score": np.linspace(0, 1, 5),
    }
    for row, fields in change.items():
        for field, value in fields.items():
            columns[field] = list(columns[field])
            columns[field][row] = value
    with pytest.raises(error, match=named):
        await tracker.record_batch(RecordBatch.from_columns(columns))
    assert await store.count_records() == 0
    assert tracker.total_records() == 0


async def test_ids_stored_before_are_skipped_and_not_counted_twice(store):
    tracker = PerformanceTracker(store, Router(ModelCatalog.default(), clock=SimClock(T0)))
    ids = [f"r-{i}" for i in range(6)]

    def batch(chosen: list[str]) -> RecordBatch:
        n = len(chosen)
        return RecordBatch.from_columns(
            {"record_id": chosen, "model_id": [MODELS[0]] * n, "task_type": [TASKS[0]] * n,
             "cost": np.full(n, 0.25)}
        )  # fmt: skip

    assert await tracker.record_batch(batch(ids[:3])) == 3
    assert await tracker.record_batch(batch(ids[1:])) == 3  # r-1 and r-2 were stored
    assert await store.count_records() == 6
    agg = tracker.stats(MODELS[0], TASKS[0])
    assert agg is not None
    assert agg.records == 6
    assert agg.total[METRIC_COLUMNS.index("cost")] == 1.5
    assert await tracker.record_many([{"record_id": "r-0", "model_id": MODELS[0],
                                       "task_type": TASKS[0]}]) == 0  # fmt: skip


async def test_records_without_a_time_are_stamped_by_the_clock(store):
    tracker = PerformanceTracker(store, Router(ModelCatalog.default(), clock=SimClock(T0)))
    batch = RecordBatch.from_columns({"model_id": [MODELS[0]] * 2, "task_type": [TASKS[0]] * 2})
    assert batch.timestamp == (None, None)
    assert await tracker.record_batch(batch) == 2
    assert {r.timestamp for r in await store.fetch_records()} == {T0}


_TINY = [1e-252, 1.5717277847026285e-162, 1.5717277847026288e-162, 2.2227587494850775e-162]
"""Values whose squares underflow to 0, round up to the smallest subnormal, or just reach it."""


async def test_a_tagged_record_whose_square_underflows_is_stored_and_summed_as_python_does(store):
    tracker = PerformanceTracker(store, Router(ModelCatalog.default(), clock=SimClock(T0)))
    n = len(_TINY)
    batch = RecordBatch.from_columns(
        {
            "model_id": [MODELS[0]] * n, "task_type": [TASKS[0]] * n, "timestamp": [T0] * n,
            "quality_score": np.array(_TINY), "cost": np.array(_TINY),
            "ab_test_id": ["t1"] * n, "ab_arm": ["a"] * n, "ab_phase": [0] * n,
        }
    )  # fmt: skip
    assert await tracker.record_batch(batch) == n
    squares = 0.0
    for value in _TINY:
        squares += value * value
    assert squares == 2 * 5e-324  # two squares underflow to 0, two round up to 5e-324
    q = METRIC_COLUMNS.index("quality_score")
    arm = (await store.ab_arm_sums("t1"))[(0, "a")]
    stored = (await store.aggregates())[(MODELS[0], TASKS[0])]
    assert arm.records == n
    assert stored.records == n
    assert {arm.total_sq[q], stored.total_sq[q]} == {squares}
    assert tracker.stats(MODELS[0], TASKS[0]).total_sq[q] == squares
