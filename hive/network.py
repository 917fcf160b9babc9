"""The hive's social graph and how opinions spread over it.

Graph builders wrap networkx and take the run's ``numpy.random.Generator``: they draw one seed
from it for networkx, so nothing touches global random state and the same generator state
always gives the same graph. Nodes are ``0..n-1``; :func:`label_agents` renames them to agent
ids.

Opinion dynamics work on an ``(agents, models)`` array of scores, row ``i`` being agent ``i``'s
opinion of every model, and a row-stochastic trust matrix (:func:`trust_matrix`):

- DeGroot: ``x(t+1) = W x(t)``. On a strongly connected, aperiodic graph every column converges
  to the same value, the initial opinions averaged with the weights of the stationary
  distribution ``pi`` of ``W`` (``pi W = pi``).
  :func:`influence_weights` gives ``pi``: each agent's weight in the consensus, the
  eigenvector centrality of Golub & Jackson (2010). For :func:`trust_matrix` of an undirected
  graph it is proportional to degree, so a crowd is wise (its consensus tends to the truth as
  it grows) exactly when the largest degree share tends to 0.
- Friedkin-Johnsen: ``x(t+1) = L W x(t) + (I - L) x(0)``, ``L = diag(susceptibility)``. Agents
  stay partly anchored to their initial opinions; when ``I - L W`` is invertible the limit is
  ``(I - L W)^-1 (I - L) x(0)``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Literal

import networkx as nx
import numpy as np
import numpy.typing as npt
import scipy.linalg

from hive._profile import FloatArray

__all__ = [
    "GraphKind",
    "OpinionDynamics",
    "build_graph",
    "complete",
    "degroot",
    "friedkin_johnsen",
    "influence_weights",
    "label_agents",
    "scale_free",
    "small_world",
    "trust_matrix",
]

GraphKind = Literal["small_world", "scale_free", "complete"]


def _nx_seed(rng: np.random.Generator) -> int:
    return int(rng.integers(0, 2**32))


def small_world(
    n: int, *, rng: np.random.Generator, k: int = 4, p: float = 0.1, tries: int = 100
) -> nx.Graph:
    """A connected Watts-Strogatz small-world graph.

    Args:
        n: Number of agents, ``> k``.
        rng: The run's generator; one seed is drawn from it.
        k: Each agent starts linked to its ``k`` nearest ring neighbours (``k // 2`` a side).
        p: Probability of rewiring each link, in ``[0, 1]``.
        tries: Redraws allowed to get a connected graph.

    Raises:
        ValueError: If the parameters are out of range or no connected graph came up.
    """
    if not 2 <= k < n:
        raise ValueError(f"small_world needs 2 <= k < n, got k={k}, n={n}")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"small_world rewiring probability p must be in [0, 1], got {p}")
    try:
        graph: nx.Graph = nx.connected_watts_strogatz_graph(
            n, k, p, tries=tries, seed=_nx_seed(rng)
        )
    except nx.NetworkXError as exc:
        raise ValueError(
            f"no connected small-world graph with n={n}, k={k}, p={p} in {tries} tries"
        ) from exc
    return graph


def scale_free(n: int, *, rng: np.random.Generator, m: int = 2) -> nx.Graph:
    """A Barabási-Albert scale-free graph (preferential attachment), always connected.

    Args:
        n: Number of agents, ``> m``.
        rng: The run's generator; one seed is drawn from it.
        m: Links each new agent makes to existing ones, ``1 <= m < n``.

    Raises:
        ValueError: If ``m`` is out of range.
    """
    if not 1 <= m < n:
        raise ValueError(f"scale_free needs 1 <= m < n, got m={m}, n={n}")
    graph: nx.Graph = nx.barabasi_albert_graph(n, m, seed=_nx_seed(rng))
    return graph


def complete(n: int) -> nx.Graph:
    """Everyone linked to everyone; there is nothing random to draw."""
    if n < 1:
        raise ValueError(f"complete needs n >= 1 agents, got {n}")
    graph: nx.Graph = nx.complete_graph(n)
    return graph


_BUILDERS: dict[str, Callable[[int, np.random.Generator], nx.Graph]] = {
    "small_world": lambda n, rng: small_world(n, rng=rng),
    "scale_free": lambda n, rng: scale_free(n, rng=rng),
    "complete": lambda n, rng: complete(n),
}


def build_graph(kind: str, n: int, *, rng: np.random.Generator) -> nx.Graph:
    """Build a graph of a named kind with its default parameters.

    Call :func:`small_world` or :func:`scale_free` directly to set their parameters.

    Raises:
        ValueError: If ``kind`` is unknown; the message lists the known kinds.
    """
    builder = _BUILDERS.get(kind)
    if builder is None:
        raise ValueError(f"unknown graph kind {kind!r}; valid kinds: {', '.join(_BUILDERS)}")
    return builder(n, rng)


def label_agents(graph: nx.Graph, agents: Sequence[Hashable]) -> nx.Graph:
    """A copy of ``graph`` whose node ``i`` is renamed ``agents[i]``.

    Raises:
        ValueError: If there are not exactly as many distinct agents as nodes.
    """
    if len(set(agents)) != len(agents) or len(agents) != graph.number_of_nodes():
        raise ValueError(
            f"need {graph.number_of_nodes()} distinct agent ids, got {len(agents)} "
            f"({len(set(agents))} distinct)"
        )
    relabelled: nx.Graph = nx.relabel_nodes(graph, dict(enumerate(agents)), copy=True)
    return relabelled


def trust_matrix(
    graph: nx.Graph, *, self_weight: float = 0.5, nodes: Sequence[Hashable] | None = None
) -> FloatArray:
    """The row-stochastic trust matrix of a graph.

    Agent ``i`` keeps ``self_weight`` of the trust for itself and spreads the rest over its
    neighbours in proportion to the edge ``"weight"`` attribute (1 when absent). In a directed
    graph an edge ``i -> j`` means ``i`` listens to ``j``. An agent without neighbours trusts
    only itself. Self-loops are ignored.

    Args:
        graph: Any networkx graph.
        self_weight: Trust an agent keeps for itself, in ``[0, 1]``.
        nodes: Row order; ``list(graph.nodes)`` by default.

    Returns:
        ``(agents, agents)`` matrix with non-negative rows summing to 1.

    Raises:
        ValueError: If ``self_weight`` is outside ``[0, 1]`` or an edge weight is negative.
    """
    if not 0.0 <= self_weight <= 1.0:
        raise ValueError(f"self_weight must be in [0, 1], got {self_weight}")
    order = list(graph.nodes) if nodes is None else list(nodes)
    adjacency = np.asarray(nx.to_numpy_array(graph, nodelist=order, weight="weight"), dtype=float)
    if np.any(adjacency < 0) or not np.all(np.isfinite(adjacency)):
        raise ValueError("edge weights must be finite and >= 0")
    np.fill_diagonal(adjacency, 0.0)
    degree = adjacency.sum(axis=1)
    lonely = degree == 0
    social = np.divide(
        adjacency, degree[:, None], out=np.zeros_like(adjacency), where=~lonely[:, None]
    )
    keep = np.where(lonely, 1.0, self_weight)
    trust: FloatArray = (1.0 - keep)[:, None] * social + np.diag(keep)
    return trust


@dataclass(frozen=True)
class OpinionDynamics:
    """Where opinion dynamics ended.

    Attributes:
        opinions: ``(agents, models)`` final opinions.
        iterations: Updates applied.
        converged: ``True`` if the last update changed no opinion by ``tol`` or more;
            ``False`` if the run stopped at the iteration cap.
        max_change: Largest absolute change in the last update.
    """

    opinions: FloatArray
    iterations: int
    converged: bool
    max_change: float


def _checked(initial: npt.ArrayLike, trust: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    x0 = np.asarray(initial, dtype=np.float64)
    w = np.asarray(trust, dtype=np.float64)
    if x0.ndim != 2:
        raise ValueError(f"initial opinions must be (agents, models), got shape {x0.shape}")
    if w.shape != (len(x0), len(x0)):
        raise ValueError(
            f"trust must be ({len(x0)}, {len(x0)}) for {len(x0)} agents, got {w.shape}"
        )
    if not (np.all(np.isfinite(x0)) and np.all(np.isfinite(w))):
        raise ValueError("initial opinions and trust must be finite")
    if np.any(w < 0) or not np.allclose(w.sum(axis=1), 1.0, atol=1e-9):
        raise ValueError("trust must be row-stochastic: entries >= 0, every row summing to 1")
    return x0, w


def _iterate(
    update: Callable[[FloatArray], FloatArray], x0: FloatArray, *, tol: float, max_iter: int
) -> OpinionDynamics:
    if tol <= 0 or max_iter < 1:
        raise ValueError(f"need tol > 0 and max_iter >= 1, got tol={tol}, max_iter={max_iter}")
    x, change = x0, np.inf
    for iteration in range(1, max_iter + 1):
        nxt = update(x)
        change = float(np.max(np.abs(nxt - x), initial=0.0))
        x = nxt
        if change < tol:
            return OpinionDynamics(x, iteration, converged=True, max_change=change)
    return OpinionDynamics(x, max_iter, converged=False, max_change=change)


def degroot(
    initial: npt.ArrayLike, trust: npt.ArrayLike, *, tol: float = 1e-10, max_iter: int = 10_000
) -> OpinionDynamics:
    """Run DeGroot averaging ``x <- W x`` until opinions stop moving.

    Args:
        initial: ``(agents, models)`` initial opinions.
        trust: ``(agents, agents)`` row-stochastic trust matrix.
        tol: Stop once no opinion changes by ``tol`` or more in one update.
        max_iter: Iteration cap.

    Returns:
        The final opinions and whether they converged.

    Raises:
        ValueError: If shapes disagree, values are not finite or ``trust`` is not row-stochastic.
    """
    x0, w = _checked(initial, trust)
    return _iterate(lambda x: w @ x, x0, tol=tol, max_iter=max_iter)


def friedkin_johnsen(
    initial: npt.ArrayLike,
    trust: npt.ArrayLike,
    susceptibility: npt.ArrayLike,
    *,
    tol: float = 1e-10,
    max_iter: int = 10_000,
) -> OpinionDynamics:
    """Run Friedkin-Johnsen dynamics ``x <- L W x + (I - L) x(0)`` until opinions settle.

    Args:
        initial: ``(agents, models)`` initial opinions, which agents stay anchored to.
        trust: ``(agents, agents)`` row-stochastic trust matrix.
        susceptibility: Per-agent weight on others' opinions, in ``[0, 1]``: 0 never moves,
            1 is DeGroot. A scalar applies to every agent.
        tol: Stop once no opinion changes by ``tol`` or more in one update.
        max_iter: Iteration cap.

    Returns:
        The final opinions and whether they converged.

    Raises:
        ValueError: If shapes disagree, values are out of range or ``trust`` is not
            row-stochastic.
    """
    x0, w = _checked(initial, trust)
    lam = np.asarray(susceptibility, dtype=np.float64)
    if lam.shape not in {(), (len(x0),)}:
        raise ValueError(f"susceptibility must be a scalar or ({len(x0)},), got {lam.shape}")
    lam = np.broadcast_to(lam, (len(x0),))
    if np.any(~np.isfinite(lam)) or np.any((lam < 0) | (lam > 1)):
        raise ValueError("susceptibility must be in [0, 1] for every agent")
    influenced = lam[:, None] * w
    anchor = (1.0 - lam)[:, None] * x0
    return _iterate(lambda x: influenced @ x + anchor, x0, tol=tol, max_iter=max_iter)


def influence_weights(trust: npt.ArrayLike) -> FloatArray:
    """Each agent's weight in the DeGroot consensus: ``pi`` with ``pi W = pi``, summing to 1.

    Golub & Jackson's influence vector (the left unit eigenvector of ``W``). The consensus of
    :func:`degroot` from ``x(0)`` is ``pi @ x(0)`` when the graph is strongly connected and
    aperiodic.

    Raises:
        ValueError: If ``trust`` is not square and row-stochastic, or ``pi`` is not unique
            (the graph has more than one closed group of agents).
    """
    w = np.asarray(trust, dtype=np.float64)
    if w.ndim != 2 or w.shape[0] != w.shape[1]:
        raise ValueError(f"trust must be a square matrix, got shape {w.shape}")
    _checked(np.zeros((len(w), 1)), w)
    basis = scipy.linalg.null_space(w.T - np.eye(len(w)), rcond=1e-10)
    if basis.shape[1] != 1:
        raise ValueError(
            f"influence weights are not unique: {basis.shape[1]} closed groups of agents "
            "(the graph is not strongly connected)"
        )
    pi = basis[:, 0] / basis[:, 0].sum()
    weights: FloatArray = np.clip(pi, 0.0, None)
    weights /= weights.sum()
    return weights
