"""The Mesa home of a Genesis Prime agent: a thin ``mesa.Agent`` around a :class:`GenesisAgent`.

All logic lives in the plain :class:`~agents.core.GenesisAgent`; this shell only lets a
``mesa.Model`` hold and drive it. The model hands each agent the records of the calls it
handled (:meth:`MesaGenesisAgent.receive`, or their columns), steps all agents (the agent
observes its inbox), and collects ballots::

    model.agents.shuffle_do("step")
    ballots = [b for b in model.agents.map("ballot", "logical_reasoning") if b is not None]

Mesa 3.3 conventions: ``mesa.Model(rng=...)``, agents created as ``Agent(model)`` and driven
through the model's ``AgentSet``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Self

import mesa

from agents.ballot import Ballot
from agents.beliefs import BeliefConfig
from agents.core import GenesisAgent
from agents.perception import Observations, PerceptionConfig
from agents.persona import Persona
from agents.reputation import ReputationConfig
from selection import PerformanceRecord, TaskLike

__all__ = ["MesaGenesisAgent"]


class MesaGenesisAgent(mesa.Agent):  # type: ignore[misc]  # mesa ships no type information
    """A ``mesa.Agent`` that delegates everything to its :class:`GenesisAgent`.

    Args:
        model: The Mesa model the agent lives in.
        core: The agent's logic.
    """

    def __init__(self, model: mesa.Model, core: GenesisAgent) -> None:
        super().__init__(model)
        self.core = core
        self.inbox: list[Observations] = []  # batches of calls handled, not yet observed

    @classmethod
    def from_persona(
        cls,
        model: mesa.Model,
        persona: Persona,
        *,
        agent_id: str,
        beliefs: BeliefConfig | None = None,
        perception: PerceptionConfig | None = None,
        reputation: ReputationConfig | None = None,
    ) -> Self:
        """Create an agent whose Generator is a child of the model's ``rng``."""
        rng = model.rng.spawn(1)[0]
        core = GenesisAgent(
            agent_id,
            persona,
            rng=rng,
            beliefs=beliefs,
            perception=perception,
            reputation=reputation,
        )
        return cls(model, core)

    def __repr__(self) -> str:
        return f"MesaGenesisAgent({self.unique_id}, core={self.core!r})"

    @property
    def agent_id(self) -> str:
        """The core agent's id (the voter on its ballots)."""
        return self.core.agent_id

    @property
    def weight(self) -> float:
        """The core agent's reputation."""
        return self.core.weight

    def receive(self, records: Iterable[PerformanceRecord]) -> None:
        """Queue records of calls this agent handled; the next :meth:`step` observes them."""
        batch = records if isinstance(records, Sequence) else list(records)
        if batch:
            self.inbox.append(Observations.from_records(batch))

    def receive_columns(self, seen: Observations) -> None:
        """Queue calls given as columns (as :meth:`receive` queues their records)."""
        if len(seen):
            self.inbox.append(seen)

    def step(self) -> None:
        """Observe the queued calls (one vectorised batch) and empty the inbox."""
        inbox, self.inbox = self.inbox, []
        if inbox:
            self.core.observe_columns(Observations.concat(inbox))

    def ballot(self, task: TaskLike) -> Ballot | None:
        """The core agent's ballot for ``task`` (``None``: it abstains)."""
        return self.core.ballot(task)

    def settle(self, task: TaskLike, outcomes: Mapping[str, float]) -> float | None:
        """Settle the core agent's pending ballot for ``task`` (see :meth:`GenesisAgent.settle`)."""
        return self.core.settle(task, outcomes)

    def settle_from_records(
        self, task: TaskLike, records: Sequence[PerformanceRecord]
    ) -> float | None:
        """Settle against realised utilities (see :meth:`GenesisAgent.settle_from_records`)."""
        return self.core.settle_from_records(task, records)
