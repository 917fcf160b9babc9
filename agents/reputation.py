"""Reputation: an agent's weight rises or falls with how well its ballots predicted outcomes.

After a vote, the models' *realised* outcomes in the following period (e.g. their mean
recorded quality, or their utility under the agent's own persona computed from the recorded
values: see :func:`outcomes_from_records`) are compared with the ballot's ranking by Kendall's
tau-b, in ``[-1, 1]``. Models the ballot left out but that have an outcome count as tied below
every ranked model (the hive's convention), so a ballot naming only its favourite is still
judged. The weight is then updated multiplicatively (exponentiated gradient / Hedge)::

    weight <- clip(weight * exp(learning_rate * tau), min_weight, max_weight)

A ballot that ranks the realised best first gains; one that pushes a bad model first loses
exponentially fast; a ballot with no information (fewer than two comparable models) changes
nothing. The bounds keep every voice audible and no voice dominant, and let a reformed agent
earn its weight back.

A quality report (what an agent perceived of each model, :meth:`agents.GenesisAgent.quality_report`)
is judged the same way against the jury of the agent's peers (:func:`report_agreement`): an
agent whose reports stray far from what the others saw of the same models loses weight, which
is how the hive's evidence discounts shills without being told who they are.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from agents.assessment import assess
from agents.ballot import Ballot
from agents.beliefs import BeliefConfig, Beliefs
from agents.perception import Observations
from selection import PerformanceRecord, TaskLike, normalise_priorities, task_name

__all__ = [
    "Reputation",
    "ReputationConfig",
    "outcomes_from_records",
    "outcomes_under",
    "rank_agreement",
    "report_agreement",
]


class ReputationConfig(BaseModel):
    """Bounds and speed of reputation updates.

    Attributes:
        initial: Weight of a newcomer.
        min_weight: Floor; ``> 0`` so that an agent can recover.
        max_weight: Ceiling.
        learning_rate: ``eta`` in ``weight * exp(eta * tau)``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    initial: float = Field(default=1.0, gt=0.0, allow_inf_nan=False)
    min_weight: float = Field(default=0.05, gt=0.0, allow_inf_nan=False)
    max_weight: float = Field(default=2.0, gt=0.0, allow_inf_nan=False)
    learning_rate: float = Field(default=0.5, gt=0.0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _ordered(self) -> ReputationConfig:
        if not self.min_weight <= self.initial <= self.max_weight:
            raise ValueError(
                f"need min_weight <= initial <= max_weight, got {self.min_weight}, "
                f"{self.initial}, {self.max_weight}"
            )
        return self


def rank_agreement(ranking: Sequence[str], outcomes: Mapping[str, float]) -> float | None:
    """Kendall's tau-b between a ranking (best first) and realised outcomes (higher better).

    A ballot is judged on the comparisons it states: only the ranked models with an outcome
    take part, so an agent is not punished for models it never saw. A ballot that ranks a
    single model is judged against all the others, tied below it (so naming only a bad model
    is still punished). Returns ``None`` when fewer than two models take part or either side
    is all ties (no information).
    """
    place = {model: i for i, model in enumerate(ranking)}
    models = [m for m in outcomes if math.isfinite(outcomes[m])]
    stated = [m for m in models if m in place]
    if len(stated) >= 2:
        models = stated
    if len(models) < 2:
        return None
    predicted = -np.array([place.get(m, len(ranking)) for m in models], dtype=float)
    realised = np.array([outcomes[m] for m in models], dtype=float)
    upper = np.triu_indices(len(models), k=1)
    dp = np.sign(predicted[:, None] - predicted[None, :])[upper]
    dr = np.sign(realised[:, None] - realised[None, :])[upper]
    denominator = math.sqrt(float(np.count_nonzero(dp)) * float(np.count_nonzero(dr)))
    if denominator == 0.0:
        return None
    return float(np.sum(dp * dr)) / denominator


def report_agreement(
    report: Mapping[str, tuple[float, float]],
    jury: Mapping[str, float],
    *,
    tolerance: float = 0.2,
) -> float | None:
    """How far an agent's quality report agrees with the jury of its peers, in ``[-1, 1]``.

    ``report`` is the agent's ``model -> (perceived quality, calls judged)``; ``jury`` the
    others' pooled quality per model. The calls-weighted mean absolute difference ``d`` over
    the models both name scores ``1 - 2 * min(1, d / tolerance)``: 1 for a report that matches
    the jury, 0 at half the tolerance, -1 at or beyond it. ``None`` when no model is shared
    or no call was judged (no information).
    """
    if not tolerance > 0.0:
        raise ValueError(f"tolerance must be > 0, got {tolerance!r}")
    shared = [(abs(value - jury[m]), calls) for m, (value, calls) in report.items() if m in jury]
    total = sum(c for _, c in shared)
    if not shared or total <= 0.0:
        return None
    distance = sum(d * c for d, c in shared) / total
    return 1.0 - 2.0 * min(1.0, distance / tolerance)


def outcomes_from_records(
    records: Sequence[PerformanceRecord],
    *,
    task: TaskLike,
    weights: Mapping[str, float] | None = None,
) -> dict[str, float]:
    """Each model's realised utility on ``task`` from recorded (not judged) values.

    Args:
        records: The calls of the period that followed a vote; other tasks are ignored.
        task: The task voted on.
        weights: Objective weights to judge by (a persona's ``weights``); by default quality
            alone. Cost and speed count relative to the models in ``records``.

    Returns:
        Utility in ``[0, 1]`` per model with records, for :meth:`Reputation.update`.
    """
    return outcomes_under(records, task=task, weightings=[weights])[0]


def outcomes_under(
    records: Sequence[PerformanceRecord] | Observations,
    *,
    task: TaskLike,
    weightings: Sequence[Mapping[str, float] | None],
) -> list[dict[str, float]]:
    """:func:`outcomes_from_records` under several weightings, reading the records once.

    ``records`` may be given as their columns (:class:`~agents.perception.Observations`).

    Returns:
        One ``{model: utility}`` per weighting, in order.
    """
    name = task_name(task)
    if isinstance(records, Observations):
        mine = records.take(np.flatnonzero(np.asarray(records.tasks, dtype=object) == name))
    else:
        mine = Observations.from_records([r for r in records if r.task_type == name])
    # Plain averages: no forgetting, and a prior too weak to matter against one real call.
    beliefs = Beliefs(BeliefConfig(decay=1.0, prior_strength=1e-6))
    beliefs.update(mine)
    table = beliefs.table(name)
    if table is None:
        return [{} for _ in weightings]
    return [
        assess(table, normalise_priorities(w or {"quality": 1.0}), prior_strength=1e-6).as_dict()
        for w in weightings
    ]


class Reputation:
    """One agent's weight, updated from how well its ballots predicted outcomes.

    Args:
        config: Bounds and learning rate.
    """

    def __init__(self, config: ReputationConfig | None = None) -> None:
        self.config = config or ReputationConfig()
        self.weight: float = self.config.initial
        self.settled: int = 0
        self.mean_agreement: float | None = None  # running mean of tau over settled ballots

    def __repr__(self) -> str:
        return f"Reputation(weight={self.weight:.4g}, settled={self.settled})"

    def update(self, ballot: Ballot, outcomes: Mapping[str, float]) -> float | None:
        """Score a past ballot against realised outcomes and move the weight.

        Args:
            ballot: The ballot cast before the outcomes were observed.
            outcomes: Realised outcome per model (higher is better), e.g. from
                :func:`outcomes_from_records`.

        Returns:
            Kendall's tau-b used, or ``None`` when the outcomes said nothing (weight unchanged).
        """
        tau = rank_agreement(ballot.ranking, outcomes)
        if tau is not None:
            self.reward(tau)
        return tau

    def reward(self, score: float) -> None:
        """Move the weight by an agreement score in ``[-1, 1]`` (e.g. :func:`report_agreement`).

        Raises:
            ValueError: the score is not a number in ``[-1, 1]``.
        """
        if not -1.0 <= score <= 1.0:
            raise ValueError(f"an agreement score must be in [-1, 1], got {score!r}")
        c = self.config
        self.weight = min(
            max(self.weight * math.exp(c.learning_rate * score), c.min_weight), c.max_weight
        )
        self.settled += 1
        previous = self.mean_agreement or 0.0
        self.mean_agreement = previous + (score - previous) / self.settled
