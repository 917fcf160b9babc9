"""Where to sample a policy's cost-quality frontier next: bisect the widest cost gap.

A fixed grid of cost weights wastes points: on a two-model trace the selector moves from the
strong model to the cheap one between weights 0 and about 0.3, and every weight above that
gives the same point. Here a policy is run at a few seed weights, then repeatedly at the
midpoint of the two neighbouring weights (in weight order) whose runs are furthest apart in
mean cost, until the points are spent or no gap is left worth splitting: the points land
where the frontier moves.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

__all__ = ["MIN_WEIGHT_STEP", "next_weight"]

MIN_WEIGHT_STEP = 1.0 / 256  # weights closer than this are not split further
_NO_GAP = 1e-12


def next_weight(points: Sequence[tuple[float, float]]) -> float | None:
    """The cost weight to run next, given ``(weight, mean cost)`` of the runs so far.

    Returns:
        The midpoint of the adjacent pair (by weight) with the largest cost gap, rounded to
        a multiple of :data:`MIN_WEIGHT_STEP` so weights print exactly; ``None`` when every
        gap is nil or its weights are already closer than that step.

    Raises:
        ValueError: fewer than two points, or a weight repeated.
    """
    if len(points) < 2:
        raise ValueError(f"need at least two runs to split, got {len(points)}")
    ranked = sorted(points)
    weights = [w for w, _ in ranked]
    if len(set(weights)) != len(weights):
        raise ValueError(f"cost weights repeat: {weights}")
    best: tuple[float, float, float] | None = None
    for (w0, c0), (w1, c1) in pairwise(ranked):
        gap = abs(c1 - c0)
        if gap <= _NO_GAP or w1 - w0 < 2 * MIN_WEIGHT_STEP:
            continue
        if best is None or gap > best[0]:
            best = (gap, w0, w1)
    if best is None:
        return None
    _, w0, w1 = best
    middle = round((w0 + w1) / 2 / MIN_WEIGHT_STEP) * MIN_WEIGHT_STEP
    return middle if w0 < middle < w1 else None
