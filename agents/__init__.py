"""Genesis Prime agents: own experience -> beliefs -> ballots.

The logic is plain Python (:class:`GenesisAgent`) and imports no Mesa; :class:`MesaGenesisAgent`,
its thin Mesa shell, is imported (with Mesa) only when first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agents.assessment import Assessment, assess
from agents.ballot import Ballot
from agents.beliefs import BeliefConfig, Beliefs, BeliefTable, Posterior
from agents.core import AdversarialAgent, GenesisAgent
from agents.perception import SCORE_OBJECTIVES, Observations, Perception, PerceptionConfig
from agents.persona import PERSONAS, Persona
from agents.reputation import (
    Reputation,
    ReputationConfig,
    outcomes_from_records,
    outcomes_under,
    rank_agreement,
    report_agreement,
)
from agents.runtime import HANDLED_BY, StoreFeed

if TYPE_CHECKING:
    from agents.mesa_agent import MesaGenesisAgent
    from agents.panel import JudgePanel, JudgeTally, PanelJudge, PanelReport, PanelVerdict

__all__ = [
    "HANDLED_BY",
    "PERSONAS",
    "SCORE_OBJECTIVES",
    "AdversarialAgent",
    "Assessment",
    "Ballot",
    "BeliefConfig",
    "BeliefTable",
    "Beliefs",
    "GenesisAgent",
    "JudgePanel",
    "JudgeTally",
    "MesaGenesisAgent",
    "Observations",
    "PanelJudge",
    "PanelReport",
    "PanelVerdict",
    "Perception",
    "PerceptionConfig",
    "Persona",
    "Posterior",
    "Reputation",
    "ReputationConfig",
    "StoreFeed",
    "assess",
    "outcomes_from_records",
    "outcomes_under",
    "rank_agreement",
    "report_agreement",
]


_PANEL = frozenset({"JudgePanel", "JudgeTally", "PanelJudge", "PanelReport", "PanelVerdict"})


def __getattr__(name: str) -> Any:
    # Mesa is only needed by simulations; a live runtime imports agents without it.
    if name == "MesaGenesisAgent":
        from agents.mesa_agent import MesaGenesisAgent

        return MesaGenesisAgent
    # The judge panel brings the provider clients (httpx); simulations never need them.
    if name in _PANEL:
        from agents import panel

        return getattr(panel, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
