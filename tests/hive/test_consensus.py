"""Worked examples for every consensus method, checked against hand-computed answers."""

from __future__ import annotations

import pytest

from agents import Ballot
from hive import METHODS, Consensus, MethodOptions, Tie, aggregate

TASK = "code_generation"


def profile(*groups: tuple[int, str], weight: float = 1.0, prefix: str = "v") -> list[Ballot]:
    """Ballots from (count, "ABC") groups: count voters ranking A > B > C."""
    ballots: list[Ballot] = []
    for count, order in groups:
        for _ in range(count):
            ballots.append(
                Ballot(
                    voter=f"{prefix}{len(ballots)}", task=TASK, ranking=list(order), weight=weight
                )
            )
    return ballots


# --- Condorcet cycle: rock, paper, scissors --------------------------------------------------

ROCK_PAPER_SCISSORS = profile((1, "RPS"), (1, "PSR"), (1, "SRP"))


@pytest.mark.parametrize("method", ["copeland", "schulze"])
def test_condorcet_cycle_is_a_reported_three_way_tie(method: str) -> None:
    result = aggregate(ROCK_PAPER_SCISSORS, method)
    # Each beats one and loses to one: equal Copeland scores (1.0) and no strongest-path wins (0).
    assert len(set(result.scores.values())) == 1
    # Borda is tied too (3 points each), so the order falls to model id: P < R < S.
    assert result.ranking == ("P", "R", "S")
    assert result.ties == (Tie(models=("P", "R", "S"), place=1, resolved_by="model_id"),)
    assert result.preferred_model == "P"
    assert "broken by model id" in result.insight


def test_condorcet_cycle_scores() -> None:
    assert aggregate(ROCK_PAPER_SCISSORS, "copeland").scores == {"P": 1.0, "R": 1.0, "S": 1.0}
    assert aggregate(ROCK_PAPER_SCISSORS, "schulze").scores == {"P": 0.0, "R": 0.0, "S": 0.0}


def test_condorcet_cycle_tie_is_the_same_for_every_ballot_order() -> None:
    first = aggregate(ROCK_PAPER_SCISSORS, "schulze")
    again = aggregate(list(reversed(ROCK_PAPER_SCISSORS)), "schulze")
    assert (again.ranking, again.ties) == (first.ranking, first.ties)


def test_secondary_criterion_breaks_a_copeland_tie() -> None:
    # A, B, C form a cycle; two extra voters put B on top without breaking it:
    # 3 ABC, 2 BCA, 2 CAB -> A>B 5:2, B>C 5:2, C>A 4:3: a cycle, Copeland 1 each.
    ballots = profile((3, "ABC"), (2, "BCA"), (2, "CAB"))
    result = aggregate(ballots, "copeland")
    assert result.scores == {"A": 1.0, "B": 1.0, "C": 1.0}
    assert result.ties == (Tie(models=("A", "B", "C"), place=1, resolved_by="borda"),)
    # Borda points (2, 1, 0): A = 3*2 + 2*0 + 2*1 = 8, B = 3*1 + 2*2 + 0 = 7, C = 0 + 2*1 + 2*2 = 6.
    assert result.ranking == ("A", "B", "C")


# --- Plurality and Borda disagree -------------------------------------------------------------

# 3 voters A > B > C and 2 voters B > C > A.
# Plurality: A 3/5, B 2/5, C 0.  Borda (2, 1, 0 points): A 6, B 7, C 2, scaled by 5 * 2 = 10.
PLURALITY_VS_BORDA = profile((3, "ABC"), (2, "BCA"))


def test_plurality_and_borda_disagree() -> None:
    plurality = aggregate(PLURALITY_VS_BORDA, "plurality")
    borda = aggregate(PLURALITY_VS_BORDA, "borda")
    assert plurality.preferred_model == "A"
    assert plurality.ranking == ("A", "B", "C")
    assert plurality.scores == pytest.approx({"A": 0.6, "B": 0.4, "C": 0.0})
    assert borda.preferred_model == "B"
    assert borda.ranking == ("B", "A", "C")
    assert borda.scores == pytest.approx({"A": 0.6, "B": 0.7, "C": 0.2})
    assert plurality.ties == borda.ties == ()


def test_plurality_vs_borda_support_and_collective_approval() -> None:
    plurality = aggregate(PLURALITY_VS_BORDA, "plurality")
    borda = aggregate(PLURALITY_VS_BORDA, "borda")
    # support = share ranking the winner first; approval = share with it in the top 2 of 3.
    assert plurality.support == pytest.approx(0.6)
    assert plurality.collective_approval == pytest.approx(0.6)
    assert borda.support == pytest.approx(0.4)
    assert borda.collective_approval == pytest.approx(1.0)
    # Ranks A: 3*1 + 2*3 = 9, B: 8, C: 13; mean 10; S = 1 + 4 + 9; W = 12 S / (25 * 24).
    assert plurality.agreement == pytest.approx(12 * 14 / 600)


def test_condorcet_methods_pick_the_condorcet_winner_borda_misses() -> None:
    # A beats B 3:2 and C 3:2, so A is the Condorcet winner.
    for method in ("copeland", "schulze"):
        result = aggregate(PLURALITY_VS_BORDA, method)
        assert result.preferred_model == "A"
        assert result.ranking == ("A", "B", "C")
        assert result.support == pytest.approx(0.6)  # weakest head-to-head: 3 of 5


# --- The Schulze example from Wikipedia -------------------------------------------------------

WIKIPEDIA_SCHULZE = profile(
    (5, "ACBED"),
    (5, "ADECB"),
    (8, "BEDAC"),
    (3, "CABED"),
    (7, "CAEBD"),
    (2, "CBADE"),
    (7, "DCEBA"),
    (8, "EBADC"),
)


def test_schulze_wikipedia_example() -> None:
    result = aggregate(WIKIPEDIA_SCHULZE, "schulze")
    assert result.n_ballots == 45
    assert result.preferred_model == "E"
    assert result.ranking == ("E", "A", "C", "B", "D")
    assert result.scores == {"E": 4.0, "A": 3.0, "C": 2.0, "B": 1.0, "D": 0.0}
    assert result.ties == ()
    # E loses head to head to C (21 of 45 prefer E), the weakest of its pairings.
    assert result.support == pytest.approx(21 / 45)


# --- Approval and score -----------------------------------------------------------------------


def test_approval_defaults_to_the_better_half_of_each_ranking() -> None:
    # A ranking of 4 approves 2, of 3 approves 2, of 2 approves 1.
    ballots = [
        Ballot(voter="a", task=TASK, ranking=["x", "y", "z", "w"]),
        Ballot(voter="b", task=TASK, ranking=["y", "z", "x"]),
        Ballot(voter="c", task=TASK, ranking=["z", "y"]),
    ]
    result = aggregate(ballots, "approval")
    assert result.scores == pytest.approx({"x": 1 / 3, "y": 2 / 3, "z": 2 / 3, "w": 0.0})
    # y and z tie on 2/3; Borda (scaled points) breaks it: y 2/3 + 1 + 2/3, z 1/3 + 2/3 + 1.
    assert result.ranking[:2] == ("y", "z")
    assert result.ties[0].resolved_by == "borda"
    assert result.support == pytest.approx(2 / 3)  # share approving the winner


def test_approval_by_score_threshold_and_top_k() -> None:
    ballots = [
        Ballot(voter="a", task=TASK, ranking=["x", "y", "z"], scores=[0.9, 0.8, 0.2]),
        Ballot(voter="b", task=TASK, ranking=["z", "x", "y"], scores=[0.95, 0.4, 0.3]),
        Ballot(voter="c", task=TASK, ranking=["y", "z", "x"]),  # no scores: top k
    ]
    by_score = aggregate(
        ballots, "approval", options=MethodOptions(approval_threshold=0.75, approval_k=1)
    )
    assert by_score.scores == pytest.approx({"x": 1 / 3, "y": 2 / 3, "z": 1 / 3})
    top_two = aggregate(ballots, "approval", options=MethodOptions(approval_k=2))
    assert top_two.scores == pytest.approx({"x": 2 / 3, "y": 2 / 3, "z": 2 / 3})


def test_score_averages_scores_and_uses_rank_positions_without_them() -> None:
    ballots = [
        Ballot(voter="a", task=TASK, ranking=["x", "y"], scores=[0.9, 0.3]),  # z unscored: 0
        Ballot(voter="b", task=TASK, ranking=["z", "y", "x"]),  # scaled Borda: 1, 0.5, 0
    ]
    result = aggregate(ballots, "score")
    assert result.scores == pytest.approx({"x": 0.45, "y": 0.4, "z": 0.5})
    assert result.ranking == ("z", "x", "y")


def test_weighted_score_is_a_weighted_mean() -> None:
    ballots = [
        Ballot(voter="a", task=TASK, ranking=["x", "y"], scores=[0.8, 0.2], weight=3.0),
        Ballot(voter="b", task=TASK, ranking=["y", "x"], scores=[1.0, 0.0], weight=1.0),
    ]
    assert aggregate(ballots, "score").scores == pytest.approx({"x": 0.6, "y": 0.4})
    assert aggregate(ballots, "score", weighted=False).scores == pytest.approx({"x": 0.4, "y": 0.6})


# --- Partial rankings, known models, participation --------------------------------------------


def test_known_models_nobody_ranked_are_candidates_tied_last() -> None:
    ballots = profile((2, "AB"), (1, "BA"))
    result = aggregate(ballots, "borda", known_models=["A", "B", "C", "D"])
    assert result.ranking == ("A", "B", "C", "D")
    assert result.ties == (Tie(models=("C", "D"), place=3, resolved_by="model_id"),)
    # A: (3 + 3 + 2) / 9, C and D share the last two places' mean points (0.5 of 3).
    assert result.scores["A"] == pytest.approx(8 / 9)
    assert result.scores["C"] == pytest.approx(1 / 6)


def test_participation_counts_voters_over_eligible() -> None:
    assert aggregate(PLURALITY_VS_BORDA, "borda", eligible=8).participation == pytest.approx(5 / 8)
    assert aggregate(PLURALITY_VS_BORDA, "borda").participation == 1.0


def test_empty_vote_has_no_preferred_model() -> None:
    result = aggregate([], "schulze", task=TASK, eligible=10)
    assert isinstance(result, Consensus)
    assert result.preferred_model is None
    assert result.ranking == ()
    assert result.participation == 0.0
    assert result.task == TASK
    assert "no ballots" in result.insight


def test_all_zero_weights_give_no_preferred_model() -> None:
    result = aggregate(profile((3, "AB"), weight=0.0), "plurality")
    assert result.preferred_model is None
    assert result.participation == 1.0
    assert "weight 0" in result.insight


def test_every_method_is_registered_and_answers() -> None:
    assert set(METHODS) == {
        "plurality", "borda", "copeland", "schulze", "approval", "score", "bradley_terry",
    }  # fmt: skip
    for method in METHODS:
        result = aggregate(WIKIPEDIA_SCHULZE, method)
        assert result.method == method
        assert sorted(result.ranking) == ["A", "B", "C", "D", "E"]
        assert result.preferred_model == result.ranking[0]
        assert 0.0 <= result.support <= 1.0
        assert result.insight.startswith(f"{method} over 45 ballot(s)")
