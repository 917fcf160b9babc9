"""Ballots that cannot be counted fail with a clear ValueError before any counting."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from agents import Ballot
from hive import BallotError, HiveError, MethodOptions, UnknownMethodError, aggregate

TASK = "code_generation"


def ballot(voter: str, *ranking: str, task: str = TASK) -> Ballot:
    return Ballot(voter=voter, task=task, ranking=list(ranking))


def test_unknown_model_is_a_ballot_error_naming_voter_and_model() -> None:
    ballots = [ballot("a", "x", "y"), ballot("b", "y", "mystery"), ballot("c", "x")]
    with pytest.raises(BallotError, match=r"'b' ranks 'mystery'.*known models: x, y") as exc_info:
        aggregate(ballots, "borda", known_models=["x", "y"])
    assert exc_info.value.voter == "b"
    assert exc_info.value.model_id == "mystery"
    assert isinstance(exc_info.value, ValueError)


def test_mixed_tasks_are_rejected() -> None:
    ballots = [ballot("a", "x"), ballot("b", "x", task="summarisation")]
    with pytest.raises(
        BallotError, match=r"mix several tasks \['code_generation', 'summarisation'\]"
    ):
        aggregate(ballots, "plurality")


def test_ballots_for_another_task_than_the_one_asked_are_rejected() -> None:
    with pytest.raises(BallotError, match=r"every ballot must be for task 'summarisation'"):
        aggregate([ballot("a", "x")], "plurality", task="summarisation")


def test_unknown_method_lists_the_valid_ones() -> None:
    with pytest.raises(UnknownMethodError) as exc_info:
        aggregate([ballot("a", "x")], "instant_runoff")
    message = str(exc_info.value)
    assert "unknown consensus method 'instant_runoff'" in message
    for name in ("approval", "borda", "bradley_terry", "copeland", "plurality", "schulze", "score"):
        assert name in message
    assert isinstance(exc_info.value, HiveError)
    assert isinstance(exc_info.value, ValueError)


def test_unknown_method_is_reported_even_without_ballots() -> None:
    with pytest.raises(UnknownMethodError):
        aggregate([], "dictator", task=TASK)


def test_a_voter_voting_twice_is_rejected() -> None:
    with pytest.raises(BallotError, match="'a' cast more than one ballot") as exc_info:
        aggregate([ballot("a", "x"), ballot("b", "y"), ballot("a", "y")], "borda")
    assert exc_info.value.voter == "a"


def test_empty_vote_without_a_task_asks_for_one() -> None:
    with pytest.raises(BallotError, match="pass task="):
        aggregate([], "borda")


def test_eligible_below_the_ballots_cast_is_rejected() -> None:
    with pytest.raises(ValueError, match="eligible=1 is fewer than the 2 ballots"):
        aggregate([ballot("a", "x"), ballot("b", "x")], "borda", eligible=1)


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"approval_k": 0}, "approval_k"),
        ({"approval_threshold": 1.5}, "approval_threshold"),
        ({"bt_prior": -1.0}, "bt_prior"),
        ({"bt_solver": "gradient"}, "bt_solver"),
        ({"bt_tol": 0.0}, "bt_tol"),
        ({"typo": 1}, "typo"),
    ],
)
def test_bad_method_options_name_the_field(options: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as exc_info:
        MethodOptions(**options)
    assert exc_info.value.errors()[0]["loc"] == (field,)


def test_a_bad_ballot_late_in_the_list_fails_before_counting_starts() -> None:
    ballots = [ballot(f"v{i}", "x", "y") for i in range(1000)] + [ballot("last", "z")]
    with pytest.raises(BallotError, match="'last' ranks 'z'"):
        aggregate(ballots, "schulze", known_models=["x", "y"])
