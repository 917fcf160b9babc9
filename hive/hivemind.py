"""The hive at work: agents' ballots -> social influence -> consensus -> the selector.

:class:`HiveMind` holds a population of :class:`agents.GenesisAgent` (plain Python, so the
same object serves a simulation and a live runtime) and a social graph. :meth:`HiveMind.vote`
collects one ballot per agent with experience of the task, lets opinions flow over the graph
(Friedkin-Johnsen, with the given susceptibility; 0 leaves every ballot as cast), and counts
them with a :mod:`hive.consensus` method, weighted by reputation when asked.
:meth:`HiveMind.settle` later scores every agent's ballot against what the models did, which
moves reputations. The selector applies a consensus within its own hard limits
(``update_recommendations_from_collective_intelligence``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import networkx as nx
import numpy as np

from agents import Ballot, GenesisAgent, Observations, outcomes_under
from hive._jury import leave_one_out_medians
from hive.consensus import BallotError, Consensus, aggregate
from hive.network import friedkin_johnsen, trust_matrix
from selection import PerformanceRecord

__all__ = ["HiveMind"]

Pooling = Literal["median", "mean"]


class HiveMind:
    """A population of agents that votes as one.

    Args:
        agents: The voters; their ids label the graph's nodes.
        method: A :data:`hive.consensus.METHODS` name.
        reputation: Weight ballots by each agent's reputation (else all count 1).
        graph: Who listens to whom, nodes labelled by agent id; ``None``: nobody.
        social_influence: Each agent's susceptibility to its neighbours' opinions, in [0, 1].
    """

    def __init__(
        self,
        agents: Sequence[GenesisAgent],
        *,
        method: str = "borda",
        reputation: bool = True,
        graph: nx.Graph | None = None,
        social_influence: float = 0.0,
    ) -> None:
        if not 0.0 <= social_influence <= 1.0:
            raise ValueError(f"social_influence must be in [0, 1], got {social_influence!r}")
        self.agents = list(agents)
        self.method = method
        self.reputation = reputation
        self.graph = graph
        self.social_influence = social_influence
        ids = [a.agent_id for a in self.agents]
        if len(set(ids)) != len(ids):
            raise ValueError("two agents share an id")
        self._trust = None
        if graph is not None and social_influence > 0:
            self._trust = trust_matrix(graph, nodes=ids)

    def __repr__(self) -> str:
        return f"HiveMind({len(self.agents)} agents, method={self.method!r})"

    def ballots(self, task: str) -> list[Ballot]:
        """Every agent's ballot for ``task`` after social influence (abstainers left out)."""
        cast = [(i, a.ballot(task)) for i, a in enumerate(self.agents)]
        voted = [(i, b) for i, b in cast if b is not None]
        if self._trust is None or not voted:
            return [b for _, b in voted]
        return self._influenced(task, voted)

    def _influenced(self, task: str, voted: list[tuple[int, Ballot]]) -> list[Ballot]:
        models = sorted({m for _, b in voted for m in b.ranking})
        column = {m: j for j, m in enumerate(models)}
        opinions = np.zeros((len(self.agents), len(models)))
        has_view = np.zeros(len(self.agents), dtype=bool)
        for i, ballot in voted:
            scores = ballot.scores or tuple(
                1.0 - r / max(1, len(ballot.ranking) - 1) for r in range(len(ballot.ranking))
            )
            for model, score in zip(ballot.ranking, scores, strict=True):
                opinions[i, column[model]] = score
            has_view[i] = True
        # Agents without a view listen but do not speak: they neither pull others toward 0
        # nor get a ballot of their own.
        trust = np.array(self._trust, dtype=float)
        trust[:, ~has_view] = 0.0
        np.fill_diagonal(trust, np.where(has_view, np.diag(trust), 1.0))
        trust /= trust.sum(axis=1, keepdims=True)
        mixed = friedkin_johnsen(opinions, trust, self.social_influence).opinions
        out = []
        for i, ballot in voted:
            after = {m: float(np.clip(mixed[i, column[m]], 0.0, 1.0)) for m in ballot.ranking}
            out.append(
                Ballot.from_scores(
                    voter=ballot.voter,
                    task=task,
                    scores=after,
                    weight=ballot.weight,
                    confidence=ballot.confidence,
                )
            )
        return out

    def settle_reports(self, task: str) -> dict[str, float]:
        """Score every agent's quality report on ``task`` against the jury of the others.

        The jury for an agent is the others' reports pooled as :meth:`evidence` pools them
        (credibility-weighted median), so an agent never judges itself and agents already
        discredited barely sit on anyone's jury. Each agent's credibility moves by
        :func:`agents.report_agreement`. Returns agent id -> score for the agents scored.
        """
        reports = [agent.quality_report(task) for agent in self.agents]
        by_model: dict[str, tuple[list[int], list[float], list[float]]] = {}
        for i, (agent, report) in enumerate(zip(self.agents, reports, strict=True)):
            for model, (value, calls) in report.items():
                who, values, weights = by_model.setdefault(model, ([], [], []))
                who.append(i)
                values.append(value)
                weights.append(calls * agent.credibility.weight)
        verdicts: dict[str, dict[int, float]] = {}
        for model, (who, values, weights) in by_model.items():
            medians = leave_one_out_medians(np.array(values), np.array(weights))
            verdicts[model] = {
                i: float(m) for i, m in zip(who, medians.tolist(), strict=True) if m == m
            }  # nan (nobody else weighs in) is no verdict
        scores: dict[str, float] = {}
        for i, (agent, report) in enumerate(zip(self.agents, reports, strict=True)):
            jury = {model: verdicts[model][i] for model in report if i in verdicts[model]}
            score = agent.settle_report(task, jury)
            if score is not None:
                scores[agent.agent_id] = score
        return scores

    def evidence(
        self,
        task: str,
        *,
        pooling: Pooling = "median",
        weight: float = 1.0,
        shuffle: np.random.Generator | None = None,
        credible: bool | None = None,
    ) -> dict[str, tuple[float, float]]:
        """The hive's estimate of each model's quality on ``task``, and what it is worth.

        Model id -> ``(quality, calls)``: the agents' perceived qualities pooled by the
        ``median`` weighted by how many calls each judged (robust: a minority reporting
        anything cannot move it past the honest agents' values) or by their weighted
        ``mean`` (what a table of ratings gives), worth ``weight`` times the calls judged.
        With ``credible`` (default: the hive's ``reputation``) each agent's calls count in
        proportion to its credibility (see :meth:`settle_reports`), and toward the worth at
        most in full. ``shuffle`` (a control) permutes the estimates among the models.
        """
        credible = self.reputation if credible is None else credible
        reports: dict[str, list[tuple[float, float]]] = {}
        worth: dict[str, float] = {}
        for agent in self.agents:
            trust = agent.credibility.weight if credible else 1.0
            for model, (value, calls) in agent.quality_report(task).items():
                reports.setdefault(model, []).append((value, calls * trust))
                worth[model] = worth.get(model, 0.0) + calls * min(trust, 1.0)
        pooled = {
            model: (_pool(seen, pooling), weight * worth[model])
            for model, seen in sorted(reports.items())
        }
        if shuffle is not None and len(pooled) > 1:
            models = list(pooled)
            values = [pooled[m][0] for m in models]
            order = shuffle.permutation(len(models))
            pooled = {m: (values[order[i]], pooled[m][1]) for i, m in enumerate(models)}
        return pooled

    def vote(self, task: str, *, known_models: Sequence[str] | None = None) -> Consensus:
        """The hive's consensus on ``task`` (no preferred model when nobody votes)."""
        return self.tally(self.ballots(task), task, known_models=known_models)

    def tally(
        self,
        ballots: Sequence[Ballot],
        task: str,
        *,
        known_models: Sequence[str] | None = None,
    ) -> Consensus:
        """Count ballots cast elsewhere (a live runtime's, say) as this hive would.

        Raises:
            BallotError: a ballot comes from a voter who is not one of the hive's agents, is
                for another task, or names a model outside ``known_models``; nothing is
                counted then.
        """
        members = {a.agent_id for a in self.agents}
        for ballot in ballots:
            if ballot.voter not in members:
                raise BallotError(
                    f"ballot from unknown voter {ballot.voter!r}: not one of the hive's "
                    f"{len(members)} agents",
                    voter=ballot.voter,
                )
        return aggregate(
            ballots,
            self.method,
            task=task,
            known_models=known_models,
            weighted=self.reputation,
            eligible=len(self.agents),
        )

    def settle(self, task: str, records: Sequence[PerformanceRecord] | Observations) -> None:
        """Score each agent's pending ballot on ``task`` against the calls that followed.

        Each agent is judged by the models' realised utility under its own persona; the
        records (or their columns) are read once, and the utility computed once per persona.
        """
        if not len(records):
            return
        personas = {agent.persona.priorities: agent.persona.weights for agent in self.agents}
        judged = outcomes_under(records, task=task, weightings=list(personas.values()))
        outcomes = dict(zip(personas, judged, strict=True))
        for agent in self.agents:
            agent.settle(task, outcomes[agent.persona.priorities])


def _pool(seen: Sequence[tuple[float, float]], pooling: Pooling) -> float:
    values = np.array([v for v, _ in seen])
    weights = np.array([c for _, c in seen])
    if pooling == "mean":
        return float(np.average(values, weights=weights))
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, cumulative[-1] / 2.0)])
