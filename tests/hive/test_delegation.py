"""Liquid delegation: chains pass weight along, cycles fall back to own ballots."""

from __future__ import annotations

import networkx as nx
import pytest

from agents import Ballot
from hive import (
    BallotError,
    DelegationError,
    aggregate,
    delegate_ballots,
    resolve_delegations,
)

TASK = "code_generation"


def ballot(voter: str, *ranking: str, weight: float = 1.0) -> Ballot:
    return Ballot(voter=voter, task=TASK, ranking=list(ranking), weight=weight)


def test_chain_resolves_to_the_final_delegate() -> None:
    result = resolve_delegations({"a": "b", "b": "c"})
    assert dict(result.final) == {"a": "c", "b": "c", "c": "c"}
    assert result.in_cycle == result.into_cycle == frozenset()


def test_chain_sums_weights_on_the_final_delegate() -> None:
    ballots = [
        ballot("a", "x", "y", weight=1.0),
        ballot("b", "x", "y", weight=2.0),
        ballot("c", "y", "x", weight=0.5),
        ballot("d", "x", "y", weight=1.5),
    ]
    vote = delegate_ballots(ballots, {"a": "b", "b": "c"})
    assert [(b.voter, b.weight) for b in vote.ballots] == [("c", 3.5), ("d", 1.5)]
    assert vote.ballots[0].ranking == ("y", "x")
    # Without delegation x wins 4.5 : 0.5; with it, c's ballot carries 3.5 for y.
    assert aggregate(ballots, "plurality").preferred_model == "x"
    assert aggregate(vote.ballots, "plurality").preferred_model == "y"


def test_cycle_and_agents_leading_into_it_fall_back_to_their_own_ballots() -> None:
    result = resolve_delegations({"a": "b", "b": "c", "c": "a", "d": "a", "e": "f"})
    assert result.in_cycle == {"a", "b", "c"}
    assert result.into_cycle == {"d"}
    assert result.fell_back == {"a", "b", "c", "d"}
    assert {agent: result.final[agent] for agent in "abcd"} == {
        "a": "a", "b": "b", "c": "c", "d": "d",
    }  # fmt: skip
    assert result.final["e"] == "f"


def test_cycle_ballots_keep_their_own_weight() -> None:
    ballots = [ballot("a", "x", weight=1.0), ballot("b", "y", weight=2.0), ballot("c", "x")]
    vote = delegate_ballots(ballots, {"a": "b", "b": "a", "c": "a"})
    assert [(b.voter, b.weight) for b in vote.ballots] == [("a", 1.0), ("b", 2.0), ("c", 1.0)]
    assert vote.resolution.in_cycle == {"a", "b"}
    assert vote.resolution.into_cycle == {"c"}


def test_resolution_does_not_depend_on_dict_order() -> None:
    delegations = {"a": "b", "b": "c", "c": "a", "d": "a", "x": "y", "y": "z"}
    reordered = dict(reversed(list(delegations.items())))
    assert resolve_delegations(delegations) == resolve_delegations(reordered)


def test_self_delegation_is_voting_oneself() -> None:
    result = resolve_delegations({"a": "a"})
    assert dict(result.final) == {"a": "a"}
    assert result.fell_back == frozenset()


def test_delegating_without_a_ballot_uses_reputation() -> None:
    ballots = [ballot("expert", "x", "y", weight=2.0)]
    vote = delegate_ballots(
        ballots, {"novice": "expert", "newbie": "expert"}, reputation={"novice": 0.5}
    )
    assert [(b.voter, b.weight) for b in vote.ballots] == [("expert", 3.5)]


def test_final_delegate_without_a_ballot() -> None:
    ballots = [ballot("a", "x"), ballot("c", "y")]
    vote = delegate_ballots(ballots, {"a": "b", "d": "b"})  # b abstains
    assert [(b.voter, b.weight) for b in vote.ballots] == [("a", 1.0), ("c", 1.0)]
    assert vote.unresolved == {"a"}
    assert vote.abstained == {"d"}


def test_delegation_must_follow_the_graph() -> None:
    graph = nx.path_graph(["a", "b", "c"])
    resolve_delegations({"a": "b", "b": "c"}, graph=graph)
    with pytest.raises(
        DelegationError, match="'a' delegates to 'c', who is not its neighbour"
    ) as exc:
        resolve_delegations({"a": "c"}, graph=graph)
    assert exc.value.agent == "a"
    with pytest.raises(DelegationError, match="'zed' is not in the graph"):
        resolve_delegations({"a": "zed"}, graph=graph)


def test_directed_graph_edges_point_from_delegator_to_delegate() -> None:
    graph = nx.DiGraph([("a", "b")])
    resolve_delegations({"a": "b"}, graph=graph)
    with pytest.raises(DelegationError):
        resolve_delegations({"b": "a"}, graph=graph)


def test_delegate_ballots_rejects_mixed_tasks_and_double_votes() -> None:
    other = Ballot(voter="z", task="summarisation", ranking=["x"])
    with pytest.raises(BallotError, match="mix several tasks"):
        delegate_ballots([ballot("a", "x"), other], {})
    with pytest.raises(BallotError, match="'a' cast more than one ballot"):
        delegate_ballots([ballot("a", "x"), ballot("a", "y")], {})
    with pytest.raises(ValueError, match="reputation must be finite"):
        delegate_ballots([ballot("a", "x")], {"b": "a"}, reputation={"b": -1.0})
