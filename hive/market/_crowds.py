"""Wisdom of crowds on a network: Golub & Jackson (2010) and Lorenz et al. (2011).

Agents estimate one hidden quantity (think: a model's quality, on the log scale); each starts
from a private noisy signal and then averages with its neighbours, DeGroot style.

- :func:`crowd_wisdom` (Golub & Jackson): where the averaging ends and how far from the truth.
  The consensus is ``pi @ x(0)`` with ``pi`` the influence weights, so its error has standard
  deviation ``noise_sd * ||pi||``: a crowd is wise when no one holds much weight.
- :func:`lorenz_rounds` (Lorenz, Rauhut, Schweitzer & Helbing 2011): a few rounds of revising
  towards what one sees of the others. Measured per round: the diversity of estimates, the
  collective error of their mean, how often the truth is still inside the range of estimates,
  and confidence (the inverse spread an agent sees around itself).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np

from hive.network import degroot, influence_weights, trust_matrix

__all__ = ["CrowdWisdom", "crowd_wisdom", "lorenz_rounds"]


@dataclass(frozen=True)
class CrowdWisdom:
    """How well one graph's DeGroot consensus finds the truth.

    Attributes:
        agents: Nodes in the graph.
        max_weight: The largest influence weight (Golub & Jackson: wise iff it tends to 0).
        predicted_error: ``noise_sd * ||pi||``, the closed-form sd of the consensus error.
        observed_error: Root mean square error of the consensus over trials.
        closed_form_gap: Largest ``|consensus - pi @ x(0)|`` over agents and trials.
        iterations: DeGroot updates until no opinion moved by ``tol``.
        converged: Whether DeGroot converged within its iteration cap.
    """

    agents: int
    max_weight: float
    predicted_error: float
    observed_error: float
    closed_form_gap: float
    iterations: int
    converged: bool


def crowd_wisdom(
    graph: nx.Graph,
    *,
    rng: np.random.Generator,
    trials: int = 200,
    noise_sd: float = 1.0,
    self_weight: float = 0.5,
    tol: float = 1e-9,
) -> CrowdWisdom:
    """Run DeGroot from ``trials`` independent draws of noisy signals about a truth of 0.

    Raises:
        ValueError: If ``trials < 1``, ``noise_sd <= 0``, or the graph has no unique consensus.
    """
    if trials < 1 or noise_sd <= 0:
        raise ValueError(f"need trials >= 1 and noise_sd > 0, got {trials}, {noise_sd}")
    trust = trust_matrix(graph, self_weight=self_weight)
    pi = influence_weights(trust)
    signals = rng.normal(0.0, noise_sd, (len(pi), trials))  # one column per trial
    run = degroot(signals, trust, tol=tol, max_iter=200_000)
    consensus = run.opinions.mean(axis=0)
    return CrowdWisdom(
        agents=len(pi),
        max_weight=float(pi.max()),
        predicted_error=float(noise_sd * np.linalg.norm(pi)),
        observed_error=float(np.sqrt(np.mean(consensus**2))),
        closed_form_gap=float(np.abs(run.opinions - pi @ signals).max()),
        iterations=run.iterations,
        converged=run.converged,
    )


def lorenz_rounds(
    graph: nx.Graph,
    influence: float,
    *,
    rng: np.random.Generator,
    rounds: int = 5,
    trials: int = 1000,
    noise_sd: float = 1.0,
    bias_sd: float = 1.0,
) -> list[dict[str, Any]]:
    """Rounds of estimates revised towards the neighbours' mean; measures per round.

    In each trial the truth is 0 and the crowd shares a bias ``b ~ N(0, bias_sd)`` (Lorenz's
    crowds were far off on most questions); agent ``i`` starts at ``b + noise_sd * e_i`` and
    then moves ``influence`` of the way to its neighbours' mean each round (0: Lorenz's control
    condition, no information about others). Rows: ``round`` (0 is the first, independent
    estimate), ``diversity`` (variance of the estimates), ``collective_error`` (squared
    error of their mean), ``truth_in_range`` (share of trials whose estimates still bracket
    the truth), ``wisdom_indicator`` (``min(#below, #above) / n`` of the truth, 0.5 when the
    truth is the median, 0 when outside the range) and ``confidence`` (the inverse standard
    deviation of the estimates an agent sees: its own and its neighbours'), each averaged
    over trials.

    Raises:
        ValueError: If ``influence`` is outside ``[0, 1]`` or a count is below 1.
    """
    if not 0.0 <= influence <= 1.0:
        raise ValueError(f"influence must be in [0, 1], got {influence!r}")
    if rounds < 1 or trials < 1 or noise_sd <= 0 or bias_sd < 0:
        raise ValueError("need rounds >= 1, trials >= 1, noise_sd > 0 and bias_sd >= 0")
    trust = trust_matrix(graph, self_weight=1.0 - influence)
    nodes = list(graph.nodes)
    adjacency = nx.to_numpy_array(graph, nodelist=nodes, weight=None) > 0
    np.fill_diagonal(adjacency, True)  # an agent sees itself and its neighbours
    seen = adjacency.astype(float)
    n = len(nodes)
    bias = rng.normal(0.0, bias_sd, trials)
    x = bias + rng.normal(0.0, noise_sd, (n, trials))
    rows = []
    for step in range(rounds + 1):
        if step:
            x = trust @ x
        count = seen.sum(axis=1, keepdims=True)
        local_mean = seen @ x / count
        local_var = np.maximum(seen @ x**2 / count - local_mean**2, 0.0)
        below, above = (x < 0).sum(axis=0), (x > 0).sum(axis=0)
        rows.append(
            {
                "influence": influence,
                "round": step,
                "diversity": float(x.var(axis=0).mean()),
                "collective_error": float((x.mean(axis=0) ** 2).mean()),
                "truth_in_range": float(((below > 0) & (above > 0)).mean()),
                "wisdom_indicator": float((np.minimum(below, above) / n).mean()),
                "confidence": float(1.0 / max(float(np.sqrt(local_var).mean()), 1e-12)),
            }
        )
    return rows
