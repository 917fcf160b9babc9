"""The columnar fast path of parse_records: the same records as pydantic, or pydantic's error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from selection.errors import InvalidRecordError
from selection.records import _RECORD_LIST, _from_plain_dicts, parse_records


def _batch(n: int = 60) -> list[dict[str, Any]]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    out: list[dict[str, Any]] = []
    for i in range(n):
        d: dict[str, Any] = {
            "record_id": f"r{i}",
            "model_id": "m",
            "task_type": "logical_reasoning",
            "response_time_ms": 100.5 + i,
            "token_count_input": 10 + i,
            "cost": 0.001 * i,
            "quality_score": (i % 10) / 10,
            "timestamp": start + timedelta(seconds=i),
        }
        if i % 3 == 0:
            d["timestamp"] = d["timestamp"].replace(tzinfo=None)  # naive: taken as UTC
        if i % 5 == 0:
            d["timestamp"] = d["timestamp"].astimezone(timezone(timedelta(hours=3)))
        if i % 7 == 0:
            d["context_data"] = {"a": [1, 2], "b": "x"}
        if i % 11 == 0:
            d["cost"] = 1  # an int where a float goes
            d["user_rating"] = None
        if i % 13 == 0:
            d.update(error_occurred=True, error_type="timeout")
        if i % 17 == 0:
            d.update(ab_test_id="t1", ab_arm="b", ab_phase=2)
        if i % 19 == 0:
            del d["record_id"]
            d["prompt_hash"] = "abc"
        out.append(d)
    return out


def _same(fast: Any, slow: Any) -> None:
    a, b = dict(fast.__dict__), dict(slow.__dict__)
    if "record_id" not in fast.model_fields_set:  # a fresh id each
        assert len(a.pop("record_id")) == len(b.pop("record_id")) == 32
    assert list(a) == list(b)
    assert a == b
    assert [type(v) for v in a.values()] == [type(v) for v in b.values()]
    assert a["timestamp"].tzinfo is UTC
    assert fast.model_fields_set == slow.model_fields_set


@pytest.mark.parametrize("uniform", [True, False])
def test_fast_path_builds_what_pydantic_builds(uniform: bool) -> None:
    batch = _batch()
    if uniform:  # every item with the same keys: the itemgetter route
        batch = [{k: v for k, v in d.items() if k not in ("ab_test_id", "ab_arm", "ab_phase",
                  "error_occurred", "error_type", "user_rating", "prompt_hash")}
                 for d in batch if "record_id" in d]  # fmt: skip
        for d in batch:
            d.setdefault("context_data", {})
    fast = _from_plain_dicts(batch)
    assert fast is not None
    slow = _RECORD_LIST.validate_python(batch)
    assert len(fast) == len(slow) == len(batch)
    for f, s in zip(fast, slow, strict=True):
        _same(f, s)
    # a context is the record's own copy, as pydantic makes it
    with_context = next(i for i, d in enumerate(batch) if d.get("context_data"))
    assert fast[with_context].context_data is not batch[with_context]["context_data"]


BAD: list[tuple[dict[str, Any], str]] = [
    ({"cost": float("nan")}, "cost"),
    ({"quality_score": 1.5}, "quality_score"),
    ({"token_count_input": -1}, "token_count_input"),
    ({"token_count_output": 10**30}, "token_count_output"),
    ({"model_id": "a\x00b"}, "model_id"),
    ({"error_type": "x"}, "error_type"),
    ({"ab_arm": "a"}, "ab_test_id"),
    ({"task_type": "Bad Task"}, "task_type"),
    ({"context_data": {"k": float("inf")}}, "context_data"),
    ({"surprise": 1}, "surprise"),
    ({"record_id": ""}, "record_id"),
    ({"prompt_hash": "h" * 65}, "prompt_hash"),
]


@pytest.mark.parametrize(("change", "field"), BAD)
def test_a_bad_record_is_named_and_the_batch_refused(change: dict[str, Any], field: str) -> None:
    batch = _batch(8)
    batch[5].update(change)
    assert _from_plain_dicts(batch) is None  # the fast path never accepts it
    with pytest.raises(InvalidRecordError, match=rf"record 5: .*{field}"):
        parse_records(batch)


def test_coercions_go_to_pydantic_with_the_same_result() -> None:
    batch = _batch(8)
    batch[2]["timestamp"] = "2026-01-01T00:00:00Z"  # pydantic parses text
    batch[3]["token_count_input"] = 12.0  # and a whole float for an int
    assert _from_plain_dicts(batch) is None
    records = parse_records(batch)
    assert records[2].timestamp == datetime(2026, 1, 1, tzinfo=UTC)
    assert records[3].token_count_input == 12
