"""Sufficient statistics of a numeric metric: count, sum and sum of squares."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Self

import numpy as np
import numpy.typing as npt

from selection.stats._validation import check_count, sample_array

__all__ = ["Moments", "sample_mean", "sample_variance"]

# Sums of squares that cancel to within this fraction of ``total_sq`` are rounding noise of the
# raw sums, not spread: pairwise float64 sums of a constant column leave ~1e-15 relative
# residue, and long chains of ``__add__`` leave more. Below this the variance is reported as 0.
_CANCELLATION = 1e-12


def sample_mean(n: int, total: float) -> float:
    """Mean from running sums, or NaN when ``n == 0``."""
    return total / n if n > 0 else math.nan


def sample_variance(n: int, total: float, total_sq: float) -> float:
    """Sample variance (``n - 1`` denominator) from running sums, or NaN when ``n < 2``.

    Computed as ``(total_sq - total**2 / n) / (n - 1)``. A residue below ``1e-12 *
    total_sq`` is rounding noise of the raw sums and gives exactly 0.0, so a constant
    column is recognised as such (relative spreads ``std / |mean|`` below about 1e-6
    cannot be resolved from these three numbers). This is the one variance rule: the
    tracker's :class:`~selection.aggregates.Aggregate` and :class:`Moments` both use it.
    """
    if n < 2:
        return math.nan
    sum_sq_dev = total_sq - total * total / n
    if sum_sq_dev <= _CANCELLATION * total_sq:
        return 0.0
    return sum_sq_dev / (n - 1)


@dataclass(frozen=True, slots=True)
class Moments:
    """Count, sum and sum of squares of one metric in one arm.

    These three numbers are all that mean-based tests need, they merge by addition, and
    they are what the tracker keeps in memory and the store persists. Quantile questions
    (latency p50/p95) cannot be answered from them: keep raw values or a histogram for
    those.

    Attributes:
        n: Number of observations.
        total: Sum of the observations.
        total_sq: Sum of the squared observations.
    """

    n: int
    total: float
    total_sq: float

    def __post_init__(self) -> None:
        check_count(self.n, "n")
        if not (math.isfinite(self.total) and math.isfinite(self.total_sq)):
            raise ValueError(
                f"total and total_sq must be finite, got total={self.total!r}, "
                f"total_sq={self.total_sq!r}"
            )
        if self.total_sq < 0.0:
            raise ValueError(f"total_sq must be >= 0, got {self.total_sq!r}")
        if self.n == 0 and (self.total != 0.0 or self.total_sq != 0.0):
            raise ValueError(
                f"an empty Moments (n=0) must have total=0 and total_sq=0, got "
                f"total={self.total!r}, total_sq={self.total_sq!r}"
            )

    @classmethod
    def of(cls, values: Iterable[float] | npt.NDArray[Any]) -> Self:
        """Summarise raw observations.

        Args:
            values: A one-dimensional sequence or array of finite numbers.

        Returns:
            The moments of ``values`` (``n=0`` for an empty input).

        Raises:
            ValueError: If ``values`` is not one-dimensional or holds NaN or infinity.
        """
        array = sample_array(values, "values")
        # np.sum is pairwise, so a million-row column keeps ~1e-16 relative error; a BLAS dot
        # product for total_sq accumulates ~1e-13 and would hide zero variance.
        return cls(int(array.size), float(np.sum(array)), float(np.sum(np.square(array))))

    @classmethod
    def from_sums(cls, n: int, total: float, total_sq: float) -> Moments:
        """Moments from running sums that values were taken out of (a rating replaced).

        Removing values leaves rounding residue in the sums; it is cleared here (a slightly
        negative ``total_sq`` reads as 0, and an empty column as all zeros), so the result
        is valid wherever the sums came from.
        """
        if n == 0:
            return Moments(0, 0.0, 0.0)
        return Moments(n, total, max(0.0, total_sq))

    def __add__(self, other: object) -> Moments:
        """Merge: the moments of both sets of observations together."""
        if not isinstance(other, Moments):
            return NotImplemented
        return Moments(self.n + other.n, self.total + other.total, self.total_sq + other.total_sq)

    def __sub__(self, other: object) -> Moments:
        """Remove a subset of the observations (``other`` must have been added)."""
        if not isinstance(other, Moments):
            return NotImplemented
        if other.n > self.n:
            raise ValueError(f"cannot remove {other.n} observations from {self.n}")
        return Moments.from_sums(
            self.n - other.n, self.total - other.total, self.total_sq - other.total_sq
        )

    def added(self, value: float) -> Moments:
        """These moments with one more observation."""
        return Moments(self.n + 1, self.total + value, self.total_sq + value * value)

    def replaced(self, old: float | None, new: float | None) -> Moments:
        """One observation replaced: ``old`` taken out (if any), ``new`` added (if any)."""
        n, total, total_sq = self.n, self.total, self.total_sq
        if old is not None:
            if n == 0:
                raise ValueError(f"cannot remove {old!r} from empty moments")
            n, total, total_sq = n - 1, total - old, total_sq - old * old
        if new is not None:
            n, total, total_sq = n + 1, total + new, total_sq + new * new
        return Moments.from_sums(n, total, total_sq)

    @property
    def mean(self) -> float:
        """Sample mean, or NaN when ``n == 0``."""
        return sample_mean(self.n, self.total)

    @property
    def variance(self) -> float:
        """Sample variance with the ``n - 1`` denominator, or NaN when ``n < 2``.

        See :func:`sample_variance`, the one rule for every variance of running sums.
        """
        return sample_variance(self.n, self.total, self.total_sq)

    @property
    def std(self) -> float:
        """Sample standard deviation (square root of :attr:`variance`)."""
        return math.sqrt(self.variance)
