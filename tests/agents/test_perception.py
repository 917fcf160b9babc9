"""Perception: an agent's view is biased and noisy, deterministic for a seed, and its own."""

from __future__ import annotations

import numpy as np
import pytest

from agents import PERSONAS, SCORE_OBJECTIVES, GenesisAgent, Perception, PerceptionConfig
from tests.agents._calls import CLEAR_EYES, TASK, belief, call

RECORDS = [
    call(m, q, minute=i) for i, (m, q) in enumerate([("a", 0.8), ("b", 0.6), ("c", 0.9)] * 5)
]
QUALITY = SCORE_OBJECTIVES.index("quality")


def judged(seed: int, config: PerceptionConfig | None = None) -> np.ndarray:
    return (
        Perception(config or PerceptionConfig(), rng=np.random.default_rng(seed))
        .judge(RECORDS)
        .scores
    )


def test_view_differs_from_the_record_but_is_deterministic_for_a_seed() -> None:
    recorded = np.array([r.quality_score for r in RECORDS])
    first, again, other = judged(1), judged(1), judged(2)
    assert not np.allclose(first[:, QUALITY], recorded, atol=1e-3)
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other, equal_nan=True)
    assert np.all((first[:, QUALITY] >= 0) & (first[:, QUALITY] <= 1))


def test_missing_scores_stay_missing_and_measurements_pass_through() -> None:
    seen = Perception(PerceptionConfig(), rng=np.random.default_rng(0)).judge(RECORDS)
    humor = SCORE_OBJECTIVES.index("humor")
    assert np.isnan(seen.scores[:, humor]).all()
    np.testing.assert_array_equal(seen.cost, [r.cost for r in RECORDS])
    np.testing.assert_array_equal(seen.latency, [r.response_time_ms for r in RECORDS])


def test_clear_eyes_see_the_record() -> None:
    np.testing.assert_allclose(
        judged(5, CLEAR_EYES)[:, QUALITY], np.array([r.quality_score for r in RECORDS], dtype=float)
    )


def test_taste_is_fixed_per_model_whatever_the_order_of_meeting() -> None:
    config = PerceptionConfig(taste_sd=0.2)
    one = Perception(config, rng=np.random.default_rng(4))
    two = Perception(config, rng=np.random.default_rng(4))
    first = [one.taste(m) for m in ("a", "b", "c")]
    second = [two.taste(m) for m in ("c", "b", "a")][::-1]
    assert first == second
    assert len(set(first)) == 3
    assert one.leniency == two.leniency


def test_the_agent_beliefs_carry_its_bias_and_the_crowd_cancels_it() -> None:
    truth = {"a": 0.8, "b": 0.6, "c": 0.9}
    records = [call(m, q, minute=i) for i in range(40) for m, q in truth.items()]
    errors = []
    crowd = dict.fromkeys(truth, 0.0)
    n = 30
    for seed in range(n):
        agent = GenesisAgent(
            f"x{seed}",
            PERSONAS["critic"],
            rng=np.random.default_rng(seed),
            perception=PerceptionConfig(taste_sd=0.08),
        )
        agent.observe_many(records)
        for m in truth:
            seen = belief(agent, m)
            errors.append(abs(seen - truth[m]))
            crowd[m] += seen / n
    single_error = float(np.mean(errors))
    crowd_error = float(np.mean([abs(crowd[m] - truth[m]) for m in truth]))
    assert single_error > 0.02
    assert crowd_error < single_error / 2


def test_same_seed_same_beliefs_and_ballot() -> None:
    def run(seed: int) -> GenesisAgent:
        a = GenesisAgent("x", PERSONAS["analyst"], rng=np.random.default_rng(seed))
        a.observe_many(RECORDS)
        return a

    assert run(7).ballot(TASK) == run(7).ballot(TASK)
    assert run(7).ballot(TASK) != run(8).ballot(TASK)
    assert run(7).posterior("a", TASK).mean["quality"] != pytest.approx(0.8, abs=1e-6)
