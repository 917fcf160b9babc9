"""Large-sample pieces shared by the fixed-horizon, non-inferiority and sequential tests.

Every mean-like comparison here reduces to two arm estimates and the variances of those
estimates. The difference uses them directly; the relative lift ``mean_t / mean_c - 1`` uses
the first-order delta method (Deng, Knoblich & Lu 2018, "Applying the Delta Method in Metric
Analytics", KDD; the same formula as gbstats), with the two arms independent::

    Var(lift) ~= var_t / mean_c**2 + mean_t**2 * var_c / mean_c**4

where ``var_c`` and ``var_t`` are the variances of the arm means (``s**2 / n``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["ArmEstimates", "critical_value", "upper_tail"]


@dataclass(frozen=True, slots=True)
class ArmEstimates:
    """Point estimates of both arms and the variances of those estimates.

    Attributes:
        mean_c: Control estimate.
        var_c: Variance of the control estimate (``s**2 / n`` for a mean).
        mean_t: Treatment estimate.
        var_t: Variance of the treatment estimate.
        df: Degrees of freedom of the reference t distribution (``math.inf`` for a z test).
    """

    mean_c: float
    var_c: float
    mean_t: float
    var_t: float
    df: float

    @property
    def difference(self) -> float:
        """Treatment minus control."""
        return self.mean_t - self.mean_c

    @property
    def se(self) -> float:
        """Standard error of the difference."""
        return math.sqrt(self.var_c + self.var_t)

    @property
    def lift(self) -> float:
        """Relative lift ``mean_t / mean_c - 1`` (NaN when the control estimate is 0)."""
        return self.mean_t / self.mean_c - 1.0 if self.mean_c != 0.0 else math.nan

    @property
    def lift_se(self) -> float:
        """Delta-method standard error of :attr:`lift` (NaN when the control estimate is 0)."""
        if self.mean_c == 0.0:
            return math.nan
        c2 = self.mean_c * self.mean_c
        return math.sqrt(self.var_t / c2 + self.mean_t * self.mean_t * self.var_c / (c2 * c2))


def critical_value(tail_probability: float, df: float) -> float:
    """Quantile ``q`` with ``P(T > q) = tail_probability`` for a t (or, at ``df=inf``, normal).

    The same special functions ``scipy.stats.t.isf`` and ``norm.isf`` evaluate, so the values
    are bit-identical, without the distribution objects' argument handling (about 20x slower).
    """
    from scipy import special

    if math.isinf(df):
        return -float(special.ndtri(tail_probability))
    return -float(special.stdtrit(df, tail_probability))


def upper_tail(statistic: float, df: float) -> float:
    """``P(T > statistic)`` for a t distribution (or, at ``df=inf``, the standard normal).

    ``scipy.stats.t.sf`` and ``norm.sf``'s own special functions: bit-identical values.
    """
    from scipy import special

    if math.isinf(df):
        return float(special.ndtr(-statistic))
    return float(special.stdtr(df, -statistic))
