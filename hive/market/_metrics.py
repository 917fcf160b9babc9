"""The measures of a cultural market, as Salganik, Dodds & Watts (2006) defined them.

Shares are arrays whose last axis runs over models and sums to 1 per world.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["gini", "lock_in", "quality_success_tau", "unpredictability"]


def gini(shares: ArrayLike) -> NDArray[np.float64]:
    """Gini coefficient of market shares over the last axis (0 equal, (n-1)/n one winner).

    ``sum_i sum_j |x_i - x_j| / (2 n^2 mean)``, the form MusicLab reports.
    """
    x = np.asarray(shares, dtype=float)
    n = x.shape[-1]
    x = np.sort(x, axis=-1)
    total = x.sum(axis=-1)
    # Sorted form of the mean absolute difference: sum_i (2i - n - 1) x_(i).
    ranks = 2 * np.arange(1, n + 1) - n - 1
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray((x * ranks).sum(axis=-1) / (n * total), dtype=float)


def unpredictability(shares: ArrayLike) -> float:
    """U: a model's share differs this much between two worlds, on average over pairs and models.

    ``shares`` is (worlds, models). ``u_i = mean over world pairs |m_ij - m_ik|``; ``U`` is the
    mean of ``u_i`` over models. 0 when every world ends alike.
    """
    m = np.asarray(shares, dtype=float)
    if m.ndim != 2 or m.shape[0] < 2:
        raise ValueError(f"unpredictability needs (worlds >= 2, models) shares, got {m.shape}")
    j, k = np.triu_indices(m.shape[0], 1)
    return float(np.abs(m[j] - m[k]).mean())


def quality_success_tau(quality: ArrayLike, shares: ArrayLike) -> NDArray[np.float64]:
    """Kendall's tau-b between models' quality and their market share, per world."""
    from scipy import stats

    q = np.asarray(quality, dtype=float)
    m = np.atleast_2d(np.asarray(shares, dtype=float))
    return np.array([stats.kendalltau(q, row).statistic for row in m], dtype=float)


def lock_in(trajectory: ArrayLike) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """When each world's final leader took the lead for good, and who it is.

    ``trajectory`` is (checkpoints, worlds, models) shares. Returns, per world, the first
    checkpoint from which the leader never changed again, and the final leader's index.
    """
    t = np.asarray(trajectory, dtype=float)
    leaders = t.argmax(axis=-1)  # (checkpoints, worlds)
    final = leaders[-1]
    differs = leaders != final
    last_other = np.where(
        differs.any(axis=0), differs.shape[0] - 1 - np.argmax(differs[::-1], axis=0), -1
    )
    return (last_other + 1).astype(np.int64), final.astype(np.int64)
