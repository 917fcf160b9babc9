"""The Mesa home: a thin mesa.Agent that delegates to GenesisAgent, stepped through AgentSet."""

from __future__ import annotations

import subprocess
import sys

import mesa
import numpy as np
import pytest

from agents import PERSONAS, Ballot, GenesisAgent, MesaGenesisAgent
from tests.agents._calls import TASK, period

TRUTH = {"good": 0.9, "ok": 0.7, "bad": 0.3}


class Hive(mesa.Model):  # type: ignore[misc]
    """Every step, each agent handles a few calls of each model and observes them."""

    def __init__(self, seed: int, personas: list[str]) -> None:
        super().__init__(rng=np.random.default_rng(seed))
        self.round = 0
        for i, name in enumerate(personas):
            MesaGenesisAgent.from_persona(self, PERSONAS[name], agent_id=f"{name}-{i}")

    def step(self) -> None:
        for agent in self.agents:
            agent.receive(period(TRUTH, calls=3, start=self.round * 3, rng=self.rng))
        self.agents.shuffle_do("step")
        self.round += 1

    def ballots(self) -> list[Ballot]:
        return [b for b in self.agents.map("ballot", TASK) if b is not None]


def test_agents_step_through_the_agentset_and_vote() -> None:
    model = Hive(seed=11, personas=["critic", "analyst", "engineer", "philosopher"])
    assert model.ballots() == []  # no experience yet: everyone abstains
    for _ in range(5):
        model.step()
    ballots = model.ballots()
    assert len(ballots) == 4
    assert {b.voter for b in ballots} == {"critic-0", "analyst-1", "engineer-2", "philosopher-3"}
    assert all(b.ranking[0] == "good" and b.ranking[-1] == "bad" for b in ballots)
    assert all(a.inbox == [] and a.core.observed == 5 * 3 * 3 for a in model.agents)


def test_same_model_seed_same_run() -> None:
    def run(seed: int) -> list[Ballot]:
        model = Hive(seed=seed, personas=["critic", "analyst", "critic"])
        for _ in range(3):
            model.step()
        return sorted(model.ballots(), key=lambda b: b.voter)

    assert run(5) == run(5)
    assert run(5) != run(6)


def test_the_shell_holds_no_logic_of_its_own() -> None:
    model = mesa.Model(rng=np.random.default_rng(0))
    core = GenesisAgent("solo", PERSONAS["critic"], rng=np.random.default_rng(1))
    shell = MesaGenesisAgent(model, core)
    records = period(TRUTH, calls=4, rng=np.random.default_rng(2))
    twin = GenesisAgent("solo", PERSONAS["critic"], rng=np.random.default_rng(1))
    twin.observe_many(records)
    shell.receive(records)
    model.agents.shuffle_do("step")
    assert shell.ballot(TASK) == twin.ballot(TASK)
    assert shell.core.pending(TASK) is not None
    outcomes = {"good": 1.0, "ok": 0.5, "bad": 0.0}
    assert shell.settle(TASK, outcomes) == twin.settle(TASK, outcomes) == pytest.approx(1.0)
    assert shell.weight == twin.weight
    assert shell.agent_id == "solo"


def test_importing_agents_does_not_import_mesa() -> None:
    code = (
        "import sys, agents; from agents import GenesisAgent, StoreFeed;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('mesa', 'hive', 'scenarios')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
