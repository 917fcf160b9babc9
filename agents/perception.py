"""How an agent sees a call: the recorded scores through its own biased, noisy eyes.

Every agent judges a call for itself. Its judgement of each score is the recorded score plus

- its *leniency*, one number per agent (some agents mark everything a little higher);
- its *taste* for the model, one number per (agent, model) that does not depend on the order in
  which the agent meets models;
- fresh noise per call and metric;

clipped to ``[0, 1]``. All three come from the agent's own seeded ``numpy`` Generator, so an
agent's view is deterministic for a seed, and different agents err differently: averaging many
agents cancels errors that no single agent can remove, which is the point of a hive.

Errors, cost and latency are measured, not judged: they pass through unchanged.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from selection import OBJECTIVES, MetricKind, PerformanceRecord

__all__ = ["SCORE_OBJECTIVES", "Observations", "Perception", "PerceptionConfig"]

SCORE_OBJECTIVES: tuple[str, ...] = tuple(
    name for name, o in OBJECTIVES.items() if o.kind is MetricKind.SCORE
)
"""The judged objectives (quality, consciousness, ... user_satisfaction), in column order."""

_SCORE_COLUMNS = tuple(OBJECTIVES[name].column for name in SCORE_OBJECTIVES)

FloatArray = npt.NDArray[np.float64]


class PerceptionConfig(BaseModel):
    """How far an agent's judgement strays from the recorded scores (standard deviations).

    Attributes:
        leniency_sd: Spread of the per-agent offset added to every score it judges.
        taste_sd: Spread of the per-(agent, model) offset.
        noise_sd: Spread of the fresh noise on each judged score.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    leniency_sd: float = Field(default=0.03, ge=0.0, le=1.0, allow_inf_nan=False)
    taste_sd: float = Field(default=0.05, ge=0.0, le=1.0, allow_inf_nan=False)
    noise_sd: float = Field(default=0.08, ge=0.0, le=1.0, allow_inf_nan=False)


@dataclass(frozen=True, slots=True, eq=False)
class Observations:
    """A batch of calls as columns: one row per record, ``nan`` where a value is missing.

    Attributes:
        tasks: Task type per row.
        models: Model id per row.
        scores: ``(n, len(SCORE_OBJECTIVES))`` scores in ``[0, 1]``.
        errors: ``(n,)`` True where the call failed.
        cost: ``(n,)`` USD per call.
        latency: ``(n,)`` response time in milliseconds.
        times: ``(n,)`` record timestamps in seconds since the Unix epoch.
    """

    tasks: tuple[str, ...]
    models: tuple[str, ...]
    scores: FloatArray
    errors: npt.NDArray[np.bool_]
    cost: FloatArray
    latency: FloatArray
    times: FloatArray

    def __len__(self) -> int:
        return len(self.models)

    @classmethod
    def concat(cls, parts: Sequence[Observations]) -> Observations:
        """The batches one after another, as if read from their records in that order."""
        if len(parts) == 1:
            return parts[0]
        return cls(
            tasks=tuple(t for part in parts for t in part.tasks),
            models=tuple(m for part in parts for m in part.models),
            scores=np.concatenate([p.scores for p in parts]).reshape(-1, len(_SCORE_COLUMNS)),
            errors=np.concatenate([p.errors for p in parts]).astype(bool, copy=False),
            cost=np.concatenate([p.cost for p in parts]).astype(float, copy=False),
            latency=np.concatenate([p.latency for p in parts]).astype(float, copy=False),
            times=np.concatenate([p.times for p in parts]).astype(float, copy=False),
        )

    def take(self, rows: npt.NDArray[np.intp]) -> Observations:
        """The given rows, in the given order."""
        return self.split([rows])[0]

    def split(self, groups: Sequence[npt.NDArray[np.intp]]) -> list[Observations]:
        """:meth:`take` of each group of rows (the columns read once for all of them)."""
        tasks = np.asarray(self.tasks, dtype=object)
        models = np.asarray(self.models, dtype=object)
        return [
            Observations(
                tasks=tuple(tasks[rows].tolist()),
                models=tuple(models[rows].tolist()),
                scores=self.scores[rows],
                errors=self.errors[rows],
                cost=self.cost[rows],
                latency=self.latency[rows],
                times=self.times[rows],
            )
            for rows in groups
        ]

    @classmethod
    def from_records(cls, records: Sequence[PerformanceRecord]) -> Observations:
        """The records' values as recorded, without any agent's judgement."""
        n = len(records)
        scores = np.array(
            [[getattr(r, column) for column in _SCORE_COLUMNS] for r in records], dtype=float
        ).reshape(n, len(_SCORE_COLUMNS))
        return cls(
            tasks=tuple(r.task_type for r in records),
            models=tuple(r.model_id for r in records),
            scores=scores,
            errors=np.array([r.error_occurred for r in records], dtype=bool),
            cost=np.array([r.cost for r in records], dtype=float),
            latency=np.array([r.response_time_ms for r in records], dtype=float),
            times=np.array(
                [math.nan if r.timestamp is None else r.timestamp.timestamp() for r in records],
                dtype=float,
            ),
        )


class Perception:
    """One agent's way of judging calls.

    Args:
        config: The spreads of leniency, taste and noise.
        rng: The agent's own Generator; construction draws the leniency and a key for tastes,
            and every judged record draws ``len(SCORE_OBJECTIVES)`` normals from it.
    """

    def __init__(self, config: PerceptionConfig, *, rng: np.random.Generator) -> None:
        self.config = config
        self._rng = rng
        self._taste_key = int(rng.integers(2**63 - 1))
        self.leniency: float = float(rng.normal(0.0, config.leniency_sd))
        self._tastes: dict[str, float] = {}

    def __repr__(self) -> str:
        return f"Perception(leniency={self.leniency:+.3f}, config={self.config!r})"

    def taste(self, model_id: str) -> float:
        """The agent's fixed offset for one model's scores (same whenever it is asked)."""
        taste = self._tastes.get(model_id)
        if taste is None:
            # A stream of its own per model: tastes do not depend on the order models are met.
            own = np.random.default_rng([self._taste_key, zlib.crc32(model_id.encode())])
            taste = self._tastes[model_id] = float(own.normal(0.0, self.config.taste_sd))
        return taste

    def judge(self, records: Sequence[PerformanceRecord]) -> Observations:
        """The records as this agent sees them: scores shifted, noised and clipped to [0, 1]."""
        return self.judge_columns(Observations.from_records(records))

    def judge_columns(self, seen: Observations) -> Observations:
        """Calls given as columns, as this agent sees them (:meth:`judge` of their records)."""
        noise = self._rng.standard_normal(seen.scores.shape) * self.config.noise_sd
        offsets = np.array([self.leniency + self.taste(m) for m in seen.models], dtype=float)
        judged = np.clip(seen.scores + offsets[:, None] + noise, 0.0, 1.0)  # nan stays nan
        return Observations(
            tasks=seen.tasks,
            models=seen.models,
            scores=judged,
            errors=seen.errors,
            cost=seen.cost,
            latency=seen.latency,
            times=seen.times,
        )
