"""Performance records: how one call to one model went (``model_performance_records`` rows)."""

from __future__ import annotations

import json
import math
import operator
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from selection.errors import InvalidRecordError
from selection.metrics import METRIC_COLUMNS, column_range
from selection.tasks import TASK_NAME_PATTERN, TaskLike

__all__ = [
    "METRIC_COLUMNS",
    "METRIC_RANGES",
    "PerformanceRecord",
    "parse_records",
]

_METRIC_VALUES = operator.attrgetter(*METRIC_COLUMNS)

METRIC_RANGES: dict[str, tuple[float, float]] = {c: column_range(c) for c in METRIC_COLUMNS}
"""Each stored metric's physically sensible range, inclusive (from :mod:`selection.metrics`)."""

Score = float | None


def _metric(column: str) -> Any:
    low, high = METRIC_RANGES[column]
    return Field(default=None, ge=low, le=high)


_TEXT_FIELDS = ("record_id", "model_id", "prompt_hash", "error_type", "ab_test_id")


def _new_record_id() -> str:
    return uuid.uuid4().hex


class PerformanceRecord(BaseModel):
    """One call's outcome, field for field the seed's ``model_performance_records`` row.

    Scores are in [0, 1] (scale star ratings to it); times, tokens and cost are non-negative;
    ``cost=None`` means unknown, never free. A naive ``timestamp`` is taken as UTC; ``None``
    lets the tracker stamp it from its clock. Extra metrics the seed names but its table does
    not (``reasoning_depth_score``, ``humor_score``) are columns too.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    record_id: str = Field(default_factory=_new_record_id, min_length=1, max_length=255)
    model_id: str = Field(min_length=1, max_length=255)
    task_type: str = Field(pattern=TASK_NAME_PATTERN)  # canonical names; TaskType members pass
    prompt_hash: str = Field(default="", max_length=64)
    response_time_ms: float | None = _metric("response_time_ms")
    token_count_input: int | None = _metric("token_count_input")
    token_count_output: int | None = _metric("token_count_output")
    cost: float | None = _metric("cost")
    quality_score: Score = _metric("quality_score")
    consciousness_score: Score = _metric("consciousness_score")
    creativity_score: Score = _metric("creativity_score")
    accuracy_score: Score = _metric("accuracy_score")
    reasoning_depth_score: Score = _metric("reasoning_depth_score")
    humor_score: Score = _metric("humor_score")
    user_rating: Score = _metric("user_rating")
    error_occurred: bool = False
    error_type: str | None = Field(default=None, max_length=255)
    timestamp: datetime | None = None
    context_data: dict[str, Any] = Field(default_factory=dict)
    # The A/B test this call was assigned in (see selection.abtest): all three or none.
    ab_test_id: str | None = Field(default=None, min_length=1, max_length=255)
    ab_arm: Literal["a", "b"] | None = None
    ab_phase: int | None = Field(default=None, ge=0)

    @field_validator("context_data", mode="after")
    @classmethod
    def _json_object(cls, value: dict[str, Any]) -> dict[str, Any]:
        if value:
            check_json(value)
        return value

    @field_validator("timestamp")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    @model_validator(mode="after")
    def _error_consistent(self) -> PerformanceRecord:
        if self.error_type is not None and not self.error_occurred:
            raise ValueError("error_type is set but error_occurred is false")
        # PostgreSQL's text cannot hold NUL and SQLite's can: refuse it so both agree. One
        # check over the joined ids costs less than a validator per field.
        texts = (self.record_id, self.model_id, self.prompt_hash, self.error_type, self.ab_test_id)
        if "\x00" in "".join(t for t in texts if t):
            bad = next(n for n, t in zip(_TEXT_FIELDS, texts, strict=True) if t and "\x00" in t)
            raise ValueError(f"{bad} must not contain a NUL character")
        return self

    @model_validator(mode="after")
    def _ab_complete(self) -> PerformanceRecord:
        tagged = (self.ab_test_id is not None, self.ab_arm is not None, self.ab_phase is not None)
        if any(tagged) and not all(tagged):
            raise ValueError("ab_test_id, ab_arm and ab_phase are set together or not at all")
        return self

    @classmethod
    def model_construct(  # type: ignore[override]  # the pydantic plugin types each field
        cls, _fields_set: set[str] | None = None, **values: Any
    ) -> Self:
        """Validate like the constructor: no record reaches a store unchecked."""
        return cls.model_validate(values)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy; with ``update``, validated again like the constructor."""
        if not update:
            return super().model_copy(deep=deep)
        return type(self).model_validate({**self.__dict__, **update})

    @classmethod
    def from_performance(
        cls,
        model_id: str,
        task: TaskLike,
        performance: Mapping[str, Any],
        *,
        request_id: str | None = None,
        timestamp: datetime | None = None,
    ) -> PerformanceRecord:
        """Build a record from the seed's performance dictionary.

        Raises:
            InvalidRecordError: naming the field that is wrong.
        """
        if not isinstance(performance, Mapping):
            raise InvalidRecordError(
                f"invalid performance record: performance must be a mapping of metric -> "
                f"value, got {type(performance).__name__}"
            )
        data = dict(performance)
        data["model_id"] = model_id
        data["task_type"] = task
        if request_id is not None:
            data["record_id"] = request_id
        if timestamp is not None and data.get("timestamp") is None:
            data["timestamp"] = timestamp
        return parse_records([data])[0]

    def metric_values(self) -> tuple[float | None, ...]:
        """The aggregated columns' values, in :data:`METRIC_COLUMNS` order."""
        values: tuple[float | None, ...] = _METRIC_VALUES(self)
        return values


_JSON_NUL = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")  # an escaped NUL, not an escaped backslash


def check_json(value: Any) -> None:
    """Refuse what JSON (and PostgreSQL's ``jsonb``) cannot hold the same way as SQLite.

    Raises:
        ValueError: not JSON-serialisable, a NaN or infinity, or a NUL character anywhere.
    """
    try:
        text = json.dumps(value, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError) as exc:
        raise ValueError(f"must be JSON (no NaN or infinity): {exc}") from None
    if "\\u0000" in text and _JSON_NUL.search(text):
        raise ValueError("must not contain a NUL character")


_RECORD_LIST = TypeAdapter(list[PerformanceRecord])


def parse_records(
    items: Iterable[PerformanceRecord | Mapping[str, Any]],
    *,
    offset: int = 0,
    numbered: bool | None = None,
) -> list[PerformanceRecord]:
    """Validate records given as models or dictionaries, all or nothing.

    Args:
        items: The records.
        offset: Position of the first item in its whole batch (for error messages).
        numbered: Whether messages name the record's position; by default unless there is
            only one record.

    Raises:
        InvalidRecordError: naming the record's position and the field that is wrong.
    """
    items = list(items)
    if all(type(item) is PerformanceRecord for item in items):
        return items  # type: ignore[return-value]  # already validated on construction
    try:
        return _RECORD_LIST.validate_python(
            [item.model_dump() if isinstance(item, PerformanceRecord) else item for item in items]
        )
    except ValidationError as exc:
        single = not numbered if numbered is not None else len(items) == 1
        raise InvalidRecordError(_describe(exc, single=single, offset=offset)) from exc


def _describe(exc: ValidationError, *, single: bool, offset: int = 0) -> str:
    parts = []
    for error in exc.errors()[:3]:
        loc: Sequence[Any] = error["loc"]  # (position in the batch, field, ...)
        index = "" if single or not loc else f"record {offset + int(loc[0])}: "
        field = ".".join(str(p) for p in loc[1:]) or "record"
        value = error.get("input")
        shown = "" if isinstance(value, dict) else f" (got {_short(value)})"
        parts.append(f"{index}{field}: {error['msg']}{shown}")
    more = exc.error_count() - len(parts)
    return (
        "invalid performance record: "
        + "; ".join(parts)
        + (f"; and {more} more" if more > 0 else "")
    )


def _short(value: Any) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
