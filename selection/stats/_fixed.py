"""Fixed-horizon two-sample tests from sufficient statistics: Welch's t and the two-proportion z.

"Fixed horizon" means the p-value and interval are valid when the sample size was fixed in
advance and the data are analysed once. Reading them after every batch and stopping at the
first significant look inflates the false-positive rate; use ``sequential_mean_test`` and
``sequential_proportion_test`` for that.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from selection.stats._moments import Moments
from selection.stats._normal_theory import ArmEstimates, critical_value, upper_tail
from selection.stats._validation import ErrorCode, check_alpha, check_successes

__all__ = ["ComparisonResult", "two_proportion_test", "welch_ttest"]

_NAN_PAIR = (math.nan, math.nan)


@dataclass(frozen=True, slots=True)
class ComparisonResult:
    """Outcome of a two-sided, fixed-horizon comparison of treatment against control.

    Attributes:
        control_mean: Control mean (or success rate).
        treatment_mean: Treatment mean (or success rate).
        difference: ``treatment_mean - control_mean``.
        standard_error: Standard error of ``difference`` (unpooled).
        ci: Two-sided ``1 - alpha`` confidence interval of ``difference``.
        relative_lift: ``treatment_mean / control_mean - 1``; NaN when the control mean is 0.
        relative_ci: ``1 - alpha`` interval of ``relative_lift`` by the delta method.
        statistic: The t (Welch) or z (proportions) statistic, signed like ``difference``.
        df: Degrees of freedom of the reference distribution; ``math.inf`` for a z test.
        p_value: Two-sided p-value.
        alpha: Significance level the intervals were built for.
        error: ``None``, or why the estimates are NaN (see :data:`ErrorCode`).
    """

    control_mean: float
    treatment_mean: float
    difference: float
    standard_error: float
    ci: tuple[float, float]
    relative_lift: float
    relative_ci: tuple[float, float]
    statistic: float
    df: float
    p_value: float
    alpha: float
    error: ErrorCode | None = None

    @property
    def significant(self) -> bool:
        """Whether ``p_value <= alpha`` (always ``False`` for an errored result)."""
        return self.p_value <= self.alpha


def welch_ttest(control: Moments, treatment: Moments, *, alpha: float = 0.05) -> ComparisonResult:
    """Welch's unequal-variance t test of treatment minus control.

    Matches ``scipy.stats.ttest_ind(treatment, control, equal_var=False)`` and R's
    ``t.test(treatment, control)`` on the raw data, but needs only the moments.

    Args:
        control: Moments of the control arm.
        treatment: Moments of the treatment arm.
        alpha: Two-sided significance level of the confidence intervals.

    Returns:
        The difference, its Welch-Satterthwaite t interval, the relative lift with a
        delta-method interval (same t quantile), the t statistic, df and two-sided p-value.
        ``error="insufficient_data"`` when an arm has n < 2, ``"zero_variance"`` when
        neither arm varies.

    Raises:
        ValueError: If ``alpha`` is not in (0, 1).
    """
    alpha = check_alpha(alpha)
    if control.n < 2 or treatment.n < 2:
        return _failed(control.mean, treatment.mean, alpha, "insufficient_data")
    var_c = control.variance / control.n
    var_t = treatment.variance / treatment.n
    if var_c == 0.0 and var_t == 0.0:
        return _failed(control.mean, treatment.mean, alpha, "zero_variance")
    df = (var_c + var_t) ** 2 / (var_c**2 / (control.n - 1) + var_t**2 / (treatment.n - 1))
    est = ArmEstimates(control.mean, var_c, treatment.mean, var_t, df)
    return _two_sided(est, est.difference / est.se, alpha)


def two_proportion_test(
    control_n: int,
    control_successes: int,
    treatment_n: int,
    treatment_successes: int,
    *,
    alpha: float = 0.05,
) -> ComparisonResult:
    """Two-sided z test of two success rates, treatment minus control.

    The statistic and p-value use the pooled rate under the null, as statsmodels'
    ``proportions_ztest([x_t, x_c], [n_t, n_c])`` and R's ``prop.test(correct=FALSE)``
    (whose X-squared is this z squared) do. The interval of the difference uses the unpooled
    (Wald) standard error ``sqrt(p_c(1-p_c)/n_c + p_t(1-p_t)/n_t)``, and the relative lift
    interval the delta method with the same variances.

    Args:
        control_n: Trials in the control arm.
        control_successes: Successes in the control arm.
        treatment_n: Trials in the treatment arm.
        treatment_successes: Successes in the treatment arm.
        alpha: Two-sided significance level of the confidence intervals.

    Returns:
        The comparison, with ``df=math.inf``. ``error="insufficient_data"`` when an arm has
        fewer than 2 trials, ``"zero_variance"`` when every trial in both arms succeeded or
        every one failed.

    Raises:
        ValueError: If a count is negative or not an integer, successes exceed trials, or
            ``alpha`` is not in (0, 1).
    """
    alpha = check_alpha(alpha)
    n_c, x_c = check_successes(control_n, control_successes, "control_n", "control_successes")
    n_t, x_t = check_successes(
        treatment_n, treatment_successes, "treatment_n", "treatment_successes"
    )
    rate_c = x_c / n_c if n_c else math.nan
    rate_t = x_t / n_t if n_t else math.nan
    if n_c < 2 or n_t < 2:
        return _failed(rate_c, rate_t, alpha, "insufficient_data")
    pooled = (x_c + x_t) / (n_c + n_t)
    if pooled in (0.0, 1.0):
        return _failed(rate_c, rate_t, alpha, "zero_variance")
    se_null = math.sqrt(pooled * (1.0 - pooled) * (1.0 / n_c + 1.0 / n_t))
    est = ArmEstimates(
        rate_c, rate_c * (1.0 - rate_c) / n_c, rate_t, rate_t * (1.0 - rate_t) / n_t, math.inf
    )
    return _two_sided(est, est.difference / se_null, alpha)


def _two_sided(est: ArmEstimates, statistic: float, alpha: float) -> ComparisonResult:
    crit = critical_value(alpha / 2.0, est.df)
    diff, se = est.difference, est.se
    lift, lift_se = est.lift, est.lift_se
    return ComparisonResult(
        control_mean=est.mean_c,
        treatment_mean=est.mean_t,
        difference=diff,
        standard_error=se,
        ci=(diff - crit * se, diff + crit * se),
        relative_lift=lift,
        relative_ci=(lift - crit * lift_se, lift + crit * lift_se),
        statistic=statistic,
        df=est.df,
        p_value=min(1.0, 2.0 * upper_tail(abs(statistic), est.df)),
        alpha=alpha,
    )


def _failed(
    control_mean: float, treatment_mean: float, alpha: float, error: ErrorCode
) -> ComparisonResult:
    return ComparisonResult(
        control_mean=control_mean,
        treatment_mean=treatment_mean,
        difference=math.nan,
        standard_error=math.nan,
        ci=_NAN_PAIR,
        relative_lift=math.nan,
        relative_ci=_NAN_PAIR,
        statistic=math.nan,
        df=math.nan,
        p_value=math.nan,
        alpha=alpha,
        error=error,
    )
