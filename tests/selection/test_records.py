"""Performance records: the seed's fields, validated at the door."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from selection import InvalidRecordError, PerformanceRecord
from selection.records import parse_records

SEED_COLUMNS = [
    "record_id", "model_id", "task_type", "prompt_hash", "response_time_ms",
    "token_count_input", "token_count_output", "cost", "quality_score", "consciousness_score",
    "creativity_score", "accuracy_score", "user_rating", "error_occurred", "error_type",
    "timestamp", "context_data",
]  # fmt: skip


def test_keeps_the_seeds_column_names():
    assert set(SEED_COLUMNS) <= set(PerformanceRecord.model_fields)


def test_from_the_seeds_performance_dict():
    record = PerformanceRecord.from_performance(
        "m", "consciousness_processing", {"quality_score": 0.85, "cost": 0.005}, request_id="req_1"
    )
    assert record.record_id == "req_1"
    assert record.cost == 0.005
    assert record.error_occurred is False


def test_times_become_utc():
    local = datetime(2026, 1, 1, 12, tzinfo=timezone(timedelta(hours=2)))
    naive = datetime(2026, 1, 1, 12)  # noqa: DTZ001 - a naive time is what this test feeds
    assert PerformanceRecord(model_id="m", task_type="x", timestamp=local).timestamp == datetime(
        2026, 1, 1, 10, tzinfo=UTC
    )
    assert PerformanceRecord(model_id="m", task_type="x", timestamp=naive).timestamp.tzinfo is UTC


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("quality_score", 1.01, "quality_score: Input should be less than or equal to 1"),
        ("user_rating", -0.1, "user_rating: Input should be greater than or equal to 0"),
        ("response_time_ms", -1, "response_time_ms: Input should be greater than or equal to 0"),
        ("token_count_output", -3, "token_count_output"),
        ("cost", float("nan"), "cost: Input should be a finite number"),
        ("consciousness_score", float("inf"), "consciousness_score: Input should be a finite"),
        ("prompt_hash", "x" * 65, "prompt_hash"),
        ("surprise", 1, "surprise: Extra inputs are not permitted"),
    ],
)
def test_bad_values_name_the_field(field, value, message):
    with pytest.raises(InvalidRecordError, match=message):
        PerformanceRecord.from_performance("m", "logical_reasoning", {field: value})


def test_empty_model_id_is_named():
    with pytest.raises(InvalidRecordError, match="model_id: String should have at least 1"):
        PerformanceRecord.from_performance("", "logical_reasoning", {})


def test_bad_task_name_is_named():
    with pytest.raises(InvalidRecordError, match="task_type: String should match pattern"):
        PerformanceRecord.from_performance("m", "Not a task!", {})


def test_error_type_needs_an_error():
    with pytest.raises(InvalidRecordError, match="error_type is set but error_occurred is false"):
        PerformanceRecord.from_performance("m", "logical_reasoning", {"error_type": "timeout"})


def test_a_batch_error_names_the_record():
    with pytest.raises(InvalidRecordError, match="record 2: cost"):
        parse_records(
            [
                {"model_id": "m", "task_type": "x"},
                {"model_id": "m", "task_type": "x"},
                {"model_id": "m", "task_type": "x", "cost": -1},
            ]
        )
