"""Pure measures over a trace and a run's choices: no I/O, no randomness.

Definitions (the routing papers', made exact here):

- **Summary** of a run: mean quality, total and mean cost, each model's share of calls.
- **Per-prompt oracle**: on every prompt, the cheapest of the models with the best score
  there (for 0/1 scores: the cheapest model that got it right, or the cheapest if none did).
- **Per-task oracle**: on every task, the model with the best mean quality (cheaper on ties).
- **Best single model**: the best mean quality over the whole trace (cheaper on ties).
- **Frontier** of (mean cost, quality) points: the non-decreasing concave hull, i.e. the best
  quality reachable at a cost budget by mixing the points' configurations at random.
  The **Zero router** (RouterBench) is the frontier of the single models' points.
- **AIQ** (RouterBench): the frontier's mean height over a cost range, i.e. the area under it
  divided by the range; the frontier is 0 below its cheapest point and flat past its best.
- **CPT(x)** (RouteLLM): the smallest share of calls to the strongest model at which a
  policy's (share, quality) curve reaches the weak model's quality plus ``x`` of the gap to
  the strong model's; the weak model is the cheapest one.
- **Regret** at cost weight ``w``: per request, the mean utility of the best model for its task
  minus that of the model chosen, summed over time. Utility is ``(1 - w) * quality - w *
  scaled cost``, the cost scaled between the task's cheapest and dearest model (as the
  selector scales it), with means taken over the whole trace.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from scenarios.evaluation.traces import FloatArray, IntArray, Trace

__all__ = [
    "Hindsight",
    "Summary",
    "aiq",
    "best_single_model",
    "cpt",
    "cumulative_regret",
    "frontier",
    "frontier_quality",
    "hindsight",
    "oracle_frontier",
    "per_prompt_oracle",
    "per_task_oracle",
    "summarize",
    "task_utilities",
]


@dataclass(frozen=True)
class Summary:
    """What a run (or a reference) achieved over a trace.

    Attributes:
        requests: how many requests were served.
        quality: mean quality of the answers served.
        total_cost: USD over all requests; ``mean_cost`` per request.
        shares: per model (trace order), the share of requests it served.
        mean_latency_ms: mean latency where known, else ``None``.
    """

    requests: int
    quality: float
    total_cost: float
    mean_cost: float
    shares: tuple[float, ...]
    mean_latency_ms: float | None = None


def _rows(trace: Trace, rows: IntArray | None) -> IntArray:
    return np.arange(trace.n_prompts) if rows is None else np.asarray(rows, dtype=np.intp)


def summarize(trace: Trace, choices: IntArray, rows: IntArray | None = None) -> Summary:
    """Summarise choices: ``choices[k]`` is the model index serving trace row ``rows[k]``."""
    rows = _rows(trace, rows)
    choices = np.asarray(choices, dtype=np.intp)
    quality = trace.quality[rows, choices]
    cost = trace.cost[rows, choices]
    latency = None
    if trace.latency_ms is not None:
        known = trace.latency_ms[rows, choices]
        known = known[np.isfinite(known)]
        latency = float(known.mean()) if known.size else None
    counts = np.bincount(choices, minlength=trace.n_models)
    return Summary(
        requests=len(rows),
        quality=float(quality.mean()),
        total_cost=float(cost.sum()),
        mean_cost=float(cost.mean()),
        shares=tuple(float(c) / len(rows) for c in counts),
        mean_latency_ms=latency,
    )


# -- oracles and references ---------------------------------------------------------------


def _cheapest_best(score: FloatArray, cost: FloatArray) -> IntArray:
    """Per row, the cheapest column among those with the row's best score."""
    best = score.max(axis=1, keepdims=True)
    masked = np.where(score >= best - 1e-12, cost, np.inf)
    choices: IntArray = np.argmin(masked, axis=1).astype(np.intp)
    return choices


def per_prompt_oracle(trace: Trace) -> IntArray:
    """Per row, the cheapest model among those with the row's best score."""
    return _cheapest_best(trace.quality, trace.cost)


def oracle_frontier(trace: Trace, *, points: int = 64) -> list[IntArray]:
    """The per-prompt oracle at a sweep of prices on quality: its cost-quality frontier.

    At price ``p`` (USD per unit of quality) each prompt goes to the model maximising
    ``quality - cost / p``, the cheaper on ties; ``p`` runs from 0 (the cheapest model on
    every prompt) to infinity (:func:`per_prompt_oracle`) through ``points`` quantiles of the
    prices at which some prompt changes model. It bounds from above what any router that
    reads the prompt could reach.
    """
    q, c = trace.quality, trace.cost
    cheapest = _cheapest_best(-c, -q)  # lowest cost, best quality among ties
    sweep = [cheapest]
    j, k = np.triu_indices(trace.n_models, 1)
    dq, dc = q[:, k] - q[:, j], c[:, k] - c[:, j]
    # Where one model is both better and dearer, the price of quality at which they swap.
    swap = (dq * dc > 0) & (dc != 0)
    prices = np.abs(dc[swap] / dq[swap])
    if prices.size:
        levels = np.unique(np.quantile(prices, np.linspace(0, 1, points)))
        sweep.extend(_cheapest_best(q - c / p, c) for p in levels)
    sweep.append(per_prompt_oracle(trace))
    return sweep


@dataclass(frozen=True)
class Hindsight:
    """Mean quality and cost per (task, model) and per model over the whole trace.

    Aggregates only: enough for hindsight baselines and regret, never a prompt's outcome.
    """

    models: tuple[str, ...]
    tasks: tuple[str, ...]
    task_quality: FloatArray
    task_cost: FloatArray
    quality: FloatArray
    cost: FloatArray


def hindsight(trace: Trace) -> Hindsight:
    """Means per (task, model) and per model."""
    t, m = len(trace.tasks), trace.n_models
    counts = np.bincount(trace.task_index, minlength=t).astype(float)
    task_quality = np.zeros((t, m))
    task_cost = np.zeros((t, m))
    np.add.at(task_quality, trace.task_index, trace.quality)
    np.add.at(task_cost, trace.task_index, trace.cost)
    present = counts > 0
    task_quality[present] /= counts[present, None]
    task_cost[present] /= counts[present, None]
    return Hindsight(
        models=trace.models,
        tasks=trace.tasks,
        task_quality=task_quality,
        task_cost=task_cost,
        quality=trace.quality.mean(axis=0),
        cost=trace.cost.mean(axis=0),
    )


def _best(quality: FloatArray, cost: FloatArray) -> int:
    """Index of the best quality, the cheapest among ties, the first among exact ties."""
    tied = np.flatnonzero(quality >= quality.max() - 1e-12)
    return int(tied[np.argmin(cost[tied])])


def best_single_model(trace: Trace) -> int:
    """Index of the model with the best mean quality (cheaper on ties)."""
    h = hindsight(trace)
    return _best(h.quality, h.cost)


def per_task_oracle(trace: Trace) -> IntArray:
    """Per row, the model with the best mean quality on the row's task (cheaper on ties)."""
    h = hindsight(trace)
    per_task = np.array(
        [_best(h.task_quality[t], h.task_cost[t]) for t in range(len(trace.tasks))], dtype=np.intp
    )
    return per_task[trace.task_index]


# -- frontier, AIQ, CPT -------------------------------------------------------------------


def frontier(points: npt.ArrayLike) -> FloatArray:
    """Vertices of the non-decreasing concave hull of (cost, quality) points, by cost.

    Raises:
        ValueError: if there are no points or a value is not finite.
    """
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if not len(pts) or not np.isfinite(pts).all():
        raise ValueError("a frontier needs at least one point, all finite")
    pts = pts[np.lexsort((-pts[:, 1], pts[:, 0]))]  # by cost, best quality first
    kept: list[FloatArray] = []
    for p in pts:
        # Keep only points that buy more quality than everything cheaper (the Pareto set).
        if not kept or p[1] > kept[-1][1]:
            kept.append(p)
    hull: list[FloatArray] = []
    for p in kept:
        while len(hull) >= 2:
            (ax, ay), (bx, by) = hull[-2], hull[-1]
            # b lies on or under the chord a -> p: mixing a and p does at least as well.
            if (bx - ax) * (p[1] - ay) - (by - ay) * (p[0] - ax) >= 0:
                hull.pop()
            else:
                break
        hull.append(p)
    return np.array(hull)


def frontier_quality(hull: FloatArray, cost: float) -> float:
    """The frontier's quality at a cost budget: 0 below its cheapest point, flat past its end."""
    if cost < hull[0, 0]:
        return 0.0
    return float(np.interp(cost, hull[:, 0], hull[:, 1]))


def aiq(points: npt.ArrayLike, *, cost_range: tuple[float, float]) -> float:
    """Area under the frontier of ``points`` over ``cost_range``, divided by the range.

    Raises:
        ValueError: if the range is reversed or not finite.
    """
    low, high = (float(c) for c in cost_range)
    if not (np.isfinite(low) and np.isfinite(high)) or high < low:
        raise ValueError(f"cost_range must be finite with low <= high, got {cost_range!r}")
    hull = frontier(points)
    if high == low:
        return frontier_quality(hull, low)
    inner = hull[(hull[:, 0] > low) & (hull[:, 0] < high), 0]
    edges = np.concatenate(([low], inner, [high]))
    # The frontier is linear between vertices (with one step at its start), so the
    # midpoint rule is exact on each piece.
    area = sum((b - a) * frontier_quality(hull, (a + b) / 2) for a, b in pairwise(edges))
    return float(area / (high - low))


def cpt(
    points: Sequence[tuple[float, float]], *, weak: float, strong: float, level: float
) -> float | None:
    """Smallest share of strong-model calls at which the curve reaches ``level`` of the gap.

    Args:
        points: (share of calls to the strong model, quality), one per configuration.
        weak: the weak model's quality.
        strong: the strong model's quality.
        level: the share of the gap to recover, in [0, 1] (0.5 for CPT(50%)).

    Returns:
        The share (linearly interpolated along the curve ordered by share), or ``None`` when
        the curve never reaches the target or the strong model is not better than the weak.
    """
    if not 0 <= level <= 1:
        raise ValueError(f"level must be in [0, 1], got {level!r}")
    if strong <= weak or not points:
        return None
    target = weak + level * (strong - weak)
    curve = sorted(points)
    for k, (share, quality) in enumerate(curve):
        if quality >= target - 1e-12:
            if k == 0:
                return share
            s0, q0 = curve[k - 1]  # q0 < target <= quality: the crossing is on this segment
            return s0 + (target - q0) / (quality - q0) * (share - s0)
    return None


# -- regret -------------------------------------------------------------------------------


def task_utilities(h: Hindsight, weight: float) -> FloatArray:
    """Per (task, model), the mean utility at cost weight ``weight`` (see the module doc)."""
    if not 0 <= weight <= 1:
        raise ValueError(f"a cost weight must be in [0, 1], got {weight!r}")
    low = h.task_cost.min(axis=1, keepdims=True)
    span = h.task_cost.max(axis=1, keepdims=True) - low
    scaled = np.divide(h.task_cost - low, span, out=np.zeros_like(h.task_cost), where=span > 0)
    utility: FloatArray = (1 - weight) * h.task_quality - weight * scaled
    return utility


def cumulative_regret(
    trace: Trace, rows: IntArray, choices: IntArray, weight: float, *, h: Hindsight | None = None
) -> FloatArray:
    """Cumulative pseudo-regret after each request against the per-task best model."""
    utility = task_utilities(h or hindsight(trace), weight)
    tasks = trace.task_index[np.asarray(rows, dtype=np.intp)]
    gap = utility.max(axis=1)[tasks] - utility[tasks, np.asarray(choices, dtype=np.intp)]
    return np.cumsum(gap)
