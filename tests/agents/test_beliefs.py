"""Beliefs: forgetting follows drift, batches equal single updates, errors/cost/latency count."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from agents import PERSONAS, BeliefConfig, GenesisAgent, Persona
from tests.agents._calls import CLEAR_EYES, TASK, belief, call


def agent(
    *,
    decay: float = 1.0,
    half_life_hours: float | None = None,
    seed: int = 0,
    persona: str = "critic",
) -> GenesisAgent:
    return GenesisAgent(
        "a",
        PERSONAS[persona],
        rng=np.random.default_rng(seed),
        beliefs=BeliefConfig(decay=decay, half_life_hours=half_life_hours),
        perception=CLEAR_EYES,
    )


def observations_to_notice_drop(a: GenesisAgent, *, limit: int = 200) -> int:
    """Feed 100 calls at quality 0.9, then calls at 0.4; count calls until belief < 0.65."""
    a.observe_many([call("m", 0.9, minute=i) for i in range(100)])
    for n in range(1, limit + 1):
        a.observe(call("m", 0.4, minute=100 + n))
        if belief(a, "m") < 0.65:
            return n
    return limit + 1


def test_forgetting_follows_a_drop_in_quality_and_no_forgetting_lags() -> None:
    forgetful = observations_to_notice_drop(agent(decay=0.9))
    stubborn = observations_to_notice_drop(agent(decay=1.0))
    assert forgetful <= 10
    assert stubborn > 90


def test_forgetting_tracks_the_new_level_closely() -> None:
    a, b = agent(decay=0.9), agent(decay=1.0)
    for x in (a, b):
        x.observe_many([call("m", 0.9, minute=i) for i in range(100)])
        x.observe_many([call("m", 0.4, minute=100 + i) for i in range(30)])
    assert belief(a, "m") == pytest.approx(0.4, abs=0.05)
    assert belief(b, "m") > 0.75


def test_half_life_makes_an_idle_model_uncertain_again() -> None:
    a = agent(half_life_hours=1.0)
    a.observe_many([call("idle", 0.9, minute=i) for i in range(10)])
    mean, sd = belief(a, "idle"), belief(a, "idle", of="sd")
    a.observe_many([call("busy", 0.7, minute=600 + i) for i in range(10)])  # ten hours later
    newest = 609.0
    expected = sum(2.0 ** (-(newest - i) / 60.0) for i in range(10))
    assert belief(a, "idle", of="evidence") == pytest.approx(expected)
    assert belief(a, "idle", of="sd") > 3 * sd
    assert belief(a, "idle") < mean  # back toward the prior 0.5


def test_batch_equals_one_by_one_with_both_kinds_of_forgetting() -> None:
    rng = np.random.default_rng(3)
    records = [
        call(
            str(rng.choice(["a", "b", "c"])),
            float(rng.uniform()),
            minute=float(rng.uniform(0, 300)),
            failed=bool(rng.uniform() < 0.1),
            cost=float(rng.uniform(0.001, 0.1)),
        )
        for _ in range(200)
    ]
    config = BeliefConfig(decay=0.95, half_life_hours=2.0)
    batch = GenesisAgent("x", PERSONAS["analyst"], rng=np.random.default_rng(9), beliefs=config)
    single = GenesisAgent("x", PERSONAS["analyst"], rng=np.random.default_rng(9), beliefs=config)
    assert batch.observe_many(records) == 200
    for r in records:
        single.observe(r)
    for model in "abc":
        p, q = batch.posterior(model, TASK), single.posterior(model, TASK)
        for key in ("mean", "sd", "evidence"):
            assert getattr(p, key) == pytest.approx(getattr(q, key), rel=1e-9, nan_ok=True)
    b1, b2 = batch.ballot(TASK), single.ballot(TASK)
    assert b1.ranking == b2.ranking
    assert b1.scores == pytest.approx(b2.scores, rel=1e-9)


def test_failed_calls_count_against_reliability() -> None:
    a = agent(persona="critic")
    a.observe_many([call("flaky", 0.95, minute=i, failed=i % 2 == 0) for i in range(40)])
    a.observe_many([call("steady", 0.85, minute=i) for i in range(40)])
    assert belief(a, "flaky", "reliability") < 0.6 < 0.9 < belief(a, "steady", "reliability")
    # Failed calls carry no score: quality evidence counts only the calls that answered.
    assert belief(a, "flaky", of="evidence") == pytest.approx(20)
    careful = GenesisAgent(
        "c",
        Persona(name="careful", weights={"reliability": 1}),
        rng=np.random.default_rng(0),
        perception=CLEAR_EYES,
    )
    careful.observe_many([call("flaky", 0.95, minute=i, failed=i % 2 == 0) for i in range(40)])
    careful.observe_many([call("steady", 0.85, minute=i) for i in range(40)])
    assert careful.ballot(TASK).ranking == ("steady", "flaky")


def test_cost_and_latency_beliefs_are_geometric_means() -> None:
    a = agent()
    a.observe_many(
        [
            call("m", 0.8, minute=i, cost=(0.001, 0.004)[i % 2], latency=(100, 400)[i % 2])
            for i in range(10)
        ]
    )
    p = a.posterior("m", TASK)
    assert p.mean["cost"] == pytest.approx(0.002, rel=1e-3)
    assert p.mean["speed"] == pytest.approx(math.sqrt(101 * 401) - 1, rel=1e-9)
    assert p.evidence["cost"] == 10


def test_unknown_cost_is_none_and_unobserved_scores_stay_at_the_prior() -> None:
    a = agent()
    a.observe(call("m", 0.8, cost=None, latency=None))
    p = a.posterior("m", TASK)
    assert p.mean["cost"] is None
    assert p.mean["speed"] is None
    assert p.mean["humor"] == 0.5
    assert p.evidence["humor"] == 0
    assert a.posterior("other", TASK) is None
    assert a.posterior("m", "creative_generation") is None


records_strategy = st.lists(
    st.builds(
        call,
        st.sampled_from(["a", "b", "c", "d"]),
        st.one_of(st.none(), st.floats(0.0, 1.0)),
        minute=st.floats(0, 10_000),
        cost=st.one_of(st.none(), st.floats(0.0, 5.0)),
        latency=st.one_of(st.none(), st.floats(0.0, 1e6)),
        failed=st.booleans(),
    ),
    min_size=1,
    max_size=40,
)


@given(
    records=records_strategy,
    decay=st.floats(0.05, 1.0),
    half_life=st.one_of(st.none(), st.floats(0.01, 1000.0)),
    seed=st.integers(0, 2**32),
    persona=st.sampled_from(sorted(PERSONAS)),
)
def test_posteriors_and_confidence_stay_in_range(records, decay, half_life, seed, persona) -> None:
    a = GenesisAgent(
        "p",
        PERSONAS[persona],
        rng=np.random.default_rng(seed),
        beliefs=BeliefConfig(decay=decay, half_life_hours=half_life),
    )
    a.observe_many(records)
    for model in {r.model_id for r in records}:
        p = a.posterior(model, TASK)
        assert p is not None
        for name, mean in p.mean.items():
            if name in ("cost", "speed"):
                assert mean is None or (math.isfinite(mean) and mean >= 0)
            else:
                assert 0.0 <= belief(a, model, name) <= 1.0, (name, mean)
                assert 0.0 <= belief(a, model, name, of="sd") <= 0.5
    ballot = a.ballot(TASK)
    assert ballot is not None
    assert ballot.confidence is not None
    assert 0.0 <= ballot.confidence <= 1.0
    assert set(ballot.ranking) == {r.model_id for r in records}
