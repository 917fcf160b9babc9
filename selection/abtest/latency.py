"""Latency comparisons that do not assume normality: Mann-Whitney and quantile differences.

Two sources, chosen by size (the analysis picks):

* **raw values**, up to :data:`RAW_LIMIT` records per test phase: the values themselves go
  through :func:`selection.stats.mann_whitney` (scipy) and
  :func:`selection.stats.quantile_difference`, exactly;
* above that, the database's **log-spaced histogram** (buckets ``exp(b/100)`` ms wide, about
  1%): Mann-Whitney on the binned values, counting values in one bucket as ties, with
  scipy's tie-corrected normal approximation and continuity correction; quantiles are
  read at the buckets' geometric centres, with the same order-statistic interval as
  ``quantile_difference``. Only the order within a 1% bucket is lost, so a p95 is off by at
  most half a percent, and the analysis never reads the records themselves.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from selection.stats import MannWhitneyResult, QuantileComparison, mann_whitney
from selection.stats import quantile_difference as raw_quantile_difference
from selection.store._ab_sql import BUCKETS_PER_E, ZERO_BUCKET

__all__ = [
    "BUCKETS_PER_E",
    "QUANTILES",
    "RAW_LIMIT",
    "LatencyComparison",
    "compare_latency",
    "histogram_quantile_difference",
    "mann_whitney_binned",
]

RAW_LIMIT = 20_000
QUANTILES = (0.5, 0.95)
_Z_SE = 1.959963984540054  # the order-statistic window of selection.stats' quantile_difference
_NAN_PAIR = (math.nan, math.nan)

Histogram = Mapping[int, int]


@dataclass(frozen=True, slots=True)
class LatencyComparison:
    """Mann-Whitney test and quantile differences of latency, treatment against control."""

    method: Literal["raw", "histogram"]
    rank: MannWhitneyResult
    quantiles: tuple[QuantileComparison, ...]


def compare_latency(
    control: Histogram,
    treatment: Histogram,
    *,
    raw: tuple[Sequence[float], Sequence[float]] | None = None,
    alpha: float = 0.05,
) -> LatencyComparison:
    """Compare latency from raw values when given, else from the histograms."""
    if raw is not None:
        values_c, values_t = (np.asarray(v, dtype=np.float64) for v in raw)
        return LatencyComparison(
            "raw",
            mann_whitney(values_c, values_t),
            tuple(raw_quantile_difference(values_c, values_t, q=q, alpha=alpha) for q in QUANTILES),
        )
    return LatencyComparison(
        "histogram",
        mann_whitney_binned(control, treatment),
        tuple(
            histogram_quantile_difference(control, treatment, q=q, alpha=alpha) for q in QUANTILES
        ),
    )


def _aligned(
    control: Histogram, treatment: Histogram
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    keys = np.array(sorted(set(control) | set(treatment)), dtype=np.int64)
    counts_c = np.array([control.get(int(k), 0) for k in keys], dtype=np.float64)
    counts_t = np.array([treatment.get(int(k), 0) for k in keys], dtype=np.float64)
    return keys, counts_c, counts_t


def mann_whitney_binned(control: Histogram, treatment: Histogram) -> MannWhitneyResult:
    """Two-sided Mann-Whitney U from two histograms on the same buckets.

    Equals ``scipy.stats.mannwhitneyu(treatment_values, control_values,
    method="asymptotic")`` on values that are constant within each bucket.
    """
    from scipy import stats

    _, c, t = _aligned(control, treatment)
    n_c, n_t = float(c.sum()), float(t.sum())
    if n_c < 2 or n_t < 2:
        nan = math.nan
        return MannWhitneyResult(nan, nan, nan, int(n_c), int(n_t), "insufficient_data")
    ties = c + t
    if int(np.count_nonzero(ties)) < 2:
        nan = math.nan
        return MannWhitneyResult(nan, nan, nan, int(n_c), int(n_t), "zero_variance")
    below_c = np.cumsum(c) - c
    u_t = float(np.sum(t * (below_c + c / 2.0)))
    n = n_c + n_t
    tie_term = float(np.sum(ties**3 - ties))
    sd = math.sqrt(n_c * n_t / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0))))
    u = max(u_t, n_c * n_t - u_t)
    z = (u - n_c * n_t / 2.0 - 0.5) / sd
    p_value = min(1.0, 2.0 * float(stats.norm.sf(z)))
    return MannWhitneyResult(u_t, p_value, u_t / (n_c * n_t), int(n_c), int(n_t))


class _Ranked:
    """Values by rank in a histogram, each value at its bucket's geometric centre."""

    def __init__(self, histogram: Histogram) -> None:
        keys = sorted(k for k, count in histogram.items() if count > 0)
        self.centres = np.array(
            [0.0 if k == ZERO_BUCKET else math.exp((k + 0.5) / BUCKETS_PER_E) for k in keys]
        )
        self.cumulative = np.cumsum([histogram[k] for k in keys])
        self.n = int(self.cumulative[-1]) if keys else 0

    def at(self, rank: int) -> float:
        """The value of 1-based ``rank``."""
        return float(self.centres[int(np.searchsorted(self.cumulative, rank, side="left"))])

    def quantile(self, q: float) -> float:
        # numpy's default ("linear"): interpolate between ranks floor(h) + 1 and + 2.
        h = (self.n - 1) * q
        low = math.floor(h)
        below = self.at(low + 1)
        above = self.at(min(low + 2, self.n))
        return below + (h - low) * (above - below)

    def standard_error(self, q: float) -> float | None:
        half = _Z_SE * math.sqrt(self.n * q * (1.0 - q))
        low, high = math.floor(self.n * q - half), math.ceil(self.n * q + half)
        if low < 1 or high > self.n:
            return None
        return (self.at(high) - self.at(low)) / (2.0 * _Z_SE)


def histogram_quantile_difference(
    control: Histogram, treatment: Histogram, *, q: float = 0.5, alpha: float = 0.05
) -> QuantileComparison:
    """Difference of the ``q`` quantiles of two histograms, with an order-statistic interval."""
    from scipy import stats

    arm_c, arm_t = _Ranked(control), _Ranked(treatment)
    se_c = arm_c.standard_error(q) if arm_c.n else None
    se_t = arm_t.standard_error(q) if arm_t.n else None
    nan = math.nan
    if se_c is None or se_t is None:
        error: Literal["insufficient_data", "zero_variance"] = "insufficient_data"
        return QuantileComparison(
            q, nan, nan, nan, _NAN_PAIR, nan, _NAN_PAIR, alpha, "order_statistic", error
        )
    if se_c == 0.0 and se_t == 0.0:
        return QuantileComparison(
            q, nan, nan, nan, _NAN_PAIR, nan, _NAN_PAIR, alpha, "order_statistic", "zero_variance"
        )
    q_c, q_t = arm_c.quantile(q), arm_t.quantile(q)
    z = float(stats.norm.isf(alpha / 2.0))
    diff = q_t - q_c
    half = z * math.hypot(se_c, se_t)
    lift, rel_ci = nan, _NAN_PAIR
    if q_c != 0.0:
        lift = q_t / q_c - 1.0
        rel_se = math.sqrt(se_t**2 / q_c**2 + q_t**2 * se_c**2 / q_c**4)
        rel_ci = (lift - z * rel_se, lift + z * rel_se)
    return QuantileComparison(
        q, q_c, q_t, diff, (diff - half, diff + half), lift, rel_ci, alpha, "order_statistic"
    )
