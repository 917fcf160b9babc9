"""Positional consensus methods and the agreement measures, as pure functions of a Profile.

Every score is a weighted share, so it reads the same whatever the number of voters:

- plurality: weighted share of voters ranking the model first;
- borda: weighted mean of Borda points scaled to ``[0, 1]`` (1 first, 0 last; unranked models
  share the mean points of the places left);
- approval: weighted share of voters approving the model (see :func:`approvals`);
- score: weighted mean of the ballots' scores; a ballot without scores contributes its scaled
  Borda points, and a scored ballot gives the models it leaves out 0.
"""

from __future__ import annotations

import math

import numpy as np

from hive._profile import BoolArray, FloatArray, Profile

__all__ = [
    "approval",
    "approvals",
    "borda",
    "kendalls_w",
    "plurality",
    "score",
    "top_half_share",
]


def _share(profile: Profile, per_voter: FloatArray | BoolArray) -> FloatArray:
    """Weighted mean over voters of a ``(voters, models)`` table with entries in ``[0, 1]``."""
    return _mean(profile, profile.weighted_sum(per_voter))


def _mean(profile: Profile, weighted_sum: FloatArray) -> FloatArray:
    mean = weighted_sum / profile.total_weight
    # Rounding can push a unanimous share to 1 + 2e-16; keep shares in [0, 1].
    return np.clip(mean, 0.0, 1.0)


def plurality(profile: Profile) -> FloatArray:
    """Weighted share of voters ranking each model first."""
    return np.clip(profile.first_place / profile.total_weight, 0.0, 1.0)


def borda(profile: Profile) -> FloatArray:
    """Weighted mean Borda points of each model, scaled to ``[0, 1]``."""
    return _mean(profile, profile.borda_total)


def approvals(profile: Profile, *, k: int | None, threshold: float | None) -> BoolArray:
    """Which models each voter approves.

    A ballot with scores approves the models scored ``>= threshold`` when a threshold is given.
    Otherwise (no threshold, or a ballot without scores) a ballot approves its top ``k`` ranked
    models, ``k`` defaulting to the better half of its own ranking (``ceil(len(ranking) / 2)``).

    Args:
        profile: The ballots.
        k: How many top-ranked models a ballot approves, or ``None`` for half of its ranking.
        threshold: Score at or above which a scored ballot approves a model, or ``None``.

    Returns:
        A ``(voters, models)`` boolean table.
    """
    ranked = profile.ranked
    top_k = (ranked + 1) // 2 if k is None else np.minimum(ranked, k)
    approved = profile.positions < top_k[:, None]
    if threshold is not None:
        by_score = profile.scores >= threshold
        approved = np.where(profile.has_scores[:, None], by_score, approved)
    return np.asarray(approved, dtype=np.bool_)


def approval(profile: Profile, *, k: int | None, threshold: float | None) -> FloatArray:
    """Weighted share of voters approving each model (see :func:`approvals`)."""
    if profile.n_models == 1 or (threshold is not None and profile.has_scores.any()):
        # (one model: einsum sums a single column in another order than bincount would)
        return _share(profile, approvals(profile, k=k, threshold=threshold))
    # By rank only: sum the approved entries of the rankings, not a (voters, models) table.
    if profile.width is not None:
        top = (profile.width + 1) // 2 if k is None else min(profile.width, k)
        return _mean(profile, profile.weighted_entry_sum(top))
    ranked = profile.ranked
    top_k = (ranked + 1) // 2 if k is None else np.minimum(ranked, k)
    chosen = profile.places < np.repeat(top_k, ranked)
    return _mean(profile, profile.weighted_entry_sum(chosen))


def score(profile: Profile) -> FloatArray:
    """Weighted mean score of each model.

    Ballots without scores contribute their scaled Borda points; scored ballots give the
    models they do not rank a score of 0.
    """
    if not profile.has_scores.any():
        return borda(profile)
    scored = np.nan_to_num(profile.scores, nan=0.0)
    table = np.where(profile.has_scores[:, None], scored, profile.borda_points)
    return _share(profile, table)


def kendalls_w(profile: Profile) -> float:
    """Kendall's coefficient of concordance W over the ballots' rankings, in ``[0, 1]``.

    Models a ballot leaves out are tied last and get the mean of the ranks they span; the
    usual tie correction applies. Voter weights act as replication counts (a weight-2 ballot
    counts as two identical ballots), so with unit weights this is the textbook W. One model,
    or a single voter without ties, gives 1; no weight at all gives 0.
    """
    m = profile.n_models
    total = profile.total_weight
    if m == 1:
        return 1.0
    if total <= 0.0:
        return 0.0
    if profile.full:
        # Full rankings (the common case): ranks are positions + 1 and there are no ties.
        rank_sums = profile.weighted_place_sum(np.arange(m, dtype=np.float64)) + total
        ties = 0.0
    else:
        tied = (m - profile.ranked).astype(np.float64)
        unranked_rank = (profile.ranked + 1 + m) / 2.0
        ranks = np.where(profile.positions == m, unranked_rank[:, None], profile.positions + 1.0)
        rank_sums = profile.weighted_sum(ranks)
        ties = float(np.dot(profile.weights, tied**3 - tied))
    spread = float(np.sum((rank_sums - total * (m + 1) / 2.0) ** 2))
    denominator = total**2 * (m**3 - m) - total * ties
    if denominator <= 0.0:
        return 1.0
    return float(min(1.0, max(0.0, 12.0 * spread / denominator)))


def top_half_share(profile: Profile, model: int) -> float:
    """Weighted share of voters placing ``model`` in the better half of the candidates.

    The better half is the first ``ceil(models / 2)`` places, the middle place included when
    the number of candidates is odd; a model the ballot does not rank is never in it.
    """
    if profile.total_weight <= 0.0:
        return 0.0
    half = math.ceil(profile.n_models / 2)
    if "positions" in profile.__dict__ or profile.width is None:  # built already, or ragged
        in_top = profile.positions[:, model] < half
    else:
        in_top = (profile.orders[:, :half] == model).any(axis=1)
    return float(_share(profile, in_top[:, None])[0])
