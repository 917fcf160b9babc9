"""Performance records: how one call to one model went (``model_performance_records`` rows)."""

from __future__ import annotations

import json
import math
import operator
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
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
from selection.metrics import METRIC_COLUMNS, REGISTRY, MetricKind, column_range
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
        if value is None or value.tzinfo is UTC:
            return value
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    @model_validator(mode="after")
    def _consistent(self) -> PerformanceRecord:
        # One validator for the cross-field rules: each costs a Python call per record.
        if self.error_type is not None and not self.error_occurred:
            raise ValueError("error_type is set but error_occurred is false")
        # PostgreSQL's text cannot hold NUL and SQLite's can: refuse it so both agree.
        if (
            "\x00" in self.record_id
            or "\x00" in self.model_id
            or "\x00" in self.prompt_hash
            or (self.error_type is not None and "\x00" in self.error_type)
            or (self.ab_test_id is not None and "\x00" in self.ab_test_id)
        ):
            texts = (self.record_id, self.model_id, self.prompt_hash, self.error_type)
            bad = next(
                n
                for n, t in zip(_TEXT_FIELDS, (*texts, self.ab_test_id), strict=True)
                if t and "\x00" in t
            )
            raise ValueError(f"{bad} must not contain a NUL character")
        tagged = (self.ab_test_id is not None, self.ab_arm is not None, self.ab_phase is not None)
        if (tagged[0] or tagged[1] or tagged[2]) and not (tagged[0] and tagged[1] and tagged[2]):
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
    fast = _from_plain_dicts(items)
    if fast is not None:
        return fast
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


# -- the columnar fast path ---------------------------------------------------------------
#
# A batch of plain dictionaries holding exactly the types the model would keep (str, float,
# int, bool, datetime, a JSON object) is checked column by column, the ranges in numpy, and
# built without a per-record pydantic round trip. Anything else (a value pydantic would
# coerce, or one it would refuse) sends the whole batch to pydantic, which then accepts it
# or names the record and field: this path only ever accepts what pydantic accepts, with
# the same values.

_MISSING: Any = object()
_NONE, _ABSENT = type(None), type(_MISSING)
_FIELDS: tuple[str, ...] = tuple(PerformanceRecord.model_fields)
_FIELD_SET = frozenset(_FIELDS)
_INT_COLUMNS = frozenset(m.column for m in REGISTRY if m.stored and m.kind is MetricKind.TOKENS)
_TEXT_LIMITS: dict[str, tuple[int, int, frozenset[type]]] = {  # min, max length, types
    "record_id": (1, 255, frozenset({str, _ABSENT})),
    "model_id": (1, 255, frozenset({str})),
    "prompt_hash": (0, 64, frozenset({str, _ABSENT})),
    "error_type": (0, 255, frozenset({str, _NONE, _ABSENT})),
    "ab_test_id": (1, 255, frozenset({str, _NONE, _ABSENT})),
}
_TEXT_DEFAULTS: dict[str, str | None] = {"prompt_hash": "", "error_type": None, "ab_test_id": None}
_TEMPLATE: dict[str, Any] = {
    f: (None if info.is_required() or info.default_factory else info.default)
    for f, info in PerformanceRecord.model_fields.items()
}
_FRESH = frozenset({"record_id", "context_data"})  # a new value per record when absent
_TASK_NAME = re.compile(TASK_NAME_PATTERN)
_UNSET = frozenset({_NONE, _ABSENT})


def _types(column: list[Any]) -> set[type]:
    return set(map(type, column))


def _from_plain_dicts(items: list[Any]) -> list[PerformanceRecord] | None:
    """The records, or ``None`` when any item needs pydantic (to coerce it or to refuse it)."""
    if len(items) < 2:
        return None  # one record: the model's own validation is as fast
    if not all(type(item) is dict and item.keys() <= _FIELD_SET for item in items):
        return None
    checked = _checked(items)
    if checked is None:
        return None
    fixes = checked[0]
    new, setattr_, template = object.__new__, object.__setattr__, _TEMPLATE
    records = []
    for index, item in enumerate(items):
        values = {**template, **item}  # the fields' order, defaults where absent
        for field, column in fixes:
            values[field] = column[index]
        record = new(PerformanceRecord)
        setattr_(record, "__dict__", values)
        setattr_(record, "__pydantic_fields_set__", set(item))
        setattr_(record, "__pydantic_extra__", None)
        setattr_(record, "__pydantic_private__", None)
        records.append(record)
    return records


def plain_columns(items: Sequence[Any]) -> dict[str, list[Any]] | None:
    """Every field's column of a batch of plain dictionaries, checked and with defaults.

    ``None`` when any item needs pydantic (to coerce a value or to refuse it); the values
    are those :class:`PerformanceRecord` would hold.
    """
    items = list(items)
    if not items or not all(type(item) is dict and item.keys() <= _FIELD_SET for item in items):
        return None
    checked = _checked(items)
    return None if checked is None else checked[1]


def _checked(
    items: list[dict[str, Any]],
) -> tuple[list[tuple[str, list[Any]]], dict[str, list[Any]]] | None:
    try:
        return _checked_columns(items)
    except (OverflowError, ValueError, TypeError):
        return None


def _checked_columns(
    items: list[dict[str, Any]],
) -> tuple[list[tuple[str, list[Any]]], dict[str, list[Any]]] | None:
    """Check every column; ``None`` to fall back to pydantic.

    Returns the columns whose values differ from the items' (a default filled in, an int
    made a float, a timestamp put in UTC, a context copied), and every column by name.
    """
    n = len(items)
    first = items[0].keys()
    if all(item.keys() == first for item in items):
        present = list(first)
        getter = operator.itemgetter(*present)
        rows = list(map(getter, items)) if len(present) > 1 else [(v,) for v in map(getter, items)]
        given = dict(zip(present, map(list, zip(*rows, strict=True)), strict=True))
    else:
        names = set().union(*items)
        given = {f: [item.get(f, _MISSING) for item in items] for f in _FIELDS if f in names}
    checked = checked_columns(given, n)
    if checked is None:
        return None
    fixes, by_name = checked
    return [(f, c) for f, c in fixes if f in given or f in _FRESH], by_name


def checked_columns(
    given: Mapping[str, list[Any]], n: int, *, prechecked: Mapping[str, Any] | None = None
) -> tuple[list[tuple[str, list[Any]]], dict[str, Any]] | None:
    """Check columns of ``n`` records by :class:`PerformanceRecord`'s rules, filling defaults.

    Args:
        given: field -> its ``n`` values (a field left out takes its default).
        n: how many records.
        prechecked: field -> a column the caller checked already (taken as it is).

    Returns:
        ``(changed, every column by name)``, or ``None`` when pydantic must decide.
    """
    fixes: list[tuple[str, list[Any]]] = []
    by_name: dict[str, Any] = {}
    done = prechecked or {}
    try:
        for field in _FIELDS:
            if field in done:
                by_name[field] = done[field]
                continue
            column = given.get(field)
            checked = _defaults(field, n) if column is None else _check_column(field, column)
            if checked is None:
                return None
            if checked is not column:
                fixes.append((field, checked))
            by_name[field] = checked
    except (OverflowError, ValueError, TypeError):
        return None
    errors, error_types = by_name["error_occurred"], by_name["error_type"]
    if ("error_type" in given or "error_type" in done) and not all(
        occurred or kind is None for occurred, kind in zip(errors, error_types, strict=True)
    ):
        return None
    if (given.keys() | done.keys()) & {"ab_test_id", "ab_arm", "ab_phase"}:
        unset = [[v is None for v in by_name[f]] for f in ("ab_test_id", "ab_arm", "ab_phase")]
        if not unset[0] == unset[1] == unset[2]:
            return None
    return fixes, by_name


def _defaults(field: str, n: int) -> list[Any]:
    if field == "record_id":
        return [_new_record_id() for _ in range(n)]
    if field == "context_data":
        return [{} for _ in range(n)]
    if field == "model_id" or field == "task_type":
        raise ValueError(field)  # required: pydantic names the record
    return [_TEMPLATE[field]] * n


def _check_column(field: str, column: list[Any]) -> list[Any] | None:
    kinds = _types(column)
    if field in _TEXT_LIMITS:
        return _check_text(field, column, kinds)
    if field in METRIC_RANGES:
        return _check_metric(field, column, kinds)
    return _CHECKS[field](column, kinds)


def _check_text(field: str, column: list[Any], kinds: set[type]) -> list[Any] | None:
    low, high, allowed = _TEXT_LIMITS[field]
    if not kinds <= allowed:
        return None
    if _ABSENT in kinds:
        fill: Callable[[], Any] = (
            _new_record_id if field == "record_id" else lambda: _TEXT_DEFAULTS[field]
        )
        column = [fill() if v is _MISSING else v for v in column]
    texts = [v for v in column if v is not None] if kinds & _UNSET else column
    if texts and (
        min(map(len, texts)) < low or max(map(len, texts)) > high or "\x00" in "".join(texts)
    ):
        return None
    return column


def _check_task(column: list[Any], kinds: set[type]) -> list[Any] | None:
    ok = kinds == {str} and all(_TASK_NAME.match(t) for t in set(column))
    return column if ok else None


def _check_flag(column: list[Any], kinds: set[type]) -> list[Any] | None:
    if not kinds <= {bool, _ABSENT}:
        return None
    return [False if v is _MISSING else v for v in column] if _ABSENT in kinds else column


def _check_arm(column: list[Any], kinds: set[type]) -> list[Any] | None:
    if not kinds <= {str, _NONE, _ABSENT} or not set(column) <= {"a", "b", None, _MISSING}:
        return None
    return [None if v is _MISSING else v for v in column]


def _check_phase(column: list[Any], kinds: set[type]) -> list[Any] | None:
    if not kinds <= {int, _NONE, _ABSENT}:
        return None
    column = [None if v is _MISSING else v for v in column]
    return column if all(v is None or v >= 0 for v in column) else None


def _check_metric(field: str, column: list[Any], kinds: set[type]) -> list[Any] | None:
    numbers = {int} if field in _INT_COLUMNS else {float, int}
    if not kinds <= numbers | _UNSET:
        return None
    if kinds & _UNSET:
        column = [None if v is _MISSING else v for v in column]
        values = [v for v in column if v is not None]
    else:
        values = column
    if values:
        import numpy as np  # here, not at the top: the command line starts without numpy

        low, high = METRIC_RANGES[field]
        array = np.array(values, dtype=np.float64)
        if not bool(np.all((array >= low) & (array <= high))):  # NaN fails both
            return None
        if field in _INT_COLUMNS and (min(values) < low or max(values) > high):
            return None  # exact, for integers beyond a double's precision
    if int in kinds and field not in _INT_COLUMNS:
        column = [float(v) if type(v) is int else v for v in column]
    return column


def _check_timestamps(column: list[Any], kinds: set[type]) -> list[Any] | None:
    if not kinds <= {datetime, _NONE, _ABSENT}:
        return None
    if kinds == {datetime} and all(value.tzinfo is UTC for value in column):
        return column
    out: list[Any] = []
    for value in column:
        if value is None or value is _MISSING:
            out.append(None)
        elif value.tzinfo is UTC:
            out.append(value)
        elif value.tzinfo is None:
            out.append(value.replace(tzinfo=UTC))
        else:
            out.append(value.astimezone(UTC))
    return out


def _check_contexts(column: list[Any], kinds: set[type]) -> list[Any] | None:
    if not kinds <= {dict, _ABSENT}:
        return None
    out: list[Any] = []
    for value in column:
        if value is _MISSING or not value:
            out.append({})
            continue
        if not all(type(key) is str for key in value):
            return None
        try:
            check_json(value)
        except ValueError:
            return None
        out.append(dict(value))
    return out


_CHECKS: dict[str, Callable[[list[Any], set[type]], list[Any] | None]] = {
    "task_type": _check_task,
    "error_occurred": _check_flag,
    "timestamp": _check_timestamps,
    "context_data": _check_contexts,
    "ab_arm": _check_arm,
    "ab_phase": _check_phase,
}
