"""Rank and quantile comparisons for heavy-tailed metrics such as latency.

These need the raw observations (or, outside this module, a fine histogram): a latency p95
cannot be recovered from :class:`~selection.stats.Moments`. Keep a sample of raw values per
arm, or a histogram with enough resolution, for every metric whose tail matters.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from selection.stats._validation import (
    ErrorCode,
    check_alpha,
    check_count,
    check_probability,
    sample_array,
)

__all__ = [
    "MannWhitneyResult",
    "QuantileComparison",
    "bootstrap_quantile_difference",
    "mann_whitney",
    "quantile_difference",
]

Values = Iterable[float] | npt.NDArray[Any]

# The order-statistic standard error uses a fixed 95% window, whatever the CI's alpha: it is
# an estimate of spread, not a confidence statement (McKean & Schrader 1984 use the same idea).
_Z_SE = 1.959963984540054
# Bootstrap resamples are drawn in blocks of at most this many values to bound memory.
_BLOCK = 1 << 22
_NAN_PAIR = (math.nan, math.nan)


@dataclass(frozen=True, slots=True)
class MannWhitneyResult:
    """Outcome of a two-sided Mann-Whitney U (Wilcoxon rank-sum) test.

    Attributes:
        statistic: U of the treatment sample (``scipy.stats.mannwhitneyu(treatment,
            control).statistic``; R's ``wilcox.test(treatment, control)`` W).
        p_value: Two-sided p-value (scipy's ``method="auto"``: exact for small samples
            without ties, else normal approximation with tie and continuity corrections).
        prob_superiority: ``U / (n_t * n_c)``, the probability that a random treatment value
            exceeds a random control value, counting ties as one half. 0.5 means no shift.
        control_n: Control sample size.
        treatment_n: Treatment sample size.
        error: ``None``, or why the estimates are NaN (see :data:`ErrorCode`).
    """

    statistic: float
    p_value: float
    prob_superiority: float
    control_n: int
    treatment_n: int
    error: ErrorCode | None = None


@dataclass(frozen=True, slots=True)
class QuantileComparison:
    """Difference of one quantile (median, p95...) between arms, with a confidence interval.

    Attributes:
        quantile: The quantile compared, in (0, 1).
        control_quantile: Sample quantile of the control arm (numpy's default, linear).
        treatment_quantile: Sample quantile of the treatment arm.
        difference: ``treatment_quantile - control_quantile``.
        ci: Two-sided ``1 - alpha`` interval of ``difference``.
        relative_lift: ``treatment_quantile / control_quantile - 1`` (NaN if the control
            quantile is 0).
        relative_ci: Two-sided ``1 - alpha`` interval of ``relative_lift``.
        alpha: Significance level of the intervals.
        method: ``"order_statistic"`` or ``"bootstrap"``.
        error: ``None``, or why the estimates are NaN (see :data:`ErrorCode`).
    """

    quantile: float
    control_quantile: float
    treatment_quantile: float
    difference: float
    ci: tuple[float, float]
    relative_lift: float
    relative_ci: tuple[float, float]
    alpha: float
    method: Literal["order_statistic", "bootstrap"]
    error: ErrorCode | None = None


def mann_whitney(control_values: Values, treatment_values: Values) -> MannWhitneyResult:
    """Two-sided Mann-Whitney U test of treatment against control on raw values.

    Robust to heavy tails and outliers (latency), but it tests a shift in distribution, not
    a difference of means; pair it with :func:`quantile_difference` to report a size.

    Args:
        control_values: Raw control observations.
        treatment_values: Raw treatment observations.

    Returns:
        The test. ``error="insufficient_data"`` when an arm has fewer than 2 values,
        ``"zero_variance"`` when every value in both arms is the same.

    Raises:
        ValueError: If an input is not one-dimensional or holds NaN or infinity.
    """
    from scipy import stats

    control = sample_array(control_values, "control_values")
    treatment = sample_array(treatment_values, "treatment_values")
    n_c, n_t = int(control.size), int(treatment.size)
    if n_c < 2 or n_t < 2:
        return MannWhitneyResult(math.nan, math.nan, math.nan, n_c, n_t, "insufficient_data")
    low = min(control.min(), treatment.min())
    if low == max(control.max(), treatment.max()):
        return MannWhitneyResult(math.nan, math.nan, math.nan, n_c, n_t, "zero_variance")
    res = stats.mannwhitneyu(treatment, control, alternative="two-sided")
    u = float(res.statistic)
    return MannWhitneyResult(u, float(res.pvalue), u / (n_c * n_t), n_c, n_t)


def quantile_difference(
    control_values: Values,
    treatment_values: Values,
    *,
    q: float = 0.5,
    alpha: float = 0.05,
) -> QuantileComparison:
    """Difference of the ``q`` quantiles with a large-sample, distribution-free interval.

    Each arm's standard error comes from the order statistics around the quantile: with
    ``h = 1.96 * sqrt(n q (1 - q))`` the ranks ``floor(n q - h)`` and ``ceil(n q + h)``
    bracket the quantile with about 95% confidence, and half their distance divided by 1.96
    estimates its standard error (McKean & Schrader 1984, generalised from the median;
    Price & Bonett 2002 combine two such errors for a difference of medians, as here)::

        ci = diff +/- z_{1 - alpha/2} * sqrt(se_c**2 + se_t**2)

    No density estimate and no randomness are needed, and it costs one sort per arm.

    Args:
        control_values: Raw control observations.
        treatment_values: Raw treatment observations.
        q: The quantile, e.g. 0.5 for the median or 0.95 for p95.
        alpha: Two-sided significance level.

    Returns:
        The comparison. ``error="insufficient_data"`` when an arm is too small for the
        order-statistic window (n >= 8 for the median, about 75 for p95, 400 for p99),
        ``"zero_variance"`` when both windows have zero width.

    Raises:
        ValueError: If ``q`` or ``alpha`` is not in (0, 1) or an input is invalid.
    """
    from scipy import stats

    q = check_probability(q, "q")
    alpha = check_alpha(alpha)
    control = np.sort(sample_array(control_values, "control_values"))
    treatment = np.sort(sample_array(treatment_values, "treatment_values"))
    se_c, se_t = _order_statistic_se(control, q), _order_statistic_se(treatment, q)
    if se_c is None or se_t is None:
        return _failed(q, alpha, "order_statistic", "insufficient_data")
    if se_c == 0.0 and se_t == 0.0:
        return _failed(q, alpha, "order_statistic", "zero_variance")
    q_c, q_t = float(np.quantile(control, q)), float(np.quantile(treatment, q))
    z = float(stats.norm.isf(alpha / 2.0))
    diff = q_t - q_c
    half = z * math.hypot(se_c, se_t)
    lift, rel_ci = math.nan, _NAN_PAIR
    if q_c != 0.0:
        lift = q_t / q_c - 1.0
        rel_se = math.sqrt(se_t**2 / q_c**2 + q_t**2 * se_c**2 / q_c**4)
        rel_ci = (lift - z * rel_se, lift + z * rel_se)
    return QuantileComparison(
        q, q_c, q_t, diff, (diff - half, diff + half), lift, rel_ci, alpha, "order_statistic"
    )


def bootstrap_quantile_difference(
    control_values: Values,
    treatment_values: Values,
    *,
    rng: np.random.Generator,
    q: float = 0.5,
    alpha: float = 0.05,
    n_resamples: int = 2000,
) -> QuantileComparison:
    """Difference of the ``q`` quantiles with a percentile-bootstrap interval.

    Each resample draws both arms with replacement at their own sizes; the interval holds
    the ``alpha/2`` and ``1 - alpha/2`` quantiles of the resampled differences (and ratios,
    for the relative lift). The cost is ``n_resamples * (n_c + n_t)`` draws, so prefer
    :func:`quantile_difference` for large samples; the bootstrap behaves better for small
    samples and extreme quantiles.

    Args:
        control_values: Raw control observations.
        treatment_values: Raw treatment observations.
        rng: Source of randomness; the caller owns it and its seed.
        q: The quantile, e.g. 0.5 or 0.95.
        alpha: Two-sided significance level.
        n_resamples: Number of bootstrap resamples (at least 2).

    Returns:
        The comparison. ``error="insufficient_data"`` when an arm has fewer than 2 values,
        ``"zero_variance"`` when every value in both arms is the same.

    Raises:
        ValueError: If ``q``, ``alpha`` or ``n_resamples`` is invalid or an input is.
    """
    q = check_probability(q, "q")
    alpha = check_alpha(alpha)
    if check_count(n_resamples, "n_resamples") < 2:
        raise ValueError(f"n_resamples must be >= 2, got {n_resamples!r}")
    control = sample_array(control_values, "control_values")
    treatment = sample_array(treatment_values, "treatment_values")
    if control.size < 2 or treatment.size < 2:
        return _failed(q, alpha, "bootstrap", "insufficient_data")
    if np.ptp(control) == 0.0 and np.ptp(treatment) == 0.0:
        return _failed(q, alpha, "bootstrap", "zero_variance")
    q_c, q_t = float(np.quantile(control, q)), float(np.quantile(treatment, q))
    boot_c = _bootstrap_quantiles(control, q, n_resamples, rng)
    boot_t = _bootstrap_quantiles(treatment, q, n_resamples, rng)
    probs = [alpha / 2.0, 1.0 - alpha / 2.0]
    low, high = np.quantile(boot_t - boot_c, probs)
    lift, rel_ci = math.nan, _NAN_PAIR
    if q_c != 0.0:
        lift = q_t / q_c - 1.0
        if np.all(boot_c != 0.0):
            rel_low, rel_high = np.quantile(boot_t / boot_c - 1.0, probs)
            rel_ci = (float(rel_low), float(rel_high))
    return QuantileComparison(
        q, q_c, q_t, q_t - q_c, (float(low), float(high)), lift, rel_ci, alpha, "bootstrap"
    )


def _order_statistic_se(ordered: npt.NDArray[np.float64], q: float) -> float | None:
    n = int(ordered.size)
    half = _Z_SE * math.sqrt(n * q * (1.0 - q))
    low, high = math.floor(n * q - half), math.ceil(n * q + half)  # 1-based ranks
    if low < 1 or high > n:
        return None
    return float(ordered[high - 1] - ordered[low - 1]) / (2.0 * _Z_SE)


def _bootstrap_quantiles(
    values: npt.NDArray[np.float64], q: float, n_resamples: int, rng: np.random.Generator
) -> npt.NDArray[np.float64]:
    n = int(values.size)
    per_block = max(1, _BLOCK // n)
    out = np.empty(n_resamples)
    for start in range(0, n_resamples, per_block):
        stop = min(start + per_block, n_resamples)
        idx = rng.integers(0, n, size=(stop - start, n))
        out[start:stop] = np.quantile(values[idx], q, axis=1)
    return out


def _failed(
    q: float, alpha: float, method: Literal["order_statistic", "bootstrap"], error: ErrorCode
) -> QuantileComparison:
    nan = math.nan
    return QuantileComparison(q, nan, nan, nan, _NAN_PAIR, nan, _NAN_PAIR, alpha, method, error)
