"""Power and sample size for the fixed-horizon tests, before an A/B test starts.

Conventions (the same as R's ``power.t.test`` and ``power.prop.test``):

* ``n`` is **per arm**, with equal allocation; the test needs ``2 * n`` units in total.
* ``alpha`` is two-sided by default (``two_sided=False`` for a one-sided test at ``alpha``).
  The power of a two-sided test counts only rejections in the direction of the true effect
  (R's default ``strict = FALSE``), which differs from the strict value by at most
  ``alpha / 2`` and in practice by much less.
* ``mde`` (minimum detectable effect) is relative to the baseline by default: 0.05 means a
  5% change of the baseline mean or rate. With ``relative=False`` it is in metric units
  (for rates, 0.01 is one percentage point). Its sign matters only for rates, whose
  variance depends on the level.

Means use the noncentral t distribution of the equal-variance two-sample t statistic with
``2n - 2`` degrees of freedom, ``baseline_sd`` in both arms; rates use the normal
approximation of the pooled z test (Fleiss' formula without continuity correction).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from selection.stats._validation import check_alpha, check_positive, check_probability

__all__ = [
    "SampleSizeResult",
    "power_means",
    "power_proportions",
    "sample_size_means",
    "sample_size_proportions",
]


@dataclass(frozen=True, slots=True)
class SampleSizeResult:
    """Units per arm needed to detect an effect with the requested power.

    Attributes:
        n_per_arm: Units per arm, rounded up (at least 2).
        n_exact: The unrounded solution of the power equation (what R prints as ``n``).
        absolute_mde: The effect in metric units (signed for rates).
        alpha: Significance level.
        power: Requested power.
        two_sided: Whether ``alpha`` is two-sided.
    """

    n_per_arm: int
    n_exact: float
    absolute_mde: float
    alpha: float
    power: float
    two_sided: bool


def power_means(
    n_per_arm: float,
    baseline_mean: float,
    baseline_sd: float,
    mde: float,
    *,
    alpha: float = 0.05,
    relative: bool = True,
    two_sided: bool = True,
) -> float:
    """Power of the two-sample t test to detect a shift of the mean by ``mde``.

    Args:
        n_per_arm: Units per arm (> 1; fractional values are allowed).
        baseline_mean: Control mean (used only when ``relative``).
        baseline_sd: Standard deviation of the metric, assumed equal in both arms.
        mde: Effect to detect, relative to ``baseline_mean`` unless ``relative=False``.
        alpha: Significance level, two-sided unless ``two_sided=False``.
        relative: Whether ``mde`` is a fraction of ``baseline_mean``.
        two_sided: Whether the test is two-sided.

    Returns:
        The probability of a significant result in the direction of the effect.

    Raises:
        ValueError: If an argument is out of range (named in the message).
    """
    n = float(n_per_arm)
    if not (math.isfinite(n) and n > 1.0):
        raise ValueError(f"n_per_arm must be a finite number > 1, got {n_per_arm!r}")
    alpha = check_alpha(alpha)
    sd = check_positive(baseline_sd, "baseline_sd")
    delta = abs(_absolute_mde(baseline_mean, mde, relative))
    return _t_power(n, delta / sd, alpha, two_sided)


def sample_size_means(
    baseline_mean: float,
    baseline_sd: float,
    mde: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    relative: bool = True,
    two_sided: bool = True,
) -> SampleSizeResult:
    """Units per arm for the two-sample t test to detect ``mde`` with probability ``power``.

    Args:
        baseline_mean: Control mean (used only when ``relative``).
        baseline_sd: Standard deviation of the metric, assumed equal in both arms.
        mde: Effect to detect, relative to ``baseline_mean`` unless ``relative=False``.
        alpha: Significance level, two-sided unless ``two_sided=False``.
        power: Target power, in (0, 1).
        relative: Whether ``mde`` is a fraction of ``baseline_mean``.
        two_sided: Whether the test is two-sided.

    Returns:
        The sample size per arm; ``n_exact`` matches R's ``power.t.test(delta=, sd=,
        power=)$n``.

    Raises:
        ValueError: If an argument is out of range (named in the message).
    """
    from scipy import stats

    alpha = check_alpha(alpha)
    power = check_probability(power, "power")
    sd = check_positive(baseline_sd, "baseline_sd")
    signed = _absolute_mde(baseline_mean, mde, relative)
    effect = abs(signed) / sd
    z_sum = _z(alpha, two_sided) + float(stats.norm.ppf(power))
    guess = max(2.0, 2.0 * (z_sum / effect) ** 2)
    n_exact = _solve(lambda n: _t_power(n, effect, alpha, two_sided) - power, guess)
    return SampleSizeResult(_ceil(n_exact), n_exact, signed, alpha, power, two_sided)


def power_proportions(
    n_per_arm: float,
    baseline_rate: float,
    mde: float,
    *,
    alpha: float = 0.05,
    relative: bool = True,
    two_sided: bool = True,
) -> float:
    """Power of the pooled two-proportion z test to detect a change of rate by ``mde``.

    Args:
        n_per_arm: Units per arm (> 0; fractional values are allowed).
        baseline_rate: Control success rate, in (0, 1).
        mde: Change to detect, relative to ``baseline_rate`` unless ``relative=False``;
            the treatment rate ``baseline_rate + absolute change`` must stay in (0, 1).
        alpha: Significance level, two-sided unless ``two_sided=False``.
        relative: Whether ``mde`` is a fraction of ``baseline_rate``.
        two_sided: Whether the test is two-sided.

    Returns:
        The power, as R's ``power.prop.test(n=, p1=, p2=)$power``.

    Raises:
        ValueError: If an argument is out of range (named in the message).
    """
    from scipy import stats

    n = check_positive(n_per_arm, "n_per_arm")
    alpha = check_alpha(alpha)
    p1, p2 = _rates(baseline_rate, mde, relative)
    null_sd, alt_sd = _rate_sds(p1, p2)
    return float(
        stats.norm.cdf((math.sqrt(n) * abs(p2 - p1) - _z(alpha, two_sided) * null_sd) / alt_sd)
    )


def sample_size_proportions(
    baseline_rate: float,
    mde: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    relative: bool = True,
    two_sided: bool = True,
) -> SampleSizeResult:
    """Units per arm for the pooled two-proportion z test to detect ``mde``.

    ``n = (z_alpha * sqrt(2 pbar (1 - pbar)) + z_power * sqrt(p1 q1 + p2 q2))**2 / (p2 - p1)**2``
    with ``pbar = (p1 + p2) / 2`` and ``z_alpha`` taken at ``alpha / 2`` when two-sided.

    Args:
        baseline_rate: Control success rate, in (0, 1).
        mde: Change to detect, relative to ``baseline_rate`` unless ``relative=False``.
        alpha: Significance level, two-sided unless ``two_sided=False``.
        power: Target power, in (0, 1).
        relative: Whether ``mde`` is a fraction of ``baseline_rate``.
        two_sided: Whether the test is two-sided.

    Returns:
        The sample size per arm; ``n_exact`` matches R's ``power.prop.test(p1=, p2=,
        power=)$n``.

    Raises:
        ValueError: If an argument is out of range (named in the message).
    """
    from scipy import stats

    alpha = check_alpha(alpha)
    power = check_probability(power, "power")
    p1, p2 = _rates(baseline_rate, mde, relative)
    null_sd, alt_sd = _rate_sds(p1, p2)
    z_power = float(stats.norm.ppf(power))
    n_exact = ((_z(alpha, two_sided) * null_sd + z_power * alt_sd) / (p2 - p1)) ** 2
    return SampleSizeResult(_ceil(n_exact), n_exact, p2 - p1, alpha, power, two_sided)


def _absolute_mde(baseline_mean: float, mde: float, relative: bool) -> float:
    if not (math.isfinite(mde) and mde != 0.0):
        raise ValueError(f"mde must be a finite non-zero number, got {mde!r}")
    if not relative:
        return float(mde)
    if not (math.isfinite(baseline_mean) and baseline_mean != 0.0):
        raise ValueError(
            f"baseline_mean must be finite and non-zero for a relative mde, got {baseline_mean!r}"
        )
    return float(mde) * abs(float(baseline_mean))


def _rates(baseline_rate: float, mde: float, relative: bool) -> tuple[float, float]:
    p1 = check_probability(baseline_rate, "baseline_rate")
    p2 = p1 + _absolute_mde(p1, mde, relative)
    if not 0.0 < p2 < 1.0:
        raise ValueError(
            f"mde={mde!r} moves baseline_rate={baseline_rate!r} to {p2!r}, outside (0, 1)"
        )
    return p1, p2


def _rate_sds(p1: float, p2: float) -> tuple[float, float]:
    pbar = (p1 + p2) / 2.0
    return math.sqrt(2.0 * pbar * (1.0 - pbar)), math.sqrt(p1 * (1.0 - p1) + p2 * (1.0 - p2))


def _z(alpha: float, two_sided: bool) -> float:
    from scipy import stats

    return float(stats.norm.isf(alpha / 2.0 if two_sided else alpha))


def _t_power(n: float, effect: float, alpha: float, two_sided: bool) -> float:
    from scipy import stats

    df = 2.0 * (n - 1.0)
    crit = float(stats.t.isf(alpha / 2.0 if two_sided else alpha, df))
    return float(stats.nct.sf(crit, df, effect * math.sqrt(n / 2.0)))


def _solve(excess_power: Callable[[float], float], guess: float) -> float:
    from scipy import optimize

    if excess_power(2.0) >= 0.0:
        return 2.0
    high = max(guess * 2.0, 4.0)
    while excess_power(high) < 0.0:
        high *= 2.0
    return float(optimize.brentq(excess_power, 2.0, high, xtol=1e-10, rtol=1e-12))


def _ceil(n_exact: float) -> int:
    # 22.000000000001 from root finding should not become 23.
    return max(2, math.ceil(n_exact - 1e-9))
