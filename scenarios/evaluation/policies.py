"""Routing policies replayed against a trace, and the registry the command line picks from.

A policy is shown a :class:`Request` (its position, prompt id and task: never an outcome)
and names a model; then the replay shows it the :class:`Outcome` of that model alone, and
writes the same outcome to the tracker as a performance record. That is bandit feedback, as
in production: what the other models would have done stays in the trace, out of reach.

Policies are built from a :class:`PolicyContext`: the selector (whose tracker holds the
records written so far), the models' catalog entries (list prices), the tasks, the run's
random generator, the cost weight, and, for hindsight baselines only, per-model means.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from scenarios.evaluation.measures import Hindsight
from selection import (
    SEED_COST_OPTIMIZED_ASSIGNMENT,
    Budget,
    BudgetPacer,
    ChoiceMode,
    ModelSpec,
    Router,
    Weighing,
    normalise_priorities,
    paced_factors,
)

__all__ = [
    "POLICIES",
    "SEED_ASSIGNMENT",
    "BatchPolicy",
    "FixedPolicy",
    "LowestObservedPolicy",
    "Outcome",
    "PacedBatchPolicy",
    "PolicyContext",
    "PolicySpec",
    "RandomPolicy",
    "Request",
    "SelectorPolicy",
    "TracePolicy",
    "cost_weight_factors",
    "list_price",
]

SEED_ASSIGNMENT: Mapping[str, str] = SEED_COST_OPTIMIZED_ASSIGNMENT


@dataclass(frozen=True, slots=True)
class Request:
    """One request as a router sees it before answering: no outcome of any model."""

    step: int
    prompt_id: str
    task: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the chosen model did on a request; the only outcome a policy ever sees."""

    request: Request
    model_id: str
    quality: float
    cost: float
    latency_ms: float | None


class TracePolicy(Protocol):
    """Chooses a model per request and may learn from the chosen model's outcome."""

    def choose(self, request: Request) -> str:
        """The id of the model that serves this request."""
        ...

    def observe(self, outcome: Outcome) -> None:
        """Learn from the outcome of the model chosen for a request (called right after)."""
        ...


@runtime_checkable
class BatchPolicy(TracePolicy, Protocol):
    """A policy that can choose for a whole feedback batch at once.

    Inside a batch the evidence does not change (records are written at its end), so the
    choices depend only on the batch's tasks: one decision per task, vectorised over rows.
    """

    def choose_batch(self, tasks: Sequence[str]) -> list[str] | None:
        """The models for requests of these tasks, as ``choose`` would pick them one by one.

        The same random numbers are drawn; ``None`` asks the replay to go one by one.
        """
        ...


@runtime_checkable
class PacedBatchPolicy(TracePolicy, Protocol):
    """A policy paced by what each request cost, choosing a batch's requests in one call."""

    def choose_paced(self, tasks: Sequence[str]) -> Generator[str, float, None] | None:
        """Yield the model for each request of these tasks in turn, and receive what it cost.

        It chooses as ``choose`` then ``observe`` one by one would (the same random numbers);
        ``None`` asks the replay to go one by one.
        """
        ...


@dataclass(frozen=True)
class PolicyContext:
    """What a policy is built from; none of it holds a prompt's outcome.

    Attributes:
        selector: the real selector; its tracker holds the records written so far.
        models: the trace's models as catalog entries (list prices), in trace order.
        tasks: the trace's task type names.
        rng: the run's generator (one per policy and weight).
        weight: the cost weight in [0, 1] for policies that take one, else ``None``.
        hindsight: per-model means over the whole trace, for hindsight baselines only.
        budget: a spend target, for a budgeted run of a policy that takes one (then
            ``weight`` is ``None``: the pacer sets it).
    """

    selector: Router
    models: tuple[ModelSpec, ...]
    tasks: tuple[str, ...]
    rng: np.random.Generator
    weight: float | None = None
    hindsight: Hindsight | None = None
    budget: Budget | None = None

    @property
    def model_ids(self) -> tuple[str, ...]:
        """The models' ids, in trace order."""
        return tuple(spec.id for spec in self.models)

    def require_weight(self) -> float:
        """The cost weight; a weighted policy is always built with one."""
        if self.weight is None:
            raise ValueError("this policy needs a cost weight")
        return self.weight

    def require_hindsight(self) -> Hindsight:
        """The whole-trace means; only hindsight baselines are given them."""
        if self.hindsight is None:
            raise ValueError("this policy needs hindsight; build it with uses_hindsight=True")
        return self.hindsight


@dataclass(frozen=True)
class PolicySpec:
    """A named way to build a policy.

    Attributes:
        weighted: replayed once per cost weight of the sweep (else once).
        uses_hindsight: is given whole-trace means (a baseline no router could run).
        needs_latency: only meaningful on a trace with latency.
        takes_budget: can also run paced to a spend target (``--budget``).
        share_evidence: its Router shares evidence across tasks (``Router(share_evidence=True)``).
    """

    name: str
    build: Callable[[PolicyContext], TracePolicy]
    weighted: bool = False
    uses_hindsight: bool = False
    needs_latency: bool = False
    summary: str = ""
    takes_budget: bool = False
    share_evidence: bool = False


def cost_weight_factors(weight: float) -> dict[str, float]:
    """The selector's priority factors for a cost weight: quality ``1 - w``, cost ``w``."""
    if not 0 <= weight <= 1:
        raise ValueError(f"a cost weight must be in [0, 1], got {weight!r}")
    return {"quality": 1.0 - weight, "cost": weight}


def list_price(spec: ModelSpec) -> float:
    """Expected USD per request from the catalog price (infinite when unpriced)."""
    cost = spec.estimate_cost()
    return math.inf if cost is None else cost


class SelectorPolicy:
    """The real :class:`Router`, greedy or Thompson, at one cost weight or paced to a budget.

    It learns only from the tracker's records, which the replay writes in batches: the batch
    size is the feedback delay. A budget's pacer is told each cost at once (a gateway knows
    what a call cost when it returns).
    """

    def __init__(
        self,
        selector: Router,
        weight: float | None,
        *,
        mode: ChoiceMode,
        rng: np.random.Generator,
        pacer: BudgetPacer | None = None,
    ) -> None:
        if (weight is None) == (pacer is None):
            raise ValueError("give a selector policy either a cost weight or a budget pacer")
        self.selector = selector
        self.factors = None if weight is None else cost_weight_factors(weight)
        self.mode: ChoiceMode = mode
        self.pacer = pacer
        self._rng = rng
        self._paced_weights: dict[float, tuple[tuple[tuple[str, float], ...], tuple[str, ...]]] = {}

    def choose(self, request: Request) -> str:
        """The selector's choice for the request's task (the same draw ``recommend`` makes)."""
        [model_id] = self.selector.choose(
            request.task, 1, self.factors, mode=self.mode, rng=self._rng, budget=self.pacer
        )
        return model_id

    def choose_batch(self, tasks: Sequence[str]) -> list[str] | None:
        """One choice per task for a batch; Thompson draws every row's scores in one step.

        ``None`` when paced (each cost moves the weight) or when the tasks' tables differ in
        width (the one-by-one draws would not line up as one matrix).
        """
        if self.pacer is not None:
            return None
        selector, factors = self.selector, self.factors
        distinct = list(dict.fromkeys(tasks))
        if self.mode == "greedy":
            best = {t: selector.choose(t, 1, factors, mode="greedy")[0] for t in distinct}
            return [best[t] for t in tasks]
        for task in distinct:  # the checks and bookkeeping of a choice, without a draw
            selector.choose(task, 0, factors, mode=self.mode, rng=self._rng)
        inputs = [selector.draw_inputs(t, factors, mode=self.mode) for t in distinct]
        if len({len(ids) for ids, _, _ in inputs}) != 1:
            return None
        code = {t: i for i, t in enumerate(distinct)}
        rows = np.array([code[t] for t in tasks], dtype=np.intp)
        scores = np.vstack([means for _, means, _ in inputs])[rows]
        spreads = np.vstack([spread for _, _, spread in inputs])[rows]
        picks = np.argmax(self._rng.normal(scores, spreads), axis=1).tolist()
        return [inputs[r][0][p] for r, p in zip(rows.tolist(), picks, strict=True)]

    def choose_paced(self, tasks: Sequence[str]) -> Generator[str, float, None] | None:
        """With a pacer, each request's choice, then the pacer told its cost (else ``None``)."""
        return None if self.pacer is None else self._paced(self.pacer, tasks)

    def _paced(self, pacer: BudgetPacer, tasks: Sequence[str]) -> Generator[str, float, None]:
        # the evidence is fixed inside a batch: each task's columns are reweighed per request
        weighings: dict[tuple[str, tuple[str, ...]], Weighing] = {}

        def weighing(task: str, names: tuple[str, ...]) -> Weighing:
            found = weighings.get((task, names))
            if found is None:  # the checks of a choice too: it raises as ``choose`` would
                found = weighings[(task, names)] = self.selector.weighing(
                    task, names, mode=self.mode
                )
            return found

        # the loops below run once per request: their lookups call out only on a miss
        weights_at = self._paced_weights
        if self.mode == "greedy":
            for task in tasks:
                w = pacer.paced_weight
                weights, names = weights_at.get(w) or self._weights_at(w)
                chooser = weighings.get((task, names)) or weighing(task, names)
                pacer.spend((yield chooser.pick(weights)))
            return
        # every request's standard normals in one draw (see Weighing.pick); which models are
        # servable does not depend on the weights, so neither does how many each request takes
        _, names = self._weights_at(pacer.paced_weight)
        width = {task: len(weighing(task, names).model_ids) for task in dict.fromkeys(tasks)}
        normals = self._rng.standard_normal(sum(width[task] for task in tasks)).tolist()
        drawn = 0
        for task in tasks:
            w = pacer.paced_weight
            weights, names = weights_at.get(w) or self._weights_at(w)
            chooser = weighings.get((task, names)) or weighing(task, names)
            n = width[task]
            pacer.spend((yield chooser.pick(weights, normals[drawn : drawn + n])))
            drawn += n

    def _weights_at(self, w: float) -> tuple[tuple[tuple[str, float], ...], tuple[str, ...]]:
        """The normalised weights of a paced cost weight, and their names (kept per weight)."""
        found = self._paced_weights.get(w)
        if found is None:
            weights = normalise_priorities(paced_factors(w))
            found = self._paced_weights[w] = (weights, tuple(name for name, _ in weights))
        return found

    def observe(self, outcome: Outcome) -> None:
        """Tell the pacer what the call cost; the selector itself reads the tracker."""
        if self.pacer is not None:
            self.pacer.spend(outcome.cost)


class RandomPolicy:
    """Uniformly at random among the models."""

    def __init__(self, model_ids: tuple[str, ...], rng: np.random.Generator) -> None:
        self._ids = model_ids
        self._rng = rng

    def choose(self, request: Request) -> str:
        """A model drawn uniformly."""
        return self._ids[int(self._rng.integers(len(self._ids)))]

    def choose_batch(self, tasks: Sequence[str]) -> list[str]:
        """A model drawn uniformly per request, in one draw."""
        return [self._ids[i] for i in self._rng.integers(len(self._ids), size=len(tasks)).tolist()]

    def observe(self, outcome: Outcome) -> None:
        """Nothing to learn."""


class FixedPolicy:
    """A static assignment: a model per task, and a default for the other tasks."""

    def __init__(self, default: str, by_task: Mapping[str, str] | None = None) -> None:
        self.default = default
        self.by_task = dict(by_task or {})

    def choose(self, request: Request) -> str:
        """The task's assigned model, else the default."""
        return self.by_task.get(request.task, self.default)

    def choose_batch(self, tasks: Sequence[str]) -> list[str]:
        """The assigned model of each request's task."""
        return [self.by_task.get(task, self.default) for task in tasks]

    def observe(self, outcome: Outcome) -> None:
        """Nothing to learn."""


class LowestObservedPolicy:
    """The model with the lowest observed mean of a column (cost, latency) on the task.

    A gateway's cost- or latency-based routing: models without a record on the task are
    tried first, in the order given; quality is ignored.
    """

    def __init__(self, router: Router, column: str, order: tuple[str, ...]) -> None:
        self._router = router
        self._column = column
        self._order = order

    def choose(self, request: Request) -> str:
        """An untried model if any, else the lowest observed mean."""
        return self._choose(request.task)

    def choose_batch(self, tasks: Sequence[str]) -> list[str]:
        """One choice per task: the sums do not change inside a batch."""
        best = {task: self._choose(task) for task in dict.fromkeys(tasks)}
        return [best[task] for task in tasks]

    def _choose(self, task: str) -> str:
        stats = self._router.task_stats(task)
        best, best_mean = self._order[0], math.inf
        for model_id in self._order:
            agg = stats.get(model_id)
            mean = agg.mean(self._column) if agg is not None else None
            if mean is None:
                return model_id
            if mean < best_mean:
                best, best_mean = model_id, mean
        return best

    def observe(self, outcome: Outcome) -> None:
        """Nothing: the core's sums hold what it needs."""


def _cheapest(ctx: PolicyContext) -> str:
    prices = [list_price(spec) for spec in ctx.models]
    if all(math.isinf(p) for p in prices):
        raise ValueError("no model has a catalog price; cannot tell the cheapest")
    return ctx.models[int(np.argmin(prices))].id


def _seed_assignment(ctx: PolicyContext) -> TracePolicy:
    """The seed's table where the trace has its task and model; the cheapest model elsewhere."""
    by_task = {}
    for task, short in SEED_ASSIGNMENT.items():
        match = next((m for m in ctx.model_ids if short in _plain(m)), None)
        if task in ctx.tasks and match is not None:
            by_task[task] = match
    return FixedPolicy(_cheapest(ctx), by_task)


def _plain(model_id: str) -> str:
    return model_id.lower().replace("_", "-").replace(" ", "-")


def _best_single(ctx: PolicyContext) -> TracePolicy:
    """The one model with the best whole-trace utility at the run's cost weight."""
    h = ctx.require_hindsight()
    w = ctx.require_weight()
    span = h.cost.max() - h.cost.min()
    scaled = (h.cost - h.cost.min()) / span if span > 0 else np.zeros_like(h.cost)
    utility = (1 - w) * h.quality - w * scaled
    tied = np.flatnonzero(utility >= utility.max() - 1e-12)
    return FixedPolicy(ctx.models[int(tied[np.argmin(h.cost[tied])])].id)


def _lowest(
    column: str, key: Callable[[ModelSpec], float]
) -> Callable[[PolicyContext], TracePolicy]:
    def build(ctx: PolicyContext) -> TracePolicy:
        order = tuple(s.id for s in sorted(ctx.models, key=key))
        return LowestObservedPolicy(ctx.selector, column, order)

    return build


def _selector(mode: ChoiceMode) -> Callable[[PolicyContext], TracePolicy]:
    def build(ctx: PolicyContext) -> TracePolicy:
        if ctx.budget is not None and ctx.weight is None:
            pacer = BudgetPacer(ctx.budget)
            return SelectorPolicy(ctx.selector, None, mode=mode, rng=ctx.rng, pacer=pacer)
        return SelectorPolicy(ctx.selector, ctx.require_weight(), mode=mode, rng=ctx.rng)

    return build


POLICIES: dict[str, PolicySpec] = {
    spec.name: spec
    for spec in (
        PolicySpec(
            "selector",
            _selector("greedy"),
            weighted=True,
            summary="the selector, greedy",
            takes_budget=True,
        ),
        PolicySpec(
            "selector-thompson",
            _selector("thompson"),
            weighted=True,
            summary="the selector, Thompson sampling",
            takes_budget=True,
        ),
        PolicySpec(
            "selector-shared",
            _selector("greedy"),
            weighted=True,
            summary="the selector, greedy, sharing evidence across tasks",
            takes_budget=True,
            share_evidence=True,
        ),
        PolicySpec(
            "selector-shared-thompson",
            _selector("thompson"),
            weighted=True,
            summary="the selector, Thompson sampling, sharing evidence across tasks",
            takes_budget=True,
            share_evidence=True,
        ),
        PolicySpec(
            "selector-shared-level",
            _selector("thompson-level"),
            weighted=True,
            summary="the selector, Thompson sampling around each model's level across tasks",
            takes_budget=True,
            share_evidence=True,
        ),
        PolicySpec(
            "random",
            lambda ctx: RandomPolicy(ctx.model_ids, ctx.rng),
            summary="a model drawn uniformly per request",
        ),
        PolicySpec(
            "cheapest",
            lambda ctx: FixedPolicy(_cheapest(ctx)),
            summary="always the model with the lowest list price",
        ),
        PolicySpec(
            "best-single",
            _best_single,
            weighted=True,
            uses_hindsight=True,
            summary="the one model with the best whole-trace utility (hindsight)",
        ),
        PolicySpec(
            "seed-assignment",
            _seed_assignment,
            summary="the seed's cost_optimized_assignment; cheapest where it names no model",
        ),
        PolicySpec(
            "cost-first",
            _lowest("cost", list_price),
            summary="lowest observed mean cost per task (each model tried first)",
        ),
        PolicySpec(
            "latency-first",
            _lowest("response_time_ms", lambda s: s.typical_latency_ms or math.inf),
            needs_latency=True,
            summary="lowest observed mean latency per task (each model tried first)",
        ),
    )
}
"""Every built-in policy by name (the selector with the hive is built in code, see hive_policy)."""
