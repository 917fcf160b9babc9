"""Wisdom of crowds on networks: Golub & Jackson's closed form, Lorenz et al.'s effects."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest

from hive.market import crowd_wisdom, lorenz_rounds
from hive.network import complete, scale_free, small_world


def test_degroot_consensus_is_the_influence_weighted_signal_and_its_error_matches() -> None:
    rng = np.random.default_rng(0)
    graph = scale_free(40, rng=rng)
    result = crowd_wisdom(graph, rng=rng, trials=1000, noise_sd=2.0)
    assert result.converged
    assert result.closed_form_gap < 1e-6
    degree = np.array([d for _, d in graph.degree()], dtype=float)
    assert result.max_weight == pytest.approx(degree.max() / degree.sum())
    assert result.predicted_error == pytest.approx(2.0 * np.linalg.norm(degree / degree.sum()))
    # RMS of 1,000 normal draws: relative standard error about 1 / sqrt(2 * 1000) = 2.2%.
    assert result.observed_error == pytest.approx(result.predicted_error, rel=0.08)


def test_a_crowd_is_wise_only_when_no_one_holds_much_weight() -> None:
    """Golub & Jackson: the error vanishes as n grows on a complete graph, not on a star."""
    rng = np.random.default_rng(1)
    errors = {}
    for n in (10, 160):
        errors["complete", n] = crowd_wisdom(complete(n), rng=rng, trials=400).observed_error
        errors["star", n] = crowd_wisdom(nx.star_graph(n - 1), rng=rng, trials=400).observed_error
    # complete: sd / sqrt(n), a fourfold drop; star: the hub keeps half the weight, sd ~ 0.5.
    assert errors["complete", 160] == pytest.approx(1 / np.sqrt(160), rel=0.15)
    assert errors["complete", 160] < errors["complete", 10] / 3
    assert errors["star", 160] > 0.4
    assert errors["star", 160] > 0.75 * errors["star", 10]


def test_hubs_make_a_scale_free_crowd_less_wise_than_a_small_world() -> None:
    rng = np.random.default_rng(2)
    hubs = crowd_wisdom(scale_free(100, rng=rng), rng=rng, trials=5)
    ring = crowd_wisdom(small_world(100, rng=rng), rng=rng, trials=5)
    assert hubs.max_weight > 3 * ring.max_weight
    assert hubs.predicted_error > ring.predicted_error


def test_lorenz_diversity_collapses_by_the_closed_form_and_accuracy_does_not_move() -> None:
    """Complete graph: every deviation from the mean shrinks by 1 - a n / (n - 1) a round."""
    n, a = 12, 0.3
    rows = lorenz_rounds(complete(n), a, rng=np.random.default_rng(3), rounds=5, trials=500)
    factor = (1 - a * n / (n - 1)) ** 2
    for before, after in itertools.pairwise(rows):
        assert after["diversity"] == pytest.approx(before["diversity"] * factor, rel=1e-9)
        assert after["collective_error"] == pytest.approx(rows[0]["collective_error"], rel=1e-9)
        assert after["confidence"] > before["confidence"]
        assert after["truth_in_range"] <= before["truth_in_range"]
    # range reduction: the truth ends outside the estimates far more often
    assert rows[-1]["truth_in_range"] < rows[0]["truth_in_range"] - 0.3
    assert rows[-1]["wisdom_indicator"] < rows[0]["wisdom_indicator"] / 2


def test_lorenz_control_condition_changes_nothing_and_same_seed_same_rows() -> None:
    graph = small_world(12, rng=np.random.default_rng(4))
    rows = lorenz_rounds(graph, 0.0, rng=np.random.default_rng(5), trials=200)
    assert all(row | {"round": 0} == rows[0] for row in rows)
    again = lorenz_rounds(graph, 0.0, rng=np.random.default_rng(5), trials=200)
    assert again == rows
    with pytest.raises(ValueError, match="influence"):
        lorenz_rounds(graph, 1.5, rng=np.random.default_rng(5))
