"""From beliefs to a judgement: each known model's utility for a task under a persona's weights.

Every objective is put on a ``[0, 1]`` scale where 1 is best, the scale the selector scores on
(:func:`selection.scoring.build_score_table`), so a persona with the selector's weights ranks
as the selector does on the same evidence:

- scores and reliability are posterior probabilities already;
- cost and speed by the position of the model's value between the cheapest (fastest) and the
  dearest (slowest) model the agent knows for the task (a model whose cost nobody has seen
  counts as the dearest, never as free); cost efficiency (quality per dollar), which spans
  orders of magnitude, by its logarithm's position, higher being better.

An agent judges an answer's quality; a score objective it has no separate judgement of
(accuracy, reasoning, creativity... when only quality is judged) is valued by that quality and
reported in :attr:`Assessment.stand_ins`, so a persona that weighs accuracy still votes on how
good the answers were. An objective with no evidence at all on this task (a cost nobody saw)
is left out, the weights renormalised over the rest, and reported in
:attr:`Assessment.absent`: it would only add the same prior to every model. When none of the
persona's objectives was observed, reliability alone decides. A utility's spread combines the
objectives' posterior spreads; the confidence of the whole ranking is ``2 * Phi(z) - 1`` for
``z`` the gap between the top two utilities in units of their combined spread (0: a coin toss,
1: sure), or, with a single model, the share of its evidence in evidence plus prior.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from agents.ballot import Ballot
from agents.beliefs import COST_FLOOR, BeliefTable
from agents.perception import SCORE_OBJECTIVES

__all__ = ["Assessment", "assess"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Assessment:
    """An agent's judgement of the models it knows for one task, best first.

    Attributes:
        task: The task judged.
        ranking: Model ids, best first (equal utilities ordered by model id).
        utilities: Utility in ``[0, 1]`` per ranked model, non-increasing.
        spreads: Standard deviation of each utility.
        confidence: How sure the agent is of its ranking, in ``[0, 1]``.
        weights: The ``(objective, weight)`` pairs actually used (see the module docstring).
        components: Per model, its ``[0, 1]`` value on each objective used.
        stand_ins: Score objectives valued by the judged quality (no judgement of their own).
        absent: Objectives of the persona left out: no evidence of them on this task.
    """

    task: str
    ranking: tuple[str, ...]
    utilities: tuple[float, ...]
    spreads: tuple[float, ...]
    confidence: float
    weights: tuple[tuple[str, float], ...]
    components: dict[str, dict[str, float]]
    stand_ins: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, float]:
        """Utility per model."""
        return dict(zip(self.ranking, self.utilities, strict=True))

    def to_ballot(self, voter: str, *, weight: float = 1.0) -> Ballot:
        """The ballot this judgement casts: the ranking with utilities as scores."""
        return Ballot(
            voter=voter,
            task=self.task,
            ranking=self.ranking,
            scores=self.utilities,
            weight=weight,
            confidence=self.confidence,
        )


def assess(
    table: BeliefTable, weights: Sequence[tuple[str, float]], *, prior_strength: float = 2.0
) -> Assessment:
    """Judge every model of a belief table under the given objective weights.

    Args:
        table: The agent's posteriors for one task.
        weights: ``(objective, weight)`` pairs with positive weights (a persona's priorities).
        prior_strength: The beliefs' prior worth in calls (for a single model's confidence).

    Returns:
        The models ranked by utility, with spreads and the ranking's confidence.
    """
    calls = table.evidence["reliability"]
    judged = _observed(table, "quality")
    stand_ins = tuple(
        name
        for name, _ in weights
        if name in SCORE_OBJECTIVES and judged and not _observed(table, name)
    )
    used = [(name, w) for name, w in weights if name in stand_ins or _observed(table, name)]
    absent = tuple(name for name, _ in weights if name not in dict(used))
    if not used:
        used = [("reliability", 1.0)]
    total = sum(w for _, w in used)
    used = [(name, w / total) for name, w in used]
    utility = np.zeros(len(table.models))
    variance = np.zeros(len(table.models))
    components: dict[str, dict[str, float]] = {m: {} for m in table.models}
    for name, w in used:
        unit, spread = _unit(table, "quality" if name in stand_ins else name)
        utility += w * unit
        variance += (w * spread) ** 2
        for i, model in enumerate(table.models):
            components[model][name] = float(unit[i])
    utility = np.clip(utility, 0.0, 1.0)
    order = sorted(range(len(utility)), key=lambda i: (-utility[i], table.models[i]))
    spreads = np.sqrt(variance)
    if len(order) == 1:
        confidence = float(calls[0] / (calls[0] + prior_strength))
    else:
        first, second = order[0], order[1]
        gap = utility[first] - utility[second]
        z = gap / max(math.hypot(spreads[first], spreads[second]), 1e-12)
        confidence = math.erf(z / math.sqrt(2.0))  # 2 * Phi(z) - 1 for z >= 0
    return Assessment(
        task=table.task,
        ranking=tuple(table.models[i] for i in order),
        utilities=tuple(float(utility[i]) for i in order),
        spreads=tuple(float(spreads[i]) for i in order),
        confidence=min(max(confidence, 0.0), 1.0),
        weights=tuple(used),
        components=components,
        stand_ins=stand_ins,
        absent=absent,
    )


def _observed(table: BeliefTable, name: str) -> bool:
    if name == "cost_efficiency":
        return bool(table.evidence["cost"].any() and table.evidence["quality"].any())
    return name in table.evidence and bool(table.evidence[name].any())


def _unit(table: BeliefTable, name: str) -> tuple[FloatArray, FloatArray]:
    """An objective's [0, 1] value per model (1 best) and its standard deviation."""
    if name in ("cost", "speed"):  # linear, as the selector scores them; sd is of the log
        value = table.mean[name]
        return _position(value, table.sd[name] * value, lower=True)
    if name == "cost_efficiency":
        quality, q_sd = table.mean["quality"], table.sd["quality"]
        value = np.log(quality) - np.log(table.mean["cost"] + COST_FLOOR)
        spread = np.hypot(table.sd["cost"], q_sd / quality)
        return _position(value, spread, lower=False)
    return table.mean[name], table.sd[name]


def _position(values: FloatArray, sd: FloatArray, *, lower: bool) -> tuple[FloatArray, FloatArray]:
    """Position between the worst and best known value; unknown values count as the worst."""
    known = ~np.isnan(values)
    if not known.any():  # evidence so faded that nothing is left to compare
        return np.zeros(len(values)), np.full(len(values), 0.5)
    low, high = float(values[known].min()), float(values[known].max())
    span = high - low
    if span <= 1e-9 * max(abs(low), abs(high), 1e-12):  # equal up to rounding
        unit = np.where(known, 1.0, 0.0)
        return unit, np.where(known, 0.0, 0.5)
    position = (values - low) / span
    unit = np.where(known, 1.0 - position if lower else position, 0.0)
    spread = np.where(known, np.minimum(np.nan_to_num(sd) / span, 1.0), 0.5)
    return unit, spread
