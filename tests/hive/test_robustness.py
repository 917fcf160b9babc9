"""With 30% of agents voting for a bad model, reputation keeps the honest choice."""

from __future__ import annotations

import numpy as np

from agents import PERSONAS, AdversarialAgent, GenesisAgent
from hive.hivemind import HiveMind
from selection import PerformanceRecord

TASK = "logical_reasoning"
TRUTH = {"good": 0.90, "ok": 0.75, "bad": 0.30}


def calls(rng: np.random.Generator, n: int = 6) -> list[PerformanceRecord]:
    return [
        PerformanceRecord(
            model_id=model, task_type=TASK, quality_score=float(np.clip(rng.normal(q, 0.05), 0, 1))
        )
        for model, q in TRUTH.items()
        for _ in range(n)
    ]


def population(seed: int) -> list[GenesisAgent]:
    rng = np.random.default_rng(seed)
    honest = [
        GenesisAgent(f"honest-{i}", PERSONAS["critic"], rng=child)
        for i, child in enumerate(rng.spawn(7))
    ]
    shills = [
        AdversarialAgent(f"shill-{i}", PERSONAS["critic"], promote="bad", rng=child)
        for i, child in enumerate(rng.spawn(3))
    ]
    return honest + shills


def run(method: str, *, reputation: bool, rounds: int = 6, seed: int = 3) -> str | None:
    agents = population(seed)
    hive = HiveMind(agents, method=method, reputation=reputation)
    rng = np.random.default_rng(seed + 100)
    preferred = None
    for _ in range(rounds):
        for agent in agents:
            agent.observe_many(calls(rng))
        preferred = hive.vote(TASK, known_models=list(TRUTH)).preferred_model
        hive.settle(TASK, calls(rng))  # what the models did after the vote
    return preferred


def test_reputation_keeps_the_honest_choice_against_30_percent_shills():
    for method in ("plurality", "borda", "schulze"):
        assert run(method, reputation=True) == "good", method


def test_without_reputation_a_split_honest_majority_loses_to_the_shills():
    """Honest agents that know different good models split their first places; 3 shills in
    10 agree on "bad". Unweighted plurality then elects "bad"; reputation-weighted does not."""
    truth = {"a": 0.90, "b": 0.88, "c": 0.86, "d": 0.84, "bad": 0.30}
    known = ["a", "a", "b", "b", "c", "c", "d"]  # each honest agent's one good model
    rng = np.random.default_rng(5)
    honest = [
        GenesisAgent(f"honest-{i}", PERSONAS["critic"], rng=child)
        for i, child in enumerate(rng.spawn(len(known)))
    ]
    shills = [
        AdversarialAgent(f"shill-{i}", PERSONAS["critic"], promote="bad", rng=child)
        for i, child in enumerate(rng.spawn(3))
    ]

    def seen(models: list[str]) -> list[PerformanceRecord]:
        return [
            PerformanceRecord(
                model_id=m,
                task_type=TASK,
                quality_score=float(np.clip(rng.normal(truth[m], 0.03), 0, 1)),
            )
            for m in models
            for _ in range(5)
        ]

    for agent, model in zip(honest, known, strict=True):
        agent.observe_many(seen([model, "bad"]))
    for shill in shills:
        shill.observe_many(seen(list(truth)))
    everyone = [*honest, *shills]
    unweighted = HiveMind(everyone, method="plurality", reputation=False)
    weighted = HiveMind(everyone, method="plurality", reputation=True)
    assert unweighted.vote(TASK).preferred_model == "bad"
    for _ in range(5):  # votes, then what the models did after each
        weighted.vote(TASK)
        weighted.settle(TASK, seen(list(truth)))
    assert max(s.weight for s in shills) < 1.0 < min(h.weight for h in honest)
    assert weighted.vote(TASK).preferred_model in {"a", "b", "c", "d"}
    assert unweighted.vote(TASK).preferred_model == "bad"  # reputation is what saved it


def test_bad_ballots_get_a_clear_error_and_reach_nothing():
    import pytest
    from pydantic import ValidationError

    from agents import Ballot
    from hive.consensus import BallotError

    agents = population(1)
    hive = HiveMind(agents, method="borda")
    good = Ballot(voter="honest-0", task=TASK, ranking=["good", "ok"])
    with pytest.raises(BallotError, match="unknown voter 'mallory'") as info:
        hive.tally([good, Ballot(voter="mallory", task=TASK, ranking=["bad"])], TASK)
    assert info.value.voter == "mallory"
    with pytest.raises(BallotError):
        hive.tally([good], TASK, known_models=["ok", "bad"])  # "good" is unknown
    with pytest.raises(BallotError):
        hive.tally([Ballot(voter="honest-1", task="creative_generation", ranking=["ok"])], TASK)
    with pytest.raises(ValidationError, match="ranking"):
        Ballot(voter="honest-1", task=TASK, ranking=["ok", "ok"])
    assert hive.tally([good], TASK).preferred_model == "good"
