"""Properties every consensus method must have, checked with Hypothesis."""

from __future__ import annotations

from itertools import combinations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agents import Ballot
from hive import METHODS, Consensus, aggregate

TASK = "code_generation"
MODEL_IDS = ("alpha", "beta", "gamma", "delta", "eps", "zeta")


@st.composite
def profiles(draw: st.DrawFn) -> list[Ballot]:
    """Between 1 and 12 ballots, each a partial ranking over a subset of up to 6 models."""
    models = draw(st.lists(st.sampled_from(MODEL_IDS), min_size=1, max_size=6, unique=True))
    count = draw(st.integers(min_value=1, max_value=12))
    ballots = []
    for i in range(count):
        ranking = draw(st.permutations(models))
        length = draw(st.integers(min_value=1, max_value=len(models)))
        weight = draw(st.sampled_from([0.0, 0.2, 0.5, 1.0, 1.5, 3.0]))
        ballots.append(Ballot(voter=f"v{i}", task=TASK, ranking=ranking[:length], weight=weight))
    return ballots


def assert_same(left: Consensus, right: Consensus) -> None:
    assert left.ranking == right.ranking
    assert left.preferred_model == right.preferred_model
    assert left.ties == right.ties
    assert left.scores == pytest.approx(right.scores, rel=1e-9, abs=1e-12)
    for field in ("support", "agreement", "participation", "collective_approval"):
        assert getattr(left, field) == pytest.approx(getattr(right, field), rel=1e-9, abs=1e-12)


@given(
    ranking=st.lists(st.sampled_from(MODEL_IDS), min_size=1, max_size=6, unique=True),
    weights=st.lists(st.floats(min_value=0.01, max_value=10.0), min_size=1, max_size=9),
)
def test_a_unanimous_profile_elects_its_ranking_under_every_method(
    ranking: list[str], weights: list[float]
) -> None:
    ballots = [
        Ballot(voter=f"v{i}", task=TASK, ranking=ranking, weight=w) for i, w in enumerate(weights)
    ]
    for method in METHODS:
        result = aggregate(ballots, method)
        assert result.preferred_model == ranking[0], method
        assert result.ranking == tuple(ranking), method
        assert result.agreement == pytest.approx(1.0)
        assert result.collective_approval == pytest.approx(1.0)


@given(ballots=profiles(), data=st.data())
def test_ballot_order_changes_no_result(ballots: list[Ballot], data: st.DataObject) -> None:
    shuffled = data.draw(st.permutations(ballots))
    for method in METHODS:
        assert_same(aggregate(ballots, method), aggregate(shuffled, method))


def beats(ballots: list[Ballot], x: str, y: str) -> bool:
    """Independent pairwise count: more weight ranks x above y (unranked tied last)."""

    def place(ballot: Ballot, model: str) -> int:
        return ballot.ranking.index(model) if model in ballot.ranking else len(ballot.ranking)

    above = sum(b.weight for b in ballots if place(b, x) < place(b, y))
    below = sum(b.weight for b in ballots if place(b, y) < place(b, x))
    return above > below + 1e-9


@given(ballots=profiles())
def test_a_condorcet_winner_wins_copeland_and_schulze(ballots: list[Ballot]) -> None:
    models = sorted({m for b in ballots for m in b.ranking})
    winners = [x for x in models if all(beats(ballots, x, y) for y in models if y != x)]
    if not winners or sum(b.weight for b in ballots) == 0:
        return
    for method in ("copeland", "schulze"):
        assert aggregate(ballots, method).preferred_model == winners[0]


@given(ballots=profiles())
def test_copeland_scores_match_an_independent_pairwise_count(ballots: list[Ballot]) -> None:
    models = sorted({m for b in ballots for m in b.ranking})
    expected = dict.fromkeys(models, 0.0)
    for x, y in combinations(models, 2):
        if beats(ballots, x, y):
            expected[x] += 1
        elif beats(ballots, y, x):
            expected[y] += 1
        else:
            expected[x] += 0.5
            expected[y] += 0.5
    if sum(b.weight for b in ballots) > 0:
        assert aggregate(ballots, "copeland").scores == expected


@given(ballots=profiles())
def test_scores_and_shares_stay_in_range(ballots: list[Ballot]) -> None:
    for method in METHODS:
        result = aggregate(ballots, method, eligible=20)
        assert 0.0 <= result.participation <= 1.0
        if result.preferred_model is None:
            continue
        assert set(result.ranking) == set(result.scores)
        if method in ("plurality", "borda", "approval", "score", "bradley_terry"):
            assert all(-1e-12 <= s <= 1.0 + 1e-12 for s in result.scores.values())
