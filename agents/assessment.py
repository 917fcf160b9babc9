"""From beliefs to a judgement: each known model's utility for a task under a persona's weights.

Every objective is put on a ``[0, 1]`` scale where 1 is best:

- scores and reliability are posterior probabilities already;
- cost and speed by the position of the model's log geometric mean between the cheapest
  (fastest) and the dearest (slowest) model the agent knows for the task (a model whose cost
  nobody has seen counts as the dearest, never as free); cost efficiency (quality per dollar)
  likewise, higher being better.

The utility is the weighted mean over the objectives the agent has *any* evidence for on this
task (the weights renormalised over them): an objective never observed would only add the
same prior to every model. When none of the persona's objectives was observed, reliability
alone decides. A utility's spread combines the objectives' posterior spreads; the confidence of
the whole ranking is ``2 * Phi(z) - 1`` for ``z`` the gap between the top two utilities in units
of their combined spread (0: a coin toss, 1: sure), or, with a single model, the share of its
evidence in evidence plus prior.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from agents.ballot import Ballot
from agents.beliefs import COST_FLOOR, BeliefTable

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
    """

    task: str
    ranking: tuple[str, ...]
    utilities: tuple[float, ...]
    spreads: tuple[float, ...]
    confidence: float
    weights: tuple[tuple[str, float], ...]
    components: dict[str, dict[str, float]]

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
    used = [(name, w) for name, w in weights if _observed(table, name)]
    if not used:
        used = [("reliability", 1.0)]
    total = sum(w for _, w in used)
    used = [(name, w / total) for name, w in used]
    utility = np.zeros(len(table.models))
    variance = np.zeros(len(table.models))
    components: dict[str, dict[str, float]] = {m: {} for m in table.models}
    for name, w in used:
        unit, spread = _unit(table, name)
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
    )


def _observed(table: BeliefTable, name: str) -> bool:
    if name == "cost_efficiency":
        return bool(table.evidence["cost"].any() and table.evidence["quality"].any())
    return name in table.evidence and bool(table.evidence[name].any())


def _unit(table: BeliefTable, name: str) -> tuple[FloatArray, FloatArray]:
    """An objective's [0, 1] value per model (1 best) and its standard deviation."""
    if name == "cost":
        return _position(np.log(table.mean["cost"] + COST_FLOOR), table.sd["cost"], lower=True)
    if name == "speed":
        return _position(np.log(table.mean["speed"] + 1.0), table.sd["speed"], lower=True)
    if name == "cost_efficiency":
        quality, q_sd = table.mean["quality"], table.sd["quality"]
        value = np.log(quality) - np.log(table.mean["cost"] + COST_FLOOR)
        spread = np.hypot(table.sd["cost"], q_sd / quality)
        return _position(value, spread, lower=False)
    return table.mean[name], table.sd[name]


def _position(
    values: FloatArray, log_sd: FloatArray, *, lower: bool
) -> tuple[FloatArray, FloatArray]:
    """Position between the worst and best known value; unknown values count as the worst."""
    known = ~np.isnan(values)
    if not known.any():  # evidence so faded that nothing is left to compare
        return np.zeros(len(values)), np.full(len(values), 0.5)
    low, high = float(values[known].min()), float(values[known].max())
    span = high - low
    if span < 1e-12:
        unit = np.where(known, 1.0, 0.0)
        return unit, np.where(known, 0.0, 0.5)
    position = (values - low) / span
    unit = np.where(known, 1.0 - position if lower else position, 0.0)
    spread = np.where(known, np.minimum(np.nan_to_num(log_sd) / span, 1.0), 0.5)
    return unit, spread
