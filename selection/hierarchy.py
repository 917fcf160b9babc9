"""Evidence shared across tasks: an empirical-Bayes prior on a model's quality per task.

Without it, each (model, task) starts from the catalog's prior and learns alone, so every new
task pays for its own exploration. Here a model's record on the other tasks, and how hard a
task proved for the models that served it, set the starting point instead.

The model (a two-way normal random-effects model, fitted by the method of moments):

    quality of model m on task t  =  mu_m + a_t + e_mt,   e_mt ~ N(0, tau2),  a_t ~ N(0, task_var)

and a single call's score scatters around it with variance ``sigma2``. So ``mu_m`` is the model's
level across tasks, ``a_t`` how much easier or harder task ``t`` is than usual (shared by every
model, so the gap between two models carries over from task to task), and ``tau2`` how far a
model's quality on one task strays from that. The catalog's prior stays the top level: ``mu_m``
is the model's catalog prior pooled with its calls, the prior worth ``catalog_strength`` calls.

Estimates, per cell ``c = (m, t)`` with ``n_c`` calls of mean ``y_c``:

1. ``sigma2``: the pooled within-cell sample variance (``sum (n_c - 1) s2_c / sum (n_c - 1)``).
2. ``mu_m = (k0 p_m + sum_t n_c y_c) / (k0 + N_m)``, ``p_m`` the catalog prior, ``k0`` its strength.
3. Task effects from the residuals ``r_c = y_c - mu_m``: the raw ``A_t = sum n_c r_c / N_t``;
   ``task_var = max(floor, mean_t A_t^2 - mean_t sigma2 / N_t)``; shrunk
   ``a_t = sum n_c r_c / (N_t + k_a)`` with ``k_a = sigma2 / task_var``.
4. ``tau2 = max(floor, mean_c (d_c^2 - sigma2 / n_c - sigma2 / (N_t' + k_a)))`` with
   ``d_c = y_c - mu_m - a_t'``, where ``a_t'`` and ``N_t'`` leave the cell's own calls out.

The prior for a cell leaves the cell's own calls out too (the selector adds them after):
mean ``mu_m' + a_t'``, clipped to [0, 1], with variance ``v = tau2 + sigma2 / (N_t' + k_a) +
sigma2 / (k0 + N_m - n_c)``: worth ``sigma2 / v`` calls. A task nobody served yet gets
``a_t' = 0`` and the widest prior; each call on it narrows the next model's prior there, so a
new task pays for its exploration once, not once per model.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["CellPrior", "Hierarchy", "fit_hierarchy"]

VARIANCE_FLOOR = 1e-4  # a between-task variance is never taken as exactly 0 (sd 0.01)
DEFAULT_SCORE_VARIANCE = 0.15**2  # sigma2 before a cell holds two calls (as scoring assumes)


@dataclass(frozen=True, slots=True)
class CellPrior:
    """The prior of one model's quality on one task.

    Attributes:
        mean: the prior mean quality, in [0, 1].
        strength: what the prior is worth, in calls (``sigma2 / variance``).
        sd: the spread of single scores (``sqrt(sigma2)``).
    """

    mean: float
    strength: float
    sd: float


@dataclass(frozen=True)
class Hierarchy:
    """A fitted two-way model of quality over (model, task) cells; see the module's doc.

    Attributes:
        sigma2: variance of single scores within a cell.
        task_var: variance of the task effects ``a_t``.
        tau2: variance of a model's quality on a task around ``mu_m + a_t``.
        model_means: ``mu_m`` per model with calls or a catalog prior.
        task_effects: the shrunk ``a_t`` per task with calls.
    """

    sigma2: float
    task_var: float
    tau2: float
    model_means: Mapping[str, float]
    task_effects: Mapping[str, float]
    catalog_strength: float
    _cells: Mapping[tuple[str, str], tuple[float, float]]
    _model_sums: Mapping[str, tuple[float, float]]
    _task_sums: Mapping[str, tuple[float, float]]
    _catalog: Mapping[str, float]

    def prior(self, model_id: str, task: str) -> CellPrior:
        """The prior of ``model_id`` on ``task``, leaving that cell's own calls out.

        Raises:
            KeyError: the model has neither calls nor a catalog prior in the fit.
        """
        k0 = self.catalog_strength
        n_c, sum_c = self._cells.get((model_id, task), (0.0, 0.0))
        n_m, sum_m = self._model_sums.get(model_id, (0.0, 0.0))
        mu = (k0 * self._catalog[model_id] + sum_m - sum_c) / (k0 + n_m - n_c)
        n_t, resid_t = self._task_sums.get(task, (0.0, 0.0))
        k_a = self.sigma2 / self.task_var
        own_resid = sum_c - n_c * self.model_means.get(model_id, mu) if n_c else 0.0
        n_rest = n_t - n_c
        a = (resid_t - own_resid) / (n_rest + k_a)
        variance = self.tau2 + self.sigma2 / (n_rest + k_a) + self.sigma2 / (k0 + n_m - n_c)
        mean = min(1.0, max(0.0, mu + a))
        return CellPrior(mean, self.sigma2 / variance, self.sigma2**0.5)

    @property
    def level_sd(self) -> float:
        """How far a model's quality on one task strays from its level ``mu_m + a_t``."""
        return math.sqrt(self.tau2)

    def level_spread(self, model_id: str) -> float:
        """The posterior sd of the model's level ``mu_m`` (``sqrt(sigma2 / (k0 + N_m))``)."""
        n_m, _ = self._model_sums.get(model_id, (0.0, 0.0))
        return math.sqrt(self.sigma2 / (self.catalog_strength + n_m))

    def level_prior(self, model_id: str, task: str) -> CellPrior:
        """The prior of ``model_id`` on ``task`` to choose by: :meth:`prior`, less its a_t error.

        The task effect ``a_t`` is shared by every model on the task, so an error in it moves
        them all alike and does not change which one is best; only a model's own deviation
        (``level_sd``) and the error of its level ``mu_m`` do. So a young task's draws scatter
        by ``tau2 + sigma2 / (k0 + N_m - n_c)`` around the level instead of also by the task
        effect's ``sigma2 / (N_t' + k_a)``: a new task pays for exploring a model only as much
        as that model's record across tasks leaves open.

        Raises:
            KeyError: the model has neither calls nor a catalog prior in the fit.
        """
        shared = self.prior(model_id, task)
        k0 = self.catalog_strength
        n_c, _ = self._cells.get((model_id, task), (0.0, 0.0))
        n_m, _ = self._model_sums.get(model_id, (0.0, 0.0))
        variance = self.tau2 + self.sigma2 / (k0 + n_m - n_c)
        return CellPrior(shared.mean, self.sigma2 / variance, shared.sd)


def _mean(values: list[float], default: float) -> float:
    return sum(values) / len(values) if values else default


def fit_hierarchy(
    cells: Mapping[tuple[str, str], tuple[int, float, float]],
    catalog_priors: Mapping[str, float],
    *,
    catalog_strength: float,
) -> Hierarchy:
    """Fit the two-way model to per-cell sums of quality scores.

    Args:
        cells: ``(model, task) -> (n, sum, sum of squares)`` of the scores recorded there;
            cells with ``n == 0`` are ignored.
        catalog_priors: every model's catalog prior quality (the top level).
        catalog_strength: what a catalog prior is worth, in calls (the Router's ``k``).

    Raises:
        ValueError: a cell names a model without a catalog prior, or a count is negative.
    """
    if not catalog_strength > 0:
        raise ValueError(f"catalog_strength must be positive, got {catalog_strength!r}")
    used: dict[tuple[str, str], tuple[float, float]] = {}
    within_ss = within_df = 0.0
    for (model_id, task), (count, total, total_sq) in cells.items():
        if count < 0:
            raise ValueError(f"cell ({model_id}, {task}) has a negative count {count}")
        if model_id not in catalog_priors:
            raise ValueError(f"model {model_id!r} has calls but no catalog prior")
        if count == 0:
            continue
        used[(model_id, task)] = (float(count), float(total))
        if count >= 2:
            within_ss += max(0.0, total_sq - total * total / count)
            within_df += count - 1
    sigma2 = within_ss / within_df if within_df > 0 else DEFAULT_SCORE_VARIANCE
    sigma2 = max(sigma2, VARIANCE_FLOOR)
    k0 = catalog_strength
    model_sums: dict[str, list[float]] = {m: [0.0, 0.0] for m in catalog_priors}
    for (model_id, _), (n, total) in used.items():
        model_sums[model_id][0] += n
        model_sums[model_id][1] += total
    mu = {m: (k0 * catalog_priors[m] + s) / (k0 + n) for m, (n, s) in model_sums.items()}
    task_sums: dict[str, list[float]] = {}
    for (model_id, task), (n, total) in used.items():
        sums = task_sums.setdefault(task, [0.0, 0.0])
        sums[0] += n
        sums[1] += total - n * mu[model_id]
    raw = [(r / n) ** 2 - sigma2 / n for n, r in task_sums.values()]
    # a variance needs two terms; with fewer, the scorer's default spread stands in
    task_var = max(VARIANCE_FLOOR, _mean(raw, 0.0)) if len(raw) > 1 else DEFAULT_SCORE_VARIANCE
    k_a = sigma2 / task_var
    terms = []
    for (model_id, task), (n, total) in used.items():
        n_t, resid_t = task_sums[task]
        n_rest = n_t - n
        a_rest = (resid_t - (total - n * mu[model_id])) / (n_rest + k_a)
        d = total / n - mu[model_id] - a_rest
        terms.append(d * d - sigma2 / n - sigma2 / (n_rest + k_a))
    tau2 = max(VARIANCE_FLOOR, _mean(terms, 0.0)) if len(terms) > 1 else DEFAULT_SCORE_VARIANCE
    return Hierarchy(
        sigma2=sigma2,
        task_var=task_var,
        tau2=tau2,
        model_means=mu,
        task_effects={t: r / (n + k_a) for t, (n, r) in task_sums.items()},
        catalog_strength=k0,
        _cells=used,
        _model_sums={m: (s[0], s[1]) for m, s in model_sums.items()},
        _task_sums={t: (s[0], s[1]) for t, s in task_sums.items()},
        _catalog=dict(catalog_priors),
    )
