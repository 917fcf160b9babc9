"""Bradley-Terry strengths against an independent maximum-likelihood fit with scipy."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pytest
from scipy.optimize import minimize

from agents import Ballot
from hive import MethodOptions, aggregate

TASK = "code_generation"
MODELS = ("A", "B", "C", "D")

# (winner, loser, times): a strongly connected comparison set, so the plain MLE exists.
COMPARISONS = [
    ("A", "B", 3), ("B", "A", 1),
    ("B", "C", 2), ("C", "B", 2),
    ("C", "D", 3), ("D", "C", 1),
    ("A", "D", 2), ("D", "A", 1),
    ("A", "C", 2), ("C", "A", 1),
]  # fmt: skip


def comparison_ballots() -> list[Ballot]:
    ballots: list[Ballot] = []
    for winner, loser, times in COMPARISONS:
        for _ in range(times):
            ballots.append(Ballot(voter=f"v{len(ballots)}", task=TASK, ranking=[winner, loser]))
    return ballots


def wins_matrix(prior: float = 0.0) -> np.ndarray:
    index = {model: i for i, model in enumerate(MODELS)}
    wins = np.zeros((len(MODELS), len(MODELS)))
    for winner, loser, times in COMPARISONS:
        wins[index[winner], index[loser]] += times
    return np.asarray(wins + prior * (1.0 - np.eye(len(MODELS))))


def scipy_fit(wins: np.ndarray) -> dict[str, float]:
    """Maximise sum_ij W_ij log(s_i / (s_i + s_j)) over theta = log s with BFGS."""

    def negative_log_likelihood(theta: np.ndarray) -> float:
        diff = theta[:, None] - theta[None, :]
        return float(np.sum(wins * np.logaddexp(0.0, -diff)))

    def gradient(theta: np.ndarray) -> np.ndarray:
        p = 1.0 / (1.0 + np.exp(-(theta[:, None] - theta[None, :])))
        games = wins + wins.T
        return np.asarray((games * p).sum(axis=1) - wins.sum(axis=1))

    result = minimize(
        negative_log_likelihood,
        np.zeros(len(wins)),
        jac=gradient,
        method="BFGS",
        options={"gtol": 1e-12, "maxiter": 10_000},
    )
    strengths = np.exp(result.x - result.x.max())
    strengths /= strengths.sum()
    return dict(zip(MODELS, strengths.tolist(), strict=True))


@pytest.mark.parametrize("solver", ["newton", "mm"])
def test_plain_mle_matches_scipy(solver: Literal["newton", "mm"]) -> None:
    options = MethodOptions(bt_prior=0.0, bt_solver=solver)
    result = aggregate(comparison_ballots(), "bradley_terry", options=options)
    assert result.scores == pytest.approx(scipy_fit(wins_matrix()), abs=1e-4)
    assert result.ranking == ("A", "C", "B", "D")
    assert "stopped" not in result.insight


@pytest.mark.parametrize("solver", ["newton", "mm"])
def test_default_prior_matches_scipy_on_the_same_penalised_objective(
    solver: Literal["newton", "mm"],
) -> None:
    options = MethodOptions(bt_solver=solver)
    result = aggregate(comparison_ballots(), "bradley_terry", options=options)
    assert result.scores == pytest.approx(scipy_fit(wins_matrix(prior=options.bt_prior)), abs=1e-6)
    # The prior is tiny: the penalised fit stays within 1e-2 of the plain MLE.
    assert result.scores == pytest.approx(scipy_fit(wins_matrix()), abs=1e-2)


def test_full_rankings_contribute_every_pair_they_state() -> None:
    # A>B>C states A>B, A>C, B>C: the same as three two-model ballots.
    full = [Ballot(voter="x", task=TASK, ranking=["A", "B", "C"])]
    pairs = [
        Ballot(voter="p", task=TASK, ranking=["A", "B"]),
        Ballot(voter="q", task=TASK, ranking=["A", "C"]),
        Ballot(voter="r", task=TASK, ranking=["B", "C"]),
    ]
    assert aggregate(full, "bradley_terry").scores == pytest.approx(
        aggregate(pairs, "bradley_terry").scores, abs=1e-9
    )


def test_pairwise_ballots_say_nothing_about_models_they_leave_out() -> None:
    ballots = [
        Ballot(voter="a", task=TASK, ranking=["A", "B"]),
        Ballot(voter="b", task=TASK, ranking=["B", "A"]),
    ]
    result = aggregate(ballots, "bradley_terry", known_models=["A", "B", "C"])
    # C was never compared: only the symmetric prior touches it, so all three are equal.
    assert result.scores == pytest.approx({"A": 1 / 3, "B": 1 / 3, "C": 1 / 3}, abs=1e-9)


def test_a_model_that_wins_everything_gets_a_finite_strength() -> None:
    ballots = [Ballot(voter=f"v{i}", task=TASK, ranking=["A", "B", "C"]) for i in range(5)]
    result = aggregate(ballots, "bradley_terry")
    assert result.ranking == ("A", "B", "C")
    assert all(np.isfinite(list(result.scores.values())))
    assert 0.9 < result.scores["A"] < 1.0
    assert "stopped" not in result.insight


def test_unanimous_fifty_models_converge_with_newton() -> None:
    models = [f"m{i:02d}" for i in range(50)]
    ballots = [Ballot(voter=f"v{i}", task=TASK, ranking=models) for i in range(10)]
    result = aggregate(ballots, "bradley_terry")
    assert result.ranking == tuple(models)
    assert "stopped" not in result.insight


def test_an_iteration_cap_is_reported() -> None:
    ballots = [Ballot(voter=f"v{i}", task=TASK, ranking=["A", "B", "C"]) for i in range(5)]
    options = MethodOptions(bt_solver="mm", bt_max_iter=3)
    result = aggregate(ballots, "bradley_terry", options=options)
    assert "Bradley-Terry (mm) stopped at the 3-iteration cap" in result.insight
    assert result.ranking == ("A", "B", "C")
