"""An agent's beliefs per (model, task): posteriors from the calls it saw, forgetting old ones.

Per (task, model) the agent keeps discounted sufficient statistics of what it judged:

- each score (quality, consciousness, ... user satisfaction): its posterior mean is a Beta
  mean, a judged score ``s`` in ``[0, 1]`` counting as ``s`` successes and ``1 - s`` failures
  (so it stays in ``[0, 1]``), and its spread is that of a mean of continuous scores: the
  observed variance pooled with a prior variance, over the evidence;
- reliability (the share of calls that did not fail) as a Beta posterior;
- cost and latency as the mean and spread of their logarithms (prices and latencies span
  orders of magnitude), reported as geometric means.

Forgetting is exponential discounting of these pseudo-counts, two ways that compose:

- ``decay``: each new call to a (model, task) multiplies the evidence already held about it by
  ``decay`` (memory of about ``1 / (1 - decay)`` calls), so a drift shows within a few calls;
- ``half_life_hours``: evidence halves for every half-life of *record* time that passes (the
  newest timestamp seen is "now"), so a model nobody calls grows uncertain again.

As evidence decays the posterior returns to the prior and its spread widens. A batch update
(:meth:`Beliefs.update`) gives the same statistics as feeding its records one by one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from agents.perception import SCORE_OBJECTIVES, Observations

__all__ = ["BeliefConfig", "BeliefTable", "Beliefs", "Posterior"]

FloatArray = npt.NDArray[np.float64]

COST_FLOOR = 1e-6  # USD; keeps the log of a free call finite
_PRIOR_LOG_SD = 0.5  # assumed spread of log cost / log latency before any calls are seen

_K = len(SCORE_OBJECTIVES)
# Column layout of the statistics matrix (one row per (task, model)).
# Discounted sums of judged scores, of their squares, and their counts:
_S, _Q, _N = slice(0, _K), slice(_K, 2 * _K), slice(2 * _K, 3 * _K)
_OK, _CALLS = 3 * _K, 3 * _K + 1
_CW, _C1, _C2 = 3 * _K + 2, 3 * _K + 3, 3 * _K + 4  # cost: count, sum, sum of squares (logs)
_LW, _L1, _L2 = 3 * _K + 5, 3 * _K + 6, 3 * _K + 7  # latency, likewise
_WIDTH = 3 * _K + 8


class BeliefConfig(BaseModel):
    """How an agent's beliefs start and how fast they forget.

    Attributes:
        decay: Factor applied to a (model, task)'s evidence at each new call to it; ``1.0``
            never forgets.
        half_life_hours: Record time after which evidence counts half; ``None`` disables
            forgetting by time.
        prior_mean: Prior mean of every score.
        prior_strength: How many calls the prior is worth (for every objective).
        prior_score_sd: Assumed spread of single scores before any are seen.
        reliability_prior: Prior probability that a call succeeds.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    decay: float = Field(default=0.97, gt=0.0, le=1.0)
    half_life_hours: float | None = Field(default=None, gt=0.0, allow_inf_nan=False)
    prior_mean: float = Field(default=0.5, gt=0.0, lt=1.0)
    prior_strength: float = Field(default=2.0, gt=0.0, allow_inf_nan=False)
    prior_score_sd: float = Field(default=0.15, gt=0.0, le=0.5)
    reliability_prior: float = Field(default=0.9, gt=0.0, lt=1.0)


@dataclass(frozen=True, slots=True, eq=False)
class BeliefTable:
    """Posteriors of every model the agent knows for one task, as arrays aligned with models.

    ``mean`` and ``sd`` are keyed by objective (:data:`SCORE_OBJECTIVES`, ``"reliability"``,
    ``"cost"``, ``"speed"``). Scores and reliability are probabilities with the posterior's
    standard deviation; cost (USD per call) and speed (milliseconds per call) are geometric
    means with the standard deviation of the *log* mean, ``nan`` when never observed.
    ``evidence`` holds the discounted number of observations behind each.
    """

    task: str
    models: tuple[str, ...]
    mean: dict[str, FloatArray]
    sd: dict[str, FloatArray]
    evidence: dict[str, FloatArray]


@dataclass(frozen=True, slots=True)
class Posterior:
    """What an agent believes of one model on one task (see :class:`BeliefTable`)."""

    model_id: str
    task: str
    mean: dict[str, float | None]
    sd: dict[str, float | None]
    evidence: dict[str, float]


class Beliefs:
    """Discounted posteriors per (task, model), updated from :class:`Observations`.

    Args:
        config: Priors and forgetting rates.
    """

    def __init__(self, config: BeliefConfig | None = None) -> None:
        self.config = config or BeliefConfig()
        self._rows: dict[tuple[str, str], int] = {}
        self._by_task: dict[str, list[str]] = {}
        self._stats: FloatArray = np.zeros((8, _WIDTH))
        self._now: float | None = None  # newest record time seen, seconds since the epoch
        self._version = 0

    @property
    def version(self) -> int:
        """Counts the updates that changed the beliefs: equal versions, equal posteriors."""
        return self._version

    def __repr__(self) -> str:
        return f"Beliefs(tasks={len(self._by_task)}, pairs={len(self._rows)})"

    @property
    def tasks(self) -> tuple[str, ...]:
        """The tasks with at least one observation, in the order first seen."""
        return tuple(self._by_task)

    def models(self, task: str) -> tuple[str, ...]:
        """The models observed on a task, in the order first seen."""
        return tuple(self._by_task.get(task, ()))

    def _row(self, task: str, model: str) -> int:
        row = self._rows.get((task, model))
        if row is None:
            row = self._rows[(task, model)] = len(self._rows)
            self._by_task.setdefault(task, []).append(model)
            if row >= len(self._stats):
                self._stats = np.vstack([self._stats, np.zeros_like(self._stats)])
        return row

    def update(self, seen: Observations) -> None:
        """Fold a batch of observations in, forgetting as configured (see module docstring)."""
        n = len(seen)
        if n == 0:
            return
        rows = np.fromiter(
            (self._row(t, m) for t, m in zip(seen.tasks, seen.models, strict=True)),
            dtype=np.intp,
            count=n,
        )
        weights = np.ones(n)
        stats = self._stats
        decay = self.config.decay
        if decay < 1.0:
            counts = np.bincount(rows, minlength=len(stats))
            order = np.argsort(rows, kind="stable")
            ordered = rows[order]
            position = np.arange(n) - np.searchsorted(ordered, ordered, side="left")
            later = np.empty(n)
            later[order] = counts[ordered] - 1 - position  # calls to the same pair after it
            weights *= decay**later
            touched = counts > 0
            stats[touched] *= (decay ** counts[touched])[:, None]
        if self.config.half_life_hours is not None:
            weights *= self._age(seen.times)
        np.add.at(stats, rows, _contributions(seen) * weights[:, None])
        self._version += 1

    def _age(self, times: FloatArray) -> FloatArray:
        """Decay all held evidence to the newest time; return each new record's weight."""
        assert self.config.half_life_hours is not None
        known = times[~np.isnan(times)]
        if known.size == 0:
            return np.ones(len(times))
        newest = float(known.max())
        now = newest if self._now is None else max(self._now, newest)
        rate = math.log(2.0) / (self.config.half_life_hours * 3600.0)
        if self._now is not None and now > self._now:
            self._stats *= math.exp(-rate * (now - self._now))
        self._now = now
        ages = np.where(np.isnan(times), 0.0, now - times)
        return np.exp(-rate * ages)

    def table(self, task: str) -> BeliefTable | None:
        """Posteriors of every model observed on ``task``; ``None`` if there are none."""
        models = self._by_task.get(task)
        if not models:
            return None
        stats = self._stats[[self._rows[(task, m)] for m in models]]
        k, mu = self.config.prior_strength, self.config.prior_mean
        mean: dict[str, FloatArray] = {}
        sd: dict[str, FloatArray] = {}
        evidence: dict[str, FloatArray] = {}
        sums, counts = stats[:, _S], stats[:, _N]
        m, _ = _beta(k * mu + sums, k * (1 - mu) + counts - sums)
        s = _score_spread(m, sums, stats[:, _Q], counts, k, self.config.prior_score_sd)
        for j, name in enumerate(SCORE_OBJECTIVES):
            mean[name], sd[name], evidence[name] = m[:, j], s[:, j], counts[:, j]
        ok, calls = stats[:, _OK], stats[:, _CALLS]
        rel = self.config.reliability_prior
        mean["reliability"], sd["reliability"] = _beta(k * rel + ok, k * (1 - rel) + calls - ok)
        evidence["reliability"] = calls
        for name, (w, s1, s2), offset in (
            ("cost", (_CW, _C1, _C2), COST_FLOOR),
            ("speed", (_LW, _L1, _L2), 1.0),
        ):
            log_mean, log_sd = _log_moments(stats[:, w], stats[:, s1], stats[:, s2], k)
            mean[name] = np.maximum(np.exp(log_mean) - offset, 0.0)
            sd[name], evidence[name] = log_sd, stats[:, w]
        return BeliefTable(task, tuple(models), mean, sd, evidence)

    def score(self, task: str, name: str) -> tuple[tuple[str, ...], FloatArray, FloatArray] | None:
        """One score objective's posterior means and evidence per model on ``task``.

        The same values as :meth:`table`'s ``mean[name]`` and ``evidence[name]`` (the same
        arithmetic on that one column), without computing the other objectives; ``None`` if
        the task was never observed.
        """
        models = self._by_task.get(task)
        if not models:
            return None
        j = SCORE_OBJECTIVES.index(name)
        stats = self._stats[[self._rows[(task, m)] for m in models]]
        k, mu = self.config.prior_strength, self.config.prior_mean
        sums, counts = stats[:, _S][:, j], stats[:, _N][:, j]
        mean, _ = _beta(k * mu + sums, k * (1 - mu) + counts - sums)
        return tuple(models), mean, counts

    def posterior(self, model_id: str, task: str) -> Posterior | None:
        """What the agent believes of one model on one task; ``None`` if never observed."""
        table = self.table(task)
        if table is None or model_id not in table.models:
            return None
        i = table.models.index(model_id)

        def value(x: float) -> float | None:
            return None if math.isnan(x) else x

        return Posterior(
            model_id=model_id,
            task=task,
            mean={name: value(float(v[i])) for name, v in table.mean.items()},
            sd={name: value(float(v[i])) for name, v in table.sd.items()},
            evidence={name: float(v[i]) for name, v in table.evidence.items()},
        )


def _contributions(seen: Observations) -> FloatArray:
    """One row of statistics per observation, before weighting."""
    out = np.zeros((len(seen), _WIDTH))
    known = ~np.isnan(seen.scores)
    out[:, _S] = np.where(known, seen.scores, 0.0)
    out[:, _Q] = out[:, _S] ** 2
    out[:, _N] = known
    out[:, _OK] = ~seen.errors
    out[:, _CALLS] = 1.0
    for values, offset, (w, s1, s2) in (
        (seen.cost, COST_FLOOR, (_CW, _C1, _C2)),
        (seen.latency, 1.0, (_LW, _L1, _L2)),
    ):
        has = ~np.isnan(values)
        logs = np.log(np.where(has, values, 0.0) + offset)
        out[:, w] = has
        out[:, s1] = np.where(has, logs, 0.0)
        out[:, s2] = np.where(has, logs * logs, 0.0)
    return out


def _beta(a: FloatArray, b: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Mean and standard deviation of Beta(a, b)."""
    b = np.maximum(b, 1e-12)  # counts - sums can round a hair below zero
    total = a + b
    mean = a / total
    return mean, np.sqrt(mean * (1.0 - mean) / (total + 1.0))


def _score_spread(
    mean: FloatArray, sums: FloatArray, squares: FloatArray, n: FloatArray, k: float, sd0: float
) -> FloatArray:
    """Standard deviation of a mean score: pooled variance over ``k + n``."""
    with np.errstate(invalid="ignore", divide="ignore"):
        observed = np.where(n > 0, squares / n - (sums / n) ** 2, 0.0)
    pooled = (k * sd0**2 + n * np.maximum(observed, 0.0)) / (k + n)
    # A score in [0, 1] with mean m varies at most m (1 - m); a Beta prior may be narrower.
    pooled = np.minimum(pooled, mean * (1.0 - mean))
    return np.sqrt(pooled / (k + n))


def _log_moments(
    w: FloatArray, s1: FloatArray, s2: FloatArray, k: float
) -> tuple[FloatArray, FloatArray]:
    """Mean of the logs and the standard deviation of that mean; ``nan`` without data."""
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(w > 0, s1 / w, np.nan)
        var = np.maximum(np.where(w > 0, s2 / w, np.nan) - mean * mean, 0.0)
    # Shrink the spread toward a prior worth k calls, so one call does not look certain.
    spread = (k * _PRIOR_LOG_SD**2 + w * np.nan_to_num(var)) / (k + w)
    return mean, np.where(w > 0, np.sqrt(spread / (k + w)), np.nan)
