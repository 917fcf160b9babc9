"""Sufficient statistics of a numeric metric: count, sum and sum of squares."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Self

import numpy as np
import numpy.typing as npt

from selection.stats._validation import check_count, sample_array

__all__ = ["Moments"]

# Sums of squares that cancel to within this fraction of ``total_sq`` are rounding noise of the
# raw sums, not spread: pairwise float64 sums of a constant column leave ~1e-15 relative
# residue, and long chains of ``__add__`` leave more. Below this the variance is reported as 0.
_CANCELLATION = 1e-12


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

    def __add__(self, other: object) -> Moments:
        if not isinstance(other, Moments):
            return NotImplemented
        return Moments(self.n + other.n, self.total + other.total, self.total_sq + other.total_sq)

    @property
    def mean(self) -> float:
        """Sample mean, or NaN when ``n == 0``."""
        return self.total / self.n if self.n > 0 else math.nan

    @property
    def variance(self) -> float:
        """Sample variance with the ``n - 1`` denominator, or NaN when ``n < 2``.

        Computed as ``(total_sq - total**2 / n) / (n - 1)``. A residue below ``1e-12 *
        total_sq`` is rounding noise of the raw sums and gives exactly 0.0, so a constant
        column is recognised as such (relative spreads ``std / |mean|`` below about 1e-6
        cannot be resolved from these three numbers).
        """
        if self.n < 2:
            return math.nan
        sum_sq_dev = self.total_sq - self.total * self.total / self.n
        if sum_sq_dev <= _CANCELLATION * self.total_sq:
            return 0.0
        return sum_sq_dev / (self.n - 1)

    @property
    def std(self) -> float:
        """Sample standard deviation (square root of :attr:`variance`)."""
        return math.sqrt(self.variance)
