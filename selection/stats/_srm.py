"""Sample-ratio mismatch: did the traffic split come out as configured?

A mismatch means assignment or logging is broken (a crashing arm, a bot filter, a cache),
and every metric comparison of the test is suspect. Check it before reading any result.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from selection.stats._validation import ErrorCode, check_alpha, check_count, check_positive

__all__ = ["SRMResult", "srm_check"]


@dataclass(frozen=True, slots=True)
class SRMResult:
    """Outcome of a chi-square goodness-of-fit test of arm counts against configured weights.

    Attributes:
        statistic: Pearson chi-square statistic.
        p_value: Its upper-tail p-value with ``k - 1`` degrees of freedom.
        mismatch: Whether ``p_value < alpha``: the split is off and results are suspect.
        expected: Counts the weights imply for the observed total.
        alpha: Threshold used for ``mismatch``.
        error: ``None``, or ``"insufficient_data"`` when no unit has been counted yet.
    """

    statistic: float
    p_value: float
    mismatch: bool
    expected: tuple[float, ...]
    alpha: float
    error: ErrorCode | None = None


def srm_check(
    observed_counts: Sequence[int],
    expected_weights: Sequence[float],
    *,
    alpha: float = 0.001,
) -> SRMResult:
    """Chi-square test that observed arm sizes follow the configured allocation.

    The default ``alpha=0.001`` is the usual SRM threshold: the check runs on every test
    and every look, so a loose threshold would raise false alarms, while real mismatches
    tend to give p-values far below it.

    Args:
        observed_counts: Units (users, requests) assigned to each arm.
        expected_weights: Configured allocation per arm, in the same order; any positive
            scale (``[1, 1]``, ``[0.9, 0.1]``, ``[50, 50]``).
        alpha: Threshold below which the split is flagged.

    Returns:
        The test. ``error="insufficient_data"`` (and ``mismatch=False``) when every count is 0.

    Raises:
        ValueError: If the sequences differ in length or have fewer than 2 arms, a count is
            negative or not an integer, a weight is not > 0, or ``alpha`` is not in (0, 1).
    """
    from scipy import stats

    alpha = check_alpha(alpha)
    if len(observed_counts) != len(expected_weights):
        raise ValueError(
            f"observed_counts and expected_weights must have the same length, got "
            f"{len(observed_counts)} and {len(expected_weights)}"
        )
    if len(observed_counts) < 2:
        raise ValueError(f"need at least 2 arms, got {len(observed_counts)}")
    counts = np.array(
        [check_count(c, f"observed_counts[{i}]") for i, c in enumerate(observed_counts)],
        dtype=np.float64,
    )
    weights = np.array(
        [check_positive(w, f"expected_weights[{i}]") for i, w in enumerate(expected_weights)]
    )
    total = float(counts.sum())
    expected = total * weights / weights.sum()
    if total == 0.0:
        return SRMResult(
            math.nan, math.nan, False, tuple(expected.tolist()), alpha, "insufficient_data"
        )
    res = stats.chisquare(counts, expected)
    p_value = float(res.pvalue)
    return SRMResult(
        float(res.statistic), p_value, p_value < alpha, tuple(expected.tolist()), alpha
    )
