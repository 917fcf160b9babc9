"""The hive as an arena: its Bradley-Terry board from pairwise ballots, checked independently."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.stats import kendalltau

from agents import PerceptionConfig
from hive import MethodOptions, aggregate
from scenarios.arena import Rating, load_board
from scenarios.arena.ballots import ballot_curve, cast_ballots, hive_board

TRUE = {f"m{i:02d}": 1000.0 + 20.0 * i for i in range(20)}  # 20 models, 20 points apart


def test_the_hive_recovers_a_known_ranking_from_enough_votes():
    ballots = cast_ballots(TRUE, votes=20_000, agents=50, rng=np.random.default_rng(3))
    ranking = hive_board(ballots, sorted(TRUE))
    tau = kendalltau([TRUE[m] for m in ranking], range(len(ranking), 0, -1)).statistic
    assert tau >= 0.9
    assert ranking[0] in ("m19", "m18")


def test_few_votes_recover_less_than_many():
    few = cast_ballots(TRUE, votes=200, agents=50, rng=np.random.default_rng(4))
    ranking = hive_board(few, sorted(TRUE))
    tau = kendalltau([TRUE[m] for m in ranking], range(len(ranking), 0, -1)).statistic
    assert tau < 0.9


def test_without_taste_or_noise_ballots_follow_the_bradley_terry_probability():
    pair = {"a": 1300.0, "b": 1200.0}
    quiet = PerceptionConfig(leniency_sd=0, taste_sd=0, noise_sd=0)
    ballots = cast_ballots(pair, votes=20_000, agents=10, rng=np.random.default_rng(5),
                           perception=quiet)  # fmt: skip
    share = np.mean([b.ranking[0] == "a" for b in ballots])
    expected = 1 / (1 + 10 ** (-100 / 400))  # 0.640
    assert share == pytest.approx(expected, abs=3 * np.sqrt(expected * (1 - expected) / 20_000))


def test_the_hive_bradley_terry_fit_matches_an_independent_maximum_likelihood():
    ratings = {f"m{i}": 1100.0 + 35.0 * i for i in range(6)}
    ballots = cast_ballots(ratings, votes=6_000, agents=30, rng=np.random.default_rng(6))
    models = sorted(ratings)
    index = {m: i for i, m in enumerate(models)}
    wins = np.zeros((6, 6))
    for b in ballots:
        wins[index[b.ranking[0]], index[b.ranking[1]]] += 1

    def negative_log_likelihood(theta: np.ndarray) -> float:
        diff = theta[:, None] - theta[None, :]
        return float(np.sum(wins * np.logaddexp(0.0, -diff)))

    fit = minimize(negative_log_likelihood, np.zeros(6), method="BFGS")
    independent = fit.x - fit.x.mean()
    consensus = aggregate(ballots, "bradley_terry", task="chat", weighted=False,
                          options=MethodOptions(bt_prior=0.0001))  # fmt: skip
    hive = np.log([consensus.scores[m] for m in models])
    hive -= hive.mean()
    np.testing.assert_allclose(hive, independent, atol=1e-3)
    # And the fitted gaps are the rating gaps (natural-log scale: ln 10 / 400 per point).
    gaps = (np.array([ratings[m] for m in models]) - 1100 - 87.5) * np.log(10) / 400
    assert np.max(np.abs(independent - gaps)) < 0.2


def test_the_curve_on_the_published_board_reaches_the_top():
    board = load_board()
    full = board.category("full")
    top = {m: full[m] for m in board.ranking("full")[:12]}
    curve = ballot_curve(top, checkpoints=[100, 4_000], agents=40, rng=np.random.default_rng(0))
    assert [r["votes"] for r in curve.rows] == [100, 4_000]
    last = curve.rows[-1]
    assert last["top_inside"] is True
    assert curve.votes_needed is not None
    assert isinstance(last["kendall_tau"], float)
    assert last["kendall_tau"] > 0


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="at least two models"):
        cast_ballots({"a": 1.0}, votes=10, agents=1, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="agents >= 1"):
        cast_ballots(TRUE, votes=10, agents=0, rng=np.random.default_rng(0))
    assert Rating(1.0, 0.0, 2.0).rating == 1.0
