"""Pure scoring: catalog priors + observed sums -> per-model estimates -> weighted scores.

Each objective's value is a posterior mean that shrinks the observed mean toward a prior
from the catalog, with the prior worth ``prior_strength`` observations. So three lucky calls
barely move a model, while a thousand good ones dominate its prior.

Lower-is-better objectives (cost, latency) are put on a common [0, 1] scale by their
position between the cheapest (fastest) and dearest (slowest) candidate, so the score speaks
in dollars and milliseconds; cost efficiency (quality per dollar), which spans orders of
magnitude, by its logarithm's position.

The hive may add *pseudo-observations* of quality: an estimate worth some number of calls,
pooled into the quality posterior beside the prior and the recorded calls (see
:meth:`selection.Router.set_evidence`). They move estimates, never eligibility: the hard
limits read only the recorded calls.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from selection.aggregates import Aggregate
from selection.catalog import DEFAULT_INPUT_TOKENS, DEFAULT_OUTPUT_TOKENS, ModelSpec
from selection.hierarchy import CellPrior
from selection.metrics import Direction, MetricKind
from selection.priorities import OBJECTIVES
from selection.thresholds import TaskThresholds

__all__ = [
    "Estimate",
    "ScoreColumns",
    "ScoreTable",
    "best_first",
    "build_score_table",
    "by_id",
    "estimate_model",
    "ineligibility",
    "pareto_front",
    "rescore",
    "score_columns",
    "weighted_scores",
    "weighted_spreads",
]

PRIOR_QUALITY = 0.70  # a model's assumed mean score when the catalog gives no quality prior
SPECIALIST_BONUS = 0.10  # ...and on a task the catalog lists among its specializations
PRIOR_SCORE_SD = 0.15  # assumed spread of single scores before any are seen
PRIOR_ERROR_RATE = 0.02
PRIOR_LATENCY_MS = 2000.0
PRIOR_CV = 0.5  # assumed coefficient of variation of cost and latency
_FLOOR = 1e-6  # keeps logs finite for free models and instant answers
_Z95 = 1.6448536269514722  # one-sided 95% normal quantile


@dataclass(frozen=True, slots=True)
class Estimate:
    """What we believe of one model on one task.

    Attributes:
        values: per objective name, the posterior mean of its raw value (a score, USD per
            request, milliseconds, an error rate); ``None`` for a cost nobody knows.
        spreads: per objective, the standard deviation of that posterior mean (for a
            lower-is-better objective: of its logarithm).
        observations: how many records the model has on the task.
    """

    model_id: str
    values: dict[str, float | None]
    spreads: dict[str, float]
    observations: int
    observed: dict[str, float | None] = field(default_factory=dict)


_SCORES = tuple((m.name, m.column) for m in OBJECTIVES.values() if m.kind is MetricKind.SCORE)


def _shrink(
    prior: float,
    agg: Aggregate | None,
    column: str,
    k: float,
    pseudo: tuple[float, float] | None = None,
    prior_sd: float = PRIOR_SCORE_SD,
) -> tuple[float, float, float]:
    """Posterior mean, the spread of single values, and the calls behind the mean.

    ``pseudo`` is ``(mean, weight)``: an outside estimate worth ``weight`` calls, pooled
    with the prior before the recorded calls are. ``prior_sd`` is the spread of single
    values the prior assumes.
    """
    if pseudo is not None:
        mean_h, w = pseudo
        prior, k = (k * prior + w * mean_h) / (k + w), k + w
    if agg is None or agg.n(column) == 0:
        return prior, prior_sd, k
    n = agg.n(column)
    mean = agg.mean(column) or 0.0
    var = agg.variance(column)
    spread = math.sqrt((k * prior_sd**2 + n * (var or 0.0)) / (k + n))
    return (k * prior + n * mean) / (k + n), spread, k + n


def estimate_model(
    spec: ModelSpec,
    agg: Aggregate | None,
    task: str,
    *,
    prior_strength: float,
    objectives: Collection[str] | None = None,
    pseudo: tuple[float, float] | None = None,
    quality_prior: CellPrior | None = None,
) -> Estimate:
    """Posterior estimates of the objectives for one model on one task.

    Quality, reliability, cost, speed and cost efficiency are always estimated (they explain
    every recommendation); the other scores only when named in ``objectives`` (all if None).
    ``pseudo`` is the hive's ``(quality, weight in calls)``, pooled into quality only.
    ``quality_prior`` (evidence shared across tasks, see :mod:`selection.hierarchy`) replaces
    the catalog's prior of quality, its strength and its spread; the other scores keep theirs.
    """
    k = prior_strength
    values: dict[str, float | None] = {}
    spreads: dict[str, float] = {}
    observed: dict[str, float | None] = {}
    general = spec.quality_prior if spec.quality_prior is not None else PRIOR_QUALITY
    prior_score = min(1.0, general + (SPECIALIST_BONUS if task in spec.specializations else 0.0))
    for name, column in _SCORES:
        if name == "quality" or objectives is None or name in objectives:
            if name == "quality" and quality_prior is not None:
                mean, spread, calls = _shrink(
                    quality_prior.mean,
                    agg,
                    column,
                    quality_prior.strength,
                    pseudo,
                    quality_prior.sd,
                )
            else:
                extra = pseudo if name == "quality" else None
                mean, spread, calls = _shrink(prior_score, agg, column, k, extra)
            values[name], spreads[name] = mean, spread / math.sqrt(calls)
            observed[name] = agg.mean(column) if agg else None
    records = agg.records if agg else 0
    errors = agg.errors if agg else 0
    error_rate = (k * PRIOR_ERROR_RATE + errors) / (k + records)
    values["reliability"] = error_rate
    spreads["reliability"] = math.sqrt(error_rate * (1 - error_rate) / (k + records))
    observed["reliability"] = agg.error_rate if agg else None
    priors: tuple[tuple[str, str, float | None], ...] = (
        ("cost", "cost", spec.estimate_cost()),
        ("speed", "response_time_ms", spec.typical_latency_ms or PRIOR_LATENCY_MS),
    )
    for name, column, prior in priors:
        n = agg.n(column) if agg else 0
        observed_mean = agg.mean(column) if agg and n else None
        observed[name] = observed_mean
        base = prior if prior is not None else observed_mean
        if base is None:
            values[name], spreads[name] = None, 1.0
            continue
        value = base if observed_mean is None else (k * base + n * observed_mean) / (k + n)
        summary = agg.summary(column) if agg and n > 1 else None
        cv = PRIOR_CV
        if summary is not None and summary.std is not None and summary.mean:
            cv = summary.std / max(summary.mean, _FLOOR)
        values[name], spreads[name] = value, cv / math.sqrt(k + n)
    priced = _priced_by_tokens(spec, agg, k)
    if priced is not None:
        values["cost"] = priced
    cost, quality = values["cost"], values["quality"] or 0.0
    values["cost_efficiency"] = None if cost is None else quality / (cost + _FLOOR)
    spreads["cost_efficiency"] = spreads["cost"]
    return Estimate(spec.id, values, spreads, records, observed)


def _priced_by_tokens(spec: ModelSpec, agg: Aggregate | None, k: float) -> float | None:
    """Expected cost per request at today's prices, from the token counts observed.

    Tokens do not change when a price does, so a price change in the catalog moves the
    estimate at once instead of waiting for new calls to outweigh the old costs. ``None``
    when the price is unknown or no call reported its tokens (observed costs are used then).
    """
    if agg is None or not spec.price_known:
        return None
    n_in, n_out = agg.n("token_count_input"), agg.n("token_count_output")
    if n_in == 0 or n_out == 0:
        return None
    tokens_in = (k * DEFAULT_INPUT_TOKENS + n_in * (agg.mean("token_count_input") or 0.0)) / (
        k + n_in
    )
    tokens_out = (k * DEFAULT_OUTPUT_TOKENS + n_out * (agg.mean("token_count_output") or 0.0)) / (
        k + n_out
    )
    return spec.estimate_cost(tokens_in, tokens_out)


def ineligibility(
    spec: ModelSpec,
    estimate: Estimate,
    agg: Aggregate | None,
    thresholds: TaskThresholds,
    *,
    min_context_length: int | None = None,
) -> str | None:
    """Why a model may not serve the task, or ``None`` if it may.

    Status, context and the cost limit (on the expected cost, prices being known) apply at
    once; the quality and time limits once ``min_evidence`` calls are observed and a
    one-sided 95% bound on the observed mean breaches the limit.
    """
    if not spec.is_active:
        return f"status is {spec.status.value}"
    if min_context_length is not None and spec.context_length < min_context_length:
        return f"context {spec.context_length} < {min_context_length} tokens needed"
    limit = thresholds.max_cost_per_request
    cost = estimate.values["cost"]
    if limit is not None:
        if cost is None:
            return "price unknown, cannot meet the cost limit"
        if cost > limit:
            return f"expected cost ${cost:.4f} > ${limit:g} per request"
    if agg is None:
        return None
    enough = thresholds.min_evidence
    floor = thresholds.min_quality_score
    if floor is not None and agg.n("quality_score") >= enough:
        mean, bound = _bounds(agg, "quality_score")
        if mean + bound < floor:
            n = agg.n("quality_score")
            return f"observed quality {mean:.3f} < {floor:g} over {n} calls"
    ceiling = thresholds.max_response_time_ms
    if ceiling is not None and agg.n("response_time_ms") >= enough:
        mean, bound = _bounds(agg, "response_time_ms")
        if mean - bound > ceiling:
            return f"observed time {mean:.0f} ms > {ceiling:g} ms"
    return None


def _bounds(agg: Aggregate, column: str) -> tuple[float, float]:
    """The observed mean and the half-width that makes a one-sided 95% bound.

    A limit excludes a model only when the evidence says, at 95%, that it breaches it, so a
    few unlucky calls do not ban a good model for good.
    """
    summary = agg.summary(column)
    mean = summary.mean or 0.0
    std = summary.std or 0.0
    return mean, _Z95 * std / math.sqrt(summary.n)


@dataclass(frozen=True)
class ScoreTable:
    """Scores of the eligible models for one task under one set of weights.

    Attributes:
        model_ids: eligible models, best first.
        scores: their weighted scores in [0, 1] (plus any collective bonus).
        spreads: the standard deviation of each score.
        components: per model, each objective's contribution before weighting, in [0, 1].
        estimates: per model, the estimates the scores came from.
        excluded: per ineligible model, why.
    """

    task: str
    weights: tuple[tuple[str, float], ...]
    model_ids: list[str]
    scores: npt.NDArray[np.float64]
    spreads: npt.NDArray[np.float64]
    components: dict[str, dict[str, float]]
    estimates: dict[str, Estimate]
    excluded: dict[str, str]


def _transform(value: float, log: bool) -> float:
    return math.log(max(value, _FLOOR)) if log else value


def _unit_scale(
    values: Sequence[float | None], *, higher_is_better: bool, log: bool
) -> list[float]:
    """Map non-negative values onto [0, 1] by their (log) position in their range."""
    logs = [_transform(v, log) if v is not None else None for v in values]
    known = [x for x in logs if x is not None]
    if not known:
        return [0.5] * len(values)
    low, high = min(known), max(known)
    span = high - low
    scaled = []
    for x in logs:
        if x is None:
            scaled.append(0.0)  # an unknown price is scored as the worst, never as free
        elif span < 1e-12:
            scaled.append(1.0)
        else:
            position = (x - low) / span
            scaled.append(position if higher_is_better else 1.0 - position)
    return scaled


@dataclass(frozen=True)
class ScoreColumns:
    """What a task's scores are made of before weighting, for every set of weights alike.

    Attributes:
        eligible: the eligible models' estimates, in candidate order.
        unit: per objective, each eligible model's value on the [0, 1] scale.
        spread: per objective, the standard deviation of that value (capped at 1).
        estimates, excluded: as in :class:`ScoreTable`.
    """

    task: str
    eligible: list[Estimate]
    unit: dict[str, list[float]]
    spread: dict[str, list[float]]
    estimates: dict[str, Estimate]
    excluded: dict[str, str]


def score_columns(
    task: str,
    candidates: Sequence[tuple[ModelSpec, Aggregate | None]],
    objectives: Sequence[str],
    thresholds: TaskThresholds,
    *,
    prior_strength: float,
    min_context_length: int | None = None,
    pseudo: Mapping[str, tuple[float, float]] | None = None,
    quality_priors: Mapping[str, CellPrior] | None = None,
) -> ScoreColumns:
    """Estimate and filter the candidates, and put each objective on the unit scale."""
    eligible: list[Estimate] = []
    estimates: dict[str, Estimate] = {}
    excluded: dict[str, str] = {}
    for spec, agg in candidates:
        est = estimate_model(
            spec,
            agg,
            task,
            prior_strength=prior_strength,
            objectives=list(objectives),
            pseudo=None if pseudo is None else pseudo.get(spec.id),
            quality_prior=None if quality_priors is None else quality_priors.get(spec.id),
        )
        estimates[spec.id] = est
        reason = ineligibility(spec, est, agg, thresholds, min_context_length=min_context_length)
        if reason is None:
            eligible.append(est)
        else:
            excluded[spec.id] = reason
    units: dict[str, list[float]] = {}
    spreads: dict[str, list[float]] = {}
    for name in objectives:
        objective = OBJECTIVES[name]
        values = [e.values[name] for e in eligible]
        relative = not objective.on_unit_interval  # cost, speed, cost efficiency
        log = name == "cost_efficiency"
        if relative:
            higher = objective.direction is Direction.HIGHER
            unit = _unit_scale(values, higher_is_better=higher, log=log)
            span = _span(values, log)
        elif objective.direction is Direction.LOWER:
            unit = [1.0 - (v or 0.0) for v in values]
        else:
            unit = [v or 0.0 for v in values]
        capped = []
        for est in eligible:
            spread = est.spreads[name]
            if relative:
                # spreads of cost and speed are relative (of the log); put them on the unit scale
                value = est.values[name]
                spread = spread if log else spread * (value or 0.0)
                spread /= span
            capped.append(min(spread, 1.0))
        units[name], spreads[name] = unit, capped
    return ScoreColumns(task, eligible, units, spreads, estimates, excluded)


def weighted_scores(
    columns: ScoreColumns,
    weights: tuple[tuple[str, float], ...],
    bonuses: Mapping[str, float] | None = None,
) -> list[float]:
    """Each eligible model's score under the weights (plus any bonus), in candidate order.

    Raises:
        KeyError: a weight's objective is not among the columns'.
    """
    scores = [0.0] * len(columns.eligible)  # float64 sums as numpy's would be, model by model
    for name, weight in weights:
        unit = columns.unit[name]
        for i in range(len(scores)):
            scores[i] += weight * unit[i]
    if bonuses:
        for i, estimate in enumerate(columns.eligible):
            scores[i] += bonuses.get(estimate.model_id, 0.0)
    return scores


def weighted_spreads(columns: ScoreColumns, weights: tuple[tuple[str, float], ...]) -> list[float]:
    """The spread of each eligible model's score under the weights, in candidate order."""
    variances = [0.0] * len(columns.eligible)
    for name, weight in weights:
        spreads = columns.spread[name]
        for i in range(len(variances)):
            variances[i] += (weight * spreads[i]) ** 2
    return list(map(math.sqrt, variances))


def by_id(model_ids: Sequence[str]) -> list[int]:
    """The models' positions in order of id: :func:`best_first`'s order among equal scores."""
    return sorted(range(len(model_ids)), key=model_ids.__getitem__)


def best_first(
    model_ids: Sequence[str], scores: Sequence[float], id_order: Sequence[int] | None = None
) -> list[int]:
    """The models' positions by score, highest first; equal scores go to the smaller id.

    ``id_order`` is :func:`by_id` of the models, for a caller ranking them many times.
    """
    ordered = by_id(model_ids) if id_order is None else id_order
    return sorted(ordered, key=scores.__getitem__, reverse=True)  # stable: ties stay by id


def rescore(
    columns: ScoreColumns,
    weights: tuple[tuple[str, float], ...],
    bonuses: Mapping[str, float] | None = None,
) -> ScoreTable:
    """Weigh the columns (each weight's objective among them); eligible models best first.

    Raises:
        KeyError: a weight's objective is not among the columns'.
    """
    ids = [e.model_id for e in columns.eligible]
    scores = weighted_scores(columns, weights, bonuses)
    spreads = weighted_spreads(columns, weights)
    components = {
        model_id: {name: columns.unit[name][i] for name, _ in weights}
        for i, model_id in enumerate(ids)
    }
    order = best_first(ids, scores)
    return ScoreTable(
        task=columns.task,
        weights=weights,
        model_ids=[ids[i] for i in order],
        scores=np.array([scores[i] for i in order], dtype=np.float64),
        spreads=np.array([spreads[i] for i in order], dtype=np.float64),
        components=components,
        estimates=columns.estimates,
        excluded=columns.excluded,
    )


def build_score_table(
    task: str,
    candidates: Sequence[tuple[ModelSpec, Aggregate | None]],
    weights: tuple[tuple[str, float], ...],
    thresholds: TaskThresholds,
    *,
    prior_strength: float,
    min_context_length: int | None = None,
    bonuses: Mapping[str, float] | None = None,
    pseudo: Mapping[str, tuple[float, float]] | None = None,
    quality_priors: Mapping[str, CellPrior] | None = None,
) -> ScoreTable:
    """Estimate, filter and score the candidates; eligible models come out best first."""
    columns = score_columns(
        task,
        candidates,
        [n for n, _ in weights],
        thresholds,
        prior_strength=prior_strength,
        min_context_length=min_context_length,
        pseudo=pseudo,
        quality_priors=quality_priors,
    )
    return rescore(columns, weights, bonuses)


def _span(values: Sequence[float | None], log: bool) -> float:
    known = [_transform(v, log) for v in values if v is not None]
    return max(max(known) - min(known), 1e-9) if known else 1.0


def pareto_front(points: Mapping[str, Sequence[float]], maximize: Sequence[bool]) -> list[str]:
    """The keys of the points no other point dominates.

    A point dominates another when it is no worse on every objective and strictly better
    on at least one. Ties on every objective dominate neither way, so both stay.

    Args:
        points: per key, its value on each objective.
        maximize: per objective, True if higher is better.
    """
    signs = np.array([1.0 if up else -1.0 for up in maximize])
    keys = list(points)
    if not keys:
        return []
    matrix = np.array([points[k] for k in keys], dtype=float) * signs
    if matrix.shape[1] != len(maximize):
        raise ValueError(f"each point needs {len(maximize)} values, one per objective")
    no_worse = (matrix[:, None, :] >= matrix[None, :, :]).all(axis=2)
    better = (matrix[:, None, :] > matrix[None, :, :]).any(axis=2)
    dominated = (no_worse & better).any(axis=0)
    return [k for k, d in zip(keys, dominated, strict=True) if not d]
