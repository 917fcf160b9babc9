"""Ballots: abstain without experience; rank by persona; carry scores, confidence, reputation."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from agents import PERSONAS, AdversarialAgent, Ballot, BeliefConfig, GenesisAgent, Persona
from selection import TaskType
from tests.agents._calls import CLEAR_EYES, TASK, call, vote

CHEAP_DECENT = [call("cheap", 0.75, minute=i, cost=0.0005, latency=800) for i in range(30)]
DEAR_EXCELLENT = [call("dear", 0.95, minute=i, cost=0.09, latency=800) for i in range(30)]


def seasoned(persona: Persona, *, seed: int = 0, clear: bool = False) -> GenesisAgent:
    agent = GenesisAgent(
        f"{persona.name}-1",
        persona,
        rng=np.random.default_rng(seed),
        perception=CLEAR_EYES if clear else None,
    )
    agent.observe_many(CHEAP_DECENT + DEAR_EXCELLENT)
    return agent


def test_abstains_without_experience() -> None:
    fresh = GenesisAgent("new", PERSONAS["engineer"], rng=np.random.default_rng(0))
    assert fresh.ballot(TASK) is None
    assert fresh.assess(TASK) is None
    fresh.observe(call("m", 0.9))
    assert fresh.ballot(TaskType.LOGICAL_REASONING) is not None
    assert fresh.ballot(TaskType.HUMOR_GENERATION) is None  # experience of one task only


@pytest.mark.parametrize("seed", range(5))
def test_cost_lover_prefers_cheap_decent_quality_lover_prefers_dear_excellent(seed: int) -> None:
    assert seasoned(PERSONAS["economist"], seed=seed).ballot(TASK).ranking == ("cheap", "dear")
    assert seasoned(PERSONAS["critic"], seed=seed).ballot(TASK).ranking == ("dear", "cheap")


def test_speed_lover_prefers_the_fast_model() -> None:
    sprinter = Persona(name="sprinter", weights={"speed": 0.7, "quality": 0.3})
    agent = GenesisAgent("s", sprinter, rng=np.random.default_rng(0), perception=CLEAR_EYES)
    agent.observe_many([call("fast", 0.7, minute=i, latency=200) for i in range(10)])
    agent.observe_many([call("slow", 0.9, minute=i, latency=9000) for i in range(10)])
    assert agent.ballot(TASK).ranking == ("fast", "slow")


def test_cost_efficiency_is_quality_per_dollar() -> None:
    frugal = Persona(name="frugal", weights={"cost_efficiency": 1})
    agent = seasoned(frugal, clear=True)
    assessment = agent.assess(TASK)
    assert assessment.ranking == ("cheap", "dear")
    assert assessment.weights == (("cost_efficiency", 1.0),)


def test_ballot_is_well_formed_and_weighted_by_reputation() -> None:
    agent = seasoned(PERSONAS["analyst"])
    agent.reputation.weight = 0.4
    ballot = vote(agent)
    assert isinstance(ballot, Ballot)
    assert ballot.scores is not None
    assert ballot.confidence is not None
    assert ballot.voter == agent.agent_id
    assert ballot.task == TASK
    assert set(ballot.ranking) == {"cheap", "dear"}
    assert ballot.weight == 0.4
    assert list(ballot.scores) == sorted(ballot.scores, reverse=True)
    assert 0.0 <= ballot.confidence <= 1.0
    assert agent.pending(TASK) == ballot
    assert agent.assess(TASK).as_dict() == dict(zip(ballot.ranking, ballot.scores, strict=True))


def test_unjudged_scores_are_valued_by_the_judged_quality_and_reported_as_such() -> None:
    # The comedian values humor, creativity and users' delight; the calls carry a quality
    # (and accuracy) judgement only, so those three stand in for it.
    comedian = seasoned(PERSONAS["comedian"], clear=True)
    assessment = comedian.assess(TASK)
    assert set(assessment.stand_ins) == {"humor", "creativity", "user_satisfaction"}
    assert assessment.absent == ()
    assert assessment.ranking[0] == "dear"  # the better answers
    assert assessment.components["dear"]["humor"] == pytest.approx(
        comedian.posterior("dear", TASK).mean["quality"]
    )
    philosopher = seasoned(PERSONAS["philosopher"], clear=True)
    judged = philosopher.assess(TASK)
    assert set(judged.stand_ins) == {"consciousness", "reasoning"}
    assert dict(judged.weights).keys() == {"quality", "accuracy", "consciousness", "reasoning"}


def test_objectives_with_no_evidence_at_all_are_left_out_and_reported() -> None:
    economist = GenesisAgent(
        "e", PERSONAS["economist"], rng=np.random.default_rng(0), perception=CLEAR_EYES
    )
    economist.observe_many([call(m, q, minute=i, cost=None) for i in range(5)
                            for m, q in (("a", 0.9), ("b", 0.5))])  # fmt: skip
    assessment = economist.assess(TASK)
    assert assessment.absent == ("cost",)
    assert dict(assessment.weights) == pytest.approx({"quality": 0.75, "reliability": 0.25})


def test_a_persona_with_the_selectors_weights_ranks_as_the_selector_does() -> None:
    from datetime import UTC, datetime

    from selection import ModelCatalog, ModelSpec, PerformanceRecord, Router

    # Linear cost puts "b" (nearly as good, a fifth of the price) first; a log scale would not.
    models = {"a": (0.90, 0.01), "b": (0.85, 0.002), "c": (0.60, 0.0001)}  # quality, $ per 1k
    catalog = ModelCatalog(tasks=[TASK])
    records = []
    for name, (quality, price) in models.items():
        catalog.add(
            ModelSpec(id=name, provider="sim", input_cost_per_1k_tokens=price,
                      output_cost_per_1k_tokens=price, quality_prior=quality,
                      context_length=8000)
        )  # fmt: skip
        records += [
            PerformanceRecord(
                record_id=f"{name}-{i}", model_id=name, task_type=TASK, response_time_ms=900.0,
                token_count_input=500, token_count_output=500, cost=price,
                quality_score=quality, timestamp=datetime(2026, 1, 1, tzinfo=UTC),
            )
            for i in range(200)
        ]  # fmt: skip
    weights = {"quality": 0.8, "cost": 0.1, "speed": 0.1}
    router = Router(catalog, prior_strength=10.0)
    router.absorb(records)
    table = router.score_table(TASK, weights)
    persona = Persona(name="selector", weights=weights)
    agent = GenesisAgent(
        "s", persona, rng=np.random.default_rng(0), perception=CLEAR_EYES,
        beliefs=BeliefConfig(decay=1.0),  # remember every call, as the selector's sums do
    )  # fmt: skip
    agent.observe_many(records)
    judged = agent.assess(TASK)
    assert judged.ranking == tuple(table.model_ids) == ("b", "a", "c")
    for model in models:
        for name in weights:
            assert judged.components[model][name] == pytest.approx(
                table.components[model][name], abs=0.02
            )


def test_confidence_grows_with_evidence_and_separation() -> None:
    def confidence(calls: int, gap: float) -> float:
        agent = GenesisAgent(
            "c", PERSONAS["critic"], rng=np.random.default_rng(0), perception=CLEAR_EYES
        )
        rng = np.random.default_rng(1)
        for i in range(calls):
            agent.observe(call("x", float(np.clip(rng.normal(0.7 + gap, 0.1), 0, 1)), minute=i))
            agent.observe(call("y", float(np.clip(rng.normal(0.7, 0.1), 0, 1)), minute=i))
        confidence = vote(agent).confidence
        assert confidence is not None
        return confidence

    assert confidence(3, 0.05) < confidence(40, 0.05)
    assert confidence(20, 0.0) < confidence(20, 0.15)
    single = GenesisAgent("s", PERSONAS["critic"], rng=np.random.default_rng(0))
    single.observe(call("only", 0.9))
    assert single.ballot(TASK).confidence == pytest.approx(1 / 3)  # 1 call against a prior of 2


def test_adversary_promotes_its_model_and_buries_the_honest_favourite() -> None:
    records = [
        call(m, q, minute=i)
        for i in range(10)
        for m, q in (("good", 0.9), ("ok", 0.7), ("bad", 0.3))
    ]
    shill = AdversarialAgent(
        "shill", PERSONAS["critic"], promote="bad", rng=np.random.default_rng(0)
    )
    assert shill.ballot(TASK).ranking == ("bad",)  # votes even without experience
    shill.observe_many(records)
    ballot = shill.ballot(TASK)
    assert ballot.ranking == ("bad", "ok", "good")
    assert ballot.scores == (1.0, 0.5, 0.0)
    assert ballot.confidence == 1.0


def test_ballot_confidence_is_optional_and_bounded() -> None:
    assert Ballot(voter="v", task=TASK, ranking=["a"]).confidence is None
    with pytest.raises(ValidationError, match="confidence"):
        Ballot(voter="v", task=TASK, ranking=["a"], confidence=1.5)
    built = Ballot.from_scores(voter="v", task=TASK, scores={"a": 0.2, "b": 0.9}, confidence=0.7)
    assert built.ranking == ("b", "a")
    assert built.confidence == 0.7


def test_a_shill_lies_about_scores_but_not_about_how_many_calls_it_judged() -> None:
    records = [call(m, q, minute=i) for i in range(5) for m, q in (("good", 0.9), ("bad", 0.4))]
    honest = GenesisAgent("h", PERSONAS["critic"], rng=np.random.default_rng(0))
    shill = AdversarialAgent("s", PERSONAS["critic"], promote="bad", rng=np.random.default_rng(0))
    for agent in (honest, shill):
        agent.observe_many(records)
    truth, lies = honest.quality_report(TASK), shill.quality_report(TASK)
    assert {m: c for m, (_, c) in lies.items()} == {m: c for m, (_, c) in truth.items()}
    assert lies["bad"][0] == 1.0
    assert lies["good"][0] == 0.0
    # Judged against a jury that saw what the honest agent saw, the liar loses credibility.
    jury = {m: v for m, (v, _) in truth.items()}
    assert shill.settle_report(TASK, jury) == -1.0
    assert shill.credibility.weight < shill.credibility.config.initial
    assert honest.settle_report(TASK, jury) == 1.0
