"""Family-wise error control when one test reads several metrics (or several arms)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from selection.stats._validation import check_alpha

__all__ = ["HolmResult", "holm"]


@dataclass(frozen=True, slots=True)
class HolmResult:
    """Holm step-down adjusted p-values and decisions, in the input order.

    Attributes:
        adjusted: Adjusted p-values (NaN where the input was NaN).
        reject: Whether each hypothesis is rejected (``adjusted <= alpha``).
        alpha: Family-wise error rate.
    """

    adjusted: tuple[float, ...]
    reject: tuple[bool, ...]
    alpha: float


def holm(p_values: Sequence[float], *, alpha: float = 0.05) -> HolmResult:
    """Holm (1979) step-down adjustment; equals R's ``p.adjust(p, method = "holm")``.

    With the ``m`` p-values sorted ascending, the ``i``-th adjusted value is
    ``max_{j <= i} min(1, (m - j + 1) p_(j))``. It controls the family-wise error rate at
    ``alpha`` under any dependence between the tests and is uniformly more powerful than
    Bonferroni. As in R, NaN inputs (for example from a result with an ``error``) stay NaN,
    are never rejected and do not count towards ``m``.

    Args:
        p_values: Unadjusted p-values, each in [0, 1] or NaN.
        alpha: Family-wise error rate.

    Returns:
        Adjusted p-values and reject flags, in the input order.

    Raises:
        ValueError: If a p-value is outside [0, 1] or ``alpha`` is not in (0, 1).
    """
    alpha = check_alpha(alpha)
    p = np.array([float(v) for v in p_values], dtype=np.float64)
    for i, value in enumerate(p):
        if not (math.isnan(value) or 0.0 <= value <= 1.0):
            raise ValueError(f"p_values[{i}] must be in [0, 1] or NaN, got {p_values[i]!r}")
    adjusted = np.full(p.shape, math.nan)
    present = np.flatnonzero(~np.isnan(p))
    m = present.size
    if m:
        order = present[np.argsort(p[present], kind="stable")]
        scaled = np.minimum(1.0, (m - np.arange(m)) * p[order])
        adjusted[order] = np.maximum.accumulate(scaled)
    reject = tuple(bool(a <= alpha) for a in adjusted)
    return HolmResult(tuple(adjusted.tolist()), reject, alpha)
