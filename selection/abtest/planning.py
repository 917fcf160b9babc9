"""How many units a test needs: the power analysis behind ``sample_size``.

The convention, for a test whose ``sample_size`` is not given:

1. The plan is made for the **first success metric** (the primary one).
2. **Baseline**: the champion's own records on the test's tasks when it has at least
   :data:`MIN_BASELINE` of them (mean and standard deviation of the metric, or its error
   rate). Otherwise defaults: a score in [0, 1] gets mean = the catalog's quality prior of
   the champion (0.7 without one) and sd = 0.15; the error rate 2%. Other metrics (cost,
   latency) without data need an explicit ``sample_size``.
3. ``mde`` is **relative** to the baseline (0.05 = a 5% change of the champion's mean),
   ``alpha`` two-sided, ``power`` the probability of detecting an effect of that size.
4. ``n_fixed`` is the per-arm size of the two-sided fixed-horizon test with equal
   allocation (:func:`~selection.stats.sample_size_means`, i.e. R's ``power.t.test``;
   :func:`~selection.stats.sample_size_proportions` for the error rate).
5. The automation reads the **always-valid** test, whose rejection boundary when the data
   reach the plan is ``sqrt(1 + u)`` standard errors (``u`` from the mixture's tuning, 3.04
   at alpha 0.05) instead of ``z_{1-alpha/2}`` = 1.96, so the plan is scaled up::

       n_seq = n_fixed * ((sqrt(1 + u) + z_power) / (z_{1-alpha/2} + z_power)) ** 2

   (x1.92 at alpha 0.05 and power 0.8). Looks before the plan only add chances to detect.
6. ``sample_size`` = units over **both** arms = ``n_seq / (2 p (1 - p))`` for a challenger
   share ``p``, which gives the difference the same variance, hence the same power, as
   ``n_seq`` per arm with an even split.
"""

from __future__ import annotations

import math

from selection.abtest.config import ERROR_RATE, ABTestSpec, Plan
from selection.aggregates import Aggregate
from selection.errors import ExperimentError
from selection.metrics import MetricKind, metric_spec
from selection.stats import sample_size_means, sample_size_proportions

__all__ = ["DEFAULT_ERROR_RATE", "DEFAULT_SCORE_SD", "MIN_BASELINE", "plan_test"]

MIN_BASELINE = 30
DEFAULT_SCORE_MEAN = 0.7
DEFAULT_SCORE_SD = 0.15
DEFAULT_ERROR_RATE = 0.02


def _sequential_inflation(alpha: float, power: float) -> float:
    # u solves u - log(1 + u) = 2 log(1 / alpha): selection.stats' mixing constant.
    from scipy import special, stats

    u = float(-special.lambertw(-(alpha**2) / math.e, k=-1).real - 1.0)
    z_power = float(stats.norm.ppf(power))
    z_fixed = float(stats.norm.isf(alpha / 2.0))
    return ((math.sqrt(1.0 + u) + z_power) / (z_fixed + z_power)) ** 2


def plan_test(
    spec: ABTestSpec, baseline: Aggregate | None, *, prior_mean: float | None = None
) -> tuple[Plan, int]:
    """Plan a test: per-arm size for the always-valid test, and the total ``sample_size``.

    Args:
        spec: The test; its ``sample_size``, when given, is used as it is.
        baseline: The champion's records on the test's tasks (summed), if any.
        prior_mean: The champion's expected score before data (the catalog's prior).

    Returns:
        The plan and the total planned units over both arms.

    Raises:
        ExperimentError: if the primary metric has neither data nor a default.
    """
    p = spec.traffic_split
    metric = spec.success_metrics[0]
    if spec.sample_size is not None:
        per_arm = max(2, math.ceil(spec.sample_size * 2.0 * p * (1.0 - p)))
        return Plan(
            primary_metric=metric, planned_n_per_arm=per_arm, baseline_source="given"
        ), spec.sample_size
    if metric == ERROR_RATE:
        observed = baseline is not None and baseline.records >= MIN_BASELINE
        rate = baseline.error_rate if observed and baseline is not None else None
        if rate is None or not 0.0 < rate < 1.0:
            rate, observed = DEFAULT_ERROR_RATE, False
        fixed = sample_size_proportions(rate, -spec.mde, alpha=spec.alpha, power=spec.power).n_exact
        mean: float = rate
        sd: float | None = None
    else:
        summary = baseline.summary(metric) if baseline is not None else None
        observed = bool(summary and summary.n >= MIN_BASELINE and summary.std)
        if observed and summary is not None and summary.mean is not None:
            mean, sd = summary.mean, summary.std
        elif metric_spec(metric).kind is MetricKind.SCORE:
            mean, sd = prior_mean or DEFAULT_SCORE_MEAN, DEFAULT_SCORE_SD
        else:
            raise ExperimentError(
                f"cannot plan a test on {metric!r}: the champion has fewer than "
                f"{MIN_BASELINE} records of it; give sample_size"
            )
        if not mean:
            raise ExperimentError(f"cannot plan a relative effect on {metric!r}: its mean is 0")
        fixed = sample_size_means(mean, sd or DEFAULT_SCORE_SD, spec.mde, alpha=spec.alpha,
                                  power=spec.power).n_exact  # fmt: skip
    per_arm = max(2, math.ceil(fixed * _sequential_inflation(spec.alpha, spec.power)))
    total = math.ceil(per_arm / (2.0 * p * (1.0 - p)))
    plan = Plan(
        primary_metric=metric,
        planned_n_per_arm=per_arm,
        fixed_horizon_n_per_arm=math.ceil(fixed),
        baseline_mean=mean,
        baseline_sd=sd,
        baseline_source="observed" if observed else "default",
    )
    return plan, total
