"""The Genesis Prime agent as plain Python: persona + beliefs + reputation, no Mesa.

A :class:`GenesisAgent` observes real :class:`~selection.records.PerformanceRecord` objects
(through its own biased, noisy :class:`~agents.perception.Perception`), keeps forgetting
posteriors per (model, task) (:class:`~agents.beliefs.Beliefs`), casts a
:class:`~agents.ballot.Ballot` per task weighted by its :class:`~agents.reputation.Reputation`,
and is later *settled*: its last ballot for a task is compared with what the models then did.
A live runtime embeds it directly (see :mod:`agents.runtime`); a simulation wraps it in
:class:`agents.mesa_agent.MesaGenesisAgent`.

:class:`AdversarialAgent` is the same agent voting in bad faith: it always ranks one model
first and buries the rest in reverse order of its honest judgement, which is what reputation
is there to catch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from agents.assessment import Assessment, assess
from agents.ballot import Ballot
from agents.beliefs import BeliefConfig, Beliefs, Posterior
from agents.perception import Observations, Perception, PerceptionConfig
from agents.persona import Persona
from agents.reputation import (
    Reputation,
    ReputationConfig,
    outcomes_from_records,
    report_agreement,
)
from selection import PerformanceRecord, TaskLike, task_name

__all__ = ["AdversarialAgent", "GenesisAgent"]


class GenesisAgent:
    """One agent: its values, its own experience, its vote and its standing.

    Args:
        agent_id: The agent's id; it is the ``voter`` on its ballots.
        persona: What the agent values.
        rng: The agent's own Generator (a child of the run's, e.g. ``rng.spawn(1)[0]``); all
            of the agent's randomness (its leniency, tastes and noise) comes from it.
        beliefs: Priors and forgetting rates.
        perception: How far its judgement strays from the recorded scores.
        reputation: Bounds and speed of its weight's updates.
        credibility: Bounds and speed of its quality reports' weight (default: learning rate
            1, as a report is judged on every vote against many peers).
    """

    def __init__(
        self,
        agent_id: str,
        persona: Persona,
        *,
        rng: np.random.Generator,
        beliefs: BeliefConfig | None = None,
        perception: PerceptionConfig | None = None,
        reputation: ReputationConfig | None = None,
        credibility: ReputationConfig | None = None,
    ) -> None:
        if not agent_id.strip():
            raise ValueError("agent_id must be a non-blank string")
        self.agent_id = agent_id
        self.persona = persona
        self.beliefs = Beliefs(beliefs)
        self.perception = Perception(perception or PerceptionConfig(), rng=rng)
        self.reputation = Reputation(reputation)
        self.credibility = Reputation(credibility or ReputationConfig(learning_rate=1.0))
        self.observed: int = 0
        self._pending: dict[str, Ballot] = {}
        self._reports: dict[str, tuple[Beliefs, int, dict[str, tuple[float, float]]]] = {}

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.agent_id!r}, persona={self.persona.name!r}, "
            f"weight={self.weight:.3g}, observed={self.observed})"
        )

    @property
    def weight(self) -> float:
        """The agent's current reputation: the weight of its ballots."""
        return self.reputation.weight

    @property
    def priority_factors(self) -> dict[str, float]:
        """The persona's weights, usable as the selector's ``priority_factors``."""
        return self.persona.priority_factors

    # -- experience ---------------------------------------------------------------------

    def observe(self, record: PerformanceRecord) -> None:
        """Judge one call and fold it into the beliefs."""
        self.observe_many((record,))

    def observe_many(self, records: Iterable[PerformanceRecord]) -> int:
        """Judge a batch of calls and fold them in at once; return how many.

        Equivalent to :meth:`observe` on each record in order (same random draws, same
        beliefs up to rounding), but vectorised.
        """
        batch = records if isinstance(records, Sequence) else list(records)
        if not batch:
            return 0
        return self.observe_columns(Observations.from_records(batch))

    def observe_columns(self, seen: Observations) -> int:
        """Judge calls given as columns and fold them in; return how many.

        The same as :meth:`observe_many` of their records, without building the records.
        """
        if not len(seen):
            return 0
        self.beliefs.update(self.perception.judge_columns(seen))
        self.observed += len(seen)
        return len(seen)

    def posterior(self, model_id: str, task: TaskLike) -> Posterior | None:
        """What the agent believes of one model on one task; ``None`` if it never saw one."""
        return self.beliefs.posterior(model_id, task_name(task))

    @property
    def tasks(self) -> tuple[str, ...]:
        """The tasks the agent has experience of."""
        return self.beliefs.tasks

    # -- voting -------------------------------------------------------------------------

    def assess(self, task: TaskLike) -> Assessment | None:
        """Rank the models the agent knows for ``task`` under its persona; ``None`` if none."""
        table = self.beliefs.table(task_name(task))
        if table is None:
            return None
        return assess(
            table, self.persona.priorities, prior_strength=self.beliefs.config.prior_strength
        )

    def ballot(self, task: TaskLike) -> Ballot | None:
        """The agent's ballot for ``task``, or ``None`` (abstain) without experience of it.

        The ballot ranks every model the agent knows for the task, with its utilities as
        scores, its confidence, and its reputation as weight. It is remembered until
        :meth:`settle` scores it.
        """
        name = task_name(task)
        cast = self._cast(name)
        if cast is None:
            self._pending.pop(name, None)
        else:
            self._pending[name] = cast
        return cast

    def _cast(self, task: str) -> Ballot | None:
        judgement = self.assess(task)
        return None if judgement is None else judgement.to_ballot(self.agent_id, weight=self.weight)

    def quality_report(self, task: TaskLike) -> dict[str, tuple[float, float]]:
        """What the agent perceived of each model's quality on ``task``, and on how much.

        Model id -> ``(mean perceived quality, discounted calls judged)``, for the models it
        judged at least one answer of. The mean is the agent's own (its prior taken out, so
        pooling many agents does not pool their priors), on the scale the selector's quality
        estimate uses, whatever the persona's weights.
        """
        name = task_name(task)
        cached = self._reports.get(name)
        if cached is not None and cached[0] is self.beliefs and cached[1] == self.beliefs.version:
            return dict(cached[2])
        judged = self.beliefs.score(name, "quality")
        if judged is None:
            return {}
        models, means, calls = judged
        k, mu = self.beliefs.config.prior_strength, self.beliefs.config.prior_mean
        report = {}
        for i, model in enumerate(models):
            n = float(calls[i])
            if n > 1e-9:
                raw = (float(means[i]) * (k + n) - k * mu) / n
                report[model] = (min(max(raw, 0.0), 1.0), n)
        # A hive reads each report several times per vote (juries, evidence): the beliefs
        # do not change in between.
        self._reports[name] = (self.beliefs, self.beliefs.version, report)
        return dict(report)

    def settle_report(self, task: TaskLike, jury: Mapping[str, float]) -> float | None:
        """Score this agent's quality report on ``task`` against its peers' pooled view.

        Moves :attr:`credibility` by :func:`~agents.reputation.report_agreement`; returns the
        score, or ``None`` (unchanged) when the report and the jury share no model.
        """
        score = report_agreement(self.quality_report(task), jury)
        if score is not None:
            self.credibility.reward(score)
        return score

    def pending(self, task: TaskLike) -> Ballot | None:
        """The last ballot cast for ``task`` and not yet settled."""
        return self._pending.get(task_name(task))

    # -- reputation ---------------------------------------------------------------------

    def settle(self, task: TaskLike, outcomes: Mapping[str, float]) -> float | None:
        """Score the pending ballot for ``task`` against realised outcomes; move the weight.

        Args:
            task: The task voted on.
            outcomes: Realised outcome per model (higher is better) in the period after the
                vote, e.g. :func:`~agents.reputation.outcomes_from_records`.

        Returns:
            Kendall's tau-b of ballot against outcomes, or ``None`` when there was no pending
            ballot or the outcomes carried no information (the weight is then unchanged).
        """
        cast = self._pending.pop(task_name(task), None)
        return None if cast is None else self.reputation.update(cast, outcomes)

    def settle_from_records(
        self, task: TaskLike, records: Sequence[PerformanceRecord]
    ) -> float | None:
        """:meth:`settle` against the models' realised utility under this agent's persona.

        The utility is computed from the *recorded* values of ``records`` (the calls of the
        period after the vote), so an agent is judged by what it claims to value: a cost-minded
        agent is not punished for ranking a cheap model first.
        """
        outcomes = outcomes_from_records(records, task=task, weights=self.persona.weights)
        return self.settle(task, outcomes)


class AdversarialAgent(GenesisAgent):
    """An agent that always ranks ``promote`` first, whatever it has seen.

    It votes even without experience; the models it knows follow ``promote`` in reverse order
    of its honest judgement, with scores falling evenly from 1 to 0 and confidence 1.

    Args:
        agent_id: As for :class:`GenesisAgent`.
        persona: As for :class:`GenesisAgent` (it shapes the honest judgement it inverts).
        promote: The model it pushes.
        rng: As for :class:`GenesisAgent`.
        beliefs: As for :class:`GenesisAgent`.
        perception: As for :class:`GenesisAgent`.
        reputation: As for :class:`GenesisAgent`.
    """

    def __init__(
        self,
        agent_id: str,
        persona: Persona,
        *,
        promote: str,
        rng: np.random.Generator,
        beliefs: BeliefConfig | None = None,
        perception: PerceptionConfig | None = None,
        reputation: ReputationConfig | None = None,
    ) -> None:
        super().__init__(
            agent_id,
            persona,
            rng=rng,
            beliefs=beliefs,
            perception=perception,
            reputation=reputation,
        )
        if not promote.strip():
            raise ValueError("promote must name a model")
        self.promote = promote

    def quality_report(self, task: TaskLike) -> dict[str, tuple[float, float]]:
        """The promoted model perfect and every other useless, on the calls it judged.

        Like any rater it can only rate the calls it was shown, so the counts are its real
        ones (the platform knows how many calls it handed each agent); the scores are lies.
        """
        honest = super().quality_report(task)
        return {m: (1.0 if m == self.promote else 0.0, c) for m, (_, c) in honest.items()}

    def _cast(self, task: str) -> Ballot:
        honest = self.assess(task)
        rest = [] if honest is None else [m for m in honest.ranking if m != self.promote]
        ranking = (self.promote, *reversed(rest))
        n = len(ranking)
        scores = tuple(1.0 - i / (n - 1) for i in range(n)) if n > 1 else (1.0,)
        return Ballot(
            voter=self.agent_id,
            task=task,
            ranking=ranking,
            scores=scores,
            weight=self.weight,
            confidence=1.0,
        )
