"""The benchmark trace: every model's outcome on every prompt, held as arrays.

A trace is what the routing papers replay (RouterBench, RouteLLM): one row per prompt with
its task, and per model the quality it scored there, what the call cost, and how long it took
where known. :class:`Trace` is the validated, read-only, in-memory form; the file formats
that produce it live in :mod:`scenarios.evaluation.formats`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from selection import ConfigError, ModelSpec, task_name

__all__ = ["FloatArray", "IntArray", "Trace", "TraceError", "normalise_task"]

MAX_MODEL_ID = 255  # ModelSpec.id's limit: every trace model becomes a catalog entry
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


class TraceError(ConfigError):
    """A trace file or table is missing something or holds a malformed value.

    Attributes:
        source: the file (or table) the trace came from.
        detail: what is wrong, without the location.
        column: the column at fault, when one is.
        row: the 1-based data row at fault, when one is.
    """

    def __init__(
        self, source: str, message: str, *, column: str | None = None, row: int | None = None
    ) -> None:
        self.source = source
        self.detail = message
        self.column = column
        self.row = row
        where = (f", column {column!r}" if column is not None else "") + (
            f", row {row}" if row is not None else ""
        )
        super().__init__(f"{source}{where}: {message}")


_NOT_NAME = re.compile(r"[^a-z0-9]+")


def normalise_task(raw: str) -> str:
    """Turn a trace's task label into a task type name (lower snake case).

    ``"mmlu-college-biology"`` becomes ``"mmlu_college_biology"``, ``"GSM8K"`` becomes
    ``"gsm8k"``; a label starting with a digit gets a ``t_`` prefix.

    Raises:
        ValueError: if nothing usable is left (an empty or all-punctuation label).
    """
    name = _NOT_NAME.sub("_", raw.strip().lower()).strip("_")
    if not name:
        raise ValueError(f"task label {raw!r} has no letters or digits")
    if not name[0].isalpha():
        name = "t_" + name
    return task_name(name[:100])


def _readonly(array: npt.ArrayLike, dtype: type) -> npt.NDArray[np.generic]:
    out: npt.NDArray[np.generic] = np.array(array, dtype=dtype)
    out.setflags(write=False)
    return out


def _check_model_ids(name: str, models: tuple[str, ...]) -> None:
    for model in models:
        if not 0 < len(model) <= MAX_MODEL_ID:
            raise TraceError(
                name, f"model id {model[:40]!r}... is {len(model):,} characters; "
                f"a catalog id holds 1 to {MAX_MODEL_ID}"
            )  # fmt: skip


@dataclass(frozen=True, eq=False)
class Trace:
    """Every model's outcome on every prompt of a benchmark.

    Attributes:
        name: a label for reports (usually the file's stem).
        models: the model ids, in column order.
        tasks: the distinct task type names, in order of first appearance.
        prompt_ids: one id per prompt (row).
        task_index: per row, its task's position in ``tasks``.
        quality: ``(prompts, models)`` scores in [0, 1] (correct answers are 0/1).
        cost: ``(prompts, models)`` USD per call, non-negative.
        latency_ms: ``(prompts, models)`` milliseconds, ``NaN`` where unknown; ``None``
            when the trace has no latency at all.
        specs: catalog entries that priced a model's token counts, by model id.
    """

    name: str
    models: tuple[str, ...]
    tasks: tuple[str, ...]
    prompt_ids: tuple[str, ...]
    task_index: IntArray
    quality: FloatArray
    cost: FloatArray
    latency_ms: FloatArray | None = None
    specs: Mapping[str, ModelSpec] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n, m = len(self.prompt_ids), len(self.models)
        if n == 0:
            raise TraceError(self.name, "the trace has no prompts")
        if m == 0:
            raise TraceError(self.name, "the trace has no models")
        if len(set(self.models)) != m:
            raise TraceError(self.name, f"model ids repeat: {list(self.models)}")
        _check_model_ids(self.name, self.models)
        if len(set(self.prompt_ids)) != n:
            first: dict[str, int] = {}
            for row, prompt in enumerate(self.prompt_ids):
                if first.setdefault(prompt, row) != row:
                    raise TraceError(self.name, f"prompt id {prompt!r} appears twice", row=row + 1)
        set_ = object.__setattr__  # frozen: store the validated, read-only copies
        set_(self, "task_index", _readonly(self.task_index, np.intp))
        set_(self, "quality", _readonly(self.quality, np.float64))
        set_(self, "cost", _readonly(self.cost, np.float64))
        if self.latency_ms is not None:
            set_(self, "latency_ms", _readonly(self.latency_ms, np.float64))
        set_(self, "specs", dict(self.specs))
        if self.task_index.shape != (n,):
            raise TraceError(self.name, f"task_index has shape {self.task_index.shape}, not {n}")
        if n and (self.task_index.min() < 0 or self.task_index.max() >= len(self.tasks)):
            raise TraceError(self.name, "task_index points outside the task list")
        self._check("quality", self.quality, low=0.0, high=1.0)
        self._check("cost", self.cost, low=0.0, high=None)
        if self.latency_ms is not None:
            self._check("latency_ms", self.latency_ms, low=0.0, high=None, nan_ok=True)

    def _check(
        self,
        what: str,
        values: FloatArray,
        *,
        low: float,
        high: float | None,
        nan_ok: bool = False,
    ) -> None:
        shape = (len(self.prompt_ids), len(self.models))
        if values.shape != shape:
            raise TraceError(self.name, f"{what} has shape {values.shape}, expected {shape}")
        bad = ~np.isfinite(values)
        if nan_ok:
            bad &= ~np.isnan(values)
        bad |= values < low
        if high is not None:
            bad |= values > high
        if bad.any():
            row, col = (int(i) for i in np.argwhere(bad)[0])
            bounds = f"[{low:g}, {high:g}]" if high is not None else f">= {low:g}"
            raise TraceError(
                self.name,
                f"{what} of model {self.models[col]!r} at prompt {self.prompt_ids[row]!r} "
                f"is {float(values[row, col])!r}; it must be finite and {bounds}",
                row=row + 1,
            )

    # -- shape --------------------------------------------------------------------------

    @property
    def n_prompts(self) -> int:
        """How many prompts (rows) the trace holds."""
        return len(self.prompt_ids)

    @property
    def n_models(self) -> int:
        """How many models answered every prompt."""
        return len(self.models)

    @property
    def has_latency(self) -> bool:
        """Whether any latency is known."""
        return self.latency_ms is not None and bool(np.isfinite(self.latency_ms).any())

    def __repr__(self) -> str:
        return (
            f"Trace({self.name!r}, {self.n_prompts} prompts, models={list(self.models)}, "
            f"tasks={len(self.tasks)})"
        )

    def take(self, rows: Sequence[int] | IntArray, *, name: str | None = None) -> Trace:
        """A trace of the given rows only (a slice for tests, a subsample for a quick look)."""
        index = np.asarray(rows, dtype=np.intp)
        return Trace(
            name=name or self.name,
            models=self.models,
            tasks=self.tasks,
            prompt_ids=tuple(self.prompt_ids[i] for i in index),
            task_index=self.task_index[index],
            quality=self.quality[index],
            cost=self.cost[index],
            latency_ms=None if self.latency_ms is None else self.latency_ms[index],
            specs=self.specs,
        )
