"""Replay a trace through policies with bandit feedback, via the real selector.

Each run (one policy at one cost weight) gets the real :class:`~selection.Router` on a
:class:`~selection.SimClock` that advances one second per request. Requests come in trace
order, or shuffled by the seed (the same order for every run). The replay serves them in
batches of ``batch_size``: for each request the policy names a model, and the replay looks
up that model's outcome alone and shows it to the policy. At the end of a batch its outcomes
reach the selector, so **the batch size is the feedback delay** (100 by default). A policy
that can (:class:`~scenarios.evaluation.policies.BatchPolicy`) chooses for a whole batch at
once, vectorised over its rows: nothing it reads changes inside a batch.

Without a store folder a batch is added to the selector's sums in columns
(:class:`~selection.BatchSums`); with one, each outcome is written as a performance record
through a :class:`~selection.PerformanceTracker` to one SQLite file per run, and the
selector absorbs what was stored. Both give the same sums bit for bit, so the same results.
A trace value a record could not hold is refused up front (:class:`TraceError`).

Trace tasks run without hard limits (a fresh ``TaskThresholds()`` each), so a trace task
named like a seed task is not held to the seed's thresholds: the routing itself is measured.

Randomness: each run's generator is seeded from ``SeedSequence(seed, spawn_key=(1, crc32(policy
name), weight index))`` and the shuffle from ``spawn_key=(0,)``, so adding a policy or a weight
leaves the others' numbers unchanged.
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from scenarios.evaluation.frontier_search import next_weight
from scenarios.evaluation.measures import Hindsight, best_single_model, hindsight, summarize
from scenarios.evaluation.policies import (
    BatchPolicy,
    Outcome,
    PacedBatchPolicy,
    PolicyContext,
    PolicySpec,
    Request,
    TracePolicy,
)
from scenarios.evaluation.traces import IntArray, Trace, TraceError
from selection import (
    BatchSums,
    Budget,
    ConfigError,
    ModelCatalog,
    ModelSpec,
    PerformanceRecord,
    PerformanceTracker,
    Router,
    SimClock,
    TaskThresholds,
    open_store,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_WEIGHTS",
    "Evaluation",
    "EvaluationConfig",
    "Run",
    "evaluate",
    "replay",
    "trace_catalog",
]

DEFAULT_BATCH_SIZE = 100
DEFAULT_WEIGHTS: tuple[float, ...] = tuple(round(0.1 * i, 1) for i in range(11))
START = datetime(2026, 1, 1, tzinfo=UTC)
UNLIMITED_CONTEXT = 1_000_000


@dataclass(frozen=True)
class EvaluationConfig:
    """How to replay: cost weights, seed, order, feedback delay, where stores live.

    Attributes:
        weights: cost weights in [0, 1] for the weighted policies (the selector's priority
            factors are quality ``1 - w`` and cost ``w``).
        seed: seeds every run's generator and the shuffle.
        shuffle: serve requests in a seeded random order instead of trace order.
        batch_size: records written per ``record_many`` call (the feedback delay).
        store_dir: keep one SQLite file per run there (must not exist yet); ``None`` for
            in-memory stores.
        frontier_points: run each weighted policy at this many cost weights, ``weights``
            first, then where its cost-quality points are furthest apart in cost
            (:mod:`~scenarios.evaluation.frontier_search`); ``None`` runs ``weights`` only.
        budget: also run each policy that takes a budget paced to this share of the
            strongest single model's mean cost per request on the trace (e.g. 0.5).
    """

    weights: tuple[float, ...] = DEFAULT_WEIGHTS
    seed: int = 0
    shuffle: bool = False
    batch_size: int = DEFAULT_BATCH_SIZE
    store_dir: Path | None = None
    frontier_points: int | None = None
    budget: float | None = None

    def __post_init__(self) -> None:
        if not self.weights:
            raise ValueError("give at least one cost weight")
        for w in self.weights:
            if not (math.isfinite(w) and 0 <= w <= 1):
                raise ValueError(f"a cost weight must be in [0, 1], got {w!r}")
        if len(set(self.weights)) != len(self.weights):
            raise ValueError(f"cost weights repeat: {list(self.weights)}")
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size!r}")
        if self.seed < 0:
            raise ValueError(f"seed must be >= 0, got {self.seed!r}")
        if self.frontier_points is not None and self.frontier_points < len(self.weights):
            raise ValueError(
                f"frontier_points ({self.frontier_points}) must be at least the "
                f"{len(self.weights)} seed weights"
            )
        if self.budget is not None and not (math.isfinite(self.budget) and self.budget > 0):
            raise ValueError(f"a budget share must be a positive number, got {self.budget!r}")


@dataclass(frozen=True)
class Run:
    """One policy replayed at one cost weight (``None`` for a policy without one).

    Attributes:
        choices: per step, the index (in ``trace.models``) of the model chosen.
        budget: for a budgeted run, its target (and ``weight`` is ``None``).
    """

    policy: str
    weight: float | None
    choices: IntArray
    budget: Budget | None = None


@dataclass(frozen=True)
class Evaluation:
    """Every run of an evaluation, and what they ran on.

    Attributes:
        order: per step, the trace row served (the same for every run).
    """

    trace: Trace
    config: EvaluationConfig
    order: IntArray
    runs: tuple[Run, ...]

    @property
    def policies(self) -> list[str]:
        """Policy names in the order they ran."""
        return list(dict.fromkeys(r.policy for r in self.runs))

    def to_frame(self, *, regret_weight: float | None = None) -> pd.DataFrame:
        """Every run and reference as a table: :meth:`Report.to_frame` of its report.

        Args:
            regret_weight: as for :func:`~scenarios.evaluation.build_report`.
        """
        from scenarios.evaluation.summary import build_report

        return build_report(self, regret_weight=regret_weight).to_frame()


def trace_catalog(trace: Trace, base: ModelCatalog | None = None) -> ModelCatalog:
    """A catalog of the trace's models with its task types declared.

    A model's entry comes from ``base`` if it holds it, else from the entry that priced the
    trace's tokens, else it is made here: provider ``trace``, a price per 1k tokens equal to
    its mean cost per request in the trace (so the selector's default estimate of a
    1,000-token call is that mean, as a price list would tell a router beforehand) and its
    mean latency where known. Per-prompt outcomes are never put in the catalog.
    """
    specs = []
    for j, model_id in enumerate(trace.models):
        if base is not None and model_id in base:
            specs.append(base.get(model_id))
        elif model_id in trace.specs:
            specs.append(trace.specs[model_id])
        else:
            price = float(trace.cost[:, j].mean())
            latency = None
            if trace.latency_ms is not None and np.isfinite(trace.latency_ms[:, j]).any():
                latency = max(float(np.nanmean(trace.latency_ms[:, j])), 1e-3)
            specs.append(
                ModelSpec(
                    id=model_id,
                    provider="trace",
                    input_cost_per_1k_tokens=price,
                    output_cost_per_1k_tokens=price,
                    context_length=UNLIMITED_CONTEXT,
                    typical_latency_ms=latency,
                )
            )
    return ModelCatalog(specs, tasks=trace.tasks)


def _store_url(store_dir: Path | None, policy: str, index: int) -> str | None:
    if store_dir is None:
        return None
    name = re.sub(r"[^A-Za-z0-9_.+-]", "_", policy)
    path = store_dir / f"{name}-{index:02d}.db"
    if path.exists():
        raise ConfigError(f"store file {path} exists; give an empty or new store folder")
    return f"sqlite:///{path}"


def _run_rng(seed: int, policy: str, index: int) -> np.random.Generator:
    key = (1, zlib.crc32(policy.encode()), index)
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


def _check_recordable(trace: Trace) -> None:
    """Refuse up front a trace value a performance record could not hold."""
    columns = {"quality_score": trace.quality, "cost": trace.cost}
    if trace.latency_ms is not None:
        columns["response_time_ms"] = trace.latency_ms
    for column, values in columns.items():
        reason = BatchSums.check_column(column, values)
        if reason is not None:
            raise TraceError(trace.name, f"{reason}: a performance record cannot hold it")


async def replay(
    trace: Trace,
    spec: PolicySpec,
    *,
    order: IntArray,
    weight: float | None,
    rng: np.random.Generator,
    store_url: str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    catalog: ModelCatalog | None = None,
    hindsight_means: Hindsight | None = None,
    budget: Budget | None = None,
) -> IntArray:
    """Replay the trace rows ``order`` through one policy; return the model index per step.

    With a ``store_url`` every outcome is written as a performance record to that store
    through the tracker; without one (the default) each batch is added to the selector's
    sums in columns (:class:`~selection.BatchSums`), with the same results.

    Raises:
        ConfigError: the store already holds records (a run must start from nothing).
        TraceError: a trace value a performance record cannot hold.
        ValueError: the policy chose a model the trace does not hold.
    """
    _check_recordable(trace)
    catalog = catalog if catalog is not None else trace_catalog(trace)
    clock = SimClock(START)
    selector = Router(
        catalog,
        thresholds={t: TaskThresholds() for t in trace.tasks},
        clock=clock,
        share_evidence=spec.share_evidence,
    )
    context = PolicyContext(
        selector=selector,
        models=tuple(catalog.get(m) for m in trace.models),
        tasks=trace.tasks,
        rng=rng,
        weight=weight,
        hindsight=hindsight_means if spec.uses_hindsight else None,
        budget=budget,
    )
    if store_url is None:
        policy = spec.build(context)
        return await _Replay(trace, spec.name, policy, selector, clock, None).run(order, batch_size)
    async with open_store(store_url) as store:
        tracker = PerformanceTracker(store, selector)
        await tracker.start()
        if tracker.total_records():
            raise ConfigError(f"store {store_url} already holds records; a replay starts empty")
        policy = spec.build(context)
        return await _Replay(trace, spec.name, policy, selector, clock, tracker).run(
            order, batch_size
        )


class _Replay:
    """One run's loop: a batch's choices, their outcomes, then the batch written or added."""

    def __init__(
        self,
        trace: Trace,
        name: str,
        policy: TracePolicy,
        selector: Router,
        clock: SimClock,
        tracker: PerformanceTracker | None,
    ) -> None:
        self.trace, self.name, self.policy = trace, name, policy
        self.selector, self.clock, self.tracker = selector, clock, tracker
        self.index = {m: j for j, m in enumerate(trace.models)}
        self.tasks = [trace.tasks[t] for t in trace.task_index.tolist()]
        self.latency = (
            np.full(trace.quality.shape, np.nan) if trace.latency_ms is None else trace.latency_ms
        )
        self.choose_batch = policy.choose_batch if isinstance(policy, BatchPolicy) else None
        self.choose_paced = policy.choose_paced if isinstance(policy, PacedBatchPolicy) else None

    async def run(self, order: IntArray, batch_size: int) -> IntArray:
        choices = np.empty(len(order), dtype=np.intp)
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            chosen, stamps = self._choose(start, rows.tolist())
            choices[start : start + len(rows)] = chosen
            await self._absorb(start, rows, chosen, stamps)
        return choices

    def _model(self, model_id: str) -> int:
        j = self.index.get(model_id)
        if j is None:
            raise ValueError(
                f"policy {self.name!r} chose {model_id!r}, which trace {self.trace.name!r} "
                f"does not hold; its models are {list(self.trace.models)}"
            )
        return j

    def _choose(self, start: int, rows: list[int]) -> tuple[list[int], list[datetime] | None]:
        """The batch's model indices, at once if the policy can, else request by request.

        Request by request, the clock moves a second after each choice (a policy may read
        it); the times are returned as the records' timestamps. At once, it has not moved.
        """
        tasks = [self.tasks[row] for row in rows]
        if self.choose_batch is not None:
            ids = self.choose_batch(tasks)
            if ids is not None:
                return [self._model(model_id) for model_id in ids], None
        if self.choose_paced is not None:
            paced = self.choose_paced(tasks)
            if paced is not None:
                return self._paced(paced, rows), None
        trace, chosen, stamps = self.trace, [], []
        for step, (row, task) in enumerate(zip(rows, tasks, strict=True), start):
            request = Request(step, trace.prompt_ids[row], task)
            j = self._model(self.policy.choose(request))
            chosen.append(j)
            stamps.append(self.clock.advance(1.0))
            ms = float(self.latency[row, j])
            self.policy.observe(
                Outcome(
                    request,
                    trace.models[j],
                    float(trace.quality[row, j]),
                    float(trace.cost[row, j]),
                    ms if math.isfinite(ms) else None,
                )
            )
        return chosen, stamps

    def _paced(self, paced: Generator[str, float, None], rows: list[int]) -> list[int]:
        """Each choice of a paced policy, answered with what the chosen model cost."""
        chosen, cost = [], self.trace.cost
        model_id = next(paced)
        for row in rows:
            j = self._model(model_id)
            chosen.append(j)
            try:
                model_id = paced.send(float(cost[row, j]))
            except StopIteration:
                if len(chosen) != len(rows):
                    raise ValueError(
                        f"policy {self.name!r} stopped before its batch's end"
                    ) from None
        return chosen

    async def _absorb(
        self, start: int, rows: IntArray, chosen: list[int], stamps: list[datetime] | None
    ) -> None:
        """Write the batch's outcomes as records through the tracker, or add them in columns."""
        trace, picked = self.trace, np.asarray(chosen, dtype=np.intp)
        columns = {
            "quality_score": trace.quality[rows, picked],
            "cost": trace.cost[rows, picked],
            "response_time_ms": self.latency[rows, picked],
        }
        if self.tracker is None:
            if stamps is None:
                self.clock.advance(float(len(rows)))
            batch = BatchSums(trace.models, trace.tasks, picked, trace.task_index[rows], columns)
            self.selector.absorb_sums(batch)
            return
        if stamps is None:
            stamps = [self.clock.advance(1.0) for _ in chosen]
        values = zip(*(c.tolist() for c in columns.values()), strict=True)
        records = [
            PerformanceRecord(
                record_id=str(step),
                model_id=trace.models[j],
                task_type=self.tasks[row],
                prompt_hash=trace.prompt_ids[row][:64],
                quality_score=q,
                cost=c,
                response_time_ms=ms if math.isfinite(ms) else None,
                timestamp=stamp,
            )
            for step, row, j, stamp, (q, c, ms) in zip(
                range(start, start + len(rows)), rows.tolist(), chosen, stamps, values, strict=True
            )
        ]
        await self.tracker.record_many(records)


@dataclass(frozen=True)
class _Runner:
    """Replays one policy over the trace at a weight or a budget (one run per call)."""

    trace: Trace
    spec: PolicySpec
    order: IntArray
    config: EvaluationConfig
    catalog: ModelCatalog
    means: Hindsight

    async def __call__(self, k: int, weight: float | None, budget: Budget | None = None) -> Run:
        config, name = self.config, self.spec.name
        choices = await replay(
            self.trace,
            self.spec,
            order=self.order,
            weight=weight,
            rng=_run_rng(config.seed, name, k),
            store_url=_store_url(config.store_dir, name, k),
            batch_size=config.batch_size,
            catalog=self.catalog,
            hindsight_means=self.means,
            budget=budget,
        )
        return Run(name, weight, choices, budget)


async def _policy_runs(run: _Runner, budget: Budget | None) -> list[Run]:
    """A policy's runs: once, or at each weight (seeded, then where the frontier moves)."""
    if not run.spec.weighted:
        return [await run(0, None)]
    config = run.config
    done = [await run(k, w) for k, w in enumerate(config.weights)]
    while config.frontier_points is not None and len(done) < config.frontier_points:
        points = [
            (r.weight or 0.0, summarize(run.trace, r.choices, run.order).mean_cost) for r in done
        ]
        weight = next_weight(points)
        if weight is None:
            break
        done.append(await run(len(done), weight))
    if config.frontier_points is not None:
        done.sort(key=lambda r: r.weight or 0.0)
    if budget is not None and run.spec.takes_budget:
        done.append(await run(len(done), None, budget))
    return done


async def evaluate(
    trace: Trace,
    policies: Sequence[PolicySpec],
    config: EvaluationConfig | None = None,
    *,
    catalog: ModelCatalog | None = None,
) -> Evaluation:
    """Replay every policy (each weighted one at every cost weight) over the trace.

    Args:
        trace: the benchmark trace.
        policies: the policies, e.g. ``[POLICIES["selector"], POLICIES["random"]]``.
        config: weights, seed, order, feedback delay and store folder.
        catalog: catalog entries for the trace's models (see :func:`trace_catalog`).

    Raises:
        ValueError: no policies, a name repeated, or a latency policy on a trace without
            latency.
    """
    config = config or EvaluationConfig()
    if not policies:
        raise ValueError("give at least one policy")
    names = [p.name for p in policies]
    if len(set(names)) != len(names):
        raise ValueError(f"policy names repeat: {names}")
    for spec in policies:
        if spec.needs_latency and not trace.has_latency:
            raise ValueError(f"policy {spec.name!r} needs latency; trace {trace.name!r} has none")
    means = hindsight(trace)
    budget = None
    if config.budget is not None:
        strong = best_single_model(trace)
        if not means.cost[strong] > 0:
            raise ValueError(
                f"budget share {config.budget:g}: the strongest single model, "
                f"{trace.models[strong]!r}, costs nothing on trace {trace.name!r}, so a share "
                "of its cost is no budget; leave the budget out"
            )
        budget = Budget.share_of(float(means.cost[strong]), config.budget)
    if config.store_dir is not None:
        config.store_dir.mkdir(parents=True, exist_ok=True)
    if config.shuffle:
        shuffler = np.random.default_rng(np.random.SeedSequence(config.seed, spawn_key=(0,)))
        order = shuffler.permutation(trace.n_prompts).astype(np.intp)
    else:
        order = np.arange(trace.n_prompts, dtype=np.intp)
    runs: list[Run] = []
    for spec in policies:
        runs += await _policy_runs(
            _Runner(trace, spec, order, config, trace_catalog(trace, catalog), means), budget
        )
    return Evaluation(trace, config, order, tuple(runs))
