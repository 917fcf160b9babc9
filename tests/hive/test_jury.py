"""The vectorised leave-one-out jury equals pooling the others afresh for each reporter."""

from __future__ import annotations

import numpy as np
import pytest

from agents import PERSONAS, AdversarialAgent, GenesisAgent, report_agreement
from hive import HiveMind
from hive._jury import leave_one_out_medians
from hive.hivemind import _pool
from tests.agents._calls import TASK, period


def per_reporter(values: list[float], weights: list[float]) -> list[float]:
    """The computation the vectorised one replaces: the others' median, one agent at a time."""
    out = []
    for i in range(len(values)):
        pairs = enumerate(zip(values, weights, strict=True))
        others = [(v, w) for j, (v, w) in pairs if j != i and w > 0]
        out.append(_pool(others, "median") if others else float("nan"))
    return out


@pytest.mark.parametrize("seed", range(40))
def test_equal_to_pooling_the_others_bit_for_bit(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 700))  # past one block of rows
    # Few distinct values (ties broken by order), weights of every magnitude, some zero.
    values = rng.choice(rng.random(int(rng.integers(1, 12))), size=n).tolist()
    weights = (rng.random(n) * 10.0 ** rng.integers(-6, 4, size=n)).tolist()
    for k in rng.choice(n, size=int(rng.integers(0, n // 3 + 1)), replace=False):
        weights[int(k)] = 0.0
    got = leave_one_out_medians(np.array(values), np.array(weights))
    want = per_reporter(values, weights)
    assert [repr(x) for x in got.tolist()] == [repr(x) for x in want]


def test_a_lone_juror_has_no_jury_and_a_zero_weight_reporter_has_one() -> None:
    got = leave_one_out_medians(np.array([0.2, 0.9, 0.4]), np.array([1.0, 0.0, 0.0]))
    assert np.isnan(got[0])  # nobody else weighs in
    assert got[1] == got[2] == 0.2  # the others are the one juror


def test_exact_half_picks_the_lower_value() -> None:
    got = leave_one_out_medians(np.array([0.1, 0.3, 0.7]), np.array([1.0, 1.0, 1.0]))
    assert got.tolist() == [0.3, 0.1, 0.1]


@pytest.mark.parametrize(
    ("values", "weights"),
    [([0.1, 0.2], [1.0]), ([0.1], [-1.0]), ([0.1], [float("nan")]), ([[0.1]], [[1.0]])],
)
def test_bad_input_is_refused(values: list[float], weights: list[float]) -> None:
    with pytest.raises(ValueError, match="weights"):
        leave_one_out_medians(np.array(values), np.array(weights))


def _agents(n: int, seed: int) -> list[GenesisAgent]:
    rng = np.random.default_rng(seed)
    names = sorted(PERSONAS)
    agents = [
        GenesisAgent(f"a{i}", PERSONAS[names[i % len(names)]], rng=rng.spawn(1)[0])
        for i in range(n - 3)
    ]
    shills = [
        AdversarialAgent(f"s{i}", PERSONAS[names[0]], promote="m-c", rng=rng.spawn(1)[0])
        for i in range(3)
    ]
    return agents + shills


def test_settle_reports_scores_each_agent_against_the_others_pooled() -> None:
    rng = np.random.default_rng(5)
    calls = period({"m-a": 0.8, "m-b": 0.6, "m-c": 0.4}, calls=60, rng=rng, sd=0.2)
    agents = _agents(30, 3)
    for i, agent in enumerate(agents):
        agent.observe_many(calls[i :: 5 + i % 4])  # each its own share of the calls
    for agent in agents[::4]:
        agent.credibility.reward(-1.0)  # some weigh less on the others' juries
    hive = HiveMind(agents)
    reports = [a.quality_report(TASK) for a in agents]
    weights = [a.credibility.weight for a in agents]
    expected = {}
    for i, (agent, report) in enumerate(zip(agents, reports, strict=True)):
        jury = {}
        for model in report:
            others = [
                (r[model][0], r[model][1] * w)
                for j, (r, w) in enumerate(zip(reports, weights, strict=True))
                if j != i and model in r and r[model][1] * w > 0
            ]
            if others:
                jury[model] = _pool(others, "median")
        expected[agent.agent_id] = report_agreement(report, jury)
    scores = hive.settle_reports(TASK)
    assert scores == {k: v for k, v in expected.items() if v is not None}
    assert min(scores.values()) < 0 < max(scores.values())  # the shills disagree


def test_a_report_is_reread_only_after_the_beliefs_change() -> None:
    rng = np.random.default_rng(2)
    agent = _agents(4, 1)[0]
    agent.observe_many(period({"m-a": 0.8}, calls=5, rng=rng))
    first = agent.quality_report(TASK)
    first["m-a"] = (0.0, 0.0)  # the caller's copy: the agent's report is not touched
    assert agent.quality_report(TASK) != first
    before = agent.quality_report(TASK)
    agent.observe_many(period({"m-a": 0.1, "m-b": 0.5}, calls=5, rng=rng))
    after = agent.quality_report(TASK)
    assert set(after) == {"m-a", "m-b"}
    assert after["m-a"][0] < before["m-a"][0]


def test_score_is_the_tables_column() -> None:
    agent = _agents(4, 1)[0]
    agent.observe_many(period({"m-a": 0.8, "m-b": 0.3}, calls=7, rng=np.random.default_rng(0)))
    table = agent.beliefs.table(TASK)
    scored = agent.beliefs.score(TASK, "quality")
    assert table is not None
    assert scored is not None
    assert scored[0] == table.models
    assert scored[1].tobytes() == table.mean["quality"].tobytes()
    assert scored[2].tobytes() == table.evidence["quality"].tobytes()
    assert agent.beliefs.score("another_task", "quality") is None
