"""Leave-one-out weighted medians: every reporter's jury of the others, in numpy.

:meth:`hive.HiveMind.settle_reports` scores each agent's report against the weighted median
of everybody else's. Pooling the others afresh for each agent sorts and sums the same arrays
once per agent; here they are sorted once, and the others' running weights of every row come
from one cumulative sum over a matrix whose row ``i`` has reporter ``i``'s weight zeroed.
Adding ``0.0`` leaves a running sum unchanged bit for bit, so each row's sums, and the median
it picks, are exactly those of pooling the others alone (``hive.hivemind._pool``).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["leave_one_out_medians"]

FloatArray = npt.NDArray[np.float64]

_BLOCK = 256  # rows per cumulative sum: bounds the matrix at 256 x reporters floats


def leave_one_out_medians(values: FloatArray, weights: FloatArray) -> FloatArray:
    """For each reporter, the weighted median of the others' values; ``nan`` without jurors.

    The others are the reporters with a positive weight other than itself, taken in their
    given order; the median is the first value, in a stable sort by value, at which the
    others' running weight reaches half their total (as ``hive.hivemind._pool`` pools).

    Raises:
        ValueError: the arrays differ in length, or a weight is negative or not finite.
    """
    values = np.asarray(values, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    if values.shape != weights.shape or values.ndim != 1:
        raise ValueError(
            f"values and weights must be 1-d of one length, got {values.shape} and {weights.shape}"
        )
    if not np.all(np.isfinite(weights) & (weights >= 0.0)):
        raise ValueError("weights must be finite and non-negative")
    out = np.full(len(values), np.nan)
    jurors = np.flatnonzero(weights > 0.0)
    if len(jurors) == 0:
        return out
    order = jurors[np.argsort(values[jurors], kind="stable")]
    sorted_values, sorted_weights = values[order], weights[order]
    slot = np.full(len(values), -1)  # each reporter's column among the sorted jurors
    slot[order] = np.arange(len(order))
    for start in range(0, len(values), _BLOCK):
        rows = np.arange(start, min(start + _BLOCK, len(values)))
        own = slot[rows]
        matrix = np.tile(sorted_weights, (len(rows), 1))
        mine = own >= 0
        matrix[np.flatnonzero(mine), own[mine]] = 0.0
        running = np.cumsum(matrix, axis=1)
        half = running[:, -1] / 2.0
        reached = running >= half[:, None]
        reached[np.flatnonzero(mine), own[mine]] = False  # never the reporter itself
        has_jury = (len(order) - mine) > 0
        pick = reached.argmax(axis=1)
        out[rows[has_jury]] = sorted_values[pick[has_jury]]
    return out
