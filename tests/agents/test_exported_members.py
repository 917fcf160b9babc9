"""The agents package's public API is its __all__; pin it so changes are deliberate."""

from __future__ import annotations

import agents


def test_agents_public_names() -> None:
    assert set(agents.__all__) == {
        "HANDLED_BY", "PERSONAS", "SCORE_OBJECTIVES", "AdversarialAgent", "Assessment", "Ballot",
        "BeliefConfig", "BeliefTable", "Beliefs", "GenesisAgent", "JudgePanel", "JudgeTally",
        "MesaGenesisAgent", "Observations", "PanelJudge", "PanelReport", "PanelVerdict",
        "Perception", "PerceptionConfig", "Persona", "Posterior", "Reputation",
        "ReputationConfig", "StoreFeed", "assess", "outcomes_from_records", "outcomes_under",
        "rank_agreement", "report_agreement",
    }  # fmt: skip
    for name in agents.__all__:
        assert getattr(agents, name) is not None, name


def test_every_module_declares_all() -> None:
    import importlib
    import pkgutil

    for info in pkgutil.iter_modules(agents.__path__):
        module = importlib.import_module(f"agents.{info.name}")
        assert isinstance(getattr(module, "__all__", None), list), info.name
