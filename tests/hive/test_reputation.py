"""Reputation weighting keeps the honest choice when 30% of voters push a bad model."""

from __future__ import annotations

import pytest

from agents import Ballot
from hive import METHODS, aggregate

TASK = "code_generation"
HONEST, ADVERSARY = 1.0, 0.2


def electorate() -> list[Ballot]:
    """21 honest voters who prefer A overall, and 9 adversaries (30%) who put 'bad' first.

    Honest: 8 A>B>C>bad, 7 B>A>C>bad, 6 C>A>B>bad (plurality among them: A with 8).
    Adversaries: bad>C>B>A, burying the honest favourite last.
    """
    groups = [
        (8, "A B C bad", HONEST),
        (7, "B A C bad", HONEST),
        (6, "C A B bad", HONEST),
        (9, "bad C B A", ADVERSARY),
    ]
    ballots: list[Ballot] = []
    for count, order, weight in groups:
        for _ in range(count):
            ballots.append(
                Ballot(voter=f"v{len(ballots)}", task=TASK, ranking=order.split(), weight=weight)
            )
    return ballots


def test_adversaries_are_thirty_percent() -> None:
    ballots = electorate()
    assert sum(b.weight == ADVERSARY for b in ballots) / len(ballots) == pytest.approx(0.3)


def test_unweighted_plurality_is_captured_by_the_adversaries() -> None:
    result = aggregate(electorate(), "plurality", weighted=False)
    assert result.preferred_model == "bad"
    assert result.scores["bad"] == pytest.approx(9 / 30)
    assert result.scores["A"] == pytest.approx(8 / 30)


def test_weighted_plurality_keeps_the_honest_choice() -> None:
    result = aggregate(electorate(), "plurality")
    assert result.preferred_model == "A"
    assert result.total_weight == pytest.approx(21 + 9 * ADVERSARY)
    assert result.scores["bad"] == pytest.approx(9 * ADVERSARY / 22.8)
    assert result.support == pytest.approx(8 / 22.8)


@pytest.mark.parametrize("method", sorted(METHODS))
def test_every_weighted_method_agrees_with_the_honest_voters_alone(method: str) -> None:
    honest_only = aggregate(electorate()[:21], method)
    weighted = aggregate(electorate(), method)
    assert honest_only.preferred_model == "A"
    assert weighted.preferred_model == "A"
    assert weighted.ranking == honest_only.ranking


def test_unweighted_burying_flips_borda_to_a_compromise() -> None:
    # Unweighted, the adversaries' "A last" costs A enough Borda points to lose to B.
    assert aggregate(electorate(), "borda", weighted=False).preferred_model == "B"
