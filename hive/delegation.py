"""Liquid delegation: agents may hand their vote to a neighbour.

Each agent either votes its own ballot or delegates to one neighbour, who may delegate further.
A chain resolves to its final delegate, whose ballot then carries the summed weight of everyone
who delegated to it along the chain. Delegation cycles (a -> b -> a) are detected: every agent
on a cycle, or whose chain runs into one, falls back to its own ballot, and the result says who
they were. Delegating to oneself is the same as not delegating.

:func:`resolve_delegations` is the graph part; :func:`delegate_ballots` applies it to one task's
ballots and returns the ballots to count (pass them to ``hive.consensus.aggregate``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import networkx as nx

from agents import Ballot
from hive._errors import BallotError, DelegationError

__all__ = ["DelegatedVote", "DelegationResult", "delegate_ballots", "resolve_delegations"]


@dataclass(frozen=True)
class DelegationResult:
    """Where each agent's vote ends up.

    Attributes:
        final: Agent -> the agent whose ballot it is counted with: its final delegate, or
            itself when it does not delegate or falls back.
        in_cycle: Agents on a delegation cycle.
        into_cycle: Agents not on a cycle whose chain runs into one.
    """

    final: Mapping[str, str]
    in_cycle: frozenset[str]
    into_cycle: frozenset[str]

    @property
    def fell_back(self) -> frozenset[str]:
        """Agents that fall back to their own ballot because of a cycle."""
        return self.in_cycle | self.into_cycle


def _check_neighbours(delegations: Mapping[str, str], graph: nx.Graph) -> None:
    for agent, delegate in sorted(delegations.items()):
        if agent == delegate:
            continue
        if agent not in graph or delegate not in graph:
            missing = agent if agent not in graph else delegate
            raise DelegationError(
                f"{agent!r} delegates to {delegate!r}, but {missing!r} is not in the graph",
                agent=agent,
            )
        if not graph.has_edge(agent, delegate):
            raise DelegationError(
                f"{agent!r} delegates to {delegate!r}, who is not its neighbour", agent=agent
            )


def resolve_delegations(
    delegations: Mapping[str, str], *, graph: nx.Graph | None = None
) -> DelegationResult:
    """Follow every delegation chain to its end, detecting cycles.

    Args:
        delegations: Agent -> the agent it delegates to. Agents absent from the keys vote
            themselves.
        graph: When given, each agent may only delegate to a neighbour (in a directed graph,
            along an edge ``agent -> delegate``).

    Returns:
        The resolution; ``final`` covers every agent named in ``delegations``.

    Raises:
        DelegationError: If ``graph`` is given and a delegation is not along one of its edges.
    """
    if graph is not None:
        _check_neighbours(delegations, graph)
    final: dict[str, str] = {}
    in_cycle: set[str] = set()
    into_cycle: set[str] = set()
    for start in sorted(set(delegations) | set(delegations.values())):
        path: list[str] = []
        on_path: dict[str, int] = {}
        node = start
        end: str | None  # the chain's final delegate, or None when it hits a cycle
        while True:
            if node in final:
                end = None if node in in_cycle or node in into_cycle else final[node]
                break
            if node in on_path:
                cycle = path[on_path[node] :]
                in_cycle.update(cycle)
                final.update((agent, agent) for agent in cycle)
                path = path[: on_path[node]]
                end = None
                break
            target = delegations.get(node, node)
            if target == node:
                final[node] = node
                end = node
                break
            on_path[node] = len(path)
            path.append(node)
            node = target
        for agent in path:
            final[agent] = agent if end is None else end
            if end is None:
                into_cycle.add(agent)
    return DelegationResult(
        final=final, in_cycle=frozenset(in_cycle), into_cycle=frozenset(into_cycle)
    )


@dataclass(frozen=True)
class DelegatedVote:
    """The ballots to count after delegation, and what happened on the way.

    Attributes:
        ballots: One ballot per agent that votes, in input order, each weighted with its own
            weight plus the weight delegated to it.
        resolution: How the delegation chains resolved (cycles included).
        unresolved: Agents whose final delegate cast no ballot, so they fell back to their own.
        abstained: Agents whose weight is counted nowhere: they have no ballot of their own and
            their delegation did not reach a ballot.
    """

    ballots: tuple[Ballot, ...]
    resolution: DelegationResult
    unresolved: frozenset[str]
    abstained: frozenset[str]


def delegate_ballots(
    ballots: Iterable[Ballot],
    delegations: Mapping[str, str],
    *,
    graph: nx.Graph | None = None,
    reputation: Mapping[str, float] | None = None,
) -> DelegatedVote:
    """Move delegated weight onto the final delegates' ballots.

    An agent's weight is its ballot's ``weight``; an agent that delegates without a ballot of
    its own weighs ``reputation[agent]`` (1.0 when absent). A delegator whose chain ends at an
    agent without a ballot, or runs into a cycle, votes its own ballot if it has one.

    Args:
        ballots: One task's ballots, one per voter.
        delegations: Agent -> the agent it delegates to.
        graph: When given, delegations must follow its edges.
        reputation: Weights of delegating agents that cast no ballot.

    Returns:
        The ballots to count and a report.

    Raises:
        BallotError: If ballots mix tasks or a voter has two ballots.
        DelegationError: If a delegation is not along an edge of ``graph``.
    """
    ballots = tuple(ballots)
    if len({ballot.task for ballot in ballots}) > 1:
        raise BallotError("ballots mix several tasks; delegate one task at a time")
    by_voter: dict[str, Ballot] = {}
    for ballot in ballots:
        if ballot.voter in by_voter:
            raise BallotError(
                f"voter {ballot.voter!r} cast more than one ballot", voter=ballot.voter
            )
        by_voter[ballot.voter] = ballot
    weights = dict(reputation or {})
    bad = sorted(agent for agent, w in weights.items() if not (math.isfinite(w) and w >= 0))
    if bad:
        raise ValueError(f"reputation must be finite and >= 0; not so for {bad}")
    resolution = resolve_delegations(delegations, graph=graph)
    carried = dict.fromkeys(by_voter, 0.0)
    unresolved: set[str] = set()
    abstained: set[str] = set()
    for agent in sorted(set(by_voter) | set(delegations)):
        own = by_voter.get(agent)
        weight = own.weight if own is not None else weights.get(agent, 1.0)
        target = resolution.final.get(agent, agent)
        if target in by_voter:
            carried[target] += weight
        elif own is not None:
            carried[agent] += weight
            unresolved.add(agent)
        else:
            abstained.add(agent)
    counted = tuple(
        ballot.model_copy(update={"weight": carried[ballot.voter]})
        for ballot in ballots
        if resolution.final.get(ballot.voter, ballot.voter) == ballot.voter
        or ballot.voter in unresolved
    )
    return DelegatedVote(
        ballots=counted,
        resolution=resolution,
        unresolved=frozenset(unresolved),
        abstained=frozenset(abstained),
    )
