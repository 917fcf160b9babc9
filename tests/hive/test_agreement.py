"""Kendall's W over the ballots, checked by hand and against scipy's Friedman test."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import friedmanchisquare, rankdata

from agents import Ballot
from hive import aggregate

TASK = "code_generation"


def ballots_of(*rankings: str, weights: list[float] | None = None) -> list[Ballot]:
    weights = weights or [1.0] * len(rankings)
    return [
        Ballot(voter=f"v{i}", task=TASK, ranking=list(order), weight=w)
        for i, (order, w) in enumerate(zip(rankings, weights, strict=True))
    ]


def kendalls_w_via_friedman(rankings: list[str], models: str) -> float:
    """W = chi2_Friedman / (n (m - 1)); unranked models tied last (mean rank), tie-corrected."""
    table = []
    for order in rankings:
        position = {model: i for i, model in enumerate(order)}
        table.append(rankdata([position.get(model, len(models)) for model in models]))
    columns = np.array(table).T
    statistic = friedmanchisquare(*columns).statistic
    return float(statistic / (len(rankings) * (len(models) - 1)))


def test_identical_rankings_agree_perfectly() -> None:
    assert aggregate(ballots_of("ABCD", "ABCD", "ABCD"), "borda").agreement == pytest.approx(1.0)


def test_hand_computed_w() -> None:
    # Ranks: A 1+1+2 = 4, B 2+3+1 = 6, C 3+2+3 = 8, D 12; mean 7.5; S = 35.
    # W = 12 S / (n^2 (m^3 - m)) = 420 / (9 * 60) = 7/9.
    result = aggregate(ballots_of("ABCD", "ACBD", "BACD"), "borda")
    assert result.agreement == pytest.approx(7 / 9)
    assert result.agreement == pytest.approx(
        kendalls_w_via_friedman(["ABCD", "ACBD", "BACD"], "ABCD")
    )


def test_partial_rankings_match_scipy_with_tie_correction() -> None:
    rankings = ["AB", "BCA", "C", "ADB", "DCBA"]
    result = aggregate(ballots_of(*rankings), "borda")
    assert result.agreement == pytest.approx(kendalls_w_via_friedman(rankings, "ABCD"))


def test_opposite_rankings_do_not_agree() -> None:
    assert aggregate(ballots_of("ABC", "CBA"), "borda").agreement == pytest.approx(0.0)


def test_integer_weights_count_as_repeated_ballots() -> None:
    weighted = aggregate(ballots_of("ABC", "BCA", weights=[3.0, 1.0]), "borda")
    repeated = aggregate(ballots_of("ABC", "ABC", "ABC", "BCA"), "borda")
    assert weighted.agreement == pytest.approx(repeated.agreement)
    assert repeated.agreement == pytest.approx(
        kendalls_w_via_friedman(["ABC"] * 3 + ["BCA"], "ABC")
    )
