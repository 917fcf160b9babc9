"""Order models by score, breaking ties deterministically and saying how."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from hive._profile import FloatArray

__all__ = ["Tie", "order_with_ties"]

# Scores closer than this (relative to the largest) are equal: summing the same weights in
# another order changes the last bits, and that must not change the ranking.
_RELATIVE_TOLERANCE = 1e-9


class Tie(BaseModel):
    """Models the method scored equally, and how their order was decided.

    Attributes:
        models: The tied models, in the order they were placed.
        place: 1-based place in the ranking of the first of them.
        resolved_by: The last criterion needed to order them: the secondary score (``"borda"``,
            or ``"plurality"`` when the method is Borda) or ``"model_id"`` when models were
            still equal on it and were ordered by id (ascending).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    models: tuple[str, ...] = Field(min_length=2)
    place: int = Field(ge=1)
    resolved_by: Literal["borda", "plurality", "model_id"]


def _tolerance(values: FloatArray) -> float:
    return _RELATIVE_TOLERANCE * max(1.0, float(abs(values).max(initial=0.0)))


def _groups(order: Sequence[int], values: FloatArray) -> list[list[int]]:
    """Split ``order`` (sorted by decreasing value) into runs of equal values."""
    tol = _tolerance(values)
    runs: list[list[int]] = []
    for i in order:
        if runs and values[runs[-1][-1]] - values[i] <= tol:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def order_with_ties(
    primary: FloatArray,
    secondary: Callable[[], FloatArray],
    *,
    models: Sequence[str],
    secondary_name: Literal["borda", "plurality"],
) -> tuple[list[int], tuple[Tie, ...]]:
    """Rank models by ``primary`` (higher first), then ``secondary``, then model id.

    Args:
        primary: The method's score per model.
        secondary: Computes the tie-break score per model; called only if there is a tie.
        models: Model ids, sorted; index ``i`` of the scores is ``models[i]``.
        secondary_name: What ``secondary`` is, for the report.

    Returns:
        Model indices best first, and the ties that had to be broken.
    """
    by_primary = np.argsort(-primary, kind="stable")  # equal scores keep model-id order
    ordered = primary[by_primary]
    if not (ordered[:-1] - ordered[1:] <= _tolerance(primary)).any():
        return by_primary.tolist(), ()  # no tie: the common case, without a Python loop
    ranking: list[int] = []
    ties: list[Tie] = []
    tie_break: FloatArray | None = None
    for group in _groups(by_primary.tolist(), primary):
        if len(group) == 1:
            ranking.extend(group)
            continue
        if tie_break is None:
            tie_break = secondary()
        by_secondary = sorted(group, key=lambda i: (-tie_break[i], i))
        runs = _groups(by_secondary, tie_break)
        placed = [i for run in runs for i in sorted(run)]
        ties.append(
            Tie(
                models=tuple(models[i] for i in placed),
                place=len(ranking) + 1,
                resolved_by="model_id" if any(len(run) > 1 for run in runs) else secondary_name,
            )
        )
        ranking.extend(placed)
    return ranking, tuple(ties)
