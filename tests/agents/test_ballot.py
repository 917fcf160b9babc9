"""Ballot validation: every malformed ballot fails with an error naming its field."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from agents import Ballot

VALID = {"voter": "agent-1", "task": "code_generation", "ranking": ["gpt-4o", "claude", "llama"]}


def field_of(exc_info: pytest.ExceptionInfo[ValidationError]) -> tuple[int | str, ...]:
    errors = exc_info.value.errors()
    assert len(errors) == 1
    return tuple(errors[0]["loc"])


def test_valid_ballot_defaults_and_coerces_lists_to_tuples() -> None:
    ballot = Ballot(**VALID)
    assert ballot.ranking == ("gpt-4o", "claude", "llama")
    assert ballot.scores is None
    assert ballot.weight == 1.0
    assert ballot.top == "gpt-4o"


def test_two_model_ranking_is_a_pairwise_comparison() -> None:
    ballot = Ballot(voter="a", task="code_generation", ranking=["x", "y"])
    assert ballot.ranking == ("x", "y")


def test_ballot_is_frozen_and_hashable() -> None:
    ballot = Ballot(**VALID)
    with pytest.raises(ValidationError):
        ballot.weight = 2.0  # type: ignore[misc]
    assert hash(ballot) == hash(Ballot(**VALID))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"voter": ""}, ("voter",)),
        ({"voter": "   "}, ("voter",)),
        ({"task": "Code Generation"}, ("task",)),
        ({"task": ""}, ("task",)),
        ({"ranking": []}, ("ranking",)),
        ({"ranking": ["a", "b", "a"]}, ("ranking",)),
        ({"ranking": ["a", " "]}, ("ranking",)),
        ({"scores": [0.9, 0.5]}, ("scores",)),
        ({"scores": [0.9, 0.95, 0.1]}, ("scores",)),
        ({"scores": [math.nan, 0.5, 0.1]}, ("scores", 0)),
        ({"scores": [1.5, 0.5, 0.1]}, ("scores", 0)),
        ({"scores": [0.9, 0.5, -0.1]}, ("scores", 2)),
        ({"weight": -0.1}, ("weight",)),
        ({"weight": math.nan}, ("weight",)),
        ({"weight": math.inf}, ("weight",)),
        ({"colour": "red"}, ("colour",)),
    ],
    ids=[
        "empty-voter",
        "blank-voter",
        "task-not-snake-case",
        "empty-task",
        "empty-ranking",
        "duplicate-model",
        "blank-model",
        "too-few-scores",
        "scores-increase",
        "nan-score",
        "score-above-1",
        "negative-score",
        "negative-weight",
        "nan-weight",
        "infinite-weight",
        "extra-field",
    ],
)
def test_malformed_ballot_names_the_field(change: dict[str, object], field: tuple[object]) -> None:
    with pytest.raises(ValidationError) as exc_info:
        Ballot(**{**VALID, **change})
    assert field_of(exc_info) == field


def test_duplicate_models_are_named_in_the_message() -> None:
    with pytest.raises(ValidationError, match=r"more than once: \['a'\]"):
        Ballot(voter="v", task="t", ranking=["a", "b", "a"])


def test_zero_weight_is_allowed() -> None:
    assert Ballot(**VALID, weight=0.0).weight == 0.0


def test_from_scores_ranks_by_score_then_model_id() -> None:
    ballot = Ballot.from_scores(
        voter="v", task="summarisation", scores={"b": 0.7, "a": 0.7, "c": 0.9, "d": 0.1}
    )
    assert ballot.ranking == ("c", "a", "b", "d")
    assert ballot.scores == (0.9, 0.7, 0.7, 0.1)


def test_from_scores_rejects_nan_by_field() -> None:
    with pytest.raises(ValidationError) as exc_info:
        Ballot.from_scores(voter="v", task="t", scores={"a": 0.5, "b": math.nan})
    assert field_of(exc_info)[0] == "scores"
