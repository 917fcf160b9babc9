"""One-sided non-inferiority tests: is the treatment no worse than control by more than a margin?

Used when a cheaper or faster model only has to *hold* quality, not beat it. With
``higher_is_better=True`` (success rate, quality score) the hypotheses are::

    H0: effect <= -margin      H1: effect > -margin

and with ``higher_is_better=False`` (error rate, cost, latency)::

    H0: effect >= +margin      H1: effect < +margin

where ``effect`` is ``treatment - control`` (``relative=False``, margin in metric units) or
``treatment / control - 1`` (``relative=True``, margin as a fraction, delta method). The
one-sided ``1 - alpha`` confidence bound on the effect clears the margin exactly when
``p_value <= alpha``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from selection.stats._moments import Moments
from selection.stats._normal_theory import ArmEstimates, critical_value, upper_tail
from selection.stats._validation import (
    ErrorCode,
    check_alpha,
    check_positive,
    check_successes,
)

__all__ = ["NonInferiorityResult", "noninferiority_proportion_test", "noninferiority_test"]


@dataclass(frozen=True, slots=True)
class NonInferiorityResult:
    """Outcome of a one-sided non-inferiority test.

    Attributes:
        estimate: The effect: difference, or relative lift when ``relative``.
        bound: One-sided ``1 - alpha`` confidence bound on ``estimate``: the lower bound when
            ``higher_is_better``, the upper bound otherwise.
        margin: The tolerated loss (positive; a fraction when ``relative``).
        relative: Whether ``estimate`` and ``margin`` are relative to the control mean.
        higher_is_better: Direction of the metric.
        statistic: t (means) or z (proportions) statistic against the margin.
        df: Degrees of freedom of the reference distribution; ``math.inf`` for a z test.
        p_value: One-sided p-value of H0 "treatment is worse by at least the margin".
        alpha: One-sided significance level.
        error: ``None``, or why the estimates are NaN (see :data:`ErrorCode`).
    """

    estimate: float
    bound: float
    margin: float
    relative: bool
    higher_is_better: bool
    statistic: float
    df: float
    p_value: float
    alpha: float
    error: ErrorCode | None = None

    @property
    def noninferior(self) -> bool:
        """Whether H0 is rejected (``p_value <= alpha``): the treatment is not worse."""
        return self.p_value <= self.alpha


def noninferiority_test(
    control: Moments,
    treatment: Moments,
    *,
    margin: float,
    higher_is_better: bool,
    relative: bool = False,
    alpha: float = 0.05,
) -> NonInferiorityResult:
    """One-sided Welch t test that the treatment mean is not worse than control by ``margin``.

    Args:
        control: Moments of the control arm.
        treatment: Moments of the treatment arm.
        margin: Largest acceptable loss, > 0: metric units, or a fraction of the control mean
            when ``relative`` (0.05 = "at most 5% worse").
        higher_is_better: ``True`` for quality-like metrics, ``False`` for error rate, cost
            and latency.
        relative: Test the relative lift (delta method) instead of the difference.
        alpha: One-sided significance level.

    Returns:
        The test result, with Welch-Satterthwaite df. ``error="insufficient_data"`` when an
        arm has n < 2, ``"zero_variance"`` when neither arm varies, ``"zero_control_mean"``
        when ``relative`` and the control mean is 0.

    Raises:
        ValueError: If ``margin`` is not a finite number > 0 or ``alpha`` is not in (0, 1).
    """
    margin = check_positive(margin, "margin")
    alpha = check_alpha(alpha)
    if control.n < 2 or treatment.n < 2:
        return _failed(margin, relative, higher_is_better, alpha, "insufficient_data")
    var_c = control.variance / control.n
    var_t = treatment.variance / treatment.n
    if var_c == 0.0 and var_t == 0.0:
        return _failed(margin, relative, higher_is_better, alpha, "zero_variance")
    df = (var_c + var_t) ** 2 / (var_c**2 / (control.n - 1) + var_t**2 / (treatment.n - 1))
    est = ArmEstimates(control.mean, var_c, treatment.mean, var_t, df)
    return _one_sided(est, margin, relative, higher_is_better, alpha)


def noninferiority_proportion_test(
    control_n: int,
    control_successes: int,
    treatment_n: int,
    treatment_successes: int,
    *,
    margin: float,
    higher_is_better: bool,
    relative: bool = False,
    alpha: float = 0.05,
) -> NonInferiorityResult:
    """One-sided z test that a treatment success rate is not worse than control by ``margin``.

    Uses the unpooled (Wald) standard error, the usual choice for non-inferiority of two
    proportions, since the null hypothesis is not "the rates are equal". For an error rate
    pass ``higher_is_better=False``.

    Args:
        control_n: Trials in the control arm.
        control_successes: Successes in the control arm.
        treatment_n: Trials in the treatment arm.
        treatment_successes: Successes in the treatment arm.
        margin: Largest acceptable loss, > 0: in rate units (0.01 = one percentage point),
            or a fraction of the control rate when ``relative``.
        higher_is_better: Direction of the rate.
        relative: Test the relative lift (delta method) instead of the difference.
        alpha: One-sided significance level.

    Returns:
        The test result with ``df=math.inf``. ``error="insufficient_data"`` when an arm has
        fewer than 2 trials, ``"zero_variance"`` when both observed rates are 0 or 1,
        ``"zero_control_mean"`` when ``relative`` and the control rate is 0.

    Raises:
        ValueError: If a count is invalid, ``margin`` is not > 0 or ``alpha`` not in (0, 1).
    """
    margin = check_positive(margin, "margin")
    alpha = check_alpha(alpha)
    n_c, x_c = check_successes(control_n, control_successes, "control_n", "control_successes")
    n_t, x_t = check_successes(
        treatment_n, treatment_successes, "treatment_n", "treatment_successes"
    )
    if n_c < 2 or n_t < 2:
        return _failed(margin, relative, higher_is_better, alpha, "insufficient_data")
    rate_c, rate_t = x_c / n_c, x_t / n_t
    est = ArmEstimates(
        rate_c, rate_c * (1.0 - rate_c) / n_c, rate_t, rate_t * (1.0 - rate_t) / n_t, math.inf
    )
    if est.se == 0.0:
        return _failed(margin, relative, higher_is_better, alpha, "zero_variance")
    return _one_sided(est, margin, relative, higher_is_better, alpha)


def _one_sided(
    est: ArmEstimates, margin: float, relative: bool, higher_is_better: bool, alpha: float
) -> NonInferiorityResult:
    if relative and est.mean_c == 0.0:
        return _failed(margin, relative, higher_is_better, alpha, "zero_control_mean")
    estimate, se = (est.lift, est.lift_se) if relative else (est.difference, est.se)
    if not (math.isfinite(se) and se > 0.0):
        return _failed(margin, relative, higher_is_better, alpha, "zero_variance")
    crit = critical_value(alpha, est.df)
    if higher_is_better:
        statistic = (estimate + margin) / se
        bound = estimate - crit * se
    else:
        statistic = (estimate - margin) / se
        bound = estimate + crit * se
    # "better" is the upper tail of the statistic for higher_is_better, the lower one otherwise.
    p_value = upper_tail(statistic if higher_is_better else -statistic, est.df)
    return NonInferiorityResult(
        estimate=estimate,
        bound=bound,
        margin=margin,
        relative=relative,
        higher_is_better=higher_is_better,
        statistic=statistic,
        df=est.df,
        p_value=p_value,
        alpha=alpha,
    )


def _failed(
    margin: float, relative: bool, higher_is_better: bool, alpha: float, error: ErrorCode
) -> NonInferiorityResult:
    return NonInferiorityResult(
        estimate=math.nan,
        bound=math.nan,
        margin=margin,
        relative=relative,
        higher_is_better=higher_is_better,
        statistic=math.nan,
        df=math.nan,
        p_value=math.nan,
        alpha=alpha,
        error=error,
    )
