"""Reputation: weights follow how well ballots predicted what the models then did."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from agents import (
    PERSONAS,
    AdversarialAgent,
    Ballot,
    GenesisAgent,
    Reputation,
    ReputationConfig,
    outcomes_from_records,
    rank_agreement,
)
from tests.agents._calls import TASK, call, period

TRUTH = {"good": 0.9, "ok": 0.7, "bad": 0.3}


@pytest.mark.parametrize(
    ("ranking", "outcomes", "tau"),
    [
        (["a", "b", "c"], {"a": 3, "b": 2, "c": 1}, 1.0),
        (["c", "b", "a"], {"a": 3, "b": 2, "c": 1}, -1.0),
        (["a", "c", "b"], {"a": 3, "b": 2, "c": 1}, 1 / 3),
        (["c"], {"a": 3, "b": 2, "c": 1}, -np.sqrt(2 / 3)),  # a, b tied below c
        (["a", "b", "zzz"], {"a": 1.0, "b": 2.0}, -1.0),  # zzz has no outcome: left out
    ],
    ids=["agree", "reversed", "one-swap", "favourite-only", "unknown-model"],
)
def test_rank_agreement_is_kendall_tau_b(ranking, outcomes, tau) -> None:
    assert rank_agreement(ranking, outcomes) == pytest.approx(tau)


@pytest.mark.parametrize(
    ("ranking", "outcomes"),
    [
        (["a", "b"], {"a": 1.0}),
        (["a", "b"], {}),
        (["a", "b"], {"a": 0.5, "b": 0.5}),
        (["x"], {"a": 1, "b": 2}),
    ],
    ids=["one-model", "no-outcomes", "tied-outcomes", "ranks-none-of-them"],
)
def test_rank_agreement_without_information_is_none(ranking, outcomes) -> None:
    assert rank_agreement(ranking, outcomes) is None


def test_weight_moves_multiplicatively_within_bounds() -> None:
    rep = Reputation(
        ReputationConfig(initial=1.0, min_weight=0.1, max_weight=2.0, learning_rate=0.5)
    )
    good = Ballot(voter="v", task=TASK, ranking=["a", "b"])
    bad = Ballot(voter="v", task=TASK, ranking=["b", "a"])
    outcomes = {"a": 0.9, "b": 0.2}
    assert rep.update(good, outcomes) == 1.0
    assert rep.weight == pytest.approx(np.exp(0.5))
    rep.update(good, outcomes)
    assert rep.weight == 2.0  # capped
    for _ in range(10):
        rep.update(bad, outcomes)
    assert rep.weight == 0.1  # floored, never silenced
    assert rep.update(bad, {"a": 1.0}) is None
    assert rep.weight == 0.1
    assert rep.settled == 12
    assert rep.mean_agreement == pytest.approx((2 - 10) / 12)


def test_config_is_validated() -> None:
    with pytest.raises(ValidationError, match="min_weight <= initial <= max_weight"):
        ReputationConfig(initial=3.0, max_weight=2.0)
    with pytest.raises(ValidationError):
        ReputationConfig(min_weight=0.0)


def test_adversaries_lose_weight_and_honest_agents_keep_it() -> None:
    rng = np.random.default_rng(2024)
    seeds = rng.spawn(9)
    honest = [
        GenesisAgent(f"honest-{i}", PERSONAS[name], rng=seeds[i])
        for i, name in enumerate(["critic", "analyst", "engineer", "critic", "analyst", "engineer"])
    ]
    adversaries = [
        AdversarialAgent(f"shill-{i}", PERSONAS["critic"], promote="bad", rng=seeds[6 + i])
        for i in range(3)
    ]
    everyone = honest + adversaries
    records = period(TRUTH, calls=10, rng=rng)
    for round_ in range(1, 6):
        for agent in everyone:
            agent.observe_many(records)
            assert agent.ballot(TASK) is not None
        records = period(TRUTH, calls=10, start=round_ * 10, rng=rng)  # what followed the vote
        for agent in everyone:
            assert agent.settle_from_records(TASK, records) is not None
    honest_weights = [a.weight for a in honest]
    adversary_weights = [a.weight for a in adversaries]
    assert max(adversary_weights) < min(honest_weights)
    assert max(adversary_weights) <= 0.1
    assert min(honest_weights) >= 1.0


def test_cost_minded_agent_is_judged_by_its_own_values() -> None:
    cheap = [call("cheap", 0.75, minute=i, cost=0.0005) for i in range(20)]
    dear = [call("dear", 0.95, minute=i, cost=0.09) for i in range(20)]
    economist = GenesisAgent("e", PERSONAS["economist"], rng=np.random.default_rng(0))
    economist.observe_many(cheap + dear)
    assert economist.ballot(TASK).ranking == ("cheap", "dear")
    assert economist.settle_from_records(TASK, cheap + dear) == 1.0
    # Against the quality yardstick the same ballot would have counted as wrong.
    economist.ballot(TASK)
    assert economist.settle(TASK, outcomes_from_records(cheap + dear, task=TASK)) == -1.0


def test_settle_needs_a_pending_ballot_and_consumes_it() -> None:
    agent = GenesisAgent("a", PERSONAS["critic"], rng=np.random.default_rng(0))
    assert agent.settle(TASK, {"x": 1.0, "y": 0.0}) is None
    agent.observe_many([call("x", 0.9), call("y", 0.2)])
    agent.ballot(TASK)
    assert agent.settle(TASK, {"x": 1.0, "y": 0.0}) == 1.0
    assert agent.pending(TASK) is None
    assert agent.settle(TASK, {"x": 1.0, "y": 0.0}) is None


def test_outcomes_from_records_are_mean_recorded_quality_by_default() -> None:
    records = [
        call("a", 0.6),
        call("a", 0.8),
        call("b", 0.5),
        call("c", 0.9, task="humor_generation"),
    ]
    outcomes = outcomes_from_records(records, task=TASK)
    assert outcomes == pytest.approx({"a": 0.7, "b": 0.5}, abs=1e-6)
    assert outcomes_from_records(records, task="decision_making") == {}
