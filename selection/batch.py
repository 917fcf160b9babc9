"""A batch of performance records held in columns: validated, stored and summed as a whole.

A :class:`RecordBatch` holds what a list of :class:`~selection.records.PerformanceRecord`
would, one column per field: the metrics as float64 numpy arrays (NaN where a record has no
value), the flag as a bool array, the text, time and context fields as tuples. It is checked
by the records' own rules (:func:`selection.records.checked_columns`, ranges from
:mod:`selection.metrics`) column by column; a batch those checks cannot accept goes through
pydantic once, which accepts it with the same values or names the record and field at fault.
Stores write it from its columns, and the Router adds it to its sums per group.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, Self

import numpy as np
import numpy.typing as npt

from selection.errors import InvalidRecordError
from selection.metrics import METRIC_COLUMNS
from selection.records import (
    METRIC_RANGES,
    PerformanceRecord,
    checked_columns,
    parse_records,
    plain_columns,
)

__all__ = ["RecordBatch"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_FIELDS: tuple[str, ...] = tuple(PerformanceRecord.model_fields)
_FIELD_SET = frozenset(_FIELDS)
_METRICS = frozenset(METRIC_COLUMNS)
_INTEGRAL = frozenset(("token_count_input", "token_count_output"))
_OTHER = tuple(f for f in _FIELDS if f not in _METRICS and f != "error_occurred")
_ALL_VALUES = operator.itemgetter(*_FIELDS)  # of a record's __dict__


def _frozen(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    array.flags.writeable = False
    return array


class RecordBatch:
    """Performance records in columns, validated; immutable.

    Build one with :meth:`from_records` (typed records or dictionaries), :meth:`from_columns`
    (field -> array or list) or :meth:`from_frame` (a pandas DataFrame); write it with
    :meth:`selection.PerformanceTracker.record_batch`.

    Attributes:
        metrics: each metric column (:data:`~selection.metrics.METRIC_COLUMNS`) as float64,
            NaN where a record has no value.
        error_occurred: whether each call failed.
    """

    __slots__ = ("_text", "error_occurred", "metrics")

    metrics: Mapping[str, FloatArray]
    error_occurred: BoolArray
    _text: dict[str, tuple[Any, ...]]

    def __init__(self) -> None:
        raise TypeError("build a RecordBatch with from_records, from_columns or from_frame")

    @classmethod
    def _make(
        cls, metrics: Mapping[str, FloatArray], errors: BoolArray, text: dict[str, tuple[Any, ...]]
    ) -> Self:
        batch = object.__new__(cls)
        object.__setattr__(batch, "metrics", metrics)
        object.__setattr__(batch, "error_occurred", _frozen(errors))
        object.__setattr__(batch, "_text", text)
        return batch

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("a RecordBatch is immutable")

    # -- building ------------------------------------------------------------------------

    @classmethod
    def from_records(cls, records: Sequence[PerformanceRecord | Mapping[str, Any]]) -> Self:
        """A batch of typed records or dictionaries (validated as the records would be).

        Raises:
            InvalidRecordError: naming the record's position and the field that is wrong.
        """
        items = list(records)
        if all(type(item) is PerformanceRecord for item in items):
            return cls._from_typed(items)  # type: ignore[arg-type]  # checked just above
        columns = plain_columns(items)
        if columns is None:
            return cls._from_typed(parse_records(items))
        return cls._from_checked(columns, len(items))

    @classmethod
    def from_columns(cls, columns: Mapping[str, Sequence[Any] | npt.NDArray[Any]]) -> Self:
        """A batch from columns: field name -> one value per record.

        Metric columns may be numpy arrays (NaN: no value) or lists (``None``: no value);
        ``model_id`` and ``task_type`` are required, every other field has the record's
        default. Numeric arrays are checked in numpy without a value per record in Python.

        Raises:
            InvalidRecordError: an unknown field, columns of unequal lengths, or a value the
                record would refuse (naming the record's position and the field).
        """
        unknown = sorted(set(columns) - _FIELD_SET)
        if unknown:
            raise InvalidRecordError(f"invalid performance record: unknown field {unknown[0]!r}")
        lengths = {name: len(values) for name, values in columns.items()}
        if len(set(lengths.values())) > 1:
            raise InvalidRecordError(
                f"invalid performance record: columns of unequal lengths {lengths}"
            )
        n = next(iter(lengths.values()), 0)
        prechecked: dict[str, Any] = {}
        given: dict[str, list[Any]] = {}
        for name, values in columns.items():
            if name in _METRICS and isinstance(values, np.ndarray) and values.dtype.kind in "iuf":
                prechecked[name] = _checked_metric(name, values)
            elif name == "error_occurred" and isinstance(values, np.ndarray):
                if values.dtype != np.bool_:
                    raise InvalidRecordError(
                        "invalid performance record: error_occurred: must be a bool array, "
                        f"got {values.dtype}"
                    )
                prechecked[name] = np.array(values, dtype=np.bool_)
            elif isinstance(values, np.ndarray) and values.dtype.kind == "M":
                given[name] = values.astype("datetime64[us]").tolist()  # naive, taken as UTC
            else:
                given[name] = values.tolist() if isinstance(values, np.ndarray) else list(values)
        for required in ("model_id", "task_type"):
            if required not in columns and n:
                raise InvalidRecordError(f"invalid performance record: record 0: {required}: "
                                         "Field required")  # fmt: skip
        checked = checked_columns(given, n, prechecked=prechecked)
        if checked is None:
            return cls._from_typed(parse_records(_rows(given, prechecked, n)))
        return cls._from_checked(checked[1], n)

    @classmethod
    def from_frame(cls, frame: Any) -> Self:
        """A batch from a pandas DataFrame whose columns are record fields.

        Raises:
            InvalidRecordError: as :meth:`from_columns`.
        """
        return cls.from_columns({str(name): frame[name].to_numpy() for name in frame.columns})

    @classmethod
    def _from_typed(cls, records: list[PerformanceRecord]) -> Self:
        if not records:
            return cls._from_checked({f: [] for f in _FIELDS}, 0)
        rows = [_ALL_VALUES(record.__dict__) for record in records]
        values = dict(zip(_FIELDS, zip(*rows, strict=True), strict=True))
        return cls._from_checked(values, len(records))

    @classmethod
    def _from_checked(cls, columns: Mapping[str, Any], n: int) -> Self:
        metrics = {}
        for name in METRIC_COLUMNS:
            values = columns[name]
            if isinstance(values, np.ndarray):
                metrics[name] = _frozen(values)
            elif n and values[0] is None and values.count(None) == n:
                metrics[name] = _frozen(np.full(n, np.nan))
            else:
                metrics[name] = _frozen(np.array(values, dtype=np.float64))  # None -> NaN
        errors = np.array(columns["error_occurred"], dtype=np.bool_).reshape(n)
        text = {f: tuple(columns[f]) for f in _OTHER}
        return cls._make(metrics, errors, text)

    # -- reading --------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.error_occurred)

    def __repr__(self) -> str:
        return f"RecordBatch(records={len(self)})"

    def column(self, name: str) -> tuple[Any, ...]:
        """A non-metric field's values (``record_id``, ``model_id``, ``timestamp``...)."""
        if name in _METRICS or name == "error_occurred":
            raise KeyError(f"{name!r} is an array: read batch.metrics or batch.error_occurred")
        return self._text[name]

    @property
    def record_id(self) -> tuple[str, ...]:
        """Each record's id."""
        return self._text["record_id"]

    @property
    def model_id(self) -> tuple[str, ...]:
        """Each record's model."""
        return self._text["model_id"]

    @property
    def task_type(self) -> tuple[str, ...]:
        """Each record's task type."""
        return self._text["task_type"]

    @property
    def timestamp(self) -> tuple[datetime | None, ...]:
        """Each record's time (UTC), ``None`` where the tracker is to stamp it."""
        return self._text["timestamp"]

    def has_values(self, name: str) -> bool:
        """Whether any record has a value of the metric column ``name``."""
        return not bool(np.isnan(self.metrics[name]).all())

    def metric_list(self, name: str) -> list[float | int | None]:
        """A metric column as Python values: ``None`` where absent, ints for token counts."""
        values = self.metrics[name]
        absent = np.isnan(values)
        if absent.all():
            return [None] * len(values)
        plain = values.astype(np.int64) if name in _INTEGRAL and not absent.any() else values
        if not absent.any():
            return plain.tolist()  # type: ignore[no-any-return]
        out = values.astype(object)
        if name in _INTEGRAL:
            out[~absent] = values[~absent].astype(np.int64).astype(object)
        out[absent] = None
        return out.tolist()  # type: ignore[no-any-return]

    def records(self) -> list[PerformanceRecord]:
        """The batch as typed records (each built without validating again)."""
        columns: list[Sequence[Any]] = []
        for name in _FIELDS:
            if name in _METRICS:
                columns.append(self.metric_list(name))
            elif name == "error_occurred":
                columns.append(self.error_occurred.tolist())
            else:
                columns.append(self._text[name])
        new, setattr_ = object.__new__, object.__setattr__
        out = []
        for values in zip(*columns, strict=True):
            record = new(PerformanceRecord)
            setattr_(record, "__dict__", dict(zip(_FIELDS, values, strict=True)))
            setattr_(record, "__pydantic_fields_set__", set(_FIELDS))
            setattr_(record, "__pydantic_extra__", None)
            setattr_(record, "__pydantic_private__", None)
            out.append(record)
        return out

    def __iter__(self) -> Iterator[PerformanceRecord]:
        return iter(self.records())

    # -- deriving -------------------------------------------------------------------------

    def take(self, keep: Sequence[bool] | BoolArray) -> Self:
        """The records where ``keep`` is true, in order."""
        mask = np.asarray(keep, dtype=np.bool_)
        if mask.all() and len(mask) == len(self):
            return self
        picked = np.flatnonzero(mask).tolist()
        text = {name: tuple(values[i] for i in picked) for name, values in self._text.items()}
        metrics = {name: _frozen(values[mask]) for name, values in self.metrics.items()}
        return self._make(metrics, self.error_occurred[mask], text)

    def stamped(self, now: datetime) -> Self:
        """The batch with ``now`` (UTC) as the time of every record that has none."""
        times = self.timestamp
        if None not in times:
            return self
        text = dict(self._text)
        text["timestamp"] = tuple(now if t is None else t for t in times)
        return self._make(self.metrics, self.error_occurred, text)


def _checked_metric(name: str, values: npt.NDArray[Any]) -> FloatArray:
    array = np.array(values, dtype=np.float64)
    low, high = METRIC_RANGES[name]
    present = ~np.isnan(array)
    bad = present & ~((array >= low) & (array <= high))
    if name in _INTEGRAL:
        bad |= present & (array != np.floor(array))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        kind = "a whole number " if name in _INTEGRAL else ""
        raise InvalidRecordError(
            f"invalid performance record: record {row}: {name}: must be {kind}in "
            f"[{low:g}, {high:g}] (got {array[row]!r})"
        )
    return array


def _rows(
    given: Mapping[str, list[Any]], prechecked: Mapping[str, Any], n: int
) -> list[dict[str, Any]]:
    """The columns as one dictionary per record, for pydantic to accept or to name the fault."""
    columns: dict[str, Sequence[Any]] = dict(given)
    for name, values in prechecked.items():
        if name in _METRICS:
            columns[name] = [None if v != v else v for v in values.tolist()]
        else:
            columns[name] = values.tolist()
    names = list(columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]
