"""Trace file formats, each a small class behind :class:`TraceFormat`, and :func:`load_trace`.

RouterBench wide (``routerbench``), one row per prompt::

    sample_id  eval_name  <model>  <model>|total_cost  [<model>|latency_ms]
    id         task       quality  USD per call         milliseconds

``sample_id`` is optional (the row number stands in); instead of ``<model>|total_cost`` a
model may give ``<model>|input_tokens`` and ``<model>|output_tokens``, priced from the
catalog. A model is any name with such a cost or token column; its score column is required.
RouterBench's other columns (``prompt``, ``<model>|model_response``...) are ignored.

Long (``long``), one row per prompt and model::

    prompt  model  score    cost           [task]  [latency_ms]
    id      id     quality  USD per call

with ``input_tokens`` and ``output_tokens`` instead of ``cost`` to price from the catalog.
Every prompt needs a row for every model, once. Without ``task`` all prompts share the task
``default``.

RouteLLM GSM8K (``routellm-gsm8k``): ``shared/data/routellm_gsm8k_per_prompt_gpt4_vs_mixtral.csv``
and slices of it. See :class:`RouteLLMGsm8k`.

Scores are in [0, 1] (``true``/``false`` read as 1/0); task labels are normalised to task type
names (``mmlu-anatomy`` -> ``mmlu_anatomy``). Format ``auto`` picks the one whose columns match.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Protocol

import numpy as np

from scenarios.evaluation._tables import Table, read_table
from scenarios.evaluation.traces import FloatArray, Trace, TraceError, normalise_task
from selection import ModelCatalog, ModelSpec

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "FORMATS",
    "LongFormat",
    "RouteLLMGsm8k",
    "RouterBenchWide",
    "TraceFormat",
    "load_trace",
    "trace_from_frame",
    "trace_from_table",
]

DEFAULT_TASK = "default"


class TraceFormat(Protocol):
    """Turns a :class:`Table` of one layout into a :class:`Trace`."""

    name: str

    def matches(self, table: Table) -> bool:
        """Whether the table's columns look like this format."""
        ...

    def to_trace(self, table: Table, *, name: str, catalog: ModelCatalog | None) -> Trace:
        """Build the trace; raise :class:`TraceError` naming any bad column or row."""
        ...


def _tasks(table: Table, labels: list[str], column: str) -> tuple[tuple[str, ...], list[int]]:
    index: dict[str, int] = {}
    names: dict[str, int] = {}
    out = []
    for row, label in enumerate(labels):
        position = index.get(label)
        if position is None:
            try:
                task = normalise_task(label)
            except ValueError as exc:
                raise table.error(str(exc), column=column, row=row + 1) from exc
            position = index[label] = names.setdefault(task, len(names))
        out.append(position)
    return tuple(names), out


def _price(
    table: Table,
    model: str,
    input_tokens: FloatArray,
    output_tokens: FloatArray,
    catalog: ModelCatalog | None,
) -> FloatArray:
    if catalog is None or model not in catalog:
        raise table.error(
            f"model {model!r} gives token counts but no cost, and no catalog prices it; "
            "pass a catalog holding it (--catalog FILE) or add a cost column"
        )
    spec = catalog.get(model)
    if spec.input_cost_per_1k_tokens is None or spec.output_cost_per_1k_tokens is None:
        raise table.error(f"model {model!r} has token counts but its catalog price is unknown")
    return (
        input_tokens * spec.input_cost_per_1k_tokens
        + output_tokens * spec.output_cost_per_1k_tokens
    ) / 1000.0


class RouterBenchWide:
    """RouterBench's wide layout: a score column and a cost column per model."""

    name = "routerbench"
    _suffixes = ("|total_cost", "|input_tokens")

    def matches(self, table: Table) -> bool:
        """A column ends in ``|total_cost`` or ``|input_tokens``."""
        return any(c.endswith(self._suffixes) for c in table.columns)

    def to_trace(self, table: Table, *, name: str, catalog: ModelCatalog | None) -> Trace:
        """Build the trace from RouterBench's columns."""
        models = list(
            dict.fromkeys(c.rsplit("|", 1)[0] for c in table.columns if c.endswith(self._suffixes))
        )
        if not models:
            raise table.error("no '<model>|total_cost' or '<model>|input_tokens' column")
        table.require("eval_name", why="the task of each prompt")
        tasks, task_index = _tasks(table, table.strings("eval_name"), "eval_name")
        ids = (
            table.strings("sample_id")
            if "sample_id" in table
            else [str(i) for i in range(table.n_rows)]
        )
        quality, cost, latency = [], [], []
        for model in models:
            table.require(model, why=f"the score of model {model!r}")
            quality.append(table.floats(model))
            if f"{model}|total_cost" in table:
                cost.append(table.floats(f"{model}|total_cost"))
            else:
                table.require(f"{model}|output_tokens", why="with its input_tokens column")
                tokens_in = table.floats(f"{model}|input_tokens")
                tokens_out = table.floats(f"{model}|output_tokens")
                cost.append(_price(table, model, tokens_in, tokens_out, catalog))
            column = f"{model}|latency_ms"
            latency.append(
                table.floats(column, missing_ok=True)
                if column in table
                else np.full(table.n_rows, np.nan)
            )
        has_latency = any(f"{m}|latency_ms" in table for m in models)
        return Trace(
            name=name,
            models=tuple(models),
            tasks=tasks,
            prompt_ids=tuple(ids),
            task_index=np.array(task_index),
            quality=np.column_stack(quality),
            cost=np.column_stack(cost),
            latency_ms=np.column_stack(latency) if has_latency else None,
            specs=_specs(catalog, models),
        )


def _specs(catalog: ModelCatalog | None, models: list[str]) -> dict[str, ModelSpec]:
    if catalog is None:
        return {}
    return {m: catalog.get(m) for m in models if m in catalog}


class LongFormat:
    """One row per (prompt, model): ``prompt, model, score, cost``."""

    name = "long"

    def matches(self, table: Table) -> bool:
        """The columns include ``prompt``, ``model`` and ``score``."""
        return {"prompt", "model", "score"} <= set(table.columns)

    def to_trace(self, table: Table, *, name: str, catalog: ModelCatalog | None) -> Trace:
        """Pivot the rows into one per prompt; every (prompt, model) exactly once."""
        table.require("prompt", "model", "score", why="the long format's key and quality")
        prompts = table.strings("prompt")
        model_names = table.strings("model")
        score = table.floats("score")
        models = list(dict.fromkeys(model_names))
        if "cost" in table:
            cost = table.floats("cost")
        else:
            table.require("input_tokens", "output_tokens", why="'cost' is absent")
            cost = np.empty(table.n_rows)
            tokens_in, tokens_out = table.floats("input_tokens"), table.floats("output_tokens")
            for model in models:
                rows = np.array([n == model for n in model_names])
                cost[rows] = _price(table, model, tokens_in[rows], tokens_out[rows], catalog)
        latency = table.floats("latency_ms", missing_ok=True) if "latency_ms" in table else None
        labels = table.strings("task") if "task" in table else [DEFAULT_TASK] * table.n_rows
        prompt_pos: dict[str, int] = {}
        model_pos = {m: j for j, m in enumerate(models)}
        cells: dict[tuple[int, int], int] = {}
        prompt_task: list[str] = []
        for row, (prompt, model) in enumerate(zip(prompts, model_names, strict=True)):
            i = prompt_pos.setdefault(prompt, len(prompt_pos))
            if i == len(prompt_task):
                prompt_task.append(labels[row])
            elif prompt_task[i] != labels[row]:
                raise table.error(
                    f"prompt {prompt!r} is task {prompt_task[i]!r} on an earlier row",
                    column="task",
                    row=row + 1,
                )
            key = (i, model_pos[model])
            if key in cells:
                raise table.error(
                    f"prompt {prompt!r} has a second row for model {model!r}", row=row + 1
                )
            cells[key] = row
        n, m = len(prompt_pos), len(models)
        if len(cells) != n * m:
            ids = list(prompt_pos)
            i, j = next((i, j) for i in range(n) for j in range(m) if (i, j) not in cells)
            raise table.error(
                f"prompt {ids[i]!r} has no row for model {models[j]!r}; "
                "a trace needs every model's outcome on every prompt"
            )
        where = np.empty((n, m), dtype=np.intp)
        for (i, j), row in cells.items():
            where[i, j] = row
        tasks, task_index = _tasks(table, prompt_task, "task")
        return Trace(
            name=name,
            models=tuple(models),
            tasks=tasks,
            prompt_ids=tuple(prompt_pos),
            task_index=np.array(task_index),
            quality=score[where],
            cost=cost[where],
            latency_ms=None if latency is None else latency[where],
            specs=_specs(catalog, models),
        )


class RouteLLMGsm8k:
    """RouteLLM's GSM8K results for GPT-4 and Mixtral, as kept in ``shared/data``.

    Mapping: id <- ``row_index``; task ``gsm8k``; quality <- ``gpt_4_1106_preview_correct`` and
    ``mixtral_8x7b_instruct_correct``; input tokens <- ceil(``prompt_chars`` / 4) and output
    tokens <- ceil(``gpt4_response_chars`` / 4) and ceil(``mixtral_response_chars`` / 4), at
    about four characters per token (the file holds lengths, not token counts; RouteLLM's
    8-shot prefix, the same for every prompt, is not counted). Rows with ``contaminated`` = 1
    are dropped, as RouteLLM drops them. Prices come from the catalog when it holds the model
    ids, otherwise from :attr:`PRICES`.
    """

    name = "routellm-gsm8k"
    STRONG = "gpt-4-1106-preview"
    WEAK = "mistralai/Mixtral-8x7B-Instruct-v0.1"
    PRICES: Mapping[str, tuple[float, float]] = {
        # USD per 1k tokens (input, output), from shared/data's LiteLLM price map of
        # 2026-07-24, keys "gpt-4-1106-preview" (OpenAI) and
        # "together_ai/mistralai/Mixtral-8x7B-Instruct-v0.1" (Together AI).
        STRONG: (0.01, 0.03),
        WEAK: (0.0006, 0.0006),
    }
    _COLUMNS: ClassVar[dict[str, tuple[str, str]]] = {
        STRONG: ("gpt_4_1106_preview_correct", "gpt4_response_chars"),
        WEAK: ("mixtral_8x7b_instruct_correct", "mixtral_response_chars"),
    }

    def matches(self, table: Table) -> bool:
        """The two ``*_correct`` columns are there."""
        return all(correct in table for correct, _ in self._COLUMNS.values())

    def to_trace(self, table: Table, *, name: str, catalog: ModelCatalog | None) -> Trace:
        """Build the two-model GSM8K trace, contaminated prompts left out."""
        table.require("row_index", "prompt_chars", "contaminated", why="RouteLLM GSM8K layout")
        keep = table.floats("contaminated") == 0
        if not keep.any():
            raise table.error("every prompt is marked contaminated", column="contaminated")
        prompt_tokens = np.ceil(table.floats("prompt_chars") / 4.0)
        prices = ModelCatalog(
            ModelSpec(
                id=model,
                provider=model.split("/")[0] if "/" in model else "openai",
                input_cost_per_1k_tokens=price_in,
                output_cost_per_1k_tokens=price_out,
                context_length=128_000 if model == self.STRONG else 32_000,
            )
            for model, (price_in, price_out) in self.PRICES.items()
        )
        for model in self.PRICES:
            if catalog is not None and model in catalog:
                prices.add(catalog.get(model))
        quality, cost = [], []
        for model, (correct, chars) in self._COLUMNS.items():
            quality.append(table.floats(correct))
            output_tokens = np.ceil(table.floats(chars) / 4.0)
            cost.append(_price(table, model, prompt_tokens, output_tokens, prices))
        ids = table.strings("row_index")
        return Trace(
            name=name,
            models=tuple(self._COLUMNS),
            tasks=("gsm8k",),
            prompt_ids=tuple(i for i, k in zip(ids, keep, strict=True) if k),
            task_index=np.zeros(int(keep.sum()), dtype=np.intp),
            quality=np.column_stack(quality)[keep],
            cost=np.column_stack(cost)[keep],
            specs={spec.id: spec for spec in prices},
        )


FORMATS: dict[str, TraceFormat] = {
    f.name: f for f in (RouteLLMGsm8k(), RouterBenchWide(), LongFormat())
}
"""Every trace format by name; ``auto`` tries them in this order."""


def trace_from_table(
    table: Table,
    *,
    format: str = "auto",
    name: str = "trace",
    catalog: ModelCatalog | None = None,
) -> Trace:
    """Build a trace from a table already read.

    Raises:
        TraceError: unknown format, no format matches, or a column is missing or malformed.
    """
    if format == "auto":
        found = next((f for f in FORMATS.values() if f.matches(table)), None)
        if found is None:
            shown = ", ".join(repr(c) for c in table.columns[:8])
            raise table.error(
                f"cannot tell the trace format from the columns ({shown}); expected RouterBench "
                "('<model>', '<model>|total_cost', 'eval_name'), long ('prompt', 'model', "
                "'score', 'cost') or RouteLLM GSM8K columns"
            )
        chosen = found
    else:
        known = FORMATS.get(format)
        if known is None:
            raise table.error(f"unknown trace format {format!r}; use auto or {sorted(FORMATS)}")
        chosen = known
    if table.n_rows == 0:
        raise table.error("the trace has no rows")
    try:
        return chosen.to_trace(table, name=name, catalog=catalog)
    except TraceError as exc:
        if exc.source == table.source:
            raise
        # The Trace's own checks know its name, not the file: say which file.
        raise table.error(exc.detail, column=exc.column, row=exc.row) from exc


def trace_from_frame(
    frame: pd.DataFrame,
    *,
    format: str = "auto",
    name: str = "trace",
    catalog: ModelCatalog | None = None,
) -> Trace:
    """Build a trace from a pandas DataFrame in any known format (its columns as a file's).

    Empty cells (NaN, None) are empty as in a file; errors name the DataFrame and the
    1-based row position, as they name a file's data row.

    Raises:
        TraceError: no format matches, or a column is missing or malformed.
    """
    cells = frame.astype(object).where(frame.notna(), None)
    table = Table(
        {str(column): cells[column].tolist() for column in cells.columns},
        source=f"DataFrame {name!r}",
    )
    return trace_from_table(table, format=format, name=name, catalog=catalog)


def load_trace(
    path: str | Path | pd.DataFrame,
    *,
    format: str = "auto",
    catalog: ModelCatalog | None = None,
) -> Trace:
    """Read a trace file (CSV, JSON lines, Parquet, a pickled DataFrame) in any known format.

    Args:
        path: the trace file, or a DataFrame (see :func:`trace_from_frame`).
        format: ``"auto"`` or a name in :data:`FORMATS`.
        catalog: prices for token counts (and catalog entries for models it holds).

    Raises:
        TraceError: naming the missing or malformed column and row.
    """
    if not isinstance(path, str | Path):
        return trace_from_frame(path, format=format, catalog=catalog)
    path = Path(path)
    stem = path.name.split(".")[0]
    return trace_from_table(read_table(path), format=format, name=stem, catalog=catalog)
