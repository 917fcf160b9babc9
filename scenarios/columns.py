"""A scenario step's calls as columns: one array per record field, not one object per call.

:class:`CallColumns` holds what the tracker stores (``fields``: the
:class:`~selection.PerformanceRecord` field names, one value per call) and what the agents
perceive of each call's quality, and turns them into what each consumer takes: rows for the
tracker, and :class:`~agents.Observations` for the agents and the hive, equal value for value
to reading the records the rows make.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from agents import SCORE_OBJECTIVES, Observations

__all__ = ["CallColumns"]

FloatArray = npt.NDArray[np.float64]

_QUALITY = SCORE_OBJECTIVES.index("quality")
_NULLABLE_FLOATS = ("quality_score",)  # nan in the column, None in the record


@dataclass(frozen=True, slots=True, eq=False)
class CallColumns:
    """Calls as columns.

    Attributes:
        fields: Record field -> one value per call (``nan`` for a missing quality score).
        perceived: Each call's quality as the agents perceive it (``nan``: none).
    """

    fields: dict[str, npt.NDArray[Any]]
    perceived: FloatArray

    def __len__(self) -> int:
        return len(self.perceived)

    @classmethod
    def build(
        cls,
        *,
        record_id: Sequence[str],
        model_id: str,
        task_type: str,
        timestamp: datetime,
        response_time_ms: FloatArray,
        token_count_input: npt.NDArray[np.integer[Any]],
        token_count_output: npt.NDArray[np.integer[Any]],
        cost: FloatArray,
        quality_score: FloatArray,
        failed: npt.NDArray[np.bool_],
        timed_out: npt.NDArray[np.bool_],
        perceived: FloatArray,
    ) -> CallColumns:
        """One model's calls on one task at one time.

        A failed call's error type is ``timeout`` when it timed out, else ``server_error``.
        """
        n = len(record_id)
        error_type = np.full(n, None, dtype=object)
        error_type[failed] = np.where(timed_out[failed], "timeout", "server_error")
        fields: dict[str, npt.NDArray[Any]] = {
            "record_id": np.array(record_id, dtype=object),
            "model_id": np.full(n, model_id, dtype=object),
            "task_type": np.full(n, task_type, dtype=object),
            "response_time_ms": np.asarray(response_time_ms, dtype=np.float64),
            "token_count_input": np.asarray(token_count_input, dtype=np.int64),
            "token_count_output": np.asarray(token_count_output, dtype=np.int64),
            "cost": np.asarray(cost, dtype=np.float64),
            "quality_score": np.asarray(quality_score, dtype=np.float64),
            "error_occurred": np.asarray(failed, dtype=bool),
            "error_type": error_type,
            "timestamp": np.full(n, timestamp, dtype=object),
        }
        return cls(fields, np.asarray(perceived, dtype=np.float64))

    @classmethod
    def concat(cls, parts: Sequence[CallColumns]) -> CallColumns:
        """The parts' calls one after another (every part must have the same fields)."""
        if not parts:
            raise ValueError("CallColumns.concat needs at least one part")
        names = list(parts[0].fields)
        if any(list(p.fields) != names for p in parts):
            raise ValueError("CallColumns.concat: the parts have different fields")
        return cls(
            {name: np.concatenate([p.fields[name] for p in parts]) for name in names},
            np.concatenate([p.perceived for p in parts]),
        )

    def with_fields(self, **columns: npt.NDArray[Any]) -> CallColumns:
        """The same calls with some fields added or replaced (one value per call each)."""
        for name, column in columns.items():
            if len(column) != len(self):
                raise ValueError(f"column {name!r}: {len(column)} values for {len(self)} calls")
        return CallColumns({**self.fields, **columns}, self.perceived)

    def column(self, name: str) -> list[Any]:
        """One field's values as the record holds them (``None`` for a missing score)."""
        values: list[Any] = self.fields[name].tolist()
        if name in _NULLABLE_FLOATS:
            return [None if math.isnan(v) else v for v in values]
        return values

    def rows(self) -> list[dict[str, Any]]:
        """One dictionary per call, field for field what its record holds."""
        names = list(self.fields)
        columns = [self.column(name) for name in names]
        return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]

    def observations(self, *, perceived: bool) -> Observations:
        """The calls as an agent reads their records.

        Their quality is the stored one, or, with ``perceived``, the one the agents perceive.
        """
        n = len(self)
        scores = np.full((n, len(SCORE_OBJECTIVES)), math.nan)
        scores[:, _QUALITY] = self.perceived if perceived else self.fields["quality_score"]
        stamps = self.fields["timestamp"]
        times = {stamp: stamp.timestamp() for stamp in set(stamps.tolist())}
        return Observations(
            tasks=tuple(self.fields["task_type"].tolist()),
            models=tuple(self.fields["model_id"].tolist()),
            scores=scores,
            errors=self.fields["error_occurred"].astype(bool),
            cost=self.fields["cost"].astype(np.float64),
            latency=self.fields["response_time_ms"].astype(np.float64),
            times=np.array([times[stamp] for stamp in stamps.tolist()], dtype=np.float64),
        )
