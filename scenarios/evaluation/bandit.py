"""Replay a trace through policies with bandit feedback, via the real tracker and selector.

Each run (one policy at one cost weight) gets a fresh store (in-memory SQLite unless a
folder is given), a :class:`~selection.PerformanceTracker` on a :class:`~selection.SimClock`
that advances one second per request, and the real :class:`~selection.Router`.
Requests come in trace order, or shuffled by the seed (the same order for every run). For
each, the policy names a model; the replay looks up that model's outcome alone, shows it to
the policy and queues it as a performance record. Records are written with
``tracker.record_many`` every ``batch_size`` requests, and the selector learns only from
written records, so **the batch size is the feedback delay** (100 by default).

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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from scenarios.evaluation.frontier_search import next_weight
from scenarios.evaluation.measures import Hindsight, best_single_model, hindsight, summarize
from scenarios.evaluation.policies import Outcome, PolicyContext, PolicySpec, Request
from scenarios.evaluation.traces import IntArray, Trace
from selection import (
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


def _store_url(store_dir: Path | None, policy: str, index: int) -> str:
    if store_dir is None:
        return "sqlite:///:memory:"
    name = re.sub(r"[^A-Za-z0-9_.+-]", "_", policy)
    path = store_dir / f"{name}-{index:02d}.db"
    if path.exists():
        raise ConfigError(f"store file {path} exists; give an empty or new store folder")
    return f"sqlite:///{path}"


def _run_rng(seed: int, policy: str, index: int) -> np.random.Generator:
    key = (1, zlib.crc32(policy.encode()), index)
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


async def replay(
    trace: Trace,
    spec: PolicySpec,
    *,
    order: IntArray,
    weight: float | None,
    rng: np.random.Generator,
    store_url: str = "sqlite:///:memory:",
    batch_size: int = DEFAULT_BATCH_SIZE,
    catalog: ModelCatalog | None = None,
    hindsight_means: Hindsight | None = None,
    budget: Budget | None = None,
) -> IntArray:
    """Replay the trace rows ``order`` through one policy; return the model index per step.

    Raises:
        ConfigError: the store already holds records (a run must start from nothing).
        ValueError: the policy chose a model the trace does not hold.
    """
    catalog = catalog if catalog is not None else trace_catalog(trace)
    index = {m: j for j, m in enumerate(trace.models)}
    quality, cost = trace.quality.tolist(), trace.cost.tolist()
    latency = None if trace.latency_ms is None else trace.latency_ms.tolist()
    tasks = [trace.tasks[t] for t in trace.task_index.tolist()]
    ids = trace.prompt_ids
    clock = SimClock(START)
    choices = np.empty(len(order), dtype=np.intp)
    async with open_store(store_url) as store:
        selector = Router(
            catalog,
            thresholds={t: TaskThresholds() for t in trace.tasks},
            clock=clock,
            share_evidence=spec.share_evidence,
        )
        tracker = PerformanceTracker(store, selector)
        await tracker.start()
        if tracker.total_records():
            raise ConfigError(f"store {store_url} already holds records; a replay starts empty")
        context = PolicyContext(
            selector=selector,
            models=tuple(catalog.get(m) for m in trace.models),
            tasks=trace.tasks,
            rng=rng,
            weight=weight,
            hindsight=hindsight_means if spec.uses_hindsight else None,
            budget=budget,
        )
        policy = spec.build(context)
        batch: list[PerformanceRecord] = []
        for step, row in enumerate(order.tolist()):
            request = Request(step, ids[row], tasks[row])
            model_id = policy.choose(request)
            j = index.get(model_id)
            if j is None:
                raise ValueError(
                    f"policy {spec.name!r} chose {model_id!r}, which trace {trace.name!r} "
                    f"does not hold; its models are {list(trace.models)}"
                )
            choices[step] = j
            q, c = quality[row][j], cost[row][j]
            ms = latency[row][j] if latency is not None else None
            ms = ms if ms is not None and math.isfinite(ms) else None
            batch.append(
                PerformanceRecord(
                    record_id=str(step),
                    model_id=model_id,
                    task_type=request.task,
                    prompt_hash=request.prompt_id[:64],
                    quality_score=q,
                    cost=c,
                    response_time_ms=ms,
                    timestamp=clock.advance(1.0),
                )
            )
            policy.observe(Outcome(request, model_id, q, c, ms))
            if len(batch) >= batch_size:
                await tracker.record_many(batch)
                batch = []
        if batch:
            await tracker.record_many(batch)
    return choices


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
    if config.store_dir is not None:
        config.store_dir.mkdir(parents=True, exist_ok=True)
    if config.shuffle:
        shuffler = np.random.default_rng(np.random.SeedSequence(config.seed, spawn_key=(0,)))
        order = shuffler.permutation(trace.n_prompts).astype(np.intp)
    else:
        order = np.arange(trace.n_prompts, dtype=np.intp)
    means = hindsight(trace)
    budget = None
    if config.budget is not None:
        budget = Budget.share_of(float(means.cost[best_single_model(trace)]), config.budget)
    runs: list[Run] = []
    for spec in policies:
        runs += await _policy_runs(
            _Runner(trace, spec, order, config, trace_catalog(trace, catalog), means), budget
        )
    return Evaluation(trace, config, order, tuple(runs))
