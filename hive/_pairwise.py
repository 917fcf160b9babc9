"""Pairwise consensus methods over a preference matrix.

Each function takes ``P``, a ``(models, models)`` matrix where ``P[i, j]`` is the weight of the
voters who prefer model ``i`` to model ``j``. Comparisons of floating sums use a tolerance
(:func:`tolerance`) so that reordering the ballots, which changes the last bits of the sums,
never changes a result.
"""

from __future__ import annotations

import numpy as np

from hive._profile import FloatArray

__all__ = [
    "copeland",
    "schulze",
    "strongest_paths",
    "tolerance",
    "weakest_head_to_head",
]


def tolerance(pairwise: FloatArray) -> float:
    """Absolute tolerance under which two pairwise weights count as equal."""
    return 1e-9 * max(1.0, float(np.max(pairwise, initial=0.0)))


def copeland(pairwise: FloatArray) -> FloatArray:
    """Copeland score: head-to-head wins plus half a point per head-to-head tie.

    A model beats another when more voter weight prefers it; with ``m`` models the score
    runs from 0 to ``m - 1``.
    """
    tol = tolerance(pairwise)
    margin = pairwise - pairwise.T
    wins = (margin > tol).sum(axis=1)
    ties = (np.abs(margin) <= tol).sum(axis=1) - 1  # minus the diagonal
    scores: FloatArray = wins + 0.5 * ties
    return scores


def strongest_paths(pairwise: FloatArray) -> FloatArray:
    """Strength of the strongest path between every pair of models (Schulze, winning votes).

    A direct link ``i -> j`` has strength ``P[i, j]`` when ``i`` beats ``j`` head to head, and 0
    otherwise; a path is as strong as its weakest link. Widest paths are found with the
    Floyd-Warshall recursion, vectorised over all pairs for each intermediate model.
    """
    tol = tolerance(pairwise)
    paths = np.where(pairwise - pairwise.T > tol, pairwise, 0.0)
    for k in range(len(paths)):
        # Paths through the diagonal never beat the direct link, so it needs no masking here.
        np.maximum(paths, np.minimum(paths[:, k, None], paths[None, k, :]), out=paths)
    np.fill_diagonal(paths, 0.0)
    return paths


def schulze(pairwise: FloatArray) -> FloatArray:
    """Schulze score: the number of rivals a model beats by strongest path.

    Model ``i`` beats ``j`` when the strongest path from ``i`` to ``j`` is stronger than the one
    back. This relation is transitive (Schulze 2011), so sorting by the count orders models
    consistently with it, and the Condorcet winner, when there is one, scores ``m - 1``.
    """
    paths = strongest_paths(pairwise)
    beats = paths - paths.T > tolerance(pairwise)
    return np.asarray(beats.sum(axis=1), dtype=np.float64)


def weakest_head_to_head(pairwise: FloatArray, model: int) -> float:
    """The smallest share of voters preferring ``model`` over one rival.

    For each rival, the share is taken among the voter weight that expresses a preference
    between the two; a pair nobody compared counts as an even split (0.5). With no rival the
    share is 1.
    """
    wins = np.delete(pairwise[model], model)
    losses = np.delete(pairwise[:, model], model)
    if wins.size == 0:
        return 1.0
    decided = wins + losses
    shares = np.divide(wins, decided, out=np.full_like(wins, 0.5), where=decided > 0)
    return float(shares.min())
