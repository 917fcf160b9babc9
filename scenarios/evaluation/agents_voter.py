"""A real hive for trace replays: Genesis Prime agents that see only the chosen outcomes.

Each served request is handed to one agent (in turn), who judges the chosen model's outcome
through its own eyes, as in production; nobody sees the models that were not chosen. Every
vote, the agents' reputations are settled against the calls since the last vote, the
:class:`hive.hivemind.HiveMind` votes per task (weighted by reputation), and the selector
takes the verdicts within its hard limits.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from agents import PERSONAS, GenesisAgent
from scenarios.evaluation.hive_policy import HiveSnapshot, hive_policy_spec
from scenarios.evaluation.policies import Outcome, PolicyContext, PolicySpec
from selection import PerformanceRecord

if TYPE_CHECKING:
    from hive import Consensus

__all__ = ["AgentsVoter", "agents_hive_policy"]

DEFAULT_PERSONAS = ("critic", "economist", "engineer", "analyst")


class AgentsVoter:
    """A hive of agents that observes the replay's served requests and votes."""

    def __init__(
        self,
        ctx: PolicyContext,
        *,
        count: int = 12,
        personas: Sequence[str] = DEFAULT_PERSONAS,
        method: str = "borda",
    ) -> None:
        from hive import HiveMind

        children = ctx.rng.spawn(count)
        self.agents = [
            GenesisAgent(f"agent-{i:03d}", PERSONAS[personas[i % len(personas)]], rng=child)
            for i, child in enumerate(children)
        ]
        self.hive = HiveMind(self.agents, method=method, reputation=True)
        self._inbox: list[list[PerformanceRecord]] = [[] for _ in self.agents]
        self._since_vote: dict[str, list[PerformanceRecord]] = {}
        self._turn = 0

    def observe(self, outcome: Outcome) -> None:
        """Hand the chosen model's outcome to the next agent in turn."""
        record = PerformanceRecord(
            model_id=outcome.model_id,
            task_type=outcome.request.task,
            quality_score=min(1.0, max(0.0, outcome.quality)),
            cost=outcome.cost,
            response_time_ms=outcome.latency_ms,
        )
        self._inbox[self._turn % len(self.agents)].append(record)
        self._since_vote.setdefault(record.task_type, []).append(record)
        self._turn += 1

    @property
    def waiting(self) -> int:
        """Outcomes handed out but not yet judged (they are judged at the next vote)."""
        return sum(len(inbox) for inbox in self._inbox)

    def vote(self, snapshot: HiveSnapshot) -> list[Consensus]:
        """Judge the inboxes, settle reputations, and vote on every task."""
        for agent, inbox in zip(self.agents, self._inbox, strict=True):
            agent.observe_many(inbox)
            inbox.clear()
        verdicts = []
        for task in snapshot.tasks:
            self.hive.settle(task, self._since_vote.pop(task, []))
            consensus = self.hive.vote(task, known_models=list(snapshot.models))
            if consensus.preferred_model is not None:
                verdicts.append(consensus)
        return verdicts


def agents_hive_policy(*, every: int = 500, mode: str = "greedy") -> PolicySpec:
    """The selector with a hive of :class:`AgentsVoter` agents voting every ``every`` requests."""
    if mode not in ("greedy", "thompson"):
        raise ValueError(f"mode must be 'greedy' or 'thompson', got {mode!r}")
    return hive_policy_spec(
        AgentsVoter,
        every=every,
        mode="greedy" if mode == "greedy" else "thompson",
        name="selector+hive" if mode == "greedy" else "selector-thompson+hive",
    )
