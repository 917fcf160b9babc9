"""Graph builders and opinion dynamics, checked against closed forms."""

from __future__ import annotations

import random

import networkx as nx
import numpy as np
import pytest

from hive import (
    build_graph,
    complete,
    degroot,
    friedkin_johnsen,
    label_agents,
    scale_free,
    small_world,
    trust_matrix,
)


def rng(seed: int = 7) -> np.random.Generator:
    return np.random.default_rng(seed)


# --- builders ---------------------------------------------------------------------------------


def test_small_world_is_connected_and_reproducible() -> None:
    graph = small_world(30, rng=rng(), k=4, p=0.2)
    assert graph.number_of_nodes() == 30
    assert nx.is_connected(graph)
    assert nx.utils.graphs_equal(graph, small_world(30, rng=rng(), k=4, p=0.2))
    assert not nx.utils.graphs_equal(graph, small_world(30, rng=rng(8), k=4, p=0.2))


def test_scale_free_has_hubs_and_is_reproducible() -> None:
    graph = scale_free(200, rng=rng(), m=2)
    degrees = sorted((d for _, d in graph.degree()), reverse=True)
    assert nx.is_connected(graph)
    assert degrees[0] > 4 * np.median(degrees)
    assert nx.utils.graphs_equal(graph, scale_free(200, rng=rng(), m=2))


def test_builders_do_not_touch_global_random_state() -> None:
    stdlib_state = random.getstate()
    np.random.seed(11)
    small_world(20, rng=rng())
    scale_free(20, rng=rng())
    drawn_after_building = np.random.random()
    np.random.seed(11)
    assert np.random.random() == drawn_after_building
    assert random.getstate() == stdlib_state


def test_build_graph_by_name_and_unknown_kind() -> None:
    assert build_graph("complete", 5, rng=rng()).number_of_edges() == 10
    assert nx.is_connected(build_graph("small_world", 12, rng=rng()))
    with pytest.raises(ValueError, match="unknown graph kind 'ring'; valid kinds: small_world"):
        build_graph("ring", 5, rng=rng())


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: small_world(4, rng=rng(), k=4), "2 <= k < n"),
        (lambda: small_world(10, rng=rng(), p=1.5), r"p must be in \[0, 1\]"),
        (lambda: scale_free(3, rng=rng(), m=3), "1 <= m < n"),
        (lambda: complete(0), "n >= 1"),
    ],
)
def test_builders_reject_bad_parameters(build, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


def test_label_agents_renames_nodes() -> None:
    graph = label_agents(complete(3), ["ann", "bob", "cy"])
    assert set(graph.nodes) == {"ann", "bob", "cy"}
    with pytest.raises(ValueError, match="need 3 distinct agent ids"):
        label_agents(complete(3), ["ann", "ann", "cy"])


# --- trust matrix -----------------------------------------------------------------------------


def test_trust_matrix_is_row_stochastic_with_self_weight() -> None:
    graph = nx.Graph([(0, 1), (1, 2)])
    graph.add_node(3)  # isolated: trusts only itself
    trust = trust_matrix(graph, self_weight=0.4)
    expected = np.array(
        [
            [0.4, 0.6, 0.0, 0.0],
            [0.3, 0.4, 0.3, 0.0],
            [0.0, 0.6, 0.4, 0.0],
            [0.0, 0.0, 0.0, 1.0],
        ]
    )
    assert trust == pytest.approx(expected)


def test_trust_matrix_uses_edge_weights_and_direction() -> None:
    graph = nx.DiGraph()
    graph.add_edge("a", "b", weight=3.0)
    graph.add_edge("a", "c", weight=1.0)
    graph.add_edge("b", "a")
    trust = trust_matrix(graph, self_weight=0.0, nodes=["a", "b", "c"])
    assert trust == pytest.approx(np.array([[0, 0.75, 0.25], [1, 0, 0], [0, 0, 1]]))


def test_trust_matrix_rejects_bad_self_weight() -> None:
    with pytest.raises(ValueError, match="self_weight"):
        trust_matrix(complete(3), self_weight=1.2)


# --- DeGroot ----------------------------------------------------------------------------------


def stationary(trust: np.ndarray) -> np.ndarray:
    """Left eigenvector of the trust matrix for eigenvalue 1, summing to 1."""
    values, vectors = np.linalg.eig(trust.T)
    vector = np.real(vectors[:, np.argmin(np.abs(values - 1.0))])
    return np.asarray(vector / vector.sum())


def test_degroot_converges_to_the_stationary_weighted_average() -> None:
    # Connected and, with self-trust, aperiodic: a primitive trust matrix.
    graph = small_world(15, rng=rng(), k=4, p=0.3)
    trust = trust_matrix(graph, self_weight=0.3)
    opinions = rng(1).random((15, 4))
    result = degroot(opinions, trust, tol=1e-12)
    expected = stationary(trust) @ opinions
    assert result.converged
    assert result.iterations < 10_000
    assert result.opinions == pytest.approx(np.tile(expected, (15, 1)), abs=1e-9)
    # For this trust matrix the stationary distribution is proportional to degree.
    degrees = np.array([d for _, d in graph.degree()], dtype=float)
    assert expected == pytest.approx(degrees / degrees.sum() @ opinions)


def test_degroot_on_a_directed_strongly_connected_graph() -> None:
    graph = nx.DiGraph([(0, 1), (1, 2), (2, 0), (2, 1), (0, 2)])
    trust = trust_matrix(graph, self_weight=0.2)
    opinions = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    result = degroot(opinions, trust, tol=1e-13)
    assert result.converged
    assert result.opinions[0] == pytest.approx(stationary(trust) @ opinions, abs=1e-10)


def test_degroot_reports_stopping_at_the_cap_on_a_periodic_graph() -> None:
    trust = np.array([[0.0, 1.0], [1.0, 0.0]])  # two agents swapping opinions forever
    result = degroot(np.array([[1.0], [0.0]]), trust, max_iter=50)
    assert not result.converged
    assert result.iterations == 50
    assert result.max_change == pytest.approx(1.0)


def test_degroot_rejects_a_trust_matrix_that_is_not_row_stochastic() -> None:
    with pytest.raises(ValueError, match="row-stochastic"):
        degroot(np.zeros((2, 1)), np.array([[0.5, 0.4], [0.5, 0.5]]))
    with pytest.raises(ValueError, match=r"\(agents, models\)"):
        degroot(np.zeros(2), np.eye(2))
    with pytest.raises(ValueError, match=r"trust must be \(3, 3\)"):
        degroot(np.zeros((3, 1)), np.eye(2))


# --- Friedkin-Johnsen -------------------------------------------------------------------------


def test_friedkin_johnsen_matches_its_closed_form() -> None:
    graph = scale_free(12, rng=rng(), m=2)
    trust = trust_matrix(graph, self_weight=0.25)
    opinions = rng(2).random((12, 3))
    susceptibility = rng(3).uniform(0.0, 0.9, size=12)
    result = friedkin_johnsen(opinions, trust, susceptibility, tol=1e-13)
    lam = np.diag(susceptibility)
    identity = np.eye(12)
    expected = np.linalg.solve(identity - lam @ trust, (identity - lam) @ opinions)
    assert result.converged
    assert result.opinions == pytest.approx(expected, abs=1e-10)


def test_friedkin_johnsen_extremes() -> None:
    trust = trust_matrix(complete(4), self_weight=0.0)
    opinions = np.arange(8, dtype=float).reshape(4, 2)
    stubborn = friedkin_johnsen(opinions, trust, 0.0)
    assert stubborn.converged
    assert stubborn.iterations == 1
    assert stubborn.opinions == pytest.approx(opinions)
    open_minded = friedkin_johnsen(opinions, trust, 1.0, tol=1e-12)
    assert open_minded.opinions == pytest.approx(degroot(opinions, trust, tol=1e-12).opinions)


def test_friedkin_johnsen_rejects_bad_susceptibility() -> None:
    trust = np.eye(3)
    with pytest.raises(ValueError, match=r"susceptibility must be in \[0, 1\]"):
        friedkin_johnsen(np.zeros((3, 1)), trust, [0.5, 1.5, 0.0])
    with pytest.raises(ValueError, match=r"scalar or \(3,\)"):
        friedkin_johnsen(np.zeros((3, 1)), trust, [0.5, 0.5])


# --- influence weights (Golub & Jackson) ----------------------------------------------------


def test_influence_weights_are_degree_shares_on_an_undirected_graph() -> None:
    """pi W = pi for W = a I + (1 - a) D^-1 A is solved by pi_i = d_i / sum(d)."""
    from hive.network import influence_weights

    graph = scale_free(60, rng=rng(3), m=2)
    degree = np.array([d for _, d in sorted(graph.degree())], dtype=float)
    for self_weight in (0.0, 0.3, 0.9):
        pi = influence_weights(trust_matrix(graph, self_weight=self_weight))
        assert pi == pytest.approx(degree / degree.sum(), abs=1e-12)


def test_influence_weights_give_the_degroot_limit_on_a_directed_graph() -> None:
    from hive.network import influence_weights

    graph = nx.DiGraph([(0, 1), (1, 2), (2, 0), (2, 1), (0, 2)])
    trust = trust_matrix(graph, self_weight=0.2)
    pi = influence_weights(trust)
    assert pi @ trust == pytest.approx(pi, abs=1e-12)
    x0 = rng(4).normal(size=(3, 2))
    assert degroot(x0, trust).opinions == pytest.approx(np.tile(pi @ x0, (3, 1)), abs=1e-8)


def test_influence_weights_refuse_two_closed_groups() -> None:
    from hive.network import influence_weights

    with pytest.raises(ValueError, match="2 closed groups"):
        influence_weights(trust_matrix(nx.Graph([(0, 1), (2, 3)])))
    with pytest.raises(ValueError, match="square"):
        influence_weights(np.ones((2, 3)) / 3)
