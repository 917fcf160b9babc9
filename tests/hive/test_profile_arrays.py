"""A profile built from integer arrays counts exactly as one built from the same ballots."""

from __future__ import annotations

import numpy as np
import pytest

from agents import Ballot
from hive import METHODS, BallotError, aggregate, count_profile, profile_from_orders

TASK = "code_generation"


def _case(n: int, m: int, k: int, seed: int) -> tuple[np.ndarray, list[str], np.ndarray]:
    rng = np.random.default_rng(seed)
    orders = np.argsort(rng.random((n, m)), axis=1)[:, :k]
    models = [f"model-{i:02d}" for i in rng.permutation(m)]  # not sorted: the profile sorts
    return orders, models, rng.uniform(0.0, 2.0, n)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(("n", "m", "k", "seed"), [(40, 6, 6, 0), (25, 7, 3, 1), (1, 3, 1, 2)])
def test_arrays_and_ballots_give_the_same_consensus(method, n, m, k, seed):
    orders, models, weights = _case(n, m, k, seed)
    ballots = [
        Ballot(voter=f"v{v}", task=TASK, ranking=[models[j] for j in row], weight=float(w))
        for v, (row, w) in enumerate(zip(orders, weights, strict=True))
    ]
    expected = aggregate(ballots, method, known_models=models)
    got = count_profile(profile_from_orders(orders, models, task=TASK, weights=weights), method)
    assert got == expected


def test_unweighted_by_default_and_empty_profile_counts_nothing():
    orders, models, _ = _case(10, 4, 4, 3)
    profile = profile_from_orders(orders, models, task=TASK)
    assert profile.weights.tolist() == [1.0] * 10
    assert profile.n_voters == 10
    empty = profile_from_orders(np.empty((0, 4), dtype=np.int64), models, task=TASK)
    assert count_profile(empty, "borda").preferred_model is None


@pytest.mark.parametrize(
    ("orders", "models", "task", "weights", "message"),
    [
        ([[0, 1]], ["a", "b"], "Bad Task", None, "lower snake case"),
        ([[0, 1]], ["a", "a"], TASK, None, "distinct"),
        ([[0, 1]], ["a", " "], TASK, None, "non-blank"),
        ([[0.0, 1.0]], ["a", "b"], TASK, None, "integer"),
        ([0, 1], ["a", "b"], TASK, None, "2-D"),
        ([[0, 1, 2]], ["a", "b"], TASK, None, "between 1 and 2"),
        ([[0, 2]], ["a", "b"], TASK, None, "indices in [0, 2)"),
        ([[-1, 0]], ["a", "b"], TASK, None, "indices in [0, 2)"),
        ([[0, 1], [1, 1]], ["a", "b"], TASK, None, "row 1 of orders ranks a model more than once"),
        ([[0, 1]], ["a", "b"], TASK, [1.0, 2.0], "shape (1,)"),
        ([[0, 1]], ["a", "b"], TASK, [float("nan")], "finite and >= 0"),
        ([[0, 1]], ["a", "b"], TASK, [-1.0], "finite and >= 0"),
    ],
)
def test_bad_arrays_are_refused_by_name(orders, models, task, weights, message):
    with pytest.raises(
        BallotError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")
    ):
        profile_from_orders(np.array(orders), models, task=task, weights=weights)
