"""Do the hive's ballots mean what they say? Kendall's tau of each ballot against the truth.

After a hive run, every agent's ballot per task is compared, by Kendall's tau-b over the
models it ranks, with two true orders: the models' true mean quality, and their true value
under the agent's own persona (:func:`scenarios.oracle.true_values` with the persona's
weights). A persona that values cost ranks a cheap model first and is right to: its ballot
then agrees with its own value and disagrees with quality. Means are per persona over every
ballot of every seed.
"""

from __future__ import annotations

import asyncio
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from scenarios.eventlog import EventLog
from scenarios.model import HiveModel
from scenarios.oracle import true_values
from scenarios.spec import ScenarioSpec
from selection import open_store

__all__ = ["BallotAgreement", "ballot_agreement"]


@dataclass(frozen=True, slots=True)
class BallotAgreement:
    """One persona's ballots against the truth.

    Attributes:
        persona: The persona's name.
        ballots: Ballots ranking at least two models.
        tau_quality: Mean tau against the models' true quality.
        tau_own: Mean tau against their true value under the persona's weights.
    """

    persona: str
    ballots: int
    tau_quality: float
    tau_own: float


def ballot_agreement(spec: ScenarioSpec, seeds: Sequence[int]) -> list[BallotAgreement]:
    """Run the hive on each seed and compare its last ballots with the truth, per persona."""
    quality: dict[str, list[float]] = {}
    own: dict[str, list[float]] = {}
    for seed in seeds:
        model = _run(spec.with_overrides(seed=seed))
        assert model.hive is not None
        for task in model.tasks:
            active = model.world.active
            truth = {m: model.world.behaviour(m, task).quality for m in active}
            for agent in model.hive.agents:
                ballot = agent.ballot(task)
                if ballot is None or len(ballot.ranking) < 2:
                    continue
                value = true_values(model.world, task, agent.persona.weights, active)
                name = agent.persona.name
                quality.setdefault(name, []).append(_tau(ballot.ranking, truth))
                own.setdefault(name, []).append(_tau(ballot.ranking, value))
    return [
        BallotAgreement(name, len(quality[name]), _mean(quality[name]), _mean(own[name]))
        for name in sorted(quality)
    ]


def _run(spec: ScenarioSpec) -> HiveModel:
    store = open_store("sqlite:///:memory:")
    with asyncio.Runner() as runner:
        runner.run(store.open())
        try:
            model = HiveModel(
                spec, policy="hive", store=store, runner=runner, log=EventLog(),
                rng=np.random.default_rng(spec.seed),
            )  # fmt: skip
            for _ in range(spec.steps):
                model.step()
        finally:
            runner.run(store.aclose())
    return model


def _tau(ranking: Sequence[str], truth: dict[str, float]) -> float:
    positions = [-i for i in range(len(ranking))]
    return float(stats.kendalltau(positions, [truth[m] for m in ranking]).statistic)


def _mean(values: list[float]) -> float:
    finite = [v for v in values if not math.isnan(v)]
    return statistics.fmean(finite) if finite else math.nan
